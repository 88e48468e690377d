"""Gradients through tfc.cond / tfc.while_loop (explicit, and AutoGraph's tensor if / for): the tape's gradient
eagerly (control flow runs as Python) and compiled (cond / while nodes with gradient regions) against central
differences in float64."""
import numpy as np
import pytest

import tfc

from conftest import check_gradients as check, tape_gradients


def branchy(x, w):
    if tfc.reduce_sum(x) > 0.0:
        y = x * w * w + tfc.sin(x)
    else:
        y = tfc.exp(x * w) - w
    return y


@pytest.mark.parametrize("x", [[0.5, 1.5, -0.25], [-0.5, -1.5, 0.25]], ids=["then", "else"])
def test_autograph_if_gradient_compiled_equals_eager_equals_numeric(x):
    @tfc.function
    def compiled(x, w):
        with tfc.GradientTape() as tape:
            tape.watch([x, w])
            if tfc.reduce_sum(x) > 0.0:  # the same branches as `branchy`, written inline as a user would
                y = x * w * w + tfc.sin(x)
            else:
                y = tfc.exp(x * w) - w
            loss = tfc.reduce_sum(y)
        return tape.gradient(loss, [x, w])
    arrays = [np.array(x), np.array(0.75)]
    check(branchy, arrays, compiled)
    text = compiled.get_concrete_function(*arrays).as_text()
    assert text.count('"tfc.cond"') == 2  # the forward if, and the if of its gradient


def explicit_cond(x, w):
    return tfc.cond(tfc.reduce_max(x) > w, lambda: tfc.tanh(x * w), lambda: x + w * x)


@pytest.mark.parametrize("w", [0.1, 5.0], ids=["then", "else"])
def test_explicit_cond_gradient_with_captured_values(w):
    compiled = tfc.function(lambda x, w: tape_gradients(explicit_cond, x, w))
    check(explicit_cond, [np.array([[0.3, -0.2], [1.0, 0.4]]), np.array(w)], compiled)


def affine_loop(x, w, b, n):
    for i in tfc.range(n):
        x = x * w + b
    return x


def explicit_loop(x, w, b, n):
    _, x = tfc.while_loop(lambda i, x: i < n, lambda i, x: (i + 1, tfc.sin(x) * w + b * x), (tfc.constant(0), x))
    return x


@pytest.mark.parametrize("loop", [affine_loop, explicit_loop], ids=["autograph-for", "while_loop"])
def test_loop_gradient_for_run_time_trip_counts(loop):
    converted = tfc.autograph.convert(loop)  # tfc.function converts the function it decorates, not its callees
    compiled = tfc.function(lambda x, w, b, n: tape_gradients(lambda x, w, b: converted(x, w, b, n), x, w, b))
    arrays = [np.array([0.5, -1.0, 2.0]), np.array(0.9), np.array([0.1, 0.2, -0.3])]
    for n in (0, 1, 2, 5):
        def f(x, w, b):
            return loop(x, w, b, tfc.constant(n))
        check(f, arrays, lambda *a: compiled(*a, np.int32(n)))


def test_zero_iterations_give_identity_and_zero_gradients():
    @tfc.function
    def compiled(x, w, b, n):
        with tfc.GradientTape() as tape:
            tape.watch([x, w, b])
            for i in tfc.range(n):
                x = x * w + b
            loss = tfc.reduce_sum(x)
        return tape.gradient(loss, [x, w, b])
    gx, gw, gb = compiled(np.array([1.0, 2.0]), np.array(3.0), np.array([0.0, 0.0]), np.int32(0))
    np.testing.assert_array_equal(gx.numpy(), [1.0, 1.0])
    assert gw.numpy() == 0.0
    np.testing.assert_array_equal(gb.numpy(), [0.0, 0.0])


def loop_with_branch(x, w):
    for i in tfc.range(4):
        if tfc.reduce_sum(x) > 1.0:
            x = x * w
        else:
            x = x + w * w
    return x


def test_if_nested_in_a_loop():
    converted = tfc.autograph.convert(loop_with_branch)
    compiled = tfc.function(lambda x, w: tape_gradients(converted, x, w))
    check(loop_with_branch, [np.array([0.2, 0.1]), np.array(1.3)], compiled)


def test_while_loop_with_maximum_iterations():
    def f(x, w):
        return tfc.while_loop(lambda x: tfc.reduce_sum(x) < 100.0, lambda x: x * w, x, maximum_iterations=3)
    compiled = tfc.function(lambda x, w: tape_gradients(f, x, w))
    check(f, [np.array([1.0, 2.0]), np.array(1.5)], compiled)


