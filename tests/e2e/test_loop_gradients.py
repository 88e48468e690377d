"""Reverse mode through tfc.while_loop with stored iterations (frontend/loop_stacks.py): every loop shape of the
table, for run-time trip counts 0..5, compiled == eager == central differences; the body runs O(n) times, not
O(n^2); Variables assigned in a differentiated body are assigned once per iteration; the recomputing fallback for
loop variables whose shape may change."""
import numpy as np
import pytest

import tfc
from conftest import check_gradients, tape_gradients

F64 = tfc.float64


def several_carried(x, w, n):
    """Loop variables of different shapes and dtypes: an int32 counter and a float32 scale (no gradients, but the
    body's gradient depends on them), a vector and a matrix."""
    def body(i, scale, h, m):
        h = tfc.sin(h) * w + tfc.cast(i, F64) * 0.1 * h
        m = tfc.matmul(m, m) * 0.5 + tfc.reshape(h[:2], [2, 1]) * tfc.cast(scale, F64)
        return i + 1, scale * 1.5, h, m
    init = (tfc.constant(0), tfc.constant(1.0), x, tfc.reshape(x[:4], [2, 2]) * w)
    _, _, h, m = tfc.while_loop(lambda i, *_: i < n, body, init)
    return tfc.reduce_sum(h) + tfc.reduce_sum(m * m)


def nested(x, w, n):
    def outer(i, h):
        _, h = tfc.while_loop(lambda j, h: j < i + 1, lambda j, h: (j + 1, tfc.tanh(h * w) + h), (0, h))
        return i + 1, h * 0.5
    return tfc.while_loop(lambda i, h: i < n, outer, (0, x))[1]


def cond_in_loop(x, w, n):
    def body(i, h):
        h = tfc.cond(tfc.reduce_sum(h) > 1.0, lambda: h * w - 0.5, lambda: tfc.exp(h * w) * 0.3)
        return i + 1, h
    return tfc.while_loop(lambda i, h: i < n, body, (0, x))[1]


def loop_in_cond(x, w, n):
    def looped():
        return tfc.while_loop(lambda i, h: i < n, lambda i, h: (i + 1, tfc.sin(h) * w), (0, x))[1]
    return tfc.cond(w > 0.0, looped, lambda: x * w)


def data_dependent_exit(x, w, n):
    """The trip count is decided by the values (and capped by maximum_iterations = n)."""
    return tfc.while_loop(lambda h: tfc.reduce_max(h) < 50.0, lambda h: h * w + 1.0, x, maximum_iterations=n)


def autograph_for(x, w, n):
    for i in tfc.range(n):
        x = x * w + tfc.cos(x) * tfc.cast(i, F64)
    return x


LOOPS = [several_carried, nested, cond_in_loop, loop_in_cond, data_dependent_exit, autograph_for]
ARRAYS = [np.array([0.5, -1.0, 2.0, 0.25]), np.array(0.9)]


@pytest.mark.parametrize("loop", LOOPS, ids=[f.__name__ for f in LOOPS])
def test_loop_gradient_compiled_equals_eager_equals_numeric(loop):
    converted = tfc.autograph.convert(loop)
    compiled = tfc.function(lambda x, w, n: tape_gradients(lambda x, w: converted(x, w, n), x, w))
    for n in range(6):
        check_gradients(lambda x, w: loop(x, w, tfc.constant(n)), ARRAYS, lambda *a: compiled(*a, np.int32(n)))
    text = compiled.get_concrete_function(*ARRAYS, np.int32(0)).as_text()
    assert '"tfc.write_row"' in text and '"tfc.resize_rows"' in text  # the iterations are stored


def _count_calls(monkeypatch, op_name):
    """Counts the calls of an op's gradient rule (the body's gradient, op by op)."""
    op = tfc.core.REGISTRY[op_name]
    calls = []
    rule = op.gradient
    monkeypatch.setattr(op, "gradient", lambda node, *grads: calls.append(1) or rule(node, *grads))
    return calls


