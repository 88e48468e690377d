"""GradientTape's API as TensorFlow defines it, eagerly and inside @tfc.function (one graph, one native function)."""
import numpy as np
import pytest

import tfc


def test_watch_and_gradient_of_a_product():
    x = tfc.constant(3.0)
    with tfc.GradientTape() as tape:
        tape.watch(x)
        y = x * x * 2.0
    assert tape.gradient(y, x).numpy() == pytest.approx(12.0)


def test_second_gradient_on_a_non_persistent_tape_raises():
    x = tfc.constant(1.5)
    with tfc.GradientTape() as tape:
        tape.watch(x)
        y = tfc.math.exp(x)
    tape.gradient(y, x)
    with pytest.raises(RuntimeError, match="non-persistent GradientTape"):
        tape.gradient(y, x)


def test_persistent_tape_answers_several_gradients():
    x = tfc.constant([1.0, 2.0])
    with tfc.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = tfc.reduce_sum(y * x)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [2.0, 4.0])
    np.testing.assert_allclose(tape.gradient(z, x).numpy(), [3.0, 12.0])


def test_nested_sources_keep_their_structure():
    a, b = tfc.constant(2.0), tfc.constant([1.0, 3.0])
    with tfc.GradientTape() as tape:
        tape.watch([a, b])
        y = tfc.reduce_sum(a * b)
    grads = tape.gradient(y, {"a": a, "rest": (b, [a])})
    assert set(grads) == {"a", "rest"} and isinstance(grads["rest"], tuple)
    assert grads["a"].numpy() == pytest.approx(4.0)
    np.testing.assert_allclose(grads["rest"][0].numpy(), [2.0, 2.0])
    assert grads["rest"][1][0].numpy() == pytest.approx(4.0)


def test_unwatched_and_integer_sources_give_none():
    x, unwatched, ints = tfc.constant(1.0), tfc.constant(2.0), tfc.constant(3)
    with tfc.GradientTape() as tape:
        tape.watch([x, ints])
        y = x * unwatched + tfc.cast(ints, tfc.float32)
    assert tape.gradient(y, [x, unwatched, ints])[1:] == [None, None]


def test_unconnected_gradients_zero():
    x, other = tfc.constant([1.0, 2.0]), tfc.constant([[5.0, 6.0]])
    with tfc.GradientTape() as tape:
        tape.watch([x, other])
        y = tfc.reduce_sum(x * x)
    grad = tape.gradient(y, other, unconnected_gradients=tfc.UnconnectedGradients.ZERO)
    assert grad.shape == [1, 2] and grad.dtype == tfc.float32 and not grad.numpy().any()


def test_stop_gradient_and_stop_recording():
    x = tfc.constant(2.0)
    with tfc.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * tfc.stop_gradient(x)       # d/dx = stop(x) = 2, not 2x = 4
        with tape.stop_recording():
            z = x * x                       # not recorded: no gradient
    assert tape.gradient(y, x).numpy() == pytest.approx(2.0)
    assert tape.gradient(z, x) is None


def test_reset_forgets_what_was_recorded():
    x = tfc.constant(2.0)
    with tfc.GradientTape() as tape:
        tape.watch(x)
        y = x * x
        tape.reset()
        tape.watch(x)
        z = x * 3.0
    assert tape.gradient(y, x) is None
    with pytest.raises(RuntimeError):
        tape.gradient(z, x)


def test_output_gradients_weight_the_target():
    x = tfc.constant([1.0, 2.0])
    with tfc.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    np.testing.assert_allclose(tape.gradient(y, x, output_gradients=tfc.constant([10.0, 1.0])).numpy(),
                               [20.0, 4.0])


def test_broadcast_gradients_are_reduced_to_the_input_shape():
    row, matrix = tfc.constant([[1.0, 2.0, 3.0]]), tfc.constant(np.ones((4, 3), np.float32))
    with tfc.GradientTape() as tape:
        tape.watch([row, matrix])
        y = tfc.reduce_sum(row * matrix + 1.0)
    g_row, g_matrix = tape.gradient(y, [row, matrix])
    assert g_row.shape == [1, 3] and g_matrix.shape == [4, 3]
    np.testing.assert_allclose(g_row.numpy(), [[4.0, 4.0, 4.0]])


