"""`tfc.cond` and `tfc.while_loop`: control flow as ops with regions (tfc.cond, tfc.while).

Eagerly (or when the condition is a Python value or an eager tensor) they run as plain Python. While tracing with
a symbolic condition, each branch / the loop's condition and body are traced ONCE into a region (a Graph nested
in the node); the lowering turns them into scf.if / scf.while, so the loop runs natively however many times.

Regions use the values of enclosing graphs directly (MLIR's implicit capture), so only the loop variables are
operands of tfc.while and only the predicate is an operand of tfc.cond.
"""
from __future__ import annotations

import weakref
from typing import Callable

from . import dtypes as _dtypes, errors, nest
from .core import Trace, current_trace, defgrad, defop, recording_tapes, tracing
from .graph import Graph, TensorType
from .tensor import Tensor, TensorShape, convert_to_tensor

__all__ = ["cond", "while_loop"]


def _not_bound(*args, **kwargs):
    raise AssertionError("control-flow nodes are built by tfc.cond / tfc.while_loop, not evaluated by bind")


def join_types(a: TensorType, b: TensorType) -> TensorType | None:
    """The most specific type both fit (differing dims become None; an unknown rank stays unknown), or None if
    dtype or (known) rank differ."""
    if a.dtype != b.dtype:
        return None
    if a.rank is None or b.rank is None:
        return TensorType(None, a.dtype)
    if a.rank != b.rank:
        return None
    return TensorType([x if x == y else None for x, y in zip(a.shape, b.shape)], a.dtype)


def fits(value: TensorType, loop: TensorType) -> bool:
    if loop.rank is None or value.rank is None:
        return value.dtype == loop.dtype and loop.rank is None
    return value.dtype == loop.dtype and value.rank == loop.rank and \
        all(l is None or l == v for v, l in zip(value.shape, loop.shape))


def _cond_rule(pred: TensorType, *, regions=None) -> tuple:
    if pred.dtype != _dtypes.bool:
        raise errors.DTypeRuleError(f"the predicate must be a scalar bool tensor, got {pred.mlir()}")
    if regions is None:  # asked about operand types alone (e.g. `tfc ops` probing dtypes)
        return ()
    if pred.rank != 0:
        raise errors.ShapeRuleError(f"the predicate must be a scalar bool tensor, got {pred.mlir()}")
    then_branch, else_branch = regions
    if len(then_branch.outputs) != len(else_branch.outputs):
        raise errors.ShapeRuleError("the branches yield different numbers of values")
    types = []
    for a, b in zip(then_branch.outputs, else_branch.outputs):
        joined = join_types(a.type, b.type)
        if joined is None:
            raise errors.DTypeRuleError(f"the branches yield {a.type.mlir()} and {b.type.mlir()}")
        types.append(joined)
    return tuple(types)


def _while_rule(*loop_types: TensorType, regions=None) -> tuple:
    if regions is None:  # asked about operand types alone: any loop variables
        return tuple(loop_types)
    condition, body = regions
    if len(condition.outputs) != 1 or condition.outputs[0].type != TensorType((), _dtypes.bool):
        raise errors.DTypeRuleError("the condition region must yield one scalar bool tensor")
    if len(body.outputs) != len(loop_types) or len(body.inputs) != len(loop_types):
        raise errors.ShapeRuleError("the body must take and yield every loop variable")
    for i, (value, loop) in enumerate(zip(body.outputs, loop_types)):
        if not fits(value.type, loop):
            raise errors.ShapeRuleError(f"loop variable {i} is {loop.mlir()} but the body yields {value.type.mlir()}")
    return tuple(loop_types)


cond_op = defop("cond", infer=_cond_rule, impl=_not_bound, num_inputs=1, num_outputs=None, num_regions=2,
                sample_types=lambda dtype: [TensorType((), dtype)],
                doc="If-then-else on a scalar bool predicate; regions: then, else (each yields the results).")
while_op = defop("while", infer=_while_rule, impl=_not_bound, num_inputs=None, num_outputs=None, num_regions=2,
                 doc="While loop over loop variables (the operands); regions: condition (yields a scalar bool), "
                     "body (yields the next loop variables). Results: the final loop variables.")


def _cond_gradient(node, *output_grads):
    from .control_flow_grad import cond_gradient
    return cond_gradient(node, *output_grads)


def _while_gradient(node, *output_grads):
    from .control_flow_grad import while_gradient
    return while_gradient(node, *output_grads)


# The rules (in control_flow_grad) replay the traced branch / body under an inner tape: see there.
defgrad(cond_op, _cond_gradient)
defgrad(while_op, _while_gradient)


