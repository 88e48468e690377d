"""The forward pass of a traced tfc.while_loop that a GradientTape differentiates: it stores the loop state of
every iteration in stacks, so that the gradient (control_flow_grad.while_gradient) runs the body's VJP once per
iteration, in reverse, reading the state back: O(n) body work for a trip count n known only at run time.

What one iteration stores: every loop variable (integer ones too: the body's gradient may depend on them) and the
value of each Variable the body assigns, as it was when the iteration began. The backward pass re-traces the body
on that state (with the Variables as local copies: variables.local_handles), so it sees exactly the values the
forward pass saw and no assignment happens twice.

The structure, in tfc ops (`as_text("tfc")` shows it):

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

Stacking needs each stored value to keep its shape from one iteration to the next: loop variables whose
shape_invariants relax a dimension, or that have dimensions known only at run time, fall back to
recomputation (control_flow_grad: O(n^2) body runs, nothing stored).
"""
from __future__ import annotations

import math

from . import dtypes as _dtypes
from .graph import TensorType
from .tensor import Tensor, convert_to_tensor

__all__ = ["can_store", "stored_while"]

PREALLOCATE_ELEMENTS = 1 << 22  # with maximum_iterations: at most this many elements per stack up front
I32 = TensorType((), _dtypes.int32)


def can_store(leaves: list[Tensor], types: list[TensorType]) -> bool:
    """Whether every loop variable keeps one static shape across iterations (so each iteration is one row)."""
    return all(t == leaf.type and t.is_static for leaf, t in zip(leaves, types))


class StoredLoop:
    """What the gradient needs from the forward loop: its trip count and the stacks (tensors of the enclosing
    graph), and which Variables' values the stacks hold."""

    def __init__(self, count: Tensor, stacks: list[Tensor], assigned: list):
        self.count, self.stacks, self.assigned = count, stacks, assigned


def _initial_capacity(types: list[TensorType], limit: Tensor | None) -> Tensor:
    from .ops.math_ops import maximum, minimum

    if limit is None:
        return convert_to_tensor(1)
    row = max([t.num_elements for t in types] + [1])
    budget = max(1, PREALLOCATE_ELEMENTS // row)
    return maximum(minimum(limit, budget), 1)


def stored_while(condition, next_state, leaves: list[Tensor], types: list[TensorType], limit: Tensor | None):
    """Builds the stacked loop in the current graph. `condition(state)` gives the user's scalar bool and
    `next_state(state)` the next loop variables (both on flat lists, checked by the caller). Returns (the final
    loop variables, a StoredLoop, the RegionTrace of the user's body)."""
    from .control_flow import add_while_node, trace_while
    from .ops.array import expand_dims
    from .ops.sequence import resize_rows
    from .variables import read_handle, variables_assigned_in

    assigned: list = []
    while True:  # a second round only when the body turned out to assign Variables: their stacks join the loop
        inner = {}
        regions = trace_while(*_outer_loop(condition, next_state, types, assigned, limit, inner))
        found = variables_assigned_in([inner["body"]])
        if {id(v) for v in found} <= {id(v) for v in assigned}:
            break
        assigned = found
    cap = _initial_capacity(types, limit)
    values = list(leaves) + [read_handle(v) for v in assigned]
    stacks = [resize_rows(expand_dims(v, 0), cap) for v in values]
    outs = add_while_node(regions, [convert_to_tensor(0), cap, convert_to_tensor(True)] + list(leaves) + stacks)
    count = len(types)
    return outs[3:3 + count], StoredLoop(outs[0], outs[3 + count:], assigned), inner["trace"]


def _outer_loop(condition, next_state, types, assigned, limit, inner: dict):
    """(outer condition, outer step, outer loop types) of the structure in the module docstring; tracing the
    step fills `inner` with the inner loop's body region ("body") and its RegionTrace ("trace")."""
    from .control_flow import add_while_node, trace_while
    from .ops.logic import equal, less, logical_and, where
    from .ops.math_ops import maximum
    from .ops.sequence import resize_rows, write_row
    from .variables import read_handle

    count = len(types)
    stack_types = [TensorType((None,) + t.shape, t.dtype) for t in types] + \
                  [TensorType((None,) + tuple(v.shape), v.dtype) for v in assigned]

    def below_limit(i, go):
        return go if limit is None else logical_and(go, less(i, limit))

    def outer_step(i, cap, more, *rest):
        cap = where(less(i, cap), cap, maximum(cap * 2, i + 1))
        stacks = [resize_rows(s, cap) for s in rest[count:]]

        def inner_condition(i, *rest):
            return logical_and(below_limit(i, less(i, cap)), condition(list(rest[:count])))

        def inner_step(i, *rest):
            state, stacks = list(rest[:count]), list(rest[count:])
            values = state + [read_handle(v) for v in assigned]
            return [i + 1] + next_state(state) + [write_row(s, i, v) for s, v in zip(stacks, values)]

        regions = trace_while(inner_condition, inner_step, [I32] + list(types) + stack_types)
        inner["body"], inner["trace"] = regions.body, regions.body_trace
        outs = add_while_node(regions, [i] + list(rest[:count]) + stacks)
        i = outs[0]
        return [i, cap, below_limit(i, equal(i, cap))] + outs[1:]

    outer_types = [I32, I32, TensorType((), _dtypes.bool)] + list(types) + stack_types
    return (lambda i, cap, more, *rest: more), outer_step, outer_types
