"""`tfc.function`: trace a Python function once per input signature, compile the graph, call native code.

Trace keys follow TensorFlow (../shared/notes/tf-semantics.md): tensors and numpy arrays by shape and dtype,
other Python values by value (so 1, 1.0 and True share a trace), nested structures by their nesting, positional
and keyword spellings of the same call alike. Python side effects in the body run only while tracing.
"""
from __future__ import annotations

import functools
import inspect
import operator

import numpy as np

from . import config, dtypes as _dtypes, errors, nest
from .core import Trace, current_trace, tracing
from .core import _state as _core_state  # the active trace, read without a call on the fast path
from .graph import Graph, TensorType, clone_into, print_graph
from .retracing import RetraceHistory, leaf_key, relax
from .tensor import Tensor, TensorShape, _cast_python
from .device import _SCOPE, current_target

__all__ = ["function", "Function", "ConcreteFunction", "TensorSpec"]


class TensorSpec:
    """Describes a tensor argument: shape (None for any size, or shape=None for any rank) and dtype."""

    def __init__(self, shape, dtype=_dtypes.float32, name: str | None = None):
        self.shape = TensorShape(shape)
        self.dtype = _dtypes.as_dtype(dtype)
        self.name = name

    @classmethod
    def from_tensor(cls, tensor, name: str | None = None) -> "TensorSpec":
        array_dtype = tensor.dtype if isinstance(tensor, Tensor) else _dtypes.as_dtype(np.asarray(tensor).dtype)
        return cls(np.shape(tensor) if not isinstance(tensor, Tensor) else tensor.shape, array_dtype, name)

    def is_compatible_with(self, other) -> bool:
        """True when a tensor/array/spec of `other`'s shape and dtype may be passed where this spec is expected."""
        shape = other.shape if hasattr(other, "shape") else np.shape(other)
        dtype = _dtypes.as_dtype(other.dtype) if hasattr(other, "dtype") else None
        if dtype is not None and dtype != self.dtype:
            return False
        return len(shape) == len(self.shape) and all(s is None or s == d for s, d in zip(self.shape, shape))

    def _type(self) -> TensorType:
        return TensorType(self.shape, self.dtype)

    def __eq__(self, other) -> bool:
        return isinstance(other, TensorSpec) and (self.shape, self.dtype, self.name) == (other.shape, other.dtype,
                                                                                         other.name)

    def __hash__(self) -> int:
        return hash((tuple(self.shape), self.dtype.name, self.name))

    def __repr__(self) -> str:
        return f"TensorSpec(shape={self.shape}, dtype={self.dtype!r}, name={self.name!r})"


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


_VALUE = operator.attrgetter("_value")


def _leaf_key(value):
    """The cache-key part of one argument leaf (see retracing.leaf_key)."""
    return leaf_key(value)


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
    does; tensors must already have it), checked against the spec's shape."""
    if isinstance(value, Tensor):
        if value.dtype != spec.dtype:
            raise errors.SignatureMismatchError(f"{function_name}(): argument {path!r} has dtype {value.dtype.name},"
                                                f" expected {spec.dtype.name} (input_signature {spec})",
                                                location=errors.user_location())
        array = value._value
    else:
        array = _cast_python(value, spec.dtype)
    if not spec.is_compatible_with(array):
        raise errors.SignatureMismatchError(f"{function_name}(): argument {path!r} with shape "
                                            f"{TensorShape(array.shape)} does not match input_signature {spec}",
                                            location=errors.user_location())
    return array