def test_ten_thousand_iterations_run_the_body_and_its_gradient_n_times(monkeypatch):
    n = 10_000
    bodies = []

    def loop(x, w, n):
        def body(i, h):
            bodies.append(1)
            return i + 1, tfc.sin(h) * w + h * 0.5
        return tfc.while_loop(lambda i, h: i < n, body, (0, x))[1]

    sin_gradients = _count_calls(monkeypatch, "sin")
    x, w = tfc.constant(np.array([0.3, -0.2])), tfc.constant(np.array(0.7))
    eager = tape_gradients(lambda x, w: loop(x, w, tfc.constant(n)), x, w)
    assert len(bodies) == n and len(sin_gradients) == n  # the tape of the Python loop: once per iteration

    del bodies[:], sin_gradients[:]
    compiled = tfc.function(lambda x, w, n: tape_gradients(lambda x, w: loop(x, w, n), x, w))
    got = compiled(np.array([0.3, -0.2]), np.array(0.7), np.int32(n))
    for g, e in zip(got, eager):
        np.testing.assert_allclose(g.numpy(), e.numpy(), rtol=1e-10)
    # Traced: the Python body once (the backward loop replays its graph), the sin gradient once.
    assert len(bodies) == 1 and len(sin_gradients) == 1
    # Run: the backward loop (n iterations) holds one body and one VJP and no nested loop; the recomputing
    # gradient held a loop inside it that re-ran the body i times at iteration i (n^2 / 2 bodies).
    graph = compiled.get_concrete_function(np.array([0.3, -0.2]), np.array(0.7), np.int32(n)).graph
    backward = [node for node in graph.nodes if node.op.name == "while"][-1]
    assert _count(backward, "while") == 1 and _count(backward, "sin") == 1 and _count(backward, "cos") == 1


def _count(node, op_name) -> int:
    """Nodes of `op_name` in node and its regions, at any depth."""
    return (node.op.name == op_name) + sum(_count(inner, op_name) for region in node.regions for inner in region.nodes)


@pytest.mark.parametrize("n", [0, 1, 4])
def test_a_variable_assigned_in_a_differentiated_loop_is_assigned_once_per_iteration(n):
    # The backward loop re-traces the body on each iteration's stored state, with v as a local copy holding the
    # value v had when that iteration began (stored too): the same values as the forward pass, no assignment.
    v = tfc.Variable(np.array(0.5))

    def loop(x, w, n):
        def body(i, h):
            v.assign_add(0.25)
            return i + 1, tfc.sin(h) * w + v * h
        return tfc.while_loop(lambda i, h: i < n, body, (0, x))[1]

    def step(x, w, n):
        with tfc.GradientTape() as tape:
            tape.watch([x, w])
            loss = tfc.reduce_sum(loop(x, w, n))
        return tape.gradient(loss, [x, w, v], unconnected_gradients=tfc.UnconnectedGradients.ZERO)

    def numeric_loop(x, w):  # the same function of x and w for central differences: v restarts at 0.5
        v.assign(0.5)
        return loop(x, w, tfc.constant(n))

    eager = check_gradients(numeric_loop, ARRAYS)
    v.assign(0.5)
    eager_with_v = [g.numpy() for g in step(*[tfc.constant(a) for a in ARRAYS], tfc.constant(n))]
    assert v.numpy() == 0.5 + 0.25 * n
    compiled = tfc.function(step)
    for call in range(2):
        v.assign(0.5)
        got = compiled(*ARRAYS, np.int32(n))
        assert v.numpy() == 0.5 + 0.25 * n  # the forward loop's assignments only
        for g, e in zip(got, eager_with_v):
            np.testing.assert_allclose(g.numpy(), e, rtol=1e-12, atol=1e-15)
    for g, e in zip(eager_with_v, eager):
        np.testing.assert_allclose(g, e, rtol=1e-12)


def shape_changing(x, w, n):
    """A loop variable with a relaxed shape invariant: no stack of equal rows can hold it, so the gradient falls
    back to recomputing each iteration's state (the shape stays the same here; only the invariant allows more)."""
    return tfc.while_loop(lambda h: tfc.reduce_sum(h) < 40.0, lambda h: h * w + tfc.sin(h), x,
                          shape_invariants=tfc.TensorShape([None]), maximum_iterations=n)


def test_shape_changing_loop_variables_fall_back_to_recomputation():
    converted = tfc.autograph.convert(shape_changing)
    compiled = tfc.function(lambda x, w, n: tape_gradients(lambda x, w: converted(x, w, n), x, w))
    arrays = [np.array([0.5, 1.0, 2.0]), np.array(1.2)]
    for n in (0, 1, 3):
        check_gradients(lambda x, w: shape_changing(x, w, tfc.constant(n)), arrays,
                        lambda *a: compiled(*a, np.int32(n)))
    text = compiled.get_concrete_function(*arrays, np.int32(0)).as_text()
    assert '"tfc.write_row"' not in text and text.count('"tfc.while"') == 3  # forward, backward, recompute


