"""Python-side overheads: calling a compiled function (W8b), eager ops on tiny tensors, and the first-call latency
(trace + compile) of W1 and W5, cold (empty compile cache), from the disk cache in a new process, and warm in
process. Each first-call sample is a fresh Python process timed around the first call only.

    .venv/bin/python bench/bench_overhead.py [--runs 5] [--skip-compile] [--profile]
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

from harness import machine_load


def per_call(fn, calls: int = 100, rounds: int = 31) -> float:
    """Seconds per call: the median of `rounds` rounds of `calls` calls."""
    fn()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        samples.append((time.perf_counter() - start) / calls)
    return statistics.median(samples)


def call_rows():
    import tfc

    @tfc.function
    def affine(x):
        return x * 1.0001 + 0.5

    scalar = tfc.constant(np.float32(2.0))
    expected = np.float32(2.0) * np.float32(1.0001) + np.float32(0.5)
    assert affine(scalar).numpy() == expected
    concrete = affine.get_concrete_function(scalar)
    executable = concrete._module.entries[concrete._entry]
    raw = np.array(2.0, np.float32)
    a4, b4 = tfc.constant(np.arange(4, dtype=np.float32)), tfc.constant(np.ones(4, np.float32))
    na, nb = np.arange(4, dtype=np.float32), np.ones(4, np.float32)
    assert np.array_equal((a4 + b4).numpy(), na + nb)
    calls = {
        "numpy x*1.0001+0.5 (0-d)": lambda: raw * np.float32(1.0001) + np.float32(0.5),
        "Function.__call__": lambda: affine(scalar),
        "ConcreteFunction": lambda: concrete(scalar),
        "raw Executable": lambda: executable(raw),
    }
    eager = {
        "numpy a+b (4 elements)": lambda: na + nb,
        "tfc.add(a, b)": lambda: tfc.add(a4, b4),
        "a + b": lambda: a4 + b4,
        "a + 1.0": lambda: a4 + 1.0,
        "tfc.math.exp(a)": lambda: tfc.math.exp(a4),
    }
    return calls, eager


def dynamic_rows():
    """Calls of an input_signature function with run-time sizes: its arguments' sizes are checked where the code
    broadcasts them (runtime/broadcasts.py) on every call; the last row is that check alone."""
    import tfc

    spec = tfc.TensorSpec([None], tfc.float32)
    add = tfc.function(lambda x, y: x + y, input_signature=[spec, spec])
    x, y = np.arange(4, dtype=np.float32), np.ones(4, np.float32)
    assert np.array_equal(add(x, y).numpy(), x + y)
    concrete = add.get_concrete_function()
    executable = concrete._module.entries[concrete._entry]
    return {
        "Function.__call__": lambda: add(x, y),
        "ConcreteFunction": lambda: concrete(x, y),
        "raw Executable": lambda: executable(x, y),
        "size check alone": lambda: executable._sizes.check((x, y)),
    }


FIRST_CALL = """
import time, numpy as np
start = time.perf_counter()
import tfc
imported = time.perf_counter() - start
W = {which!r}
if W == "W1":
    @tfc.function
    def f(a, b):
        return tfc.exp((a + b) * b) + tfc.tanh(a) * 0.5
    rng = np.random.default_rng(0)
    args = [rng.random(4 * 1024 * 1024, dtype=np.float32), rng.random(4 * 1024 * 1024, dtype=np.float32)]
else:
    rng = np.random.default_rng(0)
    w1, w2, w3 = (tfc.constant(rng.standard_normal(s, dtype=np.float32) * 0.05) for s in
                  [(784, 512), (512, 512), (512, 10)])
    b1, b2, b3 = (tfc.constant(np.zeros(n, np.float32)) for n in (512, 512, 10))
    @tfc.function
    def f(x):
        h = tfc.nn.relu(tfc.matmul(x, w1) + b1)
        h = tfc.nn.relu(tfc.matmul(h, w2) + b2)
        return tfc.nn.softmax(tfc.matmul(h, w3) + b3)
    args = [rng.random((256, 784), dtype=np.float32)]
start = time.perf_counter()
f(*args)
first = time.perf_counter() - start
start = time.perf_counter()
f(*args)
again = time.perf_counter() - start
# a second Function on the same code: trace + lower + in-process memo
g = tfc.function(f.python_function)
start = time.perf_counter()
g(*args)
memo = time.perf_counter() - start
print(imported, first, again, memo)
"""


def first_call(which: str, cache_dir: str, pycache: str) -> list[float]:
    # Bytecode is cached (in a private prefix) as in any normal install (this machine sets PYTHONDONTWRITEBYTECODE,
    # which would add ~40 ms of compiling tfc's sources to each first call; see bench_cache.py).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(TFC_CACHE_DIR=cache_dir, PYTHONPYCACHEPREFIX=pycache)
    proc = subprocess.run([sys.executable, "-c", FIRST_CALL.format(which=which)], capture_output=True, text=True,
                          env=env)
    if proc.returncode:
        raise RuntimeError(proc.stderr)
    return [float(v) for v in proc.stdout.split()]


def compile_rows(runs: int) -> None:
    print(f"\nfirst call (trace + compile), new process each, median of {runs} (goal <= 150 ms cold, <= 10 ms cached)")
    print(f"  {'workload':<6} {'import tfc':>11} {'cold':>10} {'disk cache':>11} {'in-process memo':>16}")
    pycache = tempfile.mkdtemp(prefix="tfc-bench-pycache-")
    for which in ("W1", "W5"):
        cold, cached, memo, imported = [], [], [], []
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as cache_dir:
                imp, first, _, in_process = first_call(which, cache_dir, pycache)
                cold.append(first)
                imported.append(imp)
                memo.append(in_process)
                cached.append(first_call(which, cache_dir, pycache)[1])
        print(f"  {which:<6} {statistics.median(imported) * 1e3:8.1f} ms {statistics.median(cold) * 1e3:7.1f} ms "
              f"{statistics.median(cached) * 1e3:8.1f} ms {statistics.median(memo) * 1e3:13.1f} ms")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-compile", action="store_true")
    parser.add_argument("--profile", action="store_true", help="cProfile each call row (10000 calls)")
    options = parser.parse_args()
    print(machine_load())
    calls, eager = call_rows()
    for title, rows, unit in (("W8b calling a compiled function on a 0-d tensor (goal <= 3 us/call)", calls, "call"),
                              ("calling x + y with input_signature [None], [None] (4 elements)", dynamic_rows(),
                               "call"),
                              ("eager op overhead on tiny tensors (goal <= 2 us/op)", eager, "op")):
        print(f"\n{title}")
        for name, fn in rows.items():
            print(f"  {name:<28} {per_call(fn) * 1e6:8.2f} us/{unit}")
            if options.profile:
                profile = cProfile.Profile()
                profile.runcall(lambda: [fn() for _ in range(10000)])
                pstats.Stats(profile).sort_stats("tottime").print_stats(8)
    if not options.skip_compile:
        compile_rows(options.runs)


if __name__ == "__main__":
    main()