def test_trainable_variables_are_watched_automatically():
    w, frozen = tfc.Variable([1.0, 2.0]), tfc.Variable([3.0, 4.0], trainable=False)
    with tfc.GradientTape() as tape:
        y = tfc.reduce_sum(w * frozen)
    assert tape.watched_variables() == (w,)
    g_w, g_frozen = tape.gradient(y, [w, frozen])
    np.testing.assert_allclose(g_w.numpy(), [3.0, 4.0])
    assert g_frozen is None


def test_watch_accessed_variables_false_needs_explicit_watch():
    a, b = tfc.Variable(2.0), tfc.Variable(5.0)
    with tfc.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(a)
        y = a * b
    assert tape.watched_variables() == (a,)
    g_a, g_b = tape.gradient(y, [a, b])
    assert g_a.numpy() == pytest.approx(5.0) and g_b is None


def test_a_variable_read_twice_sums_both_uses():
    v = tfc.Variable(3.0)
    with tfc.GradientTape() as tape:
        y = v * v + v
    assert tape.gradient(y, v).numpy() == pytest.approx(7.0)


def test_nested_tapes_give_second_derivatives():
    x = tfc.constant(2.0)
    with tfc.GradientTape() as outer:
        outer.watch(x)
        with tfc.GradientTape() as inner:
            inner.watch(x)
            y = x * x * x
        dy = inner.gradient(y, x)
    assert dy.numpy() == pytest.approx(12.0)
    assert outer.gradient(dy, x).numpy() == pytest.approx(12.0)


def test_forward_and_backward_compile_to_one_native_function():
    w0 = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)
    x = np.random.default_rng(1).normal(size=(5, 4)).astype(np.float32)

    def loss_and_grad(x, w):
        with tfc.GradientTape() as tape:
            tape.watch(w)
            hidden = tfc.math.tanh(tfc.matmul(x, w))
            loss = tfc.reduce_sum(hidden * hidden)
        return tape.gradient(loss, w)

    compiled = tfc.function(loss_and_grad)
    got = compiled(x, w0)
    expected = loss_and_grad(tfc.constant(x), tfc.constant(w0))
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-5, atol=1e-6)
    assert compiled.experimental_get_tracing_count() == 1
    concrete = compiled.get_concrete_function(x, w0)
    text = concrete.as_text("tfc")
    assert text.count("func.func") == 1
    assert text.count('"tfc.matmul"') == 2 and '"tfc.transpose"' in text  # forward and gradient matmuls
    optimized = concrete.as_text("optimized")
    assert '"tfc.reduce_sum"' not in optimized, "dce must prune the loss value the gradient does not need"
    assert concrete.as_text("llvm").count("define ") >= 1


def test_compiled_step_updates_variables_in_the_native_function():
    w = tfc.Variable(np.ones((3, 2), np.float32))
    x = tfc.constant(np.arange(6, dtype=np.float32).reshape(2, 3))

    @tfc.function
    def sgd_step(x):
        with tfc.GradientTape() as tape:
            loss = tfc.reduce_sum(tfc.matmul(x, w))
        w.assign_sub(0.1 * tape.gradient(loss, w))
        return loss

    expected = np.ones((3, 2), np.float32)
    for _ in range(3):
        sgd_step(x)
        expected -= 0.1 * np.repeat(x.numpy().sum(0)[:, None], 2, axis=1)
    np.testing.assert_allclose(w.numpy(), expected, rtol=1e-6)
    assert sgd_step.experimental_get_tracing_count() == 1
    assert '"tfc.subtract"' in sgd_step.get_concrete_function(x).as_text("tfc")


@pytest.mark.parametrize("values", [[2.0, 3.0, 4.0], [2.0, 0.0, 4.0], [0.0, 3.0, 0.0], [[1.0, 0.0], [5.0, 6.0]]])
@pytest.mark.parametrize("compiled", [False, True])
def test_reduce_prod_gradient_with_zeros(values, compiled):
    # d prod / d x_i = product of the other elements, also where some are 0 (prod / x would give nan there).
    x = tfc.constant(np.array(values, np.float64))

    def grad(x):
        with tfc.GradientTape() as tape:
            tape.watch(x)
            y = tfc.reduce_prod(x, axis=-1)
        return tape.gradient(y, x)

    result = (tfc.function(grad) if compiled else grad)(x).numpy()
    flat = np.array(values, np.float64).reshape(-1, np.shape(values)[-1])
    expected = np.array([[np.prod(np.delete(row, i)) for i in range(row.size)] for row in flat]).reshape(
        np.shape(values))
    np.testing.assert_allclose(result, expected, rtol=1e-12)
