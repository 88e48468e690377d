"""tfc.while nodes for a traced tfc.while_loop, and the stacks a differentiated one stores its iterations in.

Without a GradientTape the loop is one tfc.while (plus a counter for maximum_iterations). Under a tape, the user's
condition and body are first traced into standalone regions, a LoopTemplate (replay.py): the loop that runs is
built from copies of them, and the gradient replays the template. When a tape (not only an enclosing region's
capture log) records and every loop variable keeps one static shape, the loop stores its state at every iteration
so that the gradient (control_flow_grad.while_gradient) runs the body's VJP once per iteration, in reverse,
reading the state back: O(n) body work for a trip count n known only at run time.

What one iteration stores: every loop variable (integer ones too: the body's gradient may depend on them) and the
value of each Variable the body assigns, as it was when the iteration began; the gradient replays the body on that
state with the Variables as local copies (variables.local_handles): it sees what the forward pass saw and assigns
nothing. The structure, in tfc ops (`as_text("tfc")` shows it):

    i, cap, more = 0, <initial capacity>, true
    stacks = [resize_rows(expand_dims(v, 0), cap) for v in x + assigned Variables]
    while more:                                   # once per capacity doubling
        cap = cap if i < cap else max(2 * cap, i + 1)
        stacks = [resize_rows(s, cap) for s in stacks]          # a new buffer only when cap grew
        while i < cap [and i < maximum_iterations] and cond(x):   # one user iteration each
            stacks = [write_row(s, i, v) for s, v in zip(stacks, x + Variables)]   # in place
            x = body(x); i += 1
        more = i == cap [and i < maximum_iterations]

Why two loops: one-shot bufferization copies a loop-carried buffer on every iteration when the loop may yield a
different buffer than it received, as a growing stack does. Inside the inner loop a stack is always the same
buffer, written in place; only the outer loop, which runs O(log n) times, copies (and grows) it: O(n) in all.
With maximum_iterations the stacks start at that many rows (up to a memory budget) and the outer loop runs once.

Loop variables whose shape_invariants relax a dimension, or that have dimensions known only at run time, cannot
be rows of one stack: such loops count their iterations instead and the gradient recomputes each iteration's state
from the initial values (O(n^2) body runs, nothing stored).
"""
from __future__ import annotations

import math
from typing import Callable

from . import dtypes as _dtypes, errors
from .core import current_trace, recording_tapes
from .graph import Graph, TensorType, clone_into
from .replay import LoopTemplate, register_loop
from .tensor import Tensor, TensorShape, convert_to_tensor

__all__ = ["traced_while", "trace_while", "add_while_node", "StoredLoop"]

PREALLOCATE_ELEMENTS = 1 << 22  # with maximum_iterations: at most this many elements per stack up front
I32 = TensorType((), _dtypes.int32)
BOOL = TensorType((), _dtypes.bool)


class WhileRegions:
    """The traced condition and body of a tfc.while (not yet a node), with the loop variables' types."""

    def __init__(self, types, cond, body, body_trace):
        self.types, self.cond, self.body, self.body_trace = types, cond, body, body_trace


def trace_while(condition: Callable, step: Callable, types: list[TensorType]) -> WhileRegions:
    """Traces `condition(*loop vars)` (a scalar bool tensor) and `step(*loop vars)` (the next loop variables, a
    list) into the regions of a tfc.while over loop variables of `types`."""
    from .control_flow import _finish_region, trace_region

    cond_region, cond_trace, cond_result = trace_region(condition, types, "cond")
    _finish_region(cond_region, cond_trace, [cond_result])
    body_region, body_trace, body_result = trace_region(step, types, "body")
    _finish_region(body_region, body_trace, body_result)
    return WhileRegions(list(types), cond_region, body_region, body_trace)


def add_while_node(regions: WhileRegions, inits: list):
    """Adds the tfc.while of `regions` on the initial values `inits` to the current graph; returns the node."""
    from .control_flow import while_op

    trace = current_trace()
    return trace.graph.add_node(while_op, [trace.capture(convert_to_tensor(t)) for t in inits], {}, regions.types,
                                errors.user_location(), [regions.cond, regions.body])


