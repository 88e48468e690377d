"""`tfc.function`: trace a Python function once per input signature, compile the graph, call native code.

Trace keys follow TensorFlow (../shared/notes/tf-semantics.md): tensors and numpy arrays by shape and dtype,
other Python values by value (so 1, 1.0 and True share a trace), nested structures by their nesting, positional
and keyword spellings of the same call alike. Python side effects in the body run only while tracing. Each trace
is a ConcreteFunction (concrete.py); reduce_retracing's relaxed shapes and why each trace happened: retracing.py.
"""
from __future__ import annotations

import functools
import inspect

import numpy as np

from . import config, errors, nest
from .core import Trace, tracing
from .core import _state as _core_state  # the active trace, read without a call on the fast path
from .concrete import ConcreteFunction, TensorSpec
from .graph import Graph, TensorType
from .retracing import RetraceHistory, leaf_key, relax
from .tensor import Tensor, TensorShape, _cast_python
from .device import _SCOPE, current_target

__all__ = ["function", "Function", "ConcreteFunction", "TensorSpec"]


def _is_tensor_like(value) -> bool:
    """Tensors, numpy arrays and numpy scalars (they carry a dtype) become graph inputs; other values are
    Python constants of the trace."""
    return isinstance(value, (Tensor, np.ndarray, np.generic, TensorSpec))


def _fast_key(args):
    """One token per argument when all are ndarrays or eager tensors, else None: an eager tensor's TensorType (its
    hash is cached: no per-call shape tuple to build and hash) or an array's (dtype, shape)."""
    key = []
    for value in args:
        cls = value.__class__
        if cls is Tensor and value._symbol is None:
            key.append(value.type)
        elif cls is np.ndarray:
            key.append((value.dtype, value.shape))
        else:
            return None
    return tuple(key)


def _leaf_key(value):
    """The cache-key part of one argument leaf (see retracing.leaf_key)."""
    return leaf_key(value)


def _shape_fits(shape, trace_shape) -> bool:
    """A call's shape (None: an unknown rank) fits a trace's (None dims, or an unknown rank: any)."""
    if trace_shape is None:
        return True
    return shape is not None and len(shape) == len(trace_shape) and \
        all(s is None or s == d for s, d in zip(trace_shape, shape))


def _match_structure(spec_structure, value, path: str, function_name: str):
    """Yields (path, value leaf, spec) pairs, flattening `value` only as deep as the signature's structure."""
    if isinstance(spec_structure, TensorSpec):
        yield path, value, spec_structure
        return
    if isinstance(spec_structure, dict) and isinstance(value, dict) and set(value) == set(spec_structure):
        for key in sorted(spec_structure, key=repr):
            yield from _match_structure(spec_structure[key], value[key], f"{path}[{key!r}]", function_name)
        return
    if isinstance(spec_structure, (list, tuple)) and isinstance(value, (list, tuple)) and \
            len(value) == len(spec_structure):
        for i, (spec, item) in enumerate(zip(spec_structure, value)):
            yield from _match_structure(spec, item, f"{path}[{i}]", function_name)
        return
    raise errors.SignatureMismatchError(f"{function_name}(): argument {path!r} does not match the structure of "
                                        f"input_signature {spec_structure!r}", location=errors.user_location())


def _coerce_to_spec(function_name: str, path: str, value, spec: TensorSpec):
    """A call's leaf as an array of the spec's dtype (Python values and numpy arrays are cast, as TensorFlow
    does; tensors must already have it), checked against the spec's shape. A symbolic tensor (a call from another
    function's trace) stays itself."""
    if isinstance(value, Tensor):
        if value.dtype != spec.dtype:
            raise errors.SignatureMismatchError(f"{function_name}(): argument {path!r} has dtype {value.dtype.name},"
                                                f" expected {spec.dtype.name} (input_signature {spec})",
                                                location=errors.user_location())
        array = value if value.is_symbolic else value._value
    else:
        array = _cast_python(value, spec.dtype)
    if not spec.is_compatible_with(array):
        raise errors.SignatureMismatchError(f"{function_name}(): argument {path!r} with shape "
                                            f"{TensorShape(array.shape)} does not match input_signature {spec}",
                                            location=errors.user_location())
    return array