def test_a_variable_assigned_in_a_recomputed_loop_is_refused():
    v = tfc.Variable(np.array(1.0))

    @tfc.function
    def step(x):
        with tfc.GradientTape() as tape:
            tape.watch(x)
            y = tfc.while_loop(lambda h: tfc.reduce_sum(h) < 10.0, lambda h: h * v.assign_add(1.0), x,
                               shape_invariants=tfc.TensorShape([None]))
            loss = tfc.reduce_sum(y)
        return tape.gradient(loss, x)

    with pytest.raises(tfc.errors.UnsupportedError, match="change shape between iterations") as info:
        step(np.array([1.0, 2.0]))
    assert "test_loop_gradients.py" in str(info.value)


@pytest.mark.parametrize("limited", [False, True], ids=["growing", "maximum_iterations"])
def test_loop_over_a_run_time_batch_stores_its_iterations(limited):
    # h has a None batch dimension: the body's dimension rules show it keeps h's size, so iterations are stored
    # (rows of a [None, None, 3] stack, grown or preallocated); one trace serves every batch size and trip count.
    def rnn(h, w, n):
        step = lambda i, h: (i + 1, tfc.tanh(tfc.matmul(h, w)) + 0.5 * h)  # noqa: E731
        if limited:
            return tfc.while_loop(lambda i, h: i < 100, step, (0, h), maximum_iterations=n)[1]
        return tfc.while_loop(lambda i, h: i < n, step, (0, h))[1]

    signature = [tfc.TensorSpec([None, 3], F64), tfc.TensorSpec([3, 3], F64), tfc.TensorSpec([], tfc.int32)]
    compiled = tfc.function(lambda h, w, n: tape_gradients(lambda h, w: rnn(h, w, n), h, w), input_signature=signature)
    rng = np.random.default_rng(2)
    for batch, n in [(2, 3), (5, 0), (1, 6)]:
        arrays = [rng.normal(size=(batch, 3)), rng.normal(size=(3, 3)) * 0.5]
        check_gradients(lambda h, w: rnn(h, w, tfc.constant(n)), arrays, lambda *a: compiled(*a, np.int32(n)))
    assert compiled.experimental_get_tracing_count() == 1
    assert '"tfc.write_row"' in compiled.get_concrete_function().as_text()


def test_a_variable_assigned_in_an_if_inside_a_loop():
    # The if's branch assigns v inside the loop body: the stacks hold v's value at each iteration, the backward
    # loop replays the body (and the if) on local copies, and the forward pass is the only one assigning.
    v = tfc.Variable(np.array(0.5))

    def loop(x, w, n):
        for i in tfc.range(n):
            if tfc.reduce_sum(x) > 0.0:
                v.assign_add(0.25)
                x = tfc.sin(x) * w + v * x
            else:
                x = x * w - v
        return x

    def step(x, w, n):
        with tfc.GradientTape() as tape:
            tape.watch([x, w])
            loss = tfc.reduce_sum(tfc.autograph.convert(loop)(x, w, n))
        return tape.gradient(loss, [x, w, v], unconnected_gradients=tfc.UnconnectedGradients.ZERO)

    arrays = [np.array([0.5, -0.2]), np.array(0.9)]
    compiled = tfc.function(step)
    for n in (0, 3):
        v.assign(0.5)
        eager = [g.numpy() for g in step(*[tfc.constant(a) for a in arrays], tfc.constant(n))]
        assert v.numpy() == 0.5 + 0.25 * n
        v.assign(0.5)
        for got, want in zip(compiled(*arrays, np.int32(n)), eager):
            np.testing.assert_allclose(got.numpy(), want, rtol=1e-12)
        assert v.numpy() == 0.5 + 0.25 * n


def test_stacks_are_written_in_place_and_copied_only_by_the_growing_loop():
    # After bufferization the inner (per-iteration) loop carries no stack: the stacks are written in place. Only
    # the outer loop, once per capacity doubling, carries (and copies) them; the backward loop reads them.
    def loop(x, w, n):
        return tfc.while_loop(lambda i, h: i < n, lambda i, h: (i + 1, tfc.sin(h) * w + h * 0.5), (0, x))[1]

    compiled = tfc.function(lambda x, w, n: tape_gradients(lambda x, w: loop(x, w, n), x, w))
    text = compiled.get_concrete_function(np.zeros(3), np.array(1.0), np.int32(3)).as_text("bufferized")
    loops = [line for line in text.splitlines() if "scf.while" in line]
    carrying = [line for line in loops if "memref<?x" in line.split("->")[0]]
    assert len(loops) == 3 and len(carrying) == 1  # forward outer, forward inner, backward