class RegionTrace(Trace):
    """The trace of a region. It remembers the tensors of enclosing graphs that the region captured (by object:
    a tape tells tensors apart by identity) and the Variables it read, because a gradient must flow to them."""

    def __init__(self, graph: Graph, outer: Trace | None):
        super().__init__(graph)
        self.outer = outer
        self.captured: dict[int, Tensor] = {}
        self.variables: dict[int, object] = {}

    def capture(self, tensor):
        value = super().capture(tensor)
        if value.graph is not self.graph and isinstance(tensor, Tensor):
            self.captured.setdefault(id(tensor), tensor)
            if isinstance(self.outer, RegionTrace) and value.graph is not self.outer.graph:
                self.outer.capture(tensor)  # from further out: the enclosing region captures it too
        return value


class _CaptureLog:
    """Stands in for the recording tapes while a region is traced: the region's ops are not recorded one by one
    (their values live in the region); the tapes see the whole control-flow node instead. It only notes the
    Variables the region reads."""

    def __init__(self, trace: RegionTrace):
        self.trace = trace

    def _record(self, op, inputs, attrs, outputs) -> None:
        pass

    def _on_variable_read(self, variable, tensor) -> None:
        self.trace.variables.setdefault(id(variable), variable)


_REGION_TRACES: "weakref.WeakKeyDictionary[Graph, RegionTrace]" = weakref.WeakKeyDictionary()


def record_on_tapes(op, region_traces, leading: list[Tensor], outputs: list[Tensor], attrs: dict,
                    assigned=(), snapshots=None) -> None:
    """Reports a control-flow node to the recording tapes as one op whose inputs are `leading` (the loop
    variables), the floating tensors its regions captured, and a read of each floating Variable they read (read
    here, after the node, so the tapes see a read in this graph; the gradient sums into it).

    The gradient replays the regions (replay.py) with attrs["env"]: the tensors they captured, by graph value.
    For the replay, attrs["shadows"] pairs every Variable the regions read or assign (`assigned`)
    with its value before the node: `snapshots` (read before the node) for the assigned ones, the read made
    here for the others (a node that does not assign a Variable leaves it as it was)."""
    tapes = recording_tapes()
    if not tapes:
        return
    captured, variables, env = {}, {}, {}
    for trace in region_traces:
        captured.update((k, t) for k, t in trace.captured.items() if t.dtype.is_floating)
        env.update((id(t._symbol), t) for t in trace.captured.values() if t._symbol is not None)
        variables.update(trace.variables)
    snapshots = snapshots or {}
    reads = {k: v._as_tensor() for k, v in variables.items() if k not in snapshots}
    shadows = [(v, snapshots[k] if k in snapshots else reads[k]) for k, v in variables.items()]
    shadows += [(v, snapshots[id(v)]) for v in assigned if id(v) not in variables and id(v) in snapshots]
    floating = [(v, reads[k] if k in reads else v._as_tensor()) for k, v in variables.items() if v.dtype.is_floating]
    attrs = dict(attrs, captured=list(captured.values()), variables=[v for v, _ in floating], shadows=shadows,
                 env=env)
    for tape in tuple(tapes):
        tape._record(op, list(leading) + list(captured.values()) + [r for _, r in floating], attrs, outputs)


def is_symbolic(value) -> bool:
    return isinstance(value, Tensor) and value.is_symbolic


def trace_region(fn: Callable, arg_types: list[TensorType], name: str):
    """Traces `fn(*symbolic args)` into a new region of the active graph; returns (region, fn's result)."""
    outer = current_trace()
    region = Graph(name, parent=outer.graph)
    args = [Tensor._from_symbol(region.add_input(t)) for t in arg_types]
    inner = RegionTrace(region, outer)
    _REGION_TRACES[region] = inner
    tapes = recording_tapes()
    saved = list(tapes)
    if saved:  # the tapes see the finished node (record_on_tapes), not the ops inside the region
        tapes[:] = [_CaptureLog(inner)]
    try:
        with tracing(inner):
            result = fn(*args)
    finally:
        if saved:
            tapes[:] = saved
    return region, inner, result


def _finish_region(region: Graph, inner: Trace, tensors: list[Tensor]) -> None:
    region.outputs = [inner.capture(t) for t in tensors]


def _tensor_leaves(structure, what: str) -> tuple[list, list]:
    """(leaves, tensors): non-None leaves converted to tensors (TensorFlow's cond/while outputs are tensors)."""
    leaves = nest.flatten(structure)
    converted = []
    for leaf in leaves:
        if leaf is None:
            converted.append(None)
            continue
        try:
            converted.append(convert_to_tensor(leaf))
        except errors.TfcTypeError:
            raise errors.TfcTypeError(f"{what} returned {leaf!r:.60}, which is not a tensor",
                                      location=errors.user_location()) from None
    return leaves, converted


