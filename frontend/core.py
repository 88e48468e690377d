"""The op registry and `bind`: the ONE place that decides whether an op runs eagerly or is recorded in a graph.

Every op is an `Op` made by `defop`, holding its shape/dtype rule (`infer`), its numpy implementation (`impl`,
also the oracle that compiled code is tested against), its attributes' kinds and its docstring. The lowering to
MLIR is registered against the same object in `tfc.dialect` and the gradient (later) likewise; registry tests
fail on any gap.

Eager execution is simply "no trace is active": `bind` runs `impl` on numpy arrays. While `tfc.function` traces,
`bind` appends a node to the active graph instead. Op code never asks which mode it is in.
"""
from __future__ import annotations

import threading
from typing import Callable

import numpy as np

from . import dtypes as _dtypes
from . import errors
from .graph import Graph, TensorType, Value  # noqa: F401  (Graph: for type hints)

__all__ = ["Op", "defop", "defgrad", "NOT_DIFFERENTIABLE", "REGISTRY", "bind", "executing_eagerly",
           "current_trace", "Trace", "same_attrs"]

# Attribute kinds an op may declare; the printer, parser and IRDL generator dispatch on them.
ATTR_KINDS = ("int", "ints", "bool", "float", "dtype", "shape", "dense", "str")


class Op:
    """One primitive of the tfc dialect (printed as `tfc.<name>`)."""

    __slots__ = ("name", "infer", "impl", "attrs", "num_inputs", "doc", "lowering", "gradient", "sample_attrs",
                 "sample_types", "has_side_effects", "num_outputs", "num_regions", "any_rank", "refine",
                 "__weakref__")

    def __init__(self, name: str, infer: Callable, impl: Callable, attrs: dict[str, str], num_inputs: int | None,
                 doc: str, side_effects: bool = False, num_outputs: int | None = 1, num_regions: int = 0,
                 any_rank=None, refine=None):
        self.name = name
        self.infer = infer            # (*TensorType, **attrs) -> TensorType | tuple[TensorType, ...]
        self.impl = impl              # (*np.ndarray, **attrs) -> np.ndarray | tuple[np.ndarray, ...]
        self.attrs = attrs            # attribute name -> one of ATTR_KINDS
        self.num_inputs = num_inputs  # None: variadic
        self.doc = doc
        self.lowering = None          # set by tfc.dialect.lowering
        self.gradient = None          # set by `defgrad` next to the op's definition, or NOT_DIFFERENTIABLE
        self.sample_attrs: dict = {}  # attributes that make `infer` accept sample inputs (`tfc ops` probes dtypes)
        self.sample_types = None      # dtype -> list of TensorType to probe with (default: 2x2 inputs of dtype)
        self.has_side_effects = side_effects  # graph passes never drop, merge, fold or reorder such nodes
        self.num_outputs = num_outputs        # None: variadic (tfc.cond, tfc.while)
        self.num_regions = num_regions        # control flow: its regions (each ends with "tfc.yield")
        # Unknown-rank inputs (reduce_retracing's trace for any rank): None when the rule needs known ranks (bind
        # refuses such inputs), else `resolve(*input types, **attrs) -> attrs` giving the attributes for inputs
        # of known rank (e.g. a reduction's negative or None axes), used when the graph is specialized per rank.
        self.any_rank = any_rank
        # Attributes that hold sizes the trace did not know (reshape's None target sizes): None, or
        # `refine(old input types, new input types, **attrs) -> attrs` for a graph specialized to inputs whose
        # sizes are more known (frontend/specialize.py); called with known ranks only.
        self.refine = refine

    def __repr__(self) -> str:
        return f"<tfc op {self.name}>"


REGISTRY: dict[str, Op] = {}