def _results(node) -> list[Tensor]:
    return [Tensor._from_symbol(v) for v in node.outputs]


def inline(region: Graph, args: list[Tensor]) -> list[Tensor]:
    """Copies `region`'s nodes into the current graph with its inputs bound to `args`; returns its outputs."""
    mapping = {id(v): a._symbol for v, a in zip(region.inputs, [convert_to_tensor(a) for a in args])}
    for value in _outer_values(region):
        mapping.setdefault(id(value), value)
    clone_into(region, current_trace().graph, mapping)
    return [Tensor._from_symbol(mapping[id(v)]) for v in region.outputs]


def _outer_values(region: Graph) -> list:
    """The values of enclosing graphs that `region`'s nodes (at any depth) use."""
    found, defined = [], set()

    def walk(graph: Graph) -> None:
        defined.update(map(id, graph.inputs))
        for node in graph.nodes:
            found.extend(v for v in node.inputs if id(v) not in defined)
            for inner in node.regions:
                walk(inner)
            defined.update(map(id, node.outputs))
    walk(region)
    found.extend(v for v in region.outputs if id(v) not in defined)
    return found


def _real_tape() -> bool:
    """Whether a GradientTape records (not only the capture log of an enclosing region: control_flow)."""
    from .control_flow import _CaptureLog
    return any(not isinstance(tape, _CaptureLog) for tape in recording_tapes())


def traced_while(condition: Callable, next_state: Callable, leaves: list[Tensor], types: list[TensorType],
                 limit: Tensor | None) -> list[Tensor]:
    """The final loop variables of `while condition(x): x = next_state(x)` from `leaves` (flat lists; both
    functions check the user's results); reported to the recording tapes."""
    from .control_flow import record_on_tapes, trace_region, while_op, _finish_region

    if not recording_tapes():
        counted = limit is not None
        regions = trace_while(
            lambda *a: (a[0] < limit) & condition(list(a[1:])) if counted else condition(list(a)),
            lambda *a: [a[0] + 1] + next_state(list(a[1:])) if counted else next_state(list(a)),
            [I32] * counted + types)
        return _results(add_while_node(regions, [convert_to_tensor(0)] * counted + leaves))[counted:]
    cond_region, cond_trace, cond_result = trace_region(lambda *s: condition(list(s)), types, "cond")
    _finish_region(cond_region, cond_trace, [cond_result])
    body_region, body_trace, body_result = trace_region(lambda *s: next_state(list(s)), types, "body")
    _finish_region(body_region, body_trace, body_result)
    template = LoopTemplate(cond_region, body_region, types, limit, 0)
    if _real_tape() and all(t == leaf.type for leaf, t in zip(leaves, types)) and _keeps_sizes(body_region):
        node, loop = _stored_loop(template, leaves)
        attrs = {"stored": loop}
    else:  # counted: maximum_iterations, and the count of the recomputing gradient
        regions = trace_while(lambda i, *s: _below(i, limit, inline(cond_region, list(s))[0]),
                              lambda i, *s: [i + 1] + inline(body_region, list(s)), [I32] + types)
        node = add_while_node(regions, [convert_to_tensor(0)] + leaves)
        template.first, loop = 1, None
        attrs = {"count": _results(node)[0]}
    register_loop(node, template)
    outs = _results(node)[template.first:template.first + len(types)]
    # The stacks are results too (after the loop variables), so that a tape around this gradient's computation
    # connects what the backward loop reads back to the inputs: second-order gradients flow through them.
    stacks = loop.stacks[:len(types)] if loop else []
    record_on_tapes(while_op, [body_trace], leaves, outs + stacks, dict(attrs, template=template),
                    loop.assigned if loop else ())
    return outs


