"""One SGD training step of the 784-512-512-10 relu MLP (softmax cross-entropy, batch 256, float32):
compiled tfc (forward + GradientTape backward + update in one native function) vs forward and backward written
by hand in numpy, and vs TensorFlow / JAX / PyTorch when they are importable (never a dependency).

    .venv/bin/python bench/bench_train.py
"""
import os
import sys

import tfc  # noqa: I001  (first: numpy's OpenBLAS then shares the cores, runtime/threads.py)
import numpy as np

from harness import check_close, compare, report

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples"))
import train_mlp  # noqa: E402  (the example's model, relu and loss)
from peers import selected  # noqa: E402

BATCH, LR = 256, 0.01


def tfc_contender(x, labels):
    model = train_mlp.MLP((512, 512, 10), seed=0)
    step = train_mlp.make_train_step(model, tfc.optimizers.SGD(LR))
    model(x[:1])  # build the Variables so their initial values can be copied before the first step
    layers = model.hidden + [model.out]
    initial = [a for layer in layers for a in (layer.kernel.numpy(), layer.bias.numpy())]
    return (lambda: step(x, labels)), initial, lambda: [a for l in layers for a in (l.kernel.numpy(), l.bias.numpy())]


def numpy_step(params, x, labels):
    """Forward, backward and SGD update of the same MLP, by hand (updates `params` in place)."""
    w1, b1, w2, b2, w3, b3 = params
    h1_pre = x @ w1 + b1
    h1 = np.maximum(h1_pre, 0)
    h2_pre = h1 @ w2 + b2
    h2 = np.maximum(h2_pre, 0)
    logits = h2 @ w3 + b3
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs = exp / exp.sum(axis=1, keepdims=True)
    d_logits = (probs - labels) / np.float32(len(x))
    d_h2 = (d_logits @ w3.T) * (h2_pre > 0)
    d_h1 = (d_h2 @ w2.T) * (h1_pre > 0)
    grads = [x.T @ d_h1, d_h1.sum(0), h1.T @ d_h2, d_h2.sum(0), h2.T @ d_logits, d_logits.sum(0)]
    for p, g in zip(params, grads):
        p -= np.float32(LR) * g


def optional_contenders(initial, x, labels) -> dict:
    found, chosen = {}, selected()
    if "torch" in chosen:
        import torch

        ps = [torch.tensor(p, requires_grad=True) for p in initial]
        tx, ty = torch.tensor(x), torch.tensor(labels)

        def torch_step():
            h = torch.relu(tx @ ps[0] + ps[1])
            h = torch.relu(h @ ps[2] + ps[3])
            loss = torch.nn.functional.cross_entropy(h @ ps[4] + ps[5], ty.argmax(1))
            grads = torch.autograd.grad(loss, ps)
            with torch.no_grad():
                for p, g in zip(ps, grads):
                    p -= LR * g
        found["torch"] = torch_step
    if "jax" in chosen:
        import jax
        import jax.numpy as jnp

        def loss_fn(ps, x, y):
            h = jax.nn.relu(x @ ps[0] + ps[1])
            h = jax.nn.relu(h @ ps[2] + ps[3])
            return -jnp.mean(jnp.sum(y * jax.nn.log_softmax(h @ ps[4] + ps[5]), axis=1))

        @jax.jit
        def update(ps, x, y):
            return [p - LR * g for p, g in zip(ps, jax.grad(loss_fn)(ps, x, y))]
        state = {"ps": [jnp.asarray(p) for p in initial]}
        jx, jy = jnp.asarray(x), jnp.asarray(labels)

        def jax_step():
            state["ps"] = update(state["ps"], jx, jy)
            state["ps"][0].block_until_ready()
        found["jax"] = jax_step
    if "tensorflow" in chosen:
        import tensorflow as tf

        vs = [tf.Variable(p) for p in initial]

        @tf.function(jit_compile=True)
        def tf_step(x, y):
            with tf.GradientTape() as tape:
                h = tf.nn.relu(x @ vs[0] + vs[1])
                h = tf.nn.relu(h @ vs[2] + vs[3])
                loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(y, h @ vs[4] + vs[5]))
            for v, g in zip(vs, tape.gradient(loss, vs)):
                v.assign_sub(LR * g)
        found["tensorflow"] = lambda: tf_step(x, labels)
    return found


def main():
    x, labels = train_mlp.synthetic_data(BATCH)
    tfc_step, initial, tfc_params = tfc_contender(x, labels)
    params = [p.copy() for p in initial]
    tfc_step()
    numpy_step(params, x, labels)
    for i, (got, expected) in enumerate(zip(tfc_params(), params)):
        check_close(f"tfc (parameter {i} after one step)", got, expected, rtol=1e-4, atol=1e-5)
    contenders = {"numpy": lambda: numpy_step(params, x, labels), "tfc": tfc_step}
    contenders.update(optional_contenders(initial, x, labels))
    medians = compare(contenders, reference="numpy", rounds=int(os.environ.get("BENCH_ROUNDS", 7)))
    report(f"one SGD train step, MLP 784-512-512-10, batch {BATCH}, float32", medians)


if __name__ == "__main__":
    main()
