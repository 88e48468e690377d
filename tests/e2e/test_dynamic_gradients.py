"""Gradients of tensors whose sizes are known only at run time (input_signature with None): one trace, one native
library for every batch size; compiled == eager == central differences (float64)."""
import numpy as np
import pytest

import tfc
from conftest import check_gradients, tape_gradients

S = tfc.TensorSpec
F64 = tfc.float64
nn = tfc.nn

# (name, function of the sources, their input_signature, the sizes to call with: one shape list per call)
CASES = [
    ("broadcast affine", lambda x, w, b: tfc.tanh(x * w + b), [S([None, 4], F64), S([4], F64), S([], F64)],
     [[(1, 4), (4,), ()], [(3, 4), (4,), ()]]),
    ("both dims run-time", lambda x: tfc.reduce_sum(x * x, axis=1) + tfc.reduce_max(tfc.transpose(x), axis=0),
     [S([None, None], F64)], [[(2, 3)], [(4, 1)]]),
    ("matmul", lambda x, w: tfc.matmul(x, w) ** 2, [S([None, 3], F64), S([3, 2], F64)],
     [[(2, 3), (3, 2)], [(5, 3), (3, 2)]]),
    ("reductions", lambda x: [tfc.reduce_mean(x, axis=0), tfc.reduce_mean(x), tfc.reduce_min(x, axis=1),
                              tfc.reduce_prod(x, axis=1), tfc.reduce_logsumexp(x, axis=0)],
     [S([None, 3], F64)], [[(1, 3)], [(4, 3)]]),
    ("reshape", lambda x: tfc.reshape(tfc.sin(tfc.reshape(x, [-1])), [-1, 2]) * 2.0, [S([None, 4], F64)],
     [[(1, 4)], [(3, 4)]]),
    ("expand and squeeze", lambda x: tfc.squeeze(tfc.expand_dims(x, 1) * tfc.expand_dims(x, 2), 0),
     [S([1, None], F64)], [[(1, 2)], [(1, 5)]]),
    ("softmax", lambda x: [nn.softmax(x), nn.log_softmax(x, axis=0)], [S([None, 5], F64)], [[(2, 5)], [(3, 5)]]),
    ("activations", lambda x: [nn.relu(x), nn.sigmoid(x), nn.gelu(x), nn.softplus(x)], [S([None, 3], F64)],
     [[(2, 3)], [(6, 3)]]),
    ("cross-entropy", lambda logits, labels: nn.softmax_cross_entropy_with_logits(nn.softmax(labels), logits),
     [S([None, 4], F64), S([None, 4], F64)], [[(2, 4), (2, 4)], [(5, 4), (5, 4)]]),
]


def _sum(outs):
    outs = outs if isinstance(outs, list) else [outs]
    return sum(tfc.reduce_sum(o) for o in outs[1:]) + tfc.reduce_sum(outs[0])


@pytest.mark.parametrize("name,fn,signature,calls", CASES, ids=[c[0] for c in CASES])
def test_dynamic_gradient_compiled_equals_eager_equals_numeric(name, fn, signature, calls):
    def gradients(*xs):
        return tape_gradients(lambda *ys: _sum(fn(*ys)), *xs)
    arity = {1: lambda a: gradients(a), 2: lambda a, b: gradients(a, b), 3: lambda a, b, c: gradients(a, b, c)}
    compiled = tfc.function(arity[len(signature)], input_signature=signature)
    rng = np.random.default_rng(3)
    for shapes in calls:
        arrays = [rng.uniform(0.2, 1.5, size=s) for s in shapes]
        check_gradients(lambda *ys: _sum(fn(*ys)), arrays, compiled)
    assert compiled.experimental_get_tracing_count() == 1


def test_sparse_cross_entropy_with_a_run_time_batch():
    def loss(logits, labels):
        return tfc.reduce_mean(nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))

    @tfc.function(input_signature=[S([None, 4], F64), S([None], tfc.int32)])
    def grads(logits, labels):
        return tape_gradients(lambda l: loss(l, labels), logits)[0]

    rng = np.random.default_rng(5)
    for batch in (1, 3, 8):
        logits, labels = rng.normal(size=(batch, 4)), rng.integers(0, 4, size=batch).astype(np.int32)
        (eager,) = check_gradients(lambda l: loss(l, tfc.constant(labels)), [logits])
        np.testing.assert_allclose(grads(logits, labels).numpy(), eager, rtol=1e-12, atol=1e-15)
    assert grads.experimental_get_tracing_count() == 1


def test_training_step_with_a_run_time_batch_matches_eager():
    """Dense(relu) -> Dense -> sparse softmax cross-entropy, SGD: compiled once for a None batch dimension; the
    weights after each step (batches of 1, 5 and 3 rows) equal an eager copy's."""
    def make():
        first = tfc.keras.layers.Dense(6, activation="relu")
        second = tfc.keras.layers.Dense(3)
        return [first, second], tfc.optimizers.SGD(0.1)

    def step(layers, optimizer, x, y):
        with tfc.GradientTape() as tape:
            logits = layers[1](layers[0](x))
            loss = tfc.reduce_mean(nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        variables = [v for layer in layers for v in layer.trainable_variables]
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss

    compiled_layers, compiled_opt = make()
    eager_layers, eager_opt = make()
    rng = np.random.default_rng(11)
    x0 = rng.normal(size=(2, 4)).astype(np.float32)
    compiled_layers[1](compiled_layers[0](x0)), eager_layers[1](eager_layers[0](x0))  # build the weights
    for c, e in zip([v for l in compiled_layers for v in l.trainable_variables],
                    [v for l in eager_layers for v in l.trainable_variables]):
        e.assign(c.numpy())
    compiled_step = tfc.function(lambda x, y: step(compiled_layers, compiled_opt, x, y),
                                 input_signature=[S([None, 4]), S([None], tfc.int32)])
    for batch in (1, 5, 3):
        x, y = rng.normal(size=(batch, 4)).astype(np.float32), rng.integers(0, 3, size=batch).astype(np.int32)
        got = compiled_step(x, y)
        want = step(eager_layers, eager_opt, tfc.constant(x), tfc.constant(y))
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5)
        for c, e in zip([v for l in compiled_layers for v in l.trainable_variables],
                        [v for l in eager_layers for v in l.trainable_variables]):
            np.testing.assert_allclose(c.numpy(), e.numpy(), rtol=1e-5, atol=1e-6)
    assert compiled_step.experimental_get_tracing_count() == 1
