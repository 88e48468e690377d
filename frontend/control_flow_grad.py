"""Gradients of tfc.cond and tfc.while (graph control flow built while a GradientTape records).

A control-flow node reaches the tape as ONE op (see control_flow.record_on_tapes) whose inputs are its loop
variables plus the floating tensors and Variables its regions captured from enclosing graphs. The region's own
values cannot be used outside it, so the rules do not reuse them: they re-trace the user's branch / body
functions under an inner tape, inside new control flow, and take that tape's vector-Jacobian product.

- cond: a cond on the same predicate whose branches each re-run their branch and give its VJP.
- while: the forward loop counts its iterations (n). A backward loop runs i = n..1: it recomputes the loop state
  before iteration i by running the body i-1 times from the initial values (O(n^2) body evaluations, no stored
  per-iteration state, so it works for any trip count known at run time and for run-time shapes), then
  accumulates the body's VJP at that state.

The re-traced functions run again at trace time: a Variable assignment in a differentiated branch or body would
run again in the gradient, so it raises UnsupportedError instead; a tfc.print there is dropped from the re-traced
copy (the forward pass prints; TensorFlow's gradient does not print again). Python side effects such as print
happen again at trace time; they are not part of the graph.
"""
from __future__ import annotations

from . import errors
from .core import current_trace
from .tensor import Tensor, TensorShape


def _retraced(run):
    """`run()` once more, refusing Variable assignments (they would be applied twice: forward and gradient) and
    dropping prints (they would print again)."""
    graph = current_trace().graph
    start = len(graph.nodes)
    results = run()
    graph.nodes[start:] = _without_prints(graph.nodes[start:])
    pending = list(graph.nodes[start:])
    while pending:
        node = pending.pop()
        if node.op.name == "assign_variable":
            raise errors.UnsupportedError(
                "a Variable is assigned inside a tensor-dependent if/loop that a GradientTape differentiates: its "
                "gradient re-runs the branch or loop body, which would assign it again; assign outside the "
                "if/loop or outside the tape", location=errors.user_location())
        for region in node.regions:
            region.nodes[:] = _without_prints(region.nodes)
            pending.extend(region.nodes)
    return results


def _without_prints(nodes: list) -> list:
    return [node for node in nodes if node.op.name != "print"]  # no results: nothing uses them


def _vjp(run, sources: list, variables: list, output_grads: list) -> list[Tensor]:
    """Gradients of `run()`'s result tensors, weighted by `output_grads` (None: no gradient), with respect to
    `sources` (tensors) and `variables`; zeros where unconnected."""
    from .autodiff import GradientTape, UnconnectedGradients

    with GradientTape(watch_accessed_variables=False) as tape:
        tape.watch([s for s in sources if s.dtype.is_floating])
        tape.watch(variables)
        results = _retraced(run)
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

    info = node.attrs
    captured, variables = info["captured"], info["variables"]
    then_results, else_results = info["branches"]

    def branch(run):
        return lambda: _vjp(run, captured, variables, list(output_grads))
    grads = cond(info["pred"], branch(then_results), branch(else_results))
    return list(grads)  # one per input: the captured tensors, then one read per Variable


def while_gradient(node, *output_grads):
    from .control_flow import while_loop
    from .ops.grad_helpers import zeros_like

    info = node.attrs
    captured, variables, advance = info["captured"], info["variables"], info["advance"]
    types = info["types"]
    count = len(types)
    inits = list(node.inputs[:count])
    floating = [i for i in range(count) if types[i].dtype.is_floating]
    shapes = [TensorShape(t.shape) for t in types]

    def state_before(iteration):
        """The loop variables after `iteration` runs of the body (recomputed from the initial values)."""
        def body(j, *state):
            return (j + 1, *_retraced(lambda: advance(*state)))
        from .tensor import convert_to_tensor
        result = while_loop(lambda j, *state: j < iteration, body, (convert_to_tensor(0), *inits),
                            shape_invariants=(TensorShape(()), *shapes))
        return list(result[1:])

    def backward_body(i, *grads):
        state_grads, outer_grads = list(grads[:len(floating)]), list(grads[len(floating):])
        state = state_before(i - 1)
        step = _vjp(lambda: advance(*state), [state[k] for k in floating] + captured, variables,
                    [None if k not in floating else state_grads[floating.index(k)] for k in range(count)])
        new_state_grads = step[:len(floating)]
        new_outer = [a + b for a, b in zip(outer_grads, step[len(floating):])]
        return (i - 1, *new_state_grads, *new_outer)

    seeds = [output_grads[k] if output_grads[k] is not None else zeros_like(inits[k]) for k in floating]
    outer = [zeros_like(t) for t in captured] + [zeros_like(t) for t in variables]
    invariants = (TensorShape(()), *[shapes[k] for k in floating], *[TensorShape(t.shape) for t in captured],
                  *[TensorShape(v.shape) for v in variables])
    result = while_loop(lambda i, *grads: i > 0, backward_body, (info["count"], *seeds, *outer),
                        shape_invariants=invariants)
    state_grads, outer_grads = result[1:1 + len(floating)], result[1 + len(floating):]
    by_position = dict(zip(floating, state_grads))
    return [by_position.get(k) for k in range(count)] + list(outer_grads)
