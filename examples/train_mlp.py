"""Trains an MLP (784-512-512-10, relu, softmax cross-entropy) on synthetic data with a compiled train step.

    python examples/train_mlp.py --steps 100 --batch 256

The whole step (forward, GradientTape backward, Adam update of every Variable) is ONE tfc.function, traced once
and compiled to one native function; the Variables are updated by that function.

tfc.nn (relu, softmax cross-entropy) is not in this build yet, so both are composed below from primitives
(`relu` and `softmax_cross_entropy`); they switch to tfc.nn's versions when those exist.
"""
from __future__ import annotations

import argparse
import sys
import time

import numpy as np

import tfc


def _composed_relu(x):
    """max(x, 0) as x * step(x), the step held constant for the gradient (1 for x > 0, 0 for x < 0; 1/2 at 0,
    where TensorFlow's relu gives 0). step(x) = (1 + x/|x|) / 2, with |x| = sqrt(x*x)."""
    step = 0.5 + 0.5 * x / (tfc.math.sqrt(x * x) + 1e-30)
    return x * tfc.stop_gradient(step)


def _composed_softmax_cross_entropy(labels, logits):
    """mean over the batch of logsumexp(logits) - sum(labels * logits). Without a max op to subtract first,
    logits must stay moderate (they do here: glorot init, inputs in [0, 1))."""
    logsumexp = tfc.math.log(tfc.reduce_sum(tfc.math.exp(logits), axis=-1))
    batch = float(logits.shape[0])
    return (tfc.reduce_sum(logsumexp) - tfc.reduce_sum(labels * logits)) / batch


_nn = getattr(tfc, "nn", None)
relu = getattr(_nn, "relu", None) or _composed_relu
if hasattr(_nn, "softmax_cross_entropy_with_logits"):
    def softmax_cross_entropy(labels, logits):
        return tfc.reduce_sum(_nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits)) / float(
            logits.shape[0])
else:
    softmax_cross_entropy = _composed_softmax_cross_entropy


class MLP(tfc.Module):
    def __init__(self, sizes=(512, 512, 10), seed: int = 0):
        super().__init__()
        *hidden, classes = sizes
        self.hidden = [tfc.keras.layers.Dense(units, activation=relu, seed=seed + i) for i, units in enumerate(hidden)]
        self.out = tfc.keras.layers.Dense(classes, seed=seed + len(hidden))

    def __call__(self, x):
        for layer in self.hidden:
            x = layer(x)
        return self.out(x)


def synthetic_data(count: int, features: int = 784, classes: int = 10, seed: int = 0):
    """Inputs uniform in [0, 1); labels (one-hot) from a fixed random linear teacher, so they can be learned."""
    rng = np.random.default_rng(seed)
    x = rng.random((count, features), dtype=np.float32)
    teacher = rng.normal(size=(features, classes)).astype(np.float32)
    scores = (x - 0.5) @ teacher
    return x, np.eye(classes, dtype=np.float32)[scores.argmax(axis=1)]


def make_train_step(model: MLP, optimizer):
    @tfc.function
    def train_step(x, labels):
        with tfc.GradientTape() as tape:
            loss = softmax_cross_entropy(labels, model(x))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss
    return train_step


def progress_bar(step: int, total: int, loss: float, rate: float | None, width: int = 30) -> str:
    filled = width * step // total
    speed = f"  {rate:6.1f} steps/s" if rate else ""
    return f"\r[{'#' * filled}{'.' * (width - filled)}] step {step:>{len(str(total))}}/{total}  loss {loss:.4f}{speed}"


def train(steps: int = 100, batch: int = 256, sizes=(512, 512, 10), features: int = 784, learning_rate=1e-3,
          seed: int = 0, out=sys.stdout) -> list[float]:
    """Runs `steps` compiled train steps over batches of synthetic data; returns the losses."""
    x, labels = synthetic_data(batch * 8, features, sizes[-1], seed)
    model = MLP(sizes, seed)
    train_step = make_train_step(model, tfc.optimizers.Adam(learning_rate))
    losses, start = [], None
    for step in range(steps):
        lo = (step % 8) * batch
        losses.append(float(train_step(x[lo:lo + batch], labels[lo:lo + batch])))
        if step == 0:
            start = time.perf_counter()  # the first step includes tracing and compiling
        rate = step / (time.perf_counter() - start) if step else None
        if out is not None:
            out.write(progress_bar(step + 1, steps, losses[-1], rate))
            out.flush()
    if out is not None:
        elapsed = time.perf_counter() - start
        print(f"\n{steps - 1} steps after the first (compile) in {elapsed:.2f} s: "
              f"{(steps - 1) / elapsed:.2f} steps/second; traces: {train_step.experimental_get_tracing_count()}",
              file=out)
    return losses


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    args = parser.parse_args(argv)
    losses = train(args.steps, args.batch, learning_rate=args.learning_rate)
    print(f"loss: first {losses[0]:.4f}, last {losses[-1]:.4f}")


if __name__ == "__main__":
    main()
