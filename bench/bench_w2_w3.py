"""W2 row softmax and W3 layer-norm over 4096x1024 float32, tfc vs numpy."""
import tfc  # noqa: I001  (first: numpy's OpenBLAS then shares the cores, runtime/threads.py)
import numpy as np

from harness import check_close, compare, report
from peers import contenders
from workloads import optional, with_threads

ROWS, COLS = 4096, 1024


def layer_norm(x, scale, shift):
    mean = tfc.reduce_sum(x, axis=-1, keepdims=True) * (1.0 / COLS)
    centered = x - mean
    variance = tfc.reduce_sum(centered * centered, axis=-1, keepdims=True) * (1.0 / COLS)
    return centered / tfc.math.sqrt(variance + 1e-5) * scale + shift


def numpy_layer_norm(x, scale, shift):
    mean = x.mean(axis=-1, keepdims=True)
    centered = x - mean
    return centered / np.sqrt((centered * centered).mean(axis=-1, keepdims=True) + np.float32(1e-5)) * scale + shift


def numpy_softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def main():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((ROWS, COLS), dtype=np.float32)
    softmax = optional("nn.softmax")
    if softmax is None:
        print("\nW2 row softmax: skipped, tfc.nn.softmax does not exist yet (op-set issue)")
    else:
        fn = tfc.function(lambda v: softmax(v, axis=-1))
        serial = with_threads(lambda v: softmax(v, axis=-1), 1)
        expected = numpy_softmax(x)
        check_close("tfc", fn(x), expected, rtol=1e-5, atol=1e-7)
        check_close("tfc 1 thread", serial(x), expected, rtol=1e-5, atol=1e-7)
        report(f"W2 row softmax {ROWS}x{COLS} (rows schedule)",
               compare({"numpy": lambda: numpy_softmax(x), "tfc": lambda: fn(x), "tfc 1 thread": lambda: serial(x),
                        **contenders("w2", x, reference=expected, atol=1e-7)}, reference="numpy"))

    scale = rng.random(COLS, dtype=np.float32)
    shift = rng.random(COLS, dtype=np.float32)
    fn = tfc.function(layer_norm)
    serial = with_threads(layer_norm, 1)
    expected = numpy_layer_norm(x, scale, shift)
    check_close("tfc", fn(x, scale, shift), expected, rtol=1e-4, atol=1e-5)
    check_close("tfc 1 thread", serial(x, scale, shift), expected, rtol=1e-4, atol=1e-5)
    report(f"W3 layer-norm {ROWS}x{COLS} (built from reduce_sum/sqrt; rows schedule)",
           compare({"numpy": lambda: numpy_layer_norm(x, scale, shift), "tfc": lambda: fn(x, scale, shift),
                    "tfc 1 thread": lambda: serial(x, scale, shift),
                    **contenders("w3", x, scale, shift, reference=expected, rtol=1e-4, atol=1e-5)},
                   reference="numpy"))


if __name__ == "__main__":
    main()