def test_gradient_reaches_a_variable_read_in_a_branch():
    v = tfc.Variable(np.array(2.0))

    def f(x):
        return tfc.cond(tfc.reduce_sum(x) > 0.0, lambda: x * v * v, lambda: x - v)

    @tfc.function
    def grads(x):
        with tfc.GradientTape() as tape:
            y = tfc.reduce_sum(f(x))
        return tape.gradient(y, v)

    assert grads(np.array([1.0, 2.0])).numpy() == pytest.approx(2 * 2.0 * 3.0)
    assert grads(np.array([-1.0, -2.0])).numpy() == pytest.approx(-2.0)


def test_stop_gradient_inside_a_branch_is_respected():
    def f(x, w):
        return tfc.cond(w > 0.0, lambda: x * tfc.stop_gradient(w) + w, lambda: x)
    compiled = tfc.function(lambda x, w: tape_gradients(f, x, w))
    gx, gw = compiled(np.array([1.0, 2.0]), np.array(3.0))
    np.testing.assert_allclose(gx.numpy(), [3.0, 3.0])
    assert gw.numpy() == pytest.approx(2.0)  # only the `+ w` term: the product's w is stopped


@pytest.mark.parametrize("x", [[1.0, 2.0], [-1.0, -2.0]], ids=["then", "else"])
def test_a_variable_assigned_in_a_differentiated_branch_is_assigned_once(x):
    # The gradient re-traces the branch with v as a local copy holding v's value before the cond: it sees what
    # the forward pass saw and assigns nothing. TensorFlow's semantics: the read after assign_add is a read of v.
    v = tfc.Variable(np.array(1.0))

    def step(x, w):
        with tfc.GradientTape() as tape:
            tape.watch([x, w])
            y = tfc.cond(tfc.reduce_sum(x) > 0.0, lambda: x * w * v.assign_add(1.0), lambda: x * w)
            loss = tfc.reduce_sum(y)
        # ZERO: eagerly the else path never reads v (None); the compiled cond's gradient is zeros for it
        return tape.gradient(loss, [x, w, v], unconnected_gradients=tfc.UnconnectedGradients.ZERO)

    arrays = [np.array(x), np.array(3.0)]
    eager = [g.numpy() for g in step(*[tfc.constant(a) for a in arrays])]
    assert v.numpy() == (2.0 if x[0] > 0 else 1.0)
    v.assign(1.0)
    compiled = tfc.function(step)
    for call in range(2):
        got = compiled(*arrays)
        for g, want in zip(got, eager):
            np.testing.assert_allclose(g.numpy(), want, rtol=1e-12)
        v.assign(1.0)  # the same state again for the second call (the compiled function is reused)
    compiled(*arrays)
    assert v.numpy() == (2.0 if x[0] > 0 else 1.0)
    if x[0] > 0:  # y = x * w * v with v = 2 after the assignment; d/dv = sum(x) * w
        for got, want in zip(eager, [[6.0, 6.0], 6.0, 9.0]):
            np.testing.assert_allclose(got, want)


def test_the_gradient_differentiates_what_the_branch_computed_not_its_closure_now():
    # `x = tfc.cond(..., lambda: x * w, ...)` rebinds the x the branch closes over; the gradient replays the traced
    # branch (x before the cond), not the lambda (which would now read the cond's result). Likewise a loop body
    # closing over a w that is rebound after the loop.
    def f(x, w):
        x = tfc.cond(w > 0.0, lambda: x * w, lambda: x)
        y = tfc.while_loop(lambda h: tfc.reduce_sum(h) < 20.0, lambda h: h * w + 1.0, x, maximum_iterations=4)
        w = w * 3.0
        return y + w

    compiled = tfc.function(lambda x, w: tape_gradients(f, x, w))
    check(f, [np.array([1.0, 2.0]), np.array(1.5)], compiled)


def loop_with_return(x, w, n):
    for i in tfc.range(n):
        x = tfc.sin(x) * w + x
        if tfc.reduce_sum(x) > 2.0:
            return x * w
    return x + w


@pytest.mark.parametrize("n", [0, 1, 3, 8])
def test_return_inside_a_loop(n):
    # The return value is a loop variable (zeros until the return); its gradient flows through the loop and the
    # guard after it like any other.
    converted = tfc.autograph.convert(loop_with_return)
    compiled = tfc.function(lambda x, w, n: tape_gradients(lambda x, w: converted(x, w, n), x, w))
    arrays = [np.array([0.5, 0.25]), np.array(1.1)]
    check(lambda x, w: loop_with_return(x, w, tfc.constant(n)), arrays, lambda *a: compiled(*a, np.int32(n)))
    assert '"tfc.while"' in compiled.get_concrete_function(*arrays, np.int32(n)).as_text()