class Function:
    """A Python function traced and compiled per input signature. Made by `tfc.function`."""

    def __init__(self, python_function, input_signature=None, name: str | None = None,
                 reduce_retracing: bool = False, autograph: bool = True, target: str | None = None):
        self._python_function = python_function
        self._target = target  # "cpu", "cuda" or None (the `tfc.device` scope decides, else cpu)
        self._signature = inspect.signature(python_function)
        self._input_signature = None if input_signature is None else list(input_signature)
        self._name = name or getattr(python_function, "__name__", "function")
        self._reduce_retracing = bool(reduce_retracing)
        self._autograph = bool(autograph)
        self._traced_function = None  # the AutoGraph-converted body, made at the first trace
        self._traces: dict = {}
        self._tracing_count = 0
        self._history = RetraceHistory(self._name)
        # Fast call path: when every parameter is passed positionally as an array/eager tensor, the trace key
        # is a function of each argument's (type, dtype, shape); calls that hit `_fast` skip binding and nesting.
        # With an input_signature of one TensorSpec per parameter, an argument of the spec's dtype needs no cast,
        # so its (dtype, shape) decides the call too (`_fast_entry`).
        kinds = {inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD}
        flat = input_signature is None or (len(input_signature) == len(self._signature.parameters) and
                                           all(isinstance(spec, TensorSpec) for spec in input_signature))
        self._fast_arity = (len(self._signature.parameters) if flat and
                            all(p.kind in kinds for p in self._signature.parameters.values()) else -1)
        self._fast: dict = {}
        functools.update_wrapper(self, python_function)

    @property
    def python_function(self):
        return self._python_function

    @property
    def input_signature(self):
        return self._input_signature

    def experimental_get_tracing_count(self) -> int:
        return self._tracing_count

    def explain_retracing(self) -> str:
        """Every trace of this function and why it happened: which argument changed, from what to what, and
        where the call came from.

        >>> f(tfc.ones([2])); f(tfc.ones([3]))
        >>> print(f.explain_retracing())
        f: 2 trace(s)
          trace 1 at model.py:10: first call
          trace 2 at model.py:11: x: float32[2] -> float32[3]
        """
        return self._history.explain()

    def __call__(self, *args, **kwargs):
        # The fast path: eager tensors/arrays passed positionally, outside traces, device scopes and
        # run_functions_eagerly, whose key `_fast` already knows.
        if (not kwargs and len(args) == self._fast_arity and _core_state.trace is None and _SCOPE.target is None
                and not config._run_eagerly):
            call = self._fast.get(_fast_key(args))
            if call is not None:
                return call(args)
        if config._run_eagerly:
            return self._python_function(*args, **kwargs)
        trace = _core_state.trace
        target = self._target or current_target()
        on_gpu = target is not None and target.startswith(("cuda", "gpu"))
        fast_key = _fast_key(args) if not kwargs and len(args) == self._fast_arity and not on_gpu \
            and trace is None else None
        concrete, leaves = self._concrete_for(args, kwargs)
        if fast_key is not None and self._fast_entry(fast_key):
            self._fast[fast_key] = concrete._fast_call_for(fast_key)
        tensors = [leaf for leaf in leaves if _is_tensor_like(leaf)]
        if trace is not None:
            # Called while another function traces: this function's trace (shared with later direct calls, as
            # in TensorFlow) is inlined into the caller's graph.
            return concrete._inline(trace, tensors)
        if on_gpu:
            from .device import call_cuda
            return call_cuda(concrete, tensors)
        return concrete._call_flat(tensors)

    def _fast_entry(self, key: tuple) -> bool:
        """Whether calls with this `_fast_key` may skip binding: always without an input_signature (the key is
        the trace's); with one, when every argument already has its spec's dtype (others are cast, as in TF)."""
        if self._input_signature is None:
            return True
        return all(token.dtype == spec.dtype if token.__class__ is TensorType else token[0] == spec.dtype.np
                   for token, spec in zip(key, self._input_signature))

    def get_concrete_function(self, *args, **kwargs) -> ConcreteFunction:
        """The trace for these arguments (tensors, arrays or TensorSpecs), tracing it if needed."""
        if self._input_signature is not None:
            if "input_signature" not in self._traces:
                bound = self._bind(tuple(self._input_signature), {})
                self._history.record(((), ()), [], errors.user_location())
                self._traces["input_signature"] = self._trace_signature(bound)
            return self._traces["input_signature"]
        return self._concrete_for(args, kwargs)[0]

    # ------------------------------------------------------------------------------------------------- tracing
    def _bind(self, args, kwargs) -> inspect.BoundArguments:
        try:
            bound = self._signature.bind(*args, **kwargs)
        except TypeError as error:
            raise errors.TfcTypeError(f"{self._name}(): {error}", location=errors.user_location()) from None
        bound.apply_defaults()
        return bound

    def _concrete_for(self, args, kwargs) -> tuple[ConcreteFunction, list]:
        bound = self._bind(args, kwargs)
        if self._input_signature is not None:
            leaves = self._signature_leaves(bound)
            if "input_signature" not in self._traces:
                self._history.record(((), ()), [], errors.user_location())
                self._traces["input_signature"] = self._trace_signature(bound)
            return self._traces["input_signature"], leaves
        items = list(bound.arguments.items())
        paths_leaves = [pl for name, value in items for pl in nest.flatten_with_paths(value, name)]
        leaves = [leaf for _, leaf in paths_leaves]
        key = (nest.structure_key([v for _, v in items]), tuple(_leaf_key(leaf) for leaf in leaves))
        concrete = self._traces.get(key) or self._compatible_trace(key)
        if concrete is None:
            note = ""
            if self._reduce_retracing:
                key, paths_leaves, note = self._relaxed(key, paths_leaves)
            self._history.record(key, [path for path, _ in paths_leaves], errors.user_location(), note)
            concrete = self._trace(bound, paths_leaves)
            self._traces[key] = concrete
        return concrete, leaves

    def _relaxed(self, key, paths_leaves):
        """reduce_retracing: the first call is traced exactly; a later one with other dimensions (same rank)
        is traced with the differing dimensions None, one with another rank with an unknown rank (TensorFlow's
        rules), and later calls reuse that trace."""
        for old_key in reversed(list(self._traces)):
            if not isinstance(old_key, tuple):
                continue
            relaxed = relax(old_key, key)
            if relaxed is None:
                continue
            relaxed_key, rank_changed = relaxed
            note = "reduce_retracing: dimensions that differ are None"
            if rank_changed:
                note = ("reduce_retracing: a new rank, traced once for any rank (unknown rank); its code is "
                        "specialized per rank at call time")
            specs = iter(TensorSpec(k[1], k[2]) for k in relaxed_key[1] if k[0] == "tensor")
            relaxed_leaves = [(path, next(specs) if _is_tensor_like(leaf) and not hasattr(leaf, "_trace_key")
                               else leaf) for path, leaf in paths_leaves]
            return relaxed_key, relaxed_leaves, note
        return key, paths_leaves, ""

    def _compatible_trace(self, key):
        """A trace made from TensorSpecs with None dims or an unknown rank (get_concrete_function, reduce_retracing)
        that these arguments fit."""
        structure, leaf_keys = key
        for (other_structure, other_keys), concrete in self._traces.items():
            if other_structure != structure or len(other_keys) != len(leaf_keys):
                continue
            if all(a == b or (a[0] == b[0] == "tensor" and a[2] == b[2] and _shape_fits(a[1], b[1]))
                   for a, b in zip(leaf_keys, other_keys)):
                return concrete
        return None

    # ------------------------------------------------------------------------------------------ input_signature
    def _signature_pairs(self, bound: inspect.BoundArguments) -> list[tuple[str, object, object]]:
        """(parameter name, value, spec structure) for each parameter the input_signature covers."""
        items = list(bound.arguments.items())
        if len(items) != len(self._input_signature):
            raise errors.SignatureMismatchError(
                f"{self._name}(): input_signature describes {len(self._input_signature)} argument(s) but the "
                f"function takes {len(items)}", location=errors.user_location())
        return [(name, value, spec) for (name, value), spec in zip(items, self._input_signature)]

    def _signature_leaves(self, bound: inspect.BoundArguments) -> list:
        """The call's tensors, matched to the signature's structure and converted to each spec's dtype."""
        leaves = []
        for name, value, spec_structure in self._signature_pairs(bound):
            for path, leaf, spec in _match_structure(spec_structure, value, name, self._name):
                leaves.append(_coerce_to_spec(self._name, path, leaf, spec))
        return leaves

    def _trace_signature(self, bound: inspect.BoundArguments) -> ConcreteFunction:
        """The one trace of a function with an input_signature, made from the specs alone."""
        graph = Graph(self._name)
        arg_names, specs = [], []
        for name, _, spec_structure in self._signature_pairs(bound):
            symbolic = []
            for path, spec in nest.flatten_with_paths(spec_structure, name):
                arg_names.append(spec.name or path)
                specs.append(spec)
                symbolic.append(Tensor._from_symbol(graph.add_input(spec._type())))
            bound.arguments[name] = nest.pack_sequence_as(spec_structure, symbolic)
        return self._finish_trace(graph, bound, arg_names, specs)

    # ------------------------------------------------------------------------------------------------- tracing
    def _trace(self, bound: inspect.BoundArguments, paths_leaves: list[tuple[str, object]]) -> ConcreteFunction:
        graph = Graph(self._name)
        arg_names, input_specs, traced_leaves = [], [], []
        for path, leaf in paths_leaves:
            if not _is_tensor_like(leaf):
                traced_leaves.append(leaf)
                continue
            spec = leaf if isinstance(leaf, TensorSpec) else TensorSpec.from_tensor(leaf)
            arg_names.append(spec.name or path)
            input_specs.append(TensorSpec(spec.shape, spec.dtype, spec.name))
            traced_leaves.append(Tensor._from_symbol(graph.add_input(spec._type())))
        rebuilt = iter(traced_leaves)
        for name, value in list(bound.arguments.items()):
            bound.arguments[name] = nest.pack_sequence_as(value, [next(rebuilt) for _ in nest.flatten(value)])
        return self._finish_trace(graph, bound, arg_names, input_specs)

    def _finish_trace(self, graph: Graph, bound: inspect.BoundArguments, arg_names: list[str],
                      input_specs: list[TensorSpec]) -> ConcreteFunction:
        """Runs the Python body on symbolic arguments and records what it returns."""
        from .tensor import convert_to_tensor
        from .variables import trace_variables

        if self._traced_function is None:
            from . import autograph
            self._traced_function = autograph.convert(self._python_function) if self._autograph \
                else self._python_function
        trace = Trace(graph)
        with tracing(trace):
            result = self._traced_function(*bound.args, **bound.kwargs)
            output_leaves = nest.flatten(result)
            is_tensor = [isinstance(leaf, (Tensor, np.ndarray, np.generic)) or hasattr(leaf, "_as_tensor")
                         for leaf in output_leaves]
            graph.outputs = [trace.capture(convert_to_tensor(leaf)) for leaf, t in zip(output_leaves, is_tensor) if t]
            for spec in graph.checks:  # last: the runtime inspects and drops them (frontend/checks.py)
                graph.outputs.append(trace.capture(spec.ok))
                graph.output_checks.append((len(graph.outputs) - 1, spec.message, spec.location))
        if graph.created_variables and self._tracing_count > 0:
            raise errors.TfcValueError(
                f"{self._name}() created a tfc.Variable in a trace other than its first (trace "
                f"{self._tracing_count + 1}); as in TensorFlow, variables may be created only on the first call: "
                "create them outside the function, or once (e.g. `if self.v is None: self.v = tfc.Variable(...)`)",
                location=errors.user_location())
        self._tracing_count += 1
        concrete = ConcreteFunction(self._name, graph, arg_names, input_specs, result, is_tensor,
                                    *trace_variables(graph))
        record = self._history.records[-1]  # explain_retracing lists the specializations under their trace
        concrete.on_specialized = lambda what: record.specialized(what, errors.user_location())
        return concrete

    def __get__(self, instance, owner):
        """`@tfc.function` on a method: `self` is passed as a Python argument (keyed by identity)."""
        if instance is None:
            return self
        return BoundFunction(self, instance)

    def __repr__(self) -> str:
        return f"<tfc.function {self._name} ({self._tracing_count} trace(s))>"


