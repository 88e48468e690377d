"""W8: a full reduction (sum of 4M float32) and call overheads: a compiled function on a 0-d tensor through
Function.__call__, ConcreteFunction.__call__ and the raw Executable, and eager ops on tiny tensors.

The sum reads 16 MB once, so its floor is the machine's read bandwidth: the script measures it in the same run
(numpy's vectorized max over the same array, on 1 thread and on 2 threads each reading half) and prints the
bandwidth each contender reaches."""
import time
from concurrent.futures import ThreadPoolExecutor

import tfc  # noqa: I001  (first: numpy's OpenBLAS then shares the cores, runtime/threads.py)
import numpy as np

from harness import check_close, compare, report
from peers import contenders
from workloads import with_threads

N = 4 * 1024 * 1024


@tfc.function
def total(x):
    return tfc.reduce_sum(x)


@tfc.function
def affine(x):
    return x * 1.0001 + 0.5


def per_call(fn, calls: int = 100) -> float:
    """Seconds per call, the median of 15 rounds of `calls` calls."""
    rounds = []
    for _ in range(15):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        rounds.append((time.perf_counter() - start) / calls)
    return float(np.median(rounds))


def main():
    rng = np.random.default_rng(0)
    x = rng.random(N, dtype=np.float32)
    serial = with_threads(total.python_function, 1)
    expected = np.sum(x, dtype=np.float64)
    check_close("tfc", total(x), expected, rtol=1e-5)
    check_close("tfc 1 thread", serial(x), expected, rtol=1e-5)
    halves = [x[:N // 2], x[N // 2:]]
    pool = ThreadPoolExecutor(2)
    medians = compare({"numpy": lambda: np.sum(x), "tfc": lambda: total(x), "tfc 1 thread": lambda: serial(x),
                       "read floor 1T": lambda: x.max(),  # numpy's max: a vectorized read of the same 16 MB
                       "read floor 2T": lambda: list(pool.map(np.max, halves)),
                       **contenders("w8", x, reference=expected)}, reference="numpy")
    report(f"W8a sum of {N} float32", medians)
    print("  bandwidth (16 MB read once): " + ", ".join(f"{name} {x.nbytes / seconds / 1e9:.1f} GB/s"
                                                       for name, seconds in medians.items()))

    scalar = tfc.constant(np.float32(2.0))
    check_close("tfc", affine(scalar), np.float32(2.0) * np.float32(1.0001) + np.float32(0.5))
    concrete = affine.get_concrete_function(scalar)
    executable = concrete._module.entries[concrete._entry]
    raw = np.array(2.0, np.float32)
    rows = {
        "numpy (x*1.0001+0.5)": lambda: raw * np.float32(1.0001) + np.float32(0.5),
        "Function.__call__": lambda: affine(scalar),
        "ConcreteFunction": lambda: concrete(scalar),
        "raw Executable": lambda: executable(raw),
    }
    print("\nW8b calling a compiled function on a 0-d tensor (goal <= 3 us/call)")
    for name, fn in rows.items():
        print(f"  {name:<24} {per_call(fn) * 1e6:8.2f} us/call")

    a, b = tfc.constant(np.float32(1.5)), tfc.constant(np.ones(4, np.float32))
    eager = {"numpy a+b (4 elements)": lambda: np.float32(1.5) + np.ones(4, np.float32),
             "tfc eager a+b": lambda: a + b, "tfc eager exp(b)": lambda: tfc.math.exp(b)}
    print("\neager op overhead on tiny tensors (goal <= 2 us/op)")
    for name, fn in eager.items():
        print(f"  {name:<24} {per_call(fn) * 1e6:8.2f} us/op")


if __name__ == "__main__":
    main()
