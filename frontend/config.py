"""Every TFC_* environment knob in one place, plus TensorFlow's `tf.config` functions tfc supports.

- TFC_DUMP_DIR=DIR   write every compile stage as numbered files under DIR
- TFC_TIMING=1       print the time each compile stage takes
- TFC_REPRO_DIR=DIR  where failing compiler inputs are saved (default: <tmp>/tfc-reproducers)
- TFC_NUM_THREADS=N  threads of compiled kernels: unset or 0 = all cores (OpenMP), 1 = serial and deterministic
- TFC_CACHE_DIR=DIR  the on-disk compile cache (default: $XDG_CACHE_HOME/tfc or ~/.cache/tfc; runtime/cache.py)
- TFC_CACHE=0        compile without the on-disk cache
- TFC_WEIGHT_THRESHOLD=N  constants with more elements become weights, not literals (default 1024;
                     passes/weights.py)

Set by tfc at import unless already set (runtime/threads.py: idle thread pools sleep instead of spinning):
- KMP_BLOCKTIME=1              tfc's OpenMP workers sleep 1 ms after a parallel loop (libomp's default: 200 ms)
- OPENBLAS_THREAD_TIMEOUT=20   numpy's BLAS workers likewise (~0.4 ms), when tfc is imported before numpy
"""
from __future__ import annotations

import os

__all__ = ["run_functions_eagerly", "functions_run_eagerly"]

_run_eagerly = False


def dump_dir() -> str | None:
    return os.environ.get("TFC_DUMP_DIR") or None


def num_threads() -> int:
    """TFC_NUM_THREADS, read at compile time (it is part of the compile key): 0 means all cores."""
    value = os.environ.get("TFC_NUM_THREADS", "").strip()
    try:
        threads = int(value) if value else 0
    except ValueError:
        raise ValueError(f"TFC_NUM_THREADS must be a whole number, got {value!r}") from None
    if threads < 0:
        raise ValueError(f"TFC_NUM_THREADS must be >= 0, got {threads}")
    return threads


def timing() -> bool:
    return os.environ.get("TFC_TIMING", "") not in ("", "0")


def run_functions_eagerly(run_eagerly: bool) -> None:
    """When True, `tfc.function`s run their Python body on every call, without tracing (for debugging)."""
    global _run_eagerly
    _run_eagerly = bool(run_eagerly)


def functions_run_eagerly() -> bool:
    return _run_eagerly