def cond(pred, true_fn: Callable, false_fn: Callable, name=None):
    """`true_fn()` if `pred` else `false_fn()`; inside a traced function on a symbolic `pred`, both branches
    are traced and the choice is made at run time (a `tfc.cond` op, compiled to `scf.if`).

    >>> tfc.cond(tfc.constant(2) > 1, lambda: tfc.constant(1.0), lambda: tfc.constant(-1.0)).numpy()
    1.0
    """
    if not is_symbolic(pred) or current_trace() is None:
        return true_fn() if bool(pred) else false_fn()
    pred = convert_to_tensor(pred)
    if pred.dtype != _dtypes.bool or pred.ndim != 0:
        raise errors.TfcTypeError(f"tfc.cond: pred must be a scalar bool tensor, got shape {pred.shape} dtype "
                                  f"{pred.dtype.name}", location=errors.user_location())
    then_region, then_trace, then_result = trace_region(lambda: true_fn(), [], "then")
    else_region, else_trace, else_result = trace_region(lambda: false_fn(), [], "else")
    if nest.structure_key(then_result) != nest.structure_key(else_result):
        raise errors.TfcValueError(f"tfc.cond: true_fn and false_fn return different structures: {then_result!r:.80}"
                                   f" vs {else_result!r:.80}", location=errors.user_location())
    with tracing(then_trace):
        then_leaves, then_tensors = _tensor_leaves(then_result, "true_fn")
    with tracing(else_trace):
        else_leaves, else_tensors = _tensor_leaves(else_result, "false_fn")
    for a, b in zip(then_tensors, else_tensors):
        if (a is None) != (b is None):
            raise errors.TfcValueError("tfc.cond: one branch returns None where the other returns a tensor",
                                       location=errors.user_location())
        if a is not None and join_types(a.type, b.type) is None:
            raise errors.TfcTypeError(f"tfc.cond: the branches return tensors of different dtype or rank: "
                                      f"{a.type.mlir()} vs {b.type.mlir()}", location=errors.user_location())
    _finish_region(then_region, then_trace, [t for t in then_tensors if t is not None])
    _finish_region(else_region, else_trace, [t for t in else_tensors if t is not None])
    return build_cond(pred, then_region, else_region, then_result, then_tensors)


def build_cond(pred: Tensor, then_region: Graph, else_region: Graph, template, leaf_tensors: list):
    """Adds the tfc.cond node; returns `template` with its tensor leaves replaced by the node's results. Under a
    GradientTape the node is recorded with its regions, which the gradient replays (replay.py)."""
    from .variables import read_handle, variables_assigned_in

    trace = current_trace()
    types = list(_cond_rule(pred.type, regions=(then_region, else_region)))
    taped = bool(recording_tapes())
    if taped:  # the gradient replays the branches with the Variables they assign as they were before the node
        assigned = variables_assigned_in([then_region, else_region])
        snapshots = {id(v): read_handle(v) for v in assigned}
    node = trace.graph.add_node(cond_op, [trace.capture(pred)], {}, types, errors.user_location(),
                                [then_region, else_region])
    outputs = [Tensor._from_symbol(v) for v in node.outputs]
    if taped:
        record_on_tapes(cond_op, [_REGION_TRACES[then_region], _REGION_TRACES[else_region]], [], outputs,
                        {"pred": pred, "regions": (then_region, else_region)}, assigned, snapshots)
    results = iter(outputs)
    return nest.pack_sequence_as(template, [None if t is None else next(results) for t in leaf_tensors])


def while_loop(cond: Callable, body: Callable, loop_vars, shape_invariants=None, maximum_iterations=None,
               name=None):
    """Repeats `loop_vars = body(*loop_vars)` while `cond(*loop_vars)`; returns the final loop variables with
    the structure of `loop_vars` (a tuple stays a tuple, a list a list).

    While tracing, a symbolic condition makes a `tfc.while` op (compiled to `scf.while`): the body is traced
    once and runs natively. Each loop variable keeps its dtype; its shape may change only where
    `shape_invariants` (same structure, TensorShapes with None) allows it.

    >>> tfc.while_loop(lambda i, s: i < 4, lambda i, s: (i + 1, s + i), (0, 0))
    (<tfc.Tensor: shape=(), dtype=int32, numpy=4>, <tfc.Tensor: shape=(), dtype=int32, numpy=6>)
    """
    if not callable(cond) or not callable(body):
        raise errors.TfcTypeError("tfc.while_loop: cond and body must be callables", location=errors.user_location())
    single = not isinstance(loop_vars, (list, tuple))
    structure = (loop_vars,) if single else loop_vars
    leaves = [convert_to_tensor(v) for v in nest.flatten(structure)]
    state = nest.pack_sequence_as(structure, leaves)

    def call_body(*args):
        result = body(*args)
        if len(structure) == 1 and not isinstance(result, (list, tuple)):
            result = (result,)  # a body of one loop variable may return it bare
        return result

    if current_trace() is None:
        return _python_while(cond, call_body, state, structure, single, maximum_iterations)
    return _traced_while(cond, call_body, state, structure, single, shape_invariants, maximum_iterations)