class ConcreteFunction:
    """One trace of a `tfc.function`: its graph, its tensor signature, and (after the first call) native code."""

    def __init__(self, name: str, graph: Graph, arg_names: list[str], input_specs: list[TensorSpec],
                 output_template, output_is_tensor: list[bool], variables=(), updated_variables=()):
        self.name = name
        self.graph = graph
        self.arg_names = arg_names
        self.inputs = input_specs
        self._output_template = output_template
        self._output_is_tensor = output_is_tensor
        self._module = None
        self._artifact = None
        self._run_static = None  # the executable's call_static once compiled, when its shapes are all static
        # State and printing (tfc.variables): the Variables the trace read (extra trailing graph inputs, fed their
        # arrays at each call); those it assigned, as (Variable, index of the extra result holding the final
        # value, stored back after each call); tfc.print calls to replay after each call.
        self._variables = list(variables)
        self._num_user_outputs = len(graph.outputs) - len(updated_variables)
        self._assigned = [(v, self._num_user_outputs + i) for i, v in enumerate(updated_variables)]
        self._prints: list = []     # variables.PrintSpec with output indices
        # For the call path: each input's numpy (dtype, shape) when static, and whether the result is one tensor.
        self._exact = [(spec.dtype.np, tuple(spec.shape)) if None not in tuple(spec.shape) else None
                       for spec in input_specs]
        self._single_output = (len(graph.outputs) == 1 and output_is_tensor == [True]
                               and isinstance(output_template, Tensor))
        self._output_type = graph.outputs[0].type if self._single_output else None
        self._cuda_module = None    # the CUDA build, made on the first GPU call (frontend/device.py)
        self._cuda_artifact = None

    # ------------------------------------------------------------------------------------------------- calling
    def __call__(self, *args):
        """Calls the compiled code with one tensor (or array) per tensor argument of the trace, in order."""
        if len(args) != len(self.inputs):
            raise errors.SignatureMismatchError(
                f"{self.name}: this concrete function takes {len(self.inputs)} tensor argument(s) "
                f"({', '.join(self.arg_names)}), got {len(args)}", location=errors.user_location())
        return self._call_flat(args)

    def _fast_call_for(self, key: tuple):
        """The call for arguments of one `_fast_key`: the static entry called directly when that key matches the
        trace exactly (the traced dtypes and static shapes, no variables, one tensor result), so nothing is left
        to check or nest; else `_call_flat`."""
        exact = [(token.dtype.np, token.shape) if token.__class__ is TensorType else token for token in key]
        if (exact != self._exact or not self._single_output or not self._output_type.is_static or self._variables
                or self._assigned or self._prints):
            return self._call_flat
        output_type = self._output_type
        all_tensors = all(token.__class__ is TensorType for token in key)

        def call_exact(args) -> Tensor:
            run = self._run_static
            if run is None:
                if self._module is None:
                    self._compile()
                run = self._run_static
                if run is None:  # not a plain static entry (tfc.runtime.loader.Executable): the general path
                    return self._call_flat(args)
            (output,) = run(tuple(map(_VALUE, args)) if all_tensors else
                            [v._value if v.__class__ is Tensor else v for v in args])
            tensor = object.__new__(Tensor)
            tensor._value, tensor._symbol, tensor.type = output, None, output_type
            return tensor
        return call_exact

    def _call_flat(self, values):
        arrays = [self._check(i, v) for i, v in enumerate(values)]
        if self._module is None:
            self._compile()
        arrays += [variable._array for variable in self._variables]
        if self._single_output and not self._assigned and not self._prints:  # the common case, no nesting
            (output,) = self._executable(*arrays)
            out = self.graph.outputs[0].type
            return Tensor._from_numpy(output, out if out.is_static else TensorType(output.shape, out.dtype))
        outputs = self._executable(*arrays) if self.graph.outputs else []
        for variable, index in self._assigned:
            variable._array = outputs[index]  # a fresh array per call: earlier reads keep their values
        for spec in self._prints:
            spec.emit(outputs)
        # The array's own shape: a dynamic (None) dimension of the graph's type has its run-time size here.
        return self._structured([Tensor._from_numpy(array, TensorType(array.shape, value.type.dtype))
                                 for array, value in zip(outputs[:self._num_user_outputs], self.graph.outputs)])

    def _structured(self, tensors: list):
        """The traced function's return structure with `tensors` in the places of its tensor outputs."""
        tensors = iter(tensors)
        leaves = nest.flatten(self._output_template)
        return nest.pack_sequence_as(
            self._output_template, [next(tensors) if is_tensor else leaf
                                    for leaf, is_tensor in zip(leaves, self._output_is_tensor)])

    def _inline(self, trace: Trace, values: list):
        """Calls this trace from inside another trace: its nodes are copied into the caller's graph (variables
        map to the caller's handles; prints and variable updates are replayed there)."""
        from . import variables

        mapping = {id(inner): trace.capture(_as_graph_tensor(value, spec))
                   for inner, value, spec in zip(self.graph.inputs, values, self.inputs)}
        for var, handle in self.graph.captured_variables:
            mapping[id(handle)] = variables.handle_for(var, trace.graph)
        clone_into(self.graph, trace.graph, mapping)
        outputs = [Tensor._from_symbol(mapping[id(v)]) for v in self.graph.outputs]
        for spec in self._prints:
            variables.print(*[outputs[v] if kind == "tensor" else v for kind, v in spec.parts], sep=spec.sep,
                            end=spec.end, output_stream=spec.stream)
        for var, index in self._assigned:
            var.assign(outputs[index])
        from .checks import require
        for index, message, location in self.graph.output_checks:
            require(lambda index=index: outputs[index], message, location)
        return self._structured(outputs[:self._num_user_outputs])

    def _check(self, index: int, value) -> np.ndarray:
        array = value._value if type(value) is Tensor else value if type(value) is np.ndarray else None
        if array is not None and self._exact[index] == (array.dtype, array.shape):
            return array  # exactly the traced dtype and static shape: nothing to check further
        spec, name = self.inputs[index], self.arg_names[index]
        if isinstance(value, Tensor):
            if value.is_symbolic:
                raise errors.TfcTypeError(f"{self.name}: argument {name!r} is a symbolic tensor; concrete functions "
                                          "run compiled code on eager tensors", location=errors.user_location())
            array = value._value
        elif isinstance(value, (np.ndarray, np.generic)):
            array = np.asarray(value)
        else:
            array = _cast_python(value, spec.dtype)
        dtype = _dtypes.as_dtype(array.dtype)
        if dtype != spec.dtype:
            raise errors.SignatureMismatchError(f"{self.name}: argument {name!r} has dtype {dtype.name}, expected "
                                                f"{spec.dtype.name}", location=errors.user_location())
        if not spec.is_compatible_with(array):
            raise errors.SignatureMismatchError(f"{self.name}: argument {name!r} has shape {TensorShape(array.shape)},"
                                                f" expected {spec.shape}", location=errors.user_location())
        return array

    def _compile(self, keep_stages: bool = False) -> None:
        from . import warm_start

        names = self.arg_names + [variable._unique_name for variable in self._variables]
        # A new process finds what an earlier one compiled without importing the compiler (frontend/warm_start.py).
        key, module = warm_start.load(self.graph, self.name, names, keep_stages)
        if module is not None:
            self._artifact, self._module = None, module
        else:
            from tfc.passes import driver  # the compiler is reached lazily, at first compile

            self._artifact = driver.compile_graph(self.graph, self.name, names, keep_stages=keep_stages)
            warm_start.remember(key, self.graph, self._artifact)
            self._module = self._artifact.load()
        self._entry = self._module.manifest["entries"][0]["name"]
        self._executable = self._module.entries[self._entry]
        from tfc.runtime.loader import Executable

        # The direct call skips the Executable's __call__: only for plain static entries (a CheckedExecutable
        # inspects run-time checks after each call).
        plain = type(self._executable) is Executable and self._executable._static
        self._run_static = self._executable.call_static if plain else None

    # ---------------------------------------------------------------------------------------------- inspection
    def as_text(self, stage: str = "tfc", debug_info: bool = False) -> str:
        """The function at one compiler stage: "tfc", "optimized", "linalg", "fused", "bufferized",
        "llvm-dialect", "llvm-unoptimized" or "llvm" (optimized LLVM IR). MLIR stages show source
        locations (`loc(...)`) only with debug_info=True; the tfc stage always shows the user's lines."""
        from tfc.passes.driver import STAGES, strip_locations

        if stage not in STAGES:
            raise ValueError(f"unknown stage {stage!r}; expected one of: {', '.join(STAGES)}")
        if stage == "tfc":
            return print_graph(self.graph)
        if self._artifact is None or stage not in self._artifact.stages:
            self._compile(keep_stages=True)
        text = self._artifact.stages[stage]
        return text if debug_info or stage.startswith("llvm-un") or stage == "llvm" else strip_locations(text)

    @property
    def structured_outputs(self):
        return self._output_template

    @property
    def output_dtypes(self):
        return [v.type.dtype for v in self.graph.outputs]

    @property
    def output_shapes(self):
        return [TensorShape(v.type.shape) for v in self.graph.outputs]

    def pretty_printed_signature(self) -> str:
        args = ", ".join(f"{n}: {s.dtype.name}{list(s.shape)}" for n, s in zip(self.arg_names, self.inputs))
        outs = ", ".join(f"{v.type.dtype.name}{list(v.type.shape)}" for v in self.graph.outputs)
        return f"{self.name}({args}) -> ({outs})"

    def __repr__(self) -> str:
        return f"<tfc.ConcreteFunction {self.pretty_printed_signature()}>"


