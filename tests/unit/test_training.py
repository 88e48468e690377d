"""Variables, tfc.Module, Dense and the optimizers: eager against numpy formulas, compiled against eager."""
import numpy as np
import pytest

import tfc


def test_variable_assign_family_and_errors():
    v = tfc.Variable([1.0, 2.0], name="v")
    assert v.dtype == tfc.float32 and v.shape == [2] and v.trainable and v.name == "v:0"
    before = v.read_value()
    v.assign_add([1.0, 1.0])
    v.assign_sub(tfc.constant([0.5, 0.5]))
    np.testing.assert_allclose(v.numpy(), [1.5, 2.5])
    np.testing.assert_allclose(before.numpy(), [1.0, 2.0])  # reads are snapshots
    np.testing.assert_allclose((v * 2.0).numpy(), [3.0, 5.0])
    with pytest.raises(ValueError, match=r"shape \(3,\), expected \(2,\)"):
        v.assign([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="dtype int32, expected float32"):
        v.assign(tfc.constant([1, 2]))


def test_module_collects_trainable_variables_recursively():
    class Block(tfc.Module):
        def __init__(self):
            super().__init__()
            self.layers = [tfc.keras.layers.Dense(3, seed=0), tfc.keras.layers.Dense(2, use_bias=False, seed=1)]
            self.scale = tfc.Variable(1.0)
            self.counter = tfc.Variable(0, trainable=False)

    block = Block()
    assert len(block.trainable_variables) == 1  # Dense builds its Variables on first call
    x = tfc.ones([4, 5]) if hasattr(tfc, "ones") else tfc.constant(np.ones((4, 5), np.float32))
    block.layers[1](block.layers[0](x))
    shapes = sorted(tuple(v.shape) for v in block.trainable_variables)
    assert shapes == [(), (3,), (3, 2), (5, 3)]
    assert len(block.variables) == 5 and len(block.submodules) == 2


def test_dense_uses_seeded_glorot_uniform():
    layer = tfc.keras.layers.Dense(64, seed=3)
    layer(np.ones((2, 32), np.float32))
    kernel = layer.kernel.numpy()
    limit = np.sqrt(6.0 / (32 + 64))
    assert kernel.shape == (32, 64) and np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.9 * limit
    again = tfc.keras.layers.Dense(64, seed=3)
    again(np.ones((2, 32), np.float32))
    np.testing.assert_array_equal(again.kernel.numpy(), kernel)
    assert not layer.bias.numpy().any()


def _quadratic_steps(optimizer, steps, compiled):
    w = tfc.Variable(np.array([1.0, -2.0, 3.0], np.float32))

    def train_step():
        with tfc.GradientTape() as tape:
            loss = tfc.reduce_sum(w * w * w)
        optimizer.apply_gradients(zip([tape.gradient(loss, w)], [w]))

    run = tfc.function(train_step) if compiled else train_step
    for _ in range(steps):
        run()
    return w.numpy(), int(optimizer.iterations.numpy())


def _numpy_sgd(lr, momentum, steps):
    w, velocity = np.array([1.0, -2.0, 3.0]), np.zeros(3)
    for _ in range(steps):
        velocity = momentum * velocity - lr * 3 * w * w
        w = w + velocity
    return w


def _numpy_adam(lr, b1, b2, eps, steps):
    w, m, v = np.array([1.0, -2.0, 3.0]), np.zeros(3), np.zeros(3)
    for t in range(1, steps + 1):
        g = 3 * w * w
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
        w = w - lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t) * m / (np.sqrt(v) + eps)
    return w


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "compiled"])
@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_sgd_matches_the_keras_rule(compiled, momentum):
    w, iterations = _quadratic_steps(tfc.optimizers.SGD(0.01, momentum=momentum), 5, compiled)
    np.testing.assert_allclose(w, _numpy_sgd(0.01, momentum, 5), rtol=1e-5)
    assert iterations == 5


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "compiled"])
def test_adam_matches_the_keras_rule(compiled):
    w, iterations = _quadratic_steps(tfc.optimizers.Adam(0.1, beta_1=0.8, beta_2=0.99, epsilon=1e-7), 6, compiled)
    np.testing.assert_allclose(w, _numpy_adam(0.1, 0.8, 0.99, 1e-7, 6), rtol=1e-5)
    assert iterations == 6


def test_apply_gradients_skips_none():
    a, b = tfc.Variable(1.0), tfc.Variable(2.0)
    tfc.optimizers.SGD(0.5).apply_gradients([(tfc.constant(1.0), a), (None, b)])
    assert a.numpy() == pytest.approx(0.5) and b.numpy() == pytest.approx(2.0)
