"""Graph replay: re-emitting the ops of a traced region through the public API, so that recording tapes see them.

The gradients of tfc.cond and tfc.while need the branch's or the body's ops on a tape, but the region's values
exist only inside the region. They replay the region's nodes in the gradient's own control flow instead. Replaying
the graph, not calling the user's Python function again, means the gradient differentiates exactly what the
forward pass computed: a branch `lambda: h * w` whose `h` the user rebinds afterwards (`h = tfc.cond(...)`) still
means the old `h`, and Python side effects do not run again.

- Ordinary nodes are bound again (`core.bind`); constants become constants; tfc.print is not replayed (the
  forward pass printed).
- Variable reads and assignments go through the Variable (`_as_tensor` / `assign`), so tapes see reads and local
  copies (variables.local_handles) take them when the gradient installs some.
- A tfc.cond is rebuilt with `tfc.cond` on replayed branches; a tfc.while registered with a LoopTemplate (every
  loop built while a tape records) is rebuilt with `tfc.while_loop` on its user-level condition and body (not on
  the stacks and counters added around them); other while nodes are replayed as they are.
"""
from __future__ import annotations

import weakref

import numpy as np

from .core import bind, constant_op
from .graph import Graph, Value
from .tensor import Tensor, TensorShape

__all__ = ["LoopTemplate", "replay_region", "register_loop"]


class LoopTemplate:
    """A differentiable while loop as the user wrote it: condition and body traced into standalone regions
    (inputs: the loop variables), `limit` (maximum_iterations, a Tensor or None), and where the loop variables
    sit among the results of the node that runs it (`first`)."""

    def __init__(self, cond: Graph, body: Graph, types: list, limit: Tensor | None, first: int):
        self.cond, self.body, self.types, self.limit, self.first = cond, body, types, limit, first


_LOOPS: "weakref.WeakKeyDictionary[Graph, LoopTemplate]" = weakref.WeakKeyDictionary()


def register_loop(node, template: LoopTemplate) -> None:
    """Marks `node` (a tfc.while, by its body region) as running `template`'s loop."""
    _LOOPS[node.regions[1]] = template


def _lookup(env: dict, value: Value) -> Tensor:
    found = env.get(id(value))
    return found if found is not None else Tensor._from_symbol(value)


def replay_region(region: Graph, args: list, env: dict) -> list[Tensor]:
    """Replays `region` on `args` (its inputs) in the current trace; returns its outputs. `env` maps id(Value) to
    the Tensor to use for values of enclosing graphs (the tensors a tape knows); others are used as they are."""
    local = dict(env)
    for value, arg in zip(region.inputs, args):
        local[id(value)] = arg
    for node in region.nodes:
        outs = _replay_node(node, [_lookup(local, v) for v in node.inputs], local)
        for value, out in zip(node.outputs, outs):
            if out is not None:
                local[id(value)] = out
    return [_lookup(local, v) for v in region.outputs]


def _replay_node(node, inputs: list[Tensor], env: dict) -> list:
    from .control_flow import cond_op, while_op
    from .variables import assign_variable_op, owner_of, read_variable_op

    if node.op is constant_op:
        return [Tensor._from_numpy(np.asarray(node.attrs["value"]), node.outputs[0].type)]
    if node.op.name == "print":  # the forward pass printed; a gradient prints nothing (as in TensorFlow)
        return []
    if node.op is read_variable_op:
        return [owner_of(node.inputs[0])._as_tensor()]
    if node.op is assign_variable_op:
        owner_of(node.inputs[0]).assign(inputs[1])
        return []
    if node.op is cond_op:
        return _replay_cond(node, inputs, env)
    if node.op is while_op:
        return _replay_while(node, inputs, env)
    outs = bind(node.op, *inputs, **node.attrs)
    return list(outs) if isinstance(outs, tuple) else [outs]


def _replay_cond(node, inputs, env) -> list:
    from .control_flow import cond

    then_region, else_region = node.regions
    return list(cond(inputs[0], lambda: replay_region(then_region, [], env),
                     lambda: replay_region(else_region, [], env)))


def _replay_while(node, inputs, env) -> list:
    from .control_flow import while_loop

    template = _LOOPS.get(node.regions[1])
    if template is None:  # a loop as it is (built without a tape, or one of the gradient's own loops)
        cond_region, body_region = node.regions
        invariants = [TensorShape(v.type.shape) for v in node.outputs]
        return list(while_loop(lambda *s: replay_region(cond_region, list(s), env)[0],
                               lambda *s: replay_region(body_region, list(s), env), list(inputs),
                               shape_invariants=invariants))
    count = len(template.types)
    limit = None if template.limit is None else \
        (template.limit if not template.limit.is_symbolic else _lookup(env, template.limit._symbol))
    state = _run_template(template, inputs[template.first:template.first + count], env, limit)
    outs = [None] * len(node.outputs)
    outs[template.first:template.first + count] = state
    return outs


def _run_template(template: LoopTemplate, state: list, env: dict, limit=None) -> list:
    """The user's loop again (tfc.while_loop on its replayed condition and body), from `state`."""
    from .control_flow import while_loop

    invariants = [TensorShape(t.shape) for t in template.types]
    return list(while_loop(lambda *s: replay_region(template.cond, list(s), env)[0],
                           lambda *s: replay_region(template.body, list(s), env), list(state),
                           shape_invariants=invariants, maximum_iterations=limit))
