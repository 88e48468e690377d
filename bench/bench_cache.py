"""First-call latency of a tfc.function in a NEW process: cold (empty compile cache: MLIR + LLVM + link) vs warm
(the cache holds the library: trace + warm-index key + dlopen only; frontend/warm_start.py). Each sample is a fresh
Python process; the time is measured inside it around the first call only (interpreter start-up and `import tfc`
excluded; the call itself included: W1's 4M-element computation alone takes several ms), and medians are
reported. Cold and warm runs interleave so machine noise hits both alike. Cold runs also report TFC_TIMING's
stages and the CPU time of the process and of the tools it ran (on a loaded 2-core host, CPU is what competes).

    .venv/bin/python bench/bench_cache.py [--runs 7] [--workload layer|w1|w5 ...]
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile

from harness import machine_load

FUNCTIONS = {
    "layer": """
@tfc.function(input_signature=[tfc.TensorSpec([256, 256], tfc.float32), tfc.TensorSpec([256], tfc.float32)])
def fn(x, b):
    y = tfc.exp(x * 0.5) + b
    return tfc.reduce_sum(y * y, axis=1), tfc.tanh(y) - x
args = np.ones((256, 256), np.float32), np.ones(256, np.float32)
""",
    "w1": """
@tfc.function
def fn(a, b):
    return tfc.math.exp((a + b) * b) + tfc.math.tanh(a) * 0.5
rng = np.random.default_rng(0)
args = rng.random(4 * 1024 * 1024, dtype=np.float32), rng.random(4 * 1024 * 1024, dtype=np.float32)
""",
    "w5": """
@tfc.function
def fn(x, w1, b1, w2, b2, w3, b3):
    h = tfc.nn.relu(tfc.matmul(x, w1) + b1)
    h = tfc.nn.relu(tfc.matmul(h, w2) + b2)
    return tfc.nn.softmax(tfc.matmul(h, w3) + b3, axis=-1)
rng = np.random.default_rng(0)
args = [rng.standard_normal((256, 784), dtype=np.float32)]
for i, o in ((784, 512), (512, 512), (512, 10)):
    args += [rng.standard_normal((i, o), dtype=np.float32) * np.float32(0.05), rng.standard_normal(o, dtype=np.float32)]
""",
}

PROGRAM = """
import resource, time, numpy as np, tfc
{function}
def cpu():
    own, tools = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, tools.ru_utime + tools.ru_stime
cpu0, start = cpu(), time.perf_counter()
fn(*args)
first, cpu1 = time.perf_counter() - start, cpu()
print("first", first, "cpu", cpu1[0] - cpu0[0], "tools", cpu1[1] - cpu0[1])
"""


def first_call(workload: str, cache_dir: str, pycache: str) -> tuple[float, dict]:
    """(seconds of the first call, {TFC_TIMING stage or cpu/tools: ms})."""
    # Bytecode is cached (in a private prefix) as in any normal install; this machine sets
    # PYTHONDONTWRITEBYTECODE=1, which would add ~40 ms of recompiling tfc's sources to every first call.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(TFC_CACHE_DIR=cache_dir, PYTHONPYCACHEPREFIX=pycache, TFC_TIMING="1")
    out = subprocess.run([sys.executable, "-c", PROGRAM.format(function=FUNCTIONS[workload])], env=env,
                         capture_output=True, text=True, check=True)
    words = out.stdout.split()
    stages = {label: float(ms) for label, ms in re.findall(r"([a-z][a-z +-]*?) ([\d.]+) ms", out.stderr)}
    stages.update(cpu=float(words[3]) * 1e3, tools=float(words[5]) * 1e3)
    return float(words[1]), stages


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--workload", nargs="+", choices=sorted(FUNCTIONS), default=["layer", "w1", "w5"])
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as root:
        pycache = os.path.join(root, "pycache")
        for workload in options.workload:
            warm_dir = os.path.join(root, f"warm-{workload}")
            first_call(workload, warm_dir, pycache)  # fills the warm cache (and the bytecode cache)
            cold, warm, stages = [], [], []
            for i in range(options.runs):
                seconds, timing = first_call(workload, os.path.join(root, f"cold-{workload}{i}"), pycache)
                cold.append(seconds)
                stages.append(timing)
                warm.append(first_call(workload, warm_dir, pycache)[0])
            report(workload, cold, warm, stages)


def report(workload: str, cold: list[float], warm: list[float], stages: list[dict]) -> None:
    def ms(values):
        return f"{statistics.median(values) * 1e3:7.1f} ms (range {min(values) * 1e3:.1f}-{max(values) * 1e3:.1f})"
    print(f"{workload}: first call in a new process, median of {len(cold)} processes each ({machine_load()}):")
    print(f"  cold cache: {ms(cold)}")
    print(f"  warm cache: {ms(warm)}")
    labels = [label for label in stages[0] if label != "total"]
    print("  cold stages (medians): " + ", ".join(
        f"{label} {statistics.median(s.get(label, 0.0) for s in stages):.1f} ms" for label in labels))


if __name__ == "__main__":
    main()