def defop(name: str, *, infer: Callable, impl: Callable, attrs: dict[str, str] | None = None,
          num_inputs: int | None = 1, doc: str = "", sample_attrs: dict | None = None,
          sample_types: Callable | None = None, side_effects: bool = False, num_outputs: int | None = 1,
          num_regions: int = 0, any_rank: Callable | None = None, refine: Callable | None = None) -> Op:
    """Defines and registers a primitive op. Each name may be defined once.

    `sample_attrs` / `sample_types` describe a valid application of the op, which `tfc ops` uses to ask the rule
    which dtypes it accepts; they live here so that table cannot drift from the op definitions. `side_effects`:
    graph passes keep the op in place (variables); `num_outputs` None: variadic results; `num_regions`: control
    flow; `any_rank`: the rule accepts unknown-rank inputs, and this function resolves the attributes once the
    ranks are known (`same_attrs` when they do not depend on the rank); `refine`: resolves attributes that hold
    run-time sizes once a specialization knows more of them (see Op).
    """
    if name in REGISTRY:
        raise ValueError(f"op {name!r} is defined twice")
    attrs = dict(attrs or {})
    for attr, kind in attrs.items():
        if kind not in ATTR_KINDS:
            raise ValueError(f"op {name!r}: attribute {attr!r} has unknown kind {kind!r}")
    op = Op(name, infer, impl, attrs, num_inputs, doc, side_effects, num_outputs, num_regions, any_rank, refine)
    op.sample_attrs = dict(sample_attrs or {})
    op.sample_types = sample_types
    REGISTRY[name] = op
    return op


def same_attrs(*types, **attrs) -> dict:
    """The `any_rank` resolver of ops whose attributes do not depend on the inputs' ranks."""
    return attrs


class _NotDifferentiable:
    def __repr__(self) -> str:
        return "NOT_DIFFERENTIABLE"


# The explicit mark for ops without a gradient (comparisons, argmax, ...): their results never carry gradients.
NOT_DIFFERENTIABLE = _NotDifferentiable()


def defgrad(op, rule=None):
    """Registers `op`'s gradient, written right after the op's definition (one definition per op).

    `op` is an Op or a public API function with `.op`. The rule is `rule(node, *output_grads)` (None for an
    output that receives no gradient; at least one has one) -> one gradient (a Tensor or None) per input, built
    from public ops so it runs eagerly or traced alike; `node` has `.inputs`, `.outputs` (Tensors), `.attrs` and
    `.needs` (which inputs need a gradient). Use as a decorator, or `defgrad(op, NOT_DIFFERENTIABLE)` to mark an
    op that has no gradient.
    """
    op = getattr(op, "op", op)

    def register(fn):
        if op.gradient is not None:
            raise ValueError(f"op {op.name!r} has two gradients")
        op.gradient = fn
        return fn
    return register if rule is None else register(rule)


class Trace:
    """A graph under construction, with the eager tensors it captured (embedded as constants)."""

    def __init__(self, graph: Graph):
        self.graph = graph
        self._captures: dict[int, tuple[object, Value]] = {}

    def capture(self, tensor) -> Value:
        """The graph value for `tensor`: itself if it belongs to this graph, else an embedded constant."""
        symbol = tensor._symbol
        if symbol is not None:
            if not symbol.graph.encloses(self.graph):  # a region may use its enclosing graphs' values
                raise errors.TfcValueError(
                    "a tensor from another traced function (or an earlier trace) was used here; "
                    "pass it as an argument or return it instead", location=errors.user_location())
            return symbol
        key = id(tensor)
        if key not in self._captures:
            value = self.graph.add_node(constant_op, [], {"value": tensor._value},
                                        [tensor.type], errors.user_location()).outputs[0]
            self._captures[key] = (tensor, value)  # keeps `tensor` alive so its id stays unique
        return self._captures[key][1]


class _ThreadState(threading.local):
    """This thread's active trace and recording GradientTapes. The class-level defaults matter for speed: a
    getattr(local, name, None) that misses raises and catches AttributeError inside (~0.5 us, twice per eager
    op), where reading a class attribute costs ~0.05 us."""
    trace = None
    tapes = None


_state = _ThreadState()


def recording_tapes() -> list:
    """This thread's GradientTapes that are recording (tfc.autodiff pushes and pops them); bind reports to them."""
    tapes = _state.tapes
    if tapes is None:
        tapes = _state.tapes = []
    return tapes


def current_trace() -> Trace | None:
    return _state.trace


def executing_eagerly() -> bool:
    """True outside `tfc.function` traces (and in functions run eagerly), as in TensorFlow."""
    return current_trace() is None


class tracing:
    """Context manager: ops bound inside it are recorded into `trace.graph`."""

    def __init__(self, trace: Trace | None):
        self.trace = trace

    def __enter__(self):
        self._saved = current_trace()
        _state.trace = self.trace
        return self.trace

    def __exit__(self, *exc):
        _state.trace = self._saved
        return False


_Tensor = None
_INFERRED: dict = {}  # (op, *input TensorTypes) -> the rule's result, for ops without attributes
_NDARRAY = np.ndarray
_BFLOAT16 = _dtypes.bfloat16


