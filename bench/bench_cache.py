"""First-call latency of a tfc.function in a NEW process: cold (empty compile cache: MLIR + LLVM + link) vs warm
(the cache holds the library: trace + warm-index key + dlopen only; frontend/warm_start.py). Each sample is a fresh
Python process; the time is measured inside it around the first call only (interpreter start-up and `import tfc`
excluded), and medians are reported. Cold and warm runs interleave so machine noise hits both alike.

    .venv/bin/python bench/bench_cache.py [--runs 7]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile

from harness import machine_load

PROGRAM = """
import time, numpy as np, tfc

@tfc.function(input_signature=[tfc.TensorSpec([256, 256], tfc.float32), tfc.TensorSpec([256], tfc.float32)])
def layer(x, b):
    y = tfc.exp(x * 0.5) + b
    return tfc.reduce_sum(y * y, axis=1), tfc.tanh(y) - x

x, b = np.ones((256, 256), np.float32), np.ones(256, np.float32)
start = time.perf_counter()
layer(x, b)
first = time.perf_counter() - start
from tfc.passes import driver
start = time.perf_counter()
lowered = driver.lower(layer.get_concrete_function().graph, "layer")
driver.compile_key(lowered.func, [lowered.entry], None)
print(first, time.perf_counter() - start)
"""


def first_call(cache_dir: str, pycache: str) -> tuple[float, float]:
    # Bytecode is cached (in a private prefix) as in any normal install; this machine sets
    # PYTHONDONTWRITEBYTECODE=1, which would add ~40 ms of recompiling tfc's sources to every first call.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(TFC_CACHE_DIR=cache_dir, PYTHONPYCACHEPREFIX=pycache)
    out = subprocess.run([sys.executable, "-c", PROGRAM], env=env, capture_output=True, text=True, check=True)
    first, lower_and_key = map(float, out.stdout.split())
    return first, lower_and_key


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as root:
        warm_dir, pycache = os.path.join(root, "warm"), os.path.join(root, "pycache")
        first_call(warm_dir, pycache)  # fills the warm cache (and the bytecode cache)
        cold, warm, lowering = [], [], []
        for i in range(runs):
            cold.append(first_call(os.path.join(root, f"cold{i}"), pycache)[0])  # a fresh, empty cache each time
            seconds, lower_and_key = first_call(warm_dir, pycache)
            warm.append(seconds)
            lowering.append(lower_and_key)
    cold_ms, warm_ms = statistics.median(cold) * 1e3, statistics.median(warm) * 1e3
    print(f"first call in a new process, median of {runs} processes each ({machine_load()}):")
    print(f"  cold cache: {cold_ms:8.1f} ms   (range {min(cold) * 1e3:.1f}-{max(cold) * 1e3:.1f})")
    print(f"  warm cache: {warm_ms:8.1f} ms   (range {min(warm) * 1e3:.1f}-{max(warm) * 1e3:.1f})")
    print(f"  speed-up:   {cold_ms / warm_ms:8.1f}x   (goal: 10x or better)")
    print(f"  full-path lower + compile key, which the warm index skips (measured after the call): "
          f"{statistics.median(lowering) * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