def _python_while(cond, body, state, structure, single, maximum_iterations):
    iterations = 0
    while maximum_iterations is None or iterations < int(maximum_iterations):
        if not bool(cond(*state)):
            break
        result = body(*state)
        state = nest.pack_sequence_as(structure, [convert_to_tensor(v) for v in nest.flatten(result)])
        iterations += 1
    return state[0] if single else state


def _flatten_like(structure, value) -> list:
    """`value`'s parts at the leaves of `structure` (shape invariants are tuples: not flattened further)."""
    if isinstance(structure, dict):
        return [x for key in sorted(structure, key=repr) for x in _flatten_like(structure[key], value[key])]
    if isinstance(structure, (list, tuple)):
        if not isinstance(value, (list, tuple)) or len(value) != len(structure):
            raise errors.TfcValueError(f"tfc.while_loop: shape_invariants {value!r} does not match the structure "
                                       f"of loop_vars", location=errors.user_location())
        return [x for s, v in zip(structure, value) for x in _flatten_like(s, v)]
    return [value]


def _loop_types(leaves: list[Tensor], structure, single: bool, shape_invariants) -> list[TensorType]:
    if shape_invariants is None:
        return [t.type for t in leaves]
    invariants = _flatten_like(structure, (shape_invariants,) if single else shape_invariants)
    types = []
    for i, (leaf, invariant) in enumerate(zip(leaves, invariants)):
        shape = TensorShape(invariant if invariant is not None else leaf.shape)
        loop = TensorType(shape, leaf.dtype)
        if not fits(leaf.type, loop):
            raise errors.TfcValueError(f"tfc.while_loop: loop variable {i} has shape {leaf.shape}, which does not fit "
                                       f"its shape invariant {shape}", location=errors.user_location())
        types.append(loop)
    return types


def _traced_while(cond, body, state, structure, single, shape_invariants, maximum_iterations):
    from .traced_loops import traced_while

    leaves = nest.flatten(state)
    types = _loop_types(leaves, structure, single, shape_invariants)
    limit = None if maximum_iterations is None else convert_to_tensor(maximum_iterations, dtype=_dtypes.int32)

    def condition(flat):
        result = convert_to_tensor(cond(*nest.pack_sequence_as(structure, list(flat))))
        if result.dtype != _dtypes.bool or result.ndim != 0:
            raise errors.TfcTypeError(f"tfc.while_loop: cond must return a scalar bool, got shape {result.shape} "
                                      f"dtype {result.dtype.name}", location=errors.user_location())
        return result

    def next_state(flat):
        result = body(*nest.pack_sequence_as(structure, list(flat)))
        if nest.structure_key(result) != nest.structure_key(structure):
            raise errors.TfcValueError(f"tfc.while_loop: body returned {result!r:.80}, which does not have the "
                                       f"structure of loop_vars {structure!r:.80}", location=errors.user_location())
        outs = [convert_to_tensor(v) for v in nest.flatten(result)]
        _check_next_state(outs, types)
        return outs

    return _packed(structure, single, traced_while(condition, next_state, leaves, types, limit))


def _packed(structure, single, outs):
    result = nest.pack_sequence_as(structure, list(outs))
    return result[0] if single else result


def _check_next_state(values: list[Tensor], types: list[TensorType]) -> None:
    for i, (value, loop) in enumerate(zip(values, types)):
        if value.dtype != loop.dtype:
            raise errors.TfcTypeError(f"tfc.while_loop: loop variable {i} has dtype {loop.dtype.name} but the body "
                                      f"returns {value.dtype.name}; a loop variable keeps its dtype",
                                      location=errors.user_location())
        if not fits(value.type, loop):
            raise errors.TfcValueError(f"tfc.while_loop: loop variable {i} has shape {TensorShape(loop.shape)} but "
                                       f"the body returns shape {value.shape}; pass shape_invariants (None for the "
                                       "dimensions that change)", location=errors.user_location())
