"""The native calling convention and the manifest that describes a compiled library.

Every compiled entry point is `void _mlir_ciface_NAME(Desc *in0, ..., Desc *weight0, ..., Desc *out0, ...
[, hook])` where Desc is MLIR's memref descriptor for the argument's rank: {allocated, aligned, offset,
sizes[rank], strides[rank]}, strides in elements. Outputs are allocated by the caller (destination-passing style);
the code writes into them. Inputs are read, except those the manifest marks "inout" (a Variable's buffer, updated
in place). An entry whose manifest lists "prints" takes one more parameter, the print hook
`void (*)(int64_t site, const int64_t *values)` (runtime/printing.py).

ABI version 2 added "inout" buffers and the print hook; a version-1 library uses neither, so this runtime still
loads it.
"""
from __future__ import annotations

import ctypes
import functools
import json

import numpy as np

ABI_VERSION = 2
READABLE_ABI_VERSIONS = (1, 2)
MANIFEST_FORMAT = "tfc-manifest"


@functools.lru_cache(maxsize=None)
def descriptor_class(rank: int) -> type:
    """The ctypes struct of MLIR's memref descriptor for `rank`."""
    fields = [("allocated", ctypes.c_void_p), ("aligned", ctypes.c_void_p), ("offset", ctypes.c_int64)]
    if rank:
        fields += [("sizes", ctypes.c_int64 * rank), ("strides", ctypes.c_int64 * rank)]
    return type(f"MemRef{rank}D", (ctypes.Structure,), {"_fields_": fields})


def descriptor(array: np.ndarray):
    """A descriptor viewing `array`, which must be C-contiguous and aligned (the caller guarantees it)."""
    desc = descriptor_class(array.ndim)()
    desc.allocated = desc.aligned = array.ctypes.data
    desc.offset = 0
    if array.ndim:
        desc.sizes[:] = array.shape
        itemsize = array.itemsize
        desc.strides[:] = [s // itemsize for s in array.strides] if array.size else _row_major(array.shape)
    return desc


def row_major_strides(shape) -> list[int]:
    """Element strides of a C-contiguous array of `shape` (size-0 dimensions count as 1)."""
    return _row_major(shape)


def _row_major(shape) -> list[int]:
    strides, step = [], 1
    for size in reversed(shape):
        strides.append(step)
        step *= max(size, 1)
    return strides[::-1]


def make_manifest(library: str, entries: list[dict], target: dict, versions: dict) -> dict:
    """entries: [{"name", "symbol", "args": [spec], "results": [spec]}]."""
    return {"format": MANIFEST_FORMAT, "abi_version": ABI_VERSION, "library": library, "entries": entries,
            "target": target, "versions": versions}


def dumps(manifest: dict) -> str:
    return json.dumps(manifest, indent=1, sort_keys=True)


def numpy_dtype(name: str) -> np.dtype:
    """The numpy dtype of a manifest dtype name. bfloat16 is not numpy's: it comes from ml_dtypes, imported only
    here, so libraries without bfloat16 values load where ml_dtypes is not installed."""
    if name == "bfloat16":
        return _bfloat16()
    return np.dtype(name)


def _bfloat16() -> np.dtype:
    try:
        import ml_dtypes
    except ImportError:
        raise ImportError("this compiled library takes or returns bfloat16 tensors, which need the ml_dtypes "
                          "package (numpy has no bfloat16): pip install ml_dtypes") from None
    return np.dtype(ml_dtypes.bfloat16)
