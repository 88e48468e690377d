"""The call paths of compiled entries (bench/bench_overhead.py): `make_static_call` for entries whose argument and
result shapes are all static, `make_dynamic_call` for entries with run-time sizes.

Each thread builds one closure per entry: the memref descriptors are made once (sizes and strides never change)
and a call only writes the data pointers, through memoryviews of the descriptors (~40 ns where a ctypes field
costs ~100 ns). Everything a call needs lives in closure cells, not in attribute lookups. The checks are a
dtype and a shape comparison per argument; an argument passed again as the same small array (<= 64 KB) reuses
its address. Outputs of <= 64 bytes are views into a per-thread chunk of 64 slots allocated at once with a known
address: a view costs ~0.07 us where np.empty plus its address cost ~0.45 us. A result the caller keeps retains
its chunk (at most 4 KB); each view is C-contiguous and aligned like any numpy array's element.
"""
from __future__ import annotations

import ctypes

import numpy as np

from . import abi

REMEMBER_BYTES = 1 << 16
CHUNK_BYTES = 64
CHUNK_SLOTS = 64
_BYTE = ctypes.c_char
_NDARRAY = np.ndarray


def address(array: np.ndarray) -> int:
    """The data address of a C-contiguous array. `array.ctypes.data` costs about 1 us; a ctypes view of a
    writable, non-empty buffer costs about 0.3 us."""
    try:
        return ctypes.addressof(_BYTE.from_buffer(array))
    except (TypeError, ValueError, BufferError):  # read-only or empty
        return array.ctypes.data


def _descriptor(shape: tuple):
    desc = abi.descriptor_class(len(shape))()
    if shape:
        desc.sizes[:] = shape
        desc.strides[:] = abi.row_major_strides(shape)
    return desc


def _pointers(descriptor) -> memoryview:
    """The descriptor's words as writable uint64s: [0] is the allocated pointer, [1] the aligned one."""
    return memoryview(descriptor).cast("B").cast("Q")


def _nbytes(shape: tuple, dtype: np.dtype) -> int:
    count = 1
    for d in shape:
        count *= d
    return count * dtype.itemsize


def make_static_call(fn, arg_shapes: list, arg_dtypes: list, result_shapes: list, result_dtypes: list,
                     weight_descriptors: list, prepare, inout: list, remember: list, tail: tuple = (),
                     after=None):
    """This thread's call of one static-shape entry: `call(values) -> [outputs]`. `prepare(i, value)` converts
    and checks an argument that is not exactly a C-contiguous, aligned array of the expected dtype and shape
    (it raises the entry's errors); it sees every `inout` argument (a Variable's buffer, updated in place: never
    copied). Arguments not to `remember` (Variables' arrays) are never kept between calls. `tail`: arguments
    after the outputs (the print hook); `after()` runs after the native call (raises a pending print error)."""
    arg_descriptors = [_descriptor(shape) for shape in arg_shapes]
    result_descriptors = [_descriptor(shape) for shape in result_shapes]
    # The native call order is: arguments, weights, outputs.
    refs = tuple(ctypes.byref(d) for d in arg_descriptors + list(weight_descriptors) + result_descriptors) + \
        tuple(tail)
    inputs = list(zip(arg_dtypes, arg_shapes, [_pointers(d) for d in arg_descriptors]))
    last = [None] * len(arg_shapes)       # the last small array passed per argument...
    last_address = [0] * len(arg_shapes)  # ...and its address
    results = []
    for shape, dtype, desc in zip(result_shapes, result_dtypes, result_descriptors):
        chunk = [None, 0, CHUNK_SLOTS] if 0 < _nbytes(shape, dtype) <= CHUNK_BYTES else None  # array, address, next
        results.append((shape, dtype, _pointers(desc), _nbytes(shape, dtype), chunk))

    def call(values) -> list[np.ndarray]:
        keep = []  # arrays converted here must outlive the native call
        i = 0
        for dtype, shape, pointers in inputs:
            value = values[i]
            if value is last[i]:  # the same small array as last time: its address is known
                pointers[0] = pointers[1] = last_address[i]
            else:
                if value.__class__ is not _NDARRAY or value.dtype != dtype or value.shape != shape or inout[i]:
                    value = prepare(i, value)
                    keep.append(value)
                else:
                    flags = value.flags
                    if not (flags.c_contiguous and flags.aligned):
                        value = prepare(i, value)
                        keep.append(value)
                where = address(value)
                if value.nbytes <= REMEMBER_BYTES and remember[i]:  # small: remember it (costs nothing)
                    last[i], last_address[i] = value, where
                pointers[0] = pointers[1] = where
            i += 1
        outputs = []
        for shape, dtype, pointers, nbytes, chunk in results:
            if chunk is None:
                out = np.empty(shape, dtype)
                pointers[0] = pointers[1] = address(out)
            else:
                slot = chunk[2]
                if slot == CHUNK_SLOTS:
                    chunk[0] = np.empty((CHUNK_SLOTS, *shape), dtype)
                    chunk[1], slot = address(chunk[0]), 0
                out = chunk[0][slot, ...]
                pointers[0] = pointers[1] = chunk[1] + slot * nbytes
                chunk[2] = slot + 1
            outputs.append(out)
        fn(*refs)
        if after is not None:
            after()
        return outputs

    return call


def _write(words: memoryview, array: np.ndarray, rank: int) -> None:
    """Points a descriptor (its uint64 words) at a C-contiguous array: data pointers, sizes, element strides."""
    words[0] = words[1] = address(array)
    step = 1
    for axis in range(rank - 1, -1, -1):  # sizes, then row-major strides (size-0 dimensions step by 1)
        size = array.shape[axis]
        words[3 + axis] = size
        words[3 + rank + axis] = step
        step *= size or 1


def make_dynamic_call(fn, arg_ranks: list, result_ranks: list, result_dtypes: list, weight_descriptors: list,
                      prepare, result_shape, tail: tuple = (), after=None, check_sizes=None):
    """This thread's call of an entry with run-time sizes: `call(values) -> [outputs]`. The descriptors are made
    once and each call writes their pointers, sizes and strides (building ctypes descriptors per call cost
    ~7 us each). `prepare(i, value)` checks and converts an argument, `check_sizes(arrays)` runs the broadcast
    checks (runtime/broadcasts.py), `result_shape(i, arrays)` gives output i's shape; `tail` and `after` as in
    `make_static_call`."""
    args = [abi.descriptor_class(rank)() for rank in arg_ranks]
    results = [abi.descriptor_class(rank)() for rank in result_ranks]
    refs = tuple(ctypes.byref(d) for d in args + list(weight_descriptors) + results) + tuple(tail)
    arg_words = list(zip([_pointers(d) for d in args], arg_ranks))
    result_words = list(zip([_pointers(d) for d in results], result_ranks, result_dtypes))

    def call(values) -> list[np.ndarray]:
        arrays = [prepare(i, value) for i, value in enumerate(values)]
        if check_sizes is not None:
            check_sizes(arrays)
        for array, (words, rank) in zip(arrays, arg_words):
            _write(words, array, rank)
        outputs = []
        for i, (words, rank, dtype) in enumerate(result_words):
            out = np.empty(result_shape(i, arrays), dtype)
            _write(words, out, rank)
            outputs.append(out)
        fn(*refs)
        if after is not None:
            after()
        return outputs

    return call
