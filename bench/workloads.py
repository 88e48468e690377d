"""Helpers the W* benchmarks share: a tfc.function compiled with a given thread count, optional ops."""
from __future__ import annotations

import os

import tfc


def with_threads(python_function, threads: int):
    """A fresh tfc.function of `python_function` whose kernels compile with TFC_NUM_THREADS=threads."""
    fn = tfc.function(python_function)

    def call(*args):
        previous = os.environ.get("TFC_NUM_THREADS")
        os.environ["TFC_NUM_THREADS"] = str(threads)
        try:
            return fn(*args)
        finally:
            if previous is None:
                del os.environ["TFC_NUM_THREADS"]
            else:
                os.environ["TFC_NUM_THREADS"] = previous
    return call


def optional(path: str):
    """`tfc.<path>` when this tfc has it (ops arrive from other issues), else None."""
    target = tfc
    for part in path.split("."):
        target = getattr(target, part, None)
        if target is None:
            return None
    return target
