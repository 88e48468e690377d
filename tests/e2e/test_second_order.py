"""Second-order gradients (a tape around a tape's gradient) of the ops whose gradient is built from a composition
(conv2d and the pools, grad_helpers.via_composition) and of a stored loop: the eager tape against central
differences of the first-order gradient (float64), and compiled == eager."""
import numpy as np
import pytest

import tfc
from conftest import central_differences

nn = tfc.nn

# (id, op of (x, k), input shapes): the target is sum(w1 * tanh(op)), so the first gradient depends on the inputs
CASES = [
    ("conv2d-valid", lambda x, k: nn.conv2d(x, k, 1, "VALID"), [(1, 4, 4, 2), (2, 2, 2, 3)]),
    ("conv2d-same-strided", lambda x, k: nn.conv2d(x, k, 2, "SAME"), [(2, 5, 4, 1), (3, 2, 1, 2)]),
    ("conv2d-dilated", lambda x, k: nn.conv2d(x, k, 1, "VALID", dilations=2), [(1, 5, 5, 1), (2, 2, 1, 2)]),
    ("max_pool2d", lambda x: nn.max_pool2d(x, 2, 1, "SAME"), [(1, 4, 4, 2)]),
    ("avg_pool2d", lambda x: nn.avg_pool2d(x, 3, 2, "SAME"), [(2, 5, 5, 1)]),
    ("stored loop", lambda x, k: tfc.while_loop(lambda i, h: i < 3, lambda i, h: (i + 1, tfc.sin(h) * k + h * h),
                                                (0, x))[1], [(3,), ()]),
]


def _weights(op, arrays):
    rng = np.random.default_rng(8)
    out = op(*[tfc.constant(a) for a in arrays]).numpy()
    return rng.uniform(0.5, 1.5, size=out.shape), [rng.uniform(-1, 1, size=a.shape) for a in arrays]


def first_order(op, w1, xs):
    with tfc.GradientTape() as tape:
        tape.watch(xs)
        y = tfc.reduce_sum(tfc.tanh(op(*xs)) * w1)
    return tape.gradient(y, list(xs))


def second_order(op, w1, w2, xs):
    """d/dxs of sum(w2 * first-order gradient): a Hessian-vector product."""
    with tfc.GradientTape() as tape:
        tape.watch(xs)
        target = sum(tfc.reduce_sum(g * w) for g, w in zip(first_order(op, w1, xs), w2))
    return tape.gradient(target, list(xs))


@pytest.mark.parametrize("name,op,shapes", CASES, ids=[c[0] for c in CASES])
def test_second_order_gradient_compiled_equals_eager_equals_numeric(name, op, shapes):
    rng = np.random.default_rng(4)
    arrays = [rng.uniform(-1, 1, size=s) for s in shapes]
    w1, w2 = _weights(op, arrays)
    eager = second_order(op, w1, w2, [tfc.constant(a) for a in arrays])

    def objective(values):
        grads = first_order(op, w1, [tfc.constant(v) for v in values])
        return float(sum(np.sum(g.numpy() * w) for g, w in zip(grads, w2)))
    for got, want in zip(eager, central_differences(objective, arrays)):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-6)
    compiled = tfc.function(lambda *xs: second_order(op, w1, w2, list(xs)))
    for got, want in zip(compiled(*arrays), eager):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-10, atol=1e-12)
