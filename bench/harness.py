"""Shared benchmark plumbing: check against numpy first, interleave the contenders, report medians and ratios."""
from __future__ import annotations

import os
import statistics
import time
from typing import Callable

import numpy as np


def machine_load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def time_once(fn: Callable[[], object], inner: int) -> float:
    start = time.perf_counter()
    for _ in range(inner):
        fn()
    return (time.perf_counter() - start) / inner


def compare(contenders: dict[str, Callable[[], object]], reference: str, rounds: int = 15,
            target_seconds: float = 0.02) -> dict[str, float]:
    """Median seconds per call of each contender. Rounds interleave the contenders, so machine noise hits all
    alike; each round runs enough inner calls to last about `target_seconds`."""
    inner = {}
    for name, fn in contenders.items():
        fn()  # warm up (and compile)
        once = max(time_once(fn, 1), 1e-7)
        inner[name] = max(1, int(target_seconds / once))
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, fn in contenders.items():
            samples[name].append(time_once(fn, inner[name]))
    return {name: statistics.median(times) for name, times in samples.items()}


def report(title: str, medians: dict[str, float], reference: str = "numpy") -> None:
    base = medians[reference]
    print(f"\n{title}   ({machine_load()})")
    print(f"  {'contender':<16} {'median':>12} {'ratio vs ' + reference:>16}")
    for name, seconds in medians.items():
        print(f"  {name:<16} {_pretty(seconds):>12} {seconds / base:>15.3f}x")


def _pretty(seconds: float) -> str:
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3f} ms"
    return f"{seconds * 1e6:.2f} us"


def check_close(name: str, got, expected, rtol: float = 1e-5, atol: float = 1e-6) -> None:
    got = np.asarray(got)
    if not np.allclose(got, expected, rtol=rtol, atol=atol):
        worst = np.max(np.abs(got - expected))
        raise SystemExit(f"{name} disagrees with numpy (max abs error {worst:.3g}): refusing to time it")