def _as_graph_tensor(value, spec: TensorSpec) -> Tensor:
    if isinstance(value, Tensor):
        return value
    return Tensor._from_numpy(_cast_python(value, spec.dtype) if not isinstance(value, np.ndarray) else value)


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
        kinds = {inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD}
        self._fast_arity = (len(self._signature.parameters) if input_signature is None and
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
        if fast_key is not None:
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
        is traced with the differing dimensions None (TensorFlow's rule), and later calls reuse that trace."""
        for old_key in reversed(list(self._traces)):
            if not isinstance(old_key, tuple):
                continue
            relaxed = relax(old_key, key)
            if relaxed is None:
                continue
            relaxed_key, rank_changed = relaxed
            note = "reduce_retracing: dimensions that differ are None"
            if rank_changed:
                # TensorFlow traces an unknown-rank signature here; tfc compiles code per rank.
                note = "reduce_retracing: a new rank; tfc compiles one trace per rank (TensorFlow: unknown rank)"
            specs = iter(TensorSpec(k[1], k[2]) for k in relaxed_key[1] if k[0] == "tensor")
            relaxed_leaves = [(path, next(specs) if _is_tensor_like(leaf) and not hasattr(leaf, "_trace_key")
                               else leaf) for path, leaf in paths_leaves]
            return relaxed_key, relaxed_leaves, note
        return key, paths_leaves, ""

    def _compatible_trace(self, key):
        """A trace made from TensorSpecs with None dims (get_concrete_function) that these arguments fit."""
        structure, leaf_keys = key
        for (other_structure, other_keys), concrete in self._traces.items():
            if other_structure != structure or len(other_keys) != len(leaf_keys):
                continue
            if all(a == b or (a[0] == b[0] == "tensor" and a[2] == b[2] and len(a[1]) == len(b[1]) and
                              all(s is None or s == d for s, d in zip(b[1], a[1])))
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
            extras = _state_outputs(graph, trace)
        if graph.created_variables and self._tracing_count > 0:
            raise errors.TfcValueError(
                f"{self._name}() created a tfc.Variable in a trace other than its first (trace "
                f"{self._tracing_count + 1}); as in TensorFlow, variables may be created only on the first call: "
                "create them outside the function, or once (e.g. `if self.v is None: self.v = tfc.Variable(...)`)",
                location=errors.user_location())
        self._tracing_count += 1
        concrete = ConcreteFunction(self._name, graph, arg_names, input_specs, result, is_tensor)
        concrete._variables = [var for var, _ in graph.captured_variables]
        concrete._num_user_outputs, concrete._assigned, concrete._prints = extras
        return concrete

    def __get__(self, instance, owner):
        """`@tfc.function` on a method: `self` is passed as a Python argument (keyed by identity)."""
        if instance is None:
            return self
        return BoundFunction(self, instance)

    def __repr__(self) -> str:
        return f"<tfc.function {self._name} ({self._tracing_count} trace(s))>"


def _state_outputs(graph: Graph, trace: Trace):
    """Appends to graph.outputs the tensors of each tfc.print and the final value of each assigned variable;
    returns (number of user outputs, [(variable, output index)], [PrintSpec with output indices])."""
    from . import variables
    from .core import bind

    user = len(graph.outputs)
    prints = []
    for spec in graph.prints:
        parts = []
        for kind, value in spec.parts:
            if kind == "tensor":
                graph.outputs.append(trace.capture(value))
                value = len(graph.outputs) - 1
            parts.append((kind, value))
        prints.append(variables.PrintSpec(parts, spec.sep, spec.end, spec.stream))
    assigned = []
    for var, handle in variables.assigned_variables(graph):
        final = bind(variables.read_variable_op, Tensor._from_symbol(handle))
        graph.outputs.append(final._symbol)
        assigned.append((var, len(graph.outputs) - 1))
    for spec in graph.checks:  # last: the runtime inspects and drops them (frontend/checks.py)
        graph.outputs.append(trace.capture(spec.ok))
        graph.output_checks.append((len(graph.outputs) - 1, spec.message, spec.location))
    return user, assigned, prints


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