class BoundFunction:
    """A `tfc.function` method bound to an instance: calls pass the instance as `self`; the Function's tracing
    count, explanations and concrete functions stay reachable (`model.call.experimental_get_tracing_count()`)."""

    def __init__(self, function: Function, instance):
        self._function = function
        self._instance = instance
        functools.update_wrapper(self, function.python_function)

    def __call__(self, *args, **kwargs):
        return self._function(self._instance, *args, **kwargs)

    def get_concrete_function(self, *args, **kwargs) -> ConcreteFunction:
        return self._function.get_concrete_function(self._instance, *args, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self._function, name)

    def __repr__(self) -> str:
        return f"<bound tfc.function {self._function._name} of {self._instance!r}>"


def function(func=None, *, input_signature=None, autograph: bool = True, jit_compile=None,
             reduce_retracing: bool = False, name: str | None = None, target: str | None = None):
    """Compiles a Python function: traced into a graph once per input signature, then run as native code.

    >>> @tfc.function
    ... def add_and_multiply(x, y, z):
    ...     return (x + y) * z
    >>> add_and_multiply(tfc.constant(2.0), tfc.constant(3.0), tfc.constant(4.0)).numpy()
    20.0

    `target="cuda"` compiles for an NVIDIA GPU (PTX + launch plan) and returns GPU-resident tensors; see
    `tfc.device`.
    """
    def decorate(fn):
        return Function(fn, input_signature=input_signature, name=name, reduce_retracing=reduce_retracing,
                        autograph=autograph, target=target)
    return decorate(func) if func is not None else decorate
