"""Gradients of tfc.cond and tfc.while (graph control flow built while a GradientTape records).

A control-flow node reaches the tape as ONE op (see control_flow.record_on_tapes) whose inputs are its loop
variables plus the floating tensors and Variables its regions captured from enclosing graphs. The region's own
values cannot be used outside it, so the rules replay the region's graph (replay.py: the ops the forward pass
traced, not the user's Python function, so a rebound closure variable cannot change what is differentiated)
under an inner tape, inside new control flow, and take that tape's vector-Jacobian product. The replay sees the
Variables it reads or assigns as local copies holding the values the forward pass saw
(variables.local_handles): every assignment happens once, in the forward pass.

- cond: a cond on the same predicate whose branches each replay their branch and give its VJP.
- while, stored (traced_loops.py: the forward loop pushed its state at every iteration): a backward loop
  j = n-1 .. 0 reads iteration j's state from the stacks, replays the body on it and accumulates its VJP. The
  body's ops run twice per iteration in all (forward, and once more in the backward pass): O(n).
- while, recomputed: the fallback for loops whose variables may change shape between iterations (relaxed
  shape_invariants, or sizes known only at run time), which no stack of equal rows can hold. Iteration j's state
  is recomputed from the initial values by running the body j times: O(n^2) body runs, nothing stored. A Variable
  assigned in such a loop is refused (its values at each iteration are not stored).
"""
from __future__ import annotations

from . import errors
from .core import current_trace
from .tensor import Tensor, TensorShape, convert_to_tensor


def _vjp(run, sources: list, variables: list, output_grads: list, shadows) -> list[Tensor]:
    """Gradients of `run()`'s result tensors, weighted by `output_grads` (None: no gradient), with respect to
    `sources` (tensors) and `variables`; zeros where unconnected. `run` is traced with the Variables of
    `shadows` ([(Variable, value)]) as local copies."""
    from .autodiff import GradientTape, UnconnectedGradients
    from .variables import local_handles

    with GradientTape(watch_accessed_variables=False) as tape:
        tape.watch([s for s in sources if s.dtype.is_floating])
        tape.watch(variables)
        with local_handles(shadows):
            results = run()
    pairs = [(r, g) for r, g in zip(results, output_grads) if g is not None and r.dtype.is_floating]
    wrt = list(sources) + list(variables)
    if not pairs:
        from .ops.grad_helpers import zeros_like
        from .autodiff import _shape_of
        return [zeros_like(_shape_of(s)) for s in wrt]
    return list(tape.gradient([r for r, _ in pairs], wrt, output_gradients=[g for _, g in pairs],
                              unconnected_gradients=UnconnectedGradients.ZERO))


def cond_gradient(node, *output_grads):
    from .control_flow import cond
    from .replay import replay_region

    info = node.attrs

    def branch(region):
        def vjp():
            return _vjp(lambda: replay_region(region, [], info["env"]), info["captured"], info["variables"],
                        list(output_grads), info["shadows"])
        return vjp
    grads = cond(info["pred"], *[branch(region) for region in info["regions"]])
    return list(grads)  # one per input: the captured tensors, then one read per Variable


def while_gradient(node, *output_grads):
    from .ops.grad_helpers import cast_like, zeros_like

    info = node.attrs
    types = info["template"].types
    inits = list(node.inputs[:len(types)])
    floating = [k for k, t in enumerate(types) if t.dtype.is_floating]
    seeds = [output_grads[k] if output_grads[k] is not None else zeros_like(inits[k]) for k in floating]
    outer = [zeros_like(t) for t in info["captured"]] + [zeros_like(v) for v in info["variables"]]
    if "stored" in info:  # gradients of the stacks (second order: the backward loop read them) come after
        stack_grads = list(output_grads[len(types):])
        state_grads, outer_grads = _stored_backward(info, floating, seeds, outer, stack_grads)
    else:
        state_grads, outer_grads = _recomputed_backward(info, inits, floating, seeds, outer)
    # A relaxed shape invariant makes the gradient's type less static than the initial value's: cast it back.
    by_position = {k: cast_like(g, inits[k]) for k, g in zip(floating, state_grads)}
    return [by_position.get(k) for k in range(len(types))] + list(outer_grads)


