"""W1: the fused elementwise chain exp((a+b)*b) + tanh(a)*0.5 over 4,194,304 float32, tfc vs numpy."""
import tfc  # noqa: I001  (first: numpy's OpenBLAS then shares the cores, runtime/threads.py)
import numpy as np

from harness import check_close, compare, report
from peers import contenders
from workloads import with_threads

N = 4 * 1024 * 1024


@tfc.function
def chain(a, b):
    return tfc.math.exp((a + b) * b) + tfc.math.tanh(a) * 0.5


def numpy_chain(a, b):
    return np.exp((a + b) * b) + np.tanh(a) * np.float32(0.5)


def main():
    rng = np.random.default_rng(0)
    a = rng.random(N, dtype=np.float32)  # uniform [0, 1), as in the peer measurements
    b = rng.random(N, dtype=np.float32)
    serial = with_threads(chain.python_function, 1)
    check_close("tfc", chain(a, b), numpy_chain(a, b))
    check_close("tfc 1 thread", serial(a, b), numpy_chain(a, b))
    expected = numpy_chain(a, b)
    medians = compare({"numpy": lambda: numpy_chain(a, b), "tfc": lambda: chain(a, b),
                       "tfc 1 thread": lambda: serial(a, b), **contenders("w1", a, b, reference=expected)},
                      reference="numpy")
    report(f"W1 exp((a+b)*b) + tanh(a)*0.5, {N} float32", medians)


if __name__ == "__main__":
    main()