def _keeps_sizes(body: Graph) -> bool:
    """Whether each loop variable provably keeps its size from one iteration to the next, so that iterations are
    rows of one stack: static shapes, or run-time sizes that the body's dimension rules carry through unchanged
    (tfc.passes.shape_dims: the same symbolic propagation that sizes a function's outputs)."""
    if all(v.type.is_static for v in body.inputs):
        return True
    from tfc.passes.shape_dims import Dim, propagate

    env = {id(v): [Dim(d) if d is not None else Dim.symbol(k, axis) for axis, d in enumerate(v.type.shape)]
           for k, v in enumerate(body.inputs)}
    for j, value in enumerate(_outer_values(body)):  # captured values: sizes of their own, unrelated to the state
        env.setdefault(id(value), [Dim(d) if d is not None else Dim.symbol(-1 - j, axis)
                                   for axis, d in enumerate(value.type.shape)])
    return propagate(body, env) == [env[id(v)] for v in body.inputs]


def _below(i, limit, go):
    from .ops.logic import less, logical_and
    return go if limit is None else logical_and(less(i, limit), go)


class StoredLoop:
    """What the gradient needs from a stored loop: its trip count and its stacks (tensors of the enclosing graph:
    one per loop variable, then one per assigned Variable), and those Variables."""

    def __init__(self, count: Tensor, stacks: list[Tensor], assigned: list):
        self.count, self.stacks, self.assigned = count, stacks, assigned


def _initial_capacity(types: list[TensorType], limit: Tensor | None) -> Tensor:
    from .ops.math_ops import maximum, minimum

    if limit is None:
        return convert_to_tensor(1)
    # A run-time size counts as 1024 here: the budget must hold without knowing it.
    row = max([math.prod(d if d is not None else 1024 for d in t.shape) for t in types] + [1])
    return maximum(minimum(limit, max(1, PREALLOCATE_ELEMENTS // row)), 1)


def _stored_loop(template: LoopTemplate, leaves: list[Tensor]):
    """The structure of the module docstring, in the current graph: (the outer tfc.while node, StoredLoop)."""
    from .ops.array import expand_dims
    from .ops.sequence import resize_rows
    from .variables import read_handle, variables_assigned_in

    assigned = variables_assigned_in([template.body])
    types = template.types
    stack_types = [TensorType((None,) + t.shape, t.dtype) for t in types] + \
                  [TensorType((None,) + tuple(v.shape), v.dtype) for v in assigned]
    regions = trace_while(lambda i, cap, more, *rest: more, _outer_step(template, assigned, stack_types),
                          [I32, I32, BOOL] + list(types) + stack_types)
    cap = _initial_capacity(types, template.limit)
    values = list(leaves) + [read_handle(v) for v in assigned]
    stacks = [resize_rows(expand_dims(v, 0), cap) for v in values]
    node = add_while_node(regions, [convert_to_tensor(0), cap, convert_to_tensor(True)] + list(leaves) + stacks)
    outs = _results(node)
    template.first = 3
    return node, StoredLoop(outs[0], outs[3 + len(types):], assigned)


def _outer_step(template: LoopTemplate, assigned: list, stack_types: list[TensorType]):
    from .ops.logic import equal, less, logical_and, where
    from .ops.math_ops import maximum
    from .ops.sequence import resize_rows, write_row
    from .variables import read_handle

    count, limit = len(template.types), template.limit

    def outer_step(i, cap, more, *rest):
        cap = where(less(i, cap), cap, maximum(cap * 2, i + 1))
        stacks = [resize_rows(s, cap) for s in rest[count:]]

        def inner_condition(i, *rest):
            return _below(i, limit, logical_and(less(i, cap), inline(template.cond, list(rest[:count]))[0]))

        def inner_step(i, *rest):
            state, stacks = list(rest[:count]), list(rest[count:])
            values = state + [read_handle(v) for v in assigned]
            stacks = [write_row(s, i, v) for s, v in zip(stacks, values)]
            return [i + 1] + inline(template.body, state) + stacks

        regions = trace_while(inner_condition, inner_step, [I32] + list(template.types) + stack_types)
        outs = _results(add_while_node(regions, [i] + list(rest[:count]) + stacks))
        return [outs[0], cap, _below(outs[0], limit, equal(outs[0], cap))] + outs[1:]
    return outer_step
