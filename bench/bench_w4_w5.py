"""W4 matmul 1024^3 and W5 MLP inference (batch 256, 784-512-512-10), float32, tfc vs numpy (OpenBLAS), and vs
TensorFlow (XLA), JAX and PyTorch when they are importable (./dev bench-peers)."""
import tfc  # noqa: I001  (first: numpy's OpenBLAS then shares the cores, runtime/threads.py)
import numpy as np

from harness import check_close, compare, report
from peers import contenders
from workloads import optional, with_threads

N = 1024


def matmul(a, b):
    return tfc.matmul(a, b)


def main():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((N, N), dtype=np.float32)
    b = rng.standard_normal((N, N), dtype=np.float32)
    fn, serial = tfc.function(matmul), with_threads(matmul, 1)
    check_close("tfc", fn(a, b), a @ b, rtol=1e-4, atol=1e-3)
    check_close("tfc 1 thread", serial(a, b), a @ b, rtol=1e-4, atol=1e-3)
    medians = compare({"numpy": lambda: a @ b, "tfc": lambda: fn(a, b), "tfc 1 thread": lambda: serial(a, b),
                       **contenders("w4", a, b, reference=a @ b, rtol=1e-4, atol=1e-3)},
                      reference="numpy", rounds=9)
    report(f"W4 matmul {N}^3 ({2 * N ** 3 / medians['tfc'] / 1e9:.0f} GFLOP/s tfc, "
           f"{2 * N ** 3 / medians['tfc 1 thread'] / 1e9:.0f} on 1 thread; tfc's packed kernel)", medians)

    relu, softmax = optional("nn.relu"), optional("nn.softmax")
    x = rng.standard_normal((256, 784), dtype=np.float32)
    params = [(rng.standard_normal((i, o), dtype=np.float32) * np.float32(0.05), rng.standard_normal(o, dtype=np.float32))
              for i, o in ((784, 512), (512, 512), (512, 10))]
    flat = [p for layer in params for p in layer]
    act = relu or tfc.math.tanh
    np_act = (lambda v: np.maximum(v, 0)) if relu else np.tanh

    def mlp(x, w1, b1, w2, b2, w3, b3):
        h = act(tfc.matmul(x, w1) + b1)
        h = act(tfc.matmul(h, w2) + b2)
        logits = tfc.matmul(h, w3) + b3
        return softmax(logits, axis=-1) if softmax else logits

    def numpy_mlp(x, w1, b1, w2, b2, w3, b3):
        h = np_act(x @ w1 + b1)
        h = np_act(h @ w2 + b2)
        logits = h @ w3 + b3
        if not softmax:
            return logits
        e = np.exp(logits - logits.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    label = "relu" if relu else "tanh (tfc.nn.relu absent)"
    label += ", softmax" if softmax else ", no softmax (tfc.nn.softmax absent)"
    fn, serial = tfc.function(mlp), with_threads(mlp, 1)
    expected = numpy_mlp(x, *flat)
    check_close("tfc", fn(x, *flat), expected, rtol=1e-4, atol=1e-4)
    check_close("tfc 1 thread", serial(x, *flat), expected, rtol=1e-4, atol=1e-4)
    peers = contenders("w5", x, *flat, reference=expected, rtol=1e-4, atol=1e-5) if relu and softmax else {}
    report(f"W5 MLP inference 256x784-512-512-10, {label} (bias+relu fused into the matmul kernels)",
           compare({"numpy": lambda: numpy_mlp(x, *flat), "tfc": lambda: fn(x, *flat),
                    "tfc 1 thread": lambda: serial(x, *flat), **peers}, reference="numpy"))
    print("\nW6 training step: measured by bench/bench_train.py")


if __name__ == "__main__":
    main()
