"""Gradient through a tfc.while_loop against its trip count n = 10, 100, 1000, 10000: compiled tfc (the forward
loop stores each iteration's state, the backward loop reads it back: O(n)), eager tfc (the tape of the Python
loop), the recomputing gradient that stored nothing (forced with a relaxed shape invariant: O(n^2), run up to
n = 1000), and the same reverse mode written by hand in numpy. Linear growth shows as a constant time per
iteration.

    .venv/bin/python bench/bench_loop_grad.py
"""
import tfc  # noqa: I001  (first: numpy's OpenBLAS then shares the cores, runtime/threads.py)
import numpy as np

from harness import check_close, compare, machine_load

SIZE = 64


def loop(h, w, n, relaxed=False):
    invariants = (tfc.TensorShape([]), tfc.TensorShape([None] if relaxed else [SIZE]))
    return tfc.while_loop(lambda i, h: i < n, lambda i, h: (i + 1, tfc.tanh(h * w) + 0.5 * h), (0, h),
                          shape_invariants=invariants)[1]


def gradients(h, w, n, relaxed=False):
    with tfc.GradientTape() as tape:
        tape.watch([h, w])
        loss = tfc.reduce_sum(loop(h, w, n, relaxed))
    return tape.gradient(loss, [h, w])


def numpy_gradients(h, w, n):
    states = []
    for _ in range(n):
        states.append(h)
        h = np.tanh(h * w) + 0.5 * h
    dh, dw = np.ones_like(h), np.zeros_like(w)
    for h in reversed(states):
        d_pre = dh * (1 - np.tanh(h * w) ** 2)
        dw += d_pre * h
        dh = d_pre * w + 0.5 * dh
    return dh, dw


def main():
    rng = np.random.default_rng(0)
    h0, w = rng.uniform(-1, 1, SIZE), rng.uniform(0.5, 1.0, SIZE)
    compiled = tfc.function(gradients)
    recomputed = tfc.function(lambda h, w, n: gradients(h, w, n, relaxed=True))
    print(f"d sum(loop) / d (h0, w), {SIZE} float64 per state   ({machine_load()})")
    print(f"  {'n':>6} {'contender':<14} {'median':>12} {'per iteration':>14} {'vs numpy':>9}")
    for n in (10, 100, 1000, 10000):
        count = np.int32(n)
        expected = numpy_gradients(h0, w, n)
        for got, want in zip(compiled(h0, w, count), expected):
            check_close(f"compiled n={n}", got.numpy(), want, rtol=1e-9, atol=1e-12)
        contenders = {"numpy": lambda: numpy_gradients(h0, w, n),
                      "tfc compiled": lambda: compiled(h0, w, count),
                      "tfc eager": lambda: gradients(tfc.constant(h0), tfc.constant(w), tfc.constant(n))}
        if n <= 1000:
            for got, want in zip(recomputed(h0, w, count), expected):
                check_close(f"recomputed n={n}", got.numpy(), want, rtol=1e-9, atol=1e-12)
            contenders["recomputing"] = lambda: recomputed(h0, w, count)
        medians = compare(contenders, "numpy", rounds=5 if n < 10000 else 3)
        for name, seconds in medians.items():
            print(f"  {n:>6} {name:<14} {seconds * 1e3:>9.3f} ms {seconds / n * 1e6:>11.2f} us "
                  f"{seconds / medians['numpy']:>8.2f}x")


if __name__ == "__main__":
    main()