def _infer(op: Op, inputs, attrs):
    """The op's result type(s) for these inputs. Attribute-free rules are pure functions of the input types:
    their results are remembered (eager overhead); a repeated call finds them by a tuple of interned types."""
    if attrs:
        return op.infer(*[t.type for t in inputs], **attrs)
    count = len(inputs)
    key = ((op, inputs[0].type) if count == 1 else (op, inputs[0].type, inputs[1].type) if count == 2
           else (op, *[t.type for t in inputs]))
    out_types = _INFERRED.get(key)
    if out_types is None:
        out_types = op.infer(*key[1:])
        if len(_INFERRED) > 4096:
            _INFERRED.clear()
        _INFERRED[key] = out_types
    return out_types


def bind(op: Op, *inputs, **attrs):
    """Applies `op` to tensors: evaluates it now, or records it in the active trace. Returns Tensor(s)."""
    if not attrs and _state.trace is None and not _state.tapes:
        # The eager fast path (~1 us of Python per op matters on tiny tensors): the remembered rule result of
        # unary and binary ops, and one result array built into a Tensor in place (as _eager_result does).
        count = len(inputs)
        out_type = _INFERRED.get((op, inputs[0].type) if count == 1 else
                                 (op, inputs[0].type, inputs[1].type) if count == 2 else None)
        if out_type is not None and out_type.__class__ is TensorType:
            result = op.impl(*[t._value if t.type.dtype is not _BFLOAT16 else _dtypes.computable(t._value)
                               for t in inputs])
            if result.__class__ is not _NDARRAY or result.dtype is not out_type.dtype.np:
                result = np.asarray(result, dtype=out_type.dtype.np)
            tensor = object.__new__(_Tensor)
            tensor._value, tensor._symbol, tensor.type = result, None, out_type
            return tensor
    return _bind(op, inputs, attrs)


def _bind(op: Op, inputs, attrs):
    global _Tensor
    Tensor = _Tensor
    if Tensor is None:  # tensor.py imports this module: resolve the class once, not on every op
        from .tensor import Tensor
        _Tensor = Tensor

    trace = _state.trace
    if trace is not None and op.any_rank is None:
        for index, tensor in enumerate(inputs):
            if tensor.type.shape is None:
                raise errors.UnknownRankError(f"tfc.{op.name} needs the rank of its input {index}, but "
                                              f"{errors.UNKNOWN_RANK_HINT}", location=errors.user_location())
    try:
        out_types = _infer(op, inputs, attrs)
    except errors.RuleError as rule_error:
        error_class = rule_error.eager_class if trace is None else rule_error.traced_class
        raise error_class(f"tfc.{op.name}: {rule_error}", location=errors.user_location()) from None
    single = isinstance(out_types, TensorType)
    if trace is None:
        # bfloat16 runs as float32 (dtypes.computable); other inputs go to numpy as they are.
        results = op.impl(*[t._value if t.type.dtype is not _BFLOAT16 else _dtypes.computable(t._value)
                            for t in inputs], **attrs)
        if single:
            outs = [_eager_result(Tensor, results, out_types)]
        else:
            outs = [_eager_result(Tensor, r, ty) for r, ty in zip(results, out_types)]
    else:
        node = trace.graph.add_node(op, [trace.capture(t) for t in inputs], attrs,
                                    [out_types] if single else list(out_types), errors.user_location())
        outs = [Tensor._from_symbol(v) for v in node.outputs]
    tapes = _state.tapes
    if tapes:
        for tape in tuple(tapes):
            tape._record(op, inputs, attrs, outs)
    return outs[0] if single else tuple(outs)


def _eager_result(Tensor, result, type: TensorType):
    """An eager output Tensor of `type` holding `result` (an array or numpy scalar from the op's impl)."""
    np_dtype = type.dtype.np
    if result.__class__ is not _NDARRAY or result.dtype is not np_dtype:
        result = np.asarray(result, dtype=np_dtype)
    tensor = object.__new__(Tensor)
    tensor._value = result
    tensor._symbol = None
    tensor.type = type
    return tensor


def _constant_infer(*, value):
    raise AssertionError("tfc.constant nodes are created by the tracer, not bound")


constant_op = defop(
    "constant", infer=_constant_infer, impl=lambda *, value: value, attrs={"value": "dense"}, num_inputs=0,
    doc="A constant tensor embedded in the graph (eager tensors captured by a trace become constants).")

defgrad(constant_op, NOT_DIFFERENTIABLE)  # no inputs: nothing to differentiate with respect to
