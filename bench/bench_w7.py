"""W7: conv2d NHWC 8x64x64x32 -> 64 channels, 3x3 SAME, + bias + relu, float32, tfc vs numpy (im2col + BLAS), and
vs TensorFlow (XLA), JAX and PyTorch when they are importable (./dev bench-peers)."""
import tfc  # noqa: I001  (first: numpy's OpenBLAS then shares the cores, runtime/threads.py)
import numpy as np

from harness import check_close, compare, report
from peers import contenders
from workloads import optional, with_threads

N, H, W, C, K = 8, 64, 64, 32, 64


def numpy_conv_bias_relu(x, f, bias):
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, (3, 3), axis=(1, 2))  # N,H,W,C,3,3
    columns = windows.transpose(0, 1, 2, 4, 5, 3).reshape(N * H * W, 9 * C)
    out = columns @ f.reshape(9 * C, K)
    return np.maximum(out.reshape(N, H, W, K) + bias, 0)


def main():
    if optional("nn.conv2d") is None:
        print("\nW7 conv2d: skipped, tfc.nn.conv2d does not exist yet (op-set issue)")
        return
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, H, W, C), dtype=np.float32)
    f = rng.standard_normal((3, 3, C, K), dtype=np.float32) * np.float32(0.1)
    bias = rng.standard_normal(K, dtype=np.float32)

    def conv_bias_relu(x, f, bias):
        return tfc.nn.relu(tfc.nn.conv2d(x, f, strides=1, padding="SAME") + bias)

    conv, serial = tfc.function(conv_bias_relu), with_threads(conv_bias_relu, 1)
    expected = numpy_conv_bias_relu(x, f, bias)
    check_close("tfc", conv(x, f, bias), expected, rtol=1e-4, atol=1e-4)
    check_close("tfc 1 thread", serial(x, f, bias), expected, rtol=1e-4, atol=1e-4)
    medians = compare({"numpy": lambda: numpy_conv_bias_relu(x, f, bias), "tfc": lambda: conv(x, f, bias),
                       "tfc 1 thread": lambda: serial(x, f, bias),
                       **contenders("w7", x, f, bias, reference=expected, rtol=1e-4, atol=1e-4)},
                      reference="numpy", rounds=7)
    flops = 2 * N * H * W * K * 9 * C
    report(f"W7 conv2d NHWC {N}x{H}x{W}x{C} -> {K}, 3x3 SAME, + bias + relu (implicit-GEMM kernel, fused epilogue; "
           f"{flops / medians['tfc'] / 1e9:.0f} GFLOP/s tfc)", medians)


if __name__ == "__main__":
    main()