def _step_vjp(info, state: list, floating: list[int], grads: list, shadows) -> tuple[list, list]:
    """One iteration's VJP at `state`: (gradients of the floating loop variables, of the captured tensors and
    Variables), given the gradients `grads` of the floating loop variables after the iteration."""
    from .replay import replay_region

    template = info["template"]
    weights = [grads[floating.index(k)] if k in floating else None for k in range(len(template.types))]
    step = _vjp(lambda: replay_region(template.body, state, info["env"]), [state[k] for k in floating] +
                info["captured"], info["variables"], weights, shadows)
    return step[:len(floating)], step[len(floating):]


def _stored_backward(info, floating, seeds, outer, stack_grads):
    """j = n .. 1: the state before iteration j is row j-1 of the forward loop's stacks. A stack's gradient
    (when the stack itself was differentiated: second order) adds its row j-1 to that state's gradient."""
    from .control_flow import while_loop
    from .ops.sequence import row

    loop = info["stored"]
    count = len(info["template"].types)
    assigned = {id(v) for v in loop.assigned}
    shadows = [(v, t) for v, t in info["shadows"] if id(v) not in assigned]

    def body(j, *grads):
        k = j - 1
        state = [row(stack, k) for stack in loop.stacks[:count]]
        values = [(v, row(stack, k)) for v, stack in zip(loop.assigned, loop.stacks[count:])]
        state_grads, outer_grads = _step_vjp(info, state, floating, list(grads[:len(floating)]), shadows + values)
        state_grads = [g if stack_grads[i] is None else g + row(stack_grads[i], k)
                       for g, i in zip(state_grads, floating)]
        return (k, *state_grads, *[a + b for a, b in zip(grads[len(floating):], outer_grads)])

    result = while_loop(lambda j, *grads: j > 0, body, (loop.count, *seeds, *outer))
    return result[1:1 + len(floating)], result[1 + len(floating):]


def _recomputed_backward(info, inits, floating, seeds, outer):
    """j = n .. 1: the state before iteration j is recomputed by running the body j-1 times from `inits`."""
    from .control_flow import while_loop

    shadows = info["shadows"]
    shapes = [TensorShape(t.shape) for t in info["template"].types]

    def replayed(run):
        graph = current_trace().graph
        start = len(graph.nodes)
        results = run()
        if _assigns(graph.nodes[start:]):
            raise errors.UnsupportedError(
                "a Variable is assigned inside a tensor-dependent loop whose loop variables change shape between "
                "iterations (shape_invariants, or sizes known only at run time): its gradient recomputes each "
                "iteration and would need every value the Variable had; assign outside the loop or outside the "
                "GradientTape", location=errors.user_location())
        return results

    def state_before(iteration):
        from .replay import replay_region

        def body(j, *state):
            return (j + 1, *replayed(lambda: replay_region(info["template"].body, list(state), info["env"])))
        result = while_loop(lambda j, *state: j < iteration, body, (convert_to_tensor(0), *inits),
                            shape_invariants=(TensorShape(()), *shapes))
        return list(result[1:])

    def body(i, *grads):
        state = state_before(i - 1)
        state_grads, outer_grads = _step_vjp(info, state, floating, list(grads[:len(floating)]), shadows)
        return (i - 1, *state_grads, *[a + b for a, b in zip(grads[len(floating):], outer_grads)])

    invariants = (TensorShape(()), *[shapes[k] for k in floating], *[TensorShape(t.shape) for t in info["captured"]],
                  *[TensorShape(v.shape) for v in info["variables"]])
    result = while_loop(lambda i, *grads: i > 0, body, (info["count"], *seeds, *outer), shape_invariants=invariants)
    return result[1:1 + len(floating)], result[1 + len(floating):]


def _assigns(nodes) -> bool:
    """Whether some assign_variable is among `nodes` or inside their regions."""
    return any(node.op.name == "assign_variable" or any(_assigns(region.nodes) for region in node.regions)
               for node in nodes)
