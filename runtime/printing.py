"""`tfc.print`'s output: tf.print's formatting, and the channel that lets compiled code print while it runs.

One formatter serves every path, so eager, JIT-compiled and AOT-packaged prints give the same text:
- eagerly, the print op's numpy implementation calls `emit(template, stream, summarize, arrays)`;
- compiled code calls back into Python at each print it executes (inside loops and branches too, in program
  order): the entry point takes one more parameter, `void (*hook)(int64_t site, const int64_t *values)`. The
  manifest lists the entry's print sites (template, stream, summarize, each value's dtype and rank); `values`
  points at 2 + 2 * rank words per printed tensor: data pointer, offset, sizes, strides (in elements), which is
  MLIR's strided memref metadata, so any layout prints without a copy. `PrintHook` decodes them here.

A template is Python's str.format syntax with one `{}` per tensor (literal braces doubled); the stream is
"stderr", "stdout" (looked up at print time, so redirections apply) or "file://PATH" (appended to).
"""
from __future__ import annotations

import ctypes
import math
import sys
import threading

import numpy as np

__all__ = ["format_tensor", "render", "emit", "write", "PrintHook", "HOOK_TYPE"]

HOOK_TYPE = ctypes.CFUNCTYPE(None, ctypes.c_int64, ctypes.c_void_p)


def _float32(x: float) -> str:
    """TensorFlow's float rendering (FloatToBuffer): %g with 6 significant digits when that reads back as the same
    float32, else 9 (float16 and bfloat16 print as float32)."""
    text = "%.6g" % x
    if math.isfinite(x) and float(text) != x and _F32(text) != _F32(x):  # (the first test: the common exact case)
        text = "%.9g" % x
    return text


def _float64(x: float) -> str:
    text = "%.15g" % x
    return text if not math.isfinite(x) or float(text) == x else "%.17g" % x


_F32 = np.float32


def _bool(b) -> str:
    return "1" if b else "0"


def _element_format(dtype: np.dtype):
    """Renders one Python scalar (from `.tolist()`) of `dtype` as tf.print does: bools as 1/0, ints as they are."""
    if dtype.kind == "b":
        return _bool
    if dtype.kind in "iu":
        return str
    return _float64 if dtype == np.float64 else _float32


def format_tensor(value, summarize: int = 3) -> str:
    """tf.print's rendering of one tensor: nested brackets without commas (rows on their own lines, as numpy
    lays them out), the first and last `summarize` items of each longer dimension around a "..." (-1: all)."""
    array = np.asarray(value)
    if array.dtype.kind == "V":  # bfloat16, an ml_dtypes type: its .tolist() gives no Python floats
        array = array.astype(np.float32)
    element = _element_format(array.dtype)
    if array.ndim == 0:
        return element(array.item())
    if array.size == 0:
        return "[]"
    edge = summarize if summarize is not None and summarize >= 0 else None
    if edge is not None and array.size <= 2 * edge:
        edge = None  # numpy's rule: a tensor with few items is never summarized
    return _nested(array, edge, element, 1)


def _nested(array: np.ndarray, edge: int | None, element, depth: int) -> str:
    count = array.shape[0]
    cut = edge is not None and count > 2 * edge
    if array.ndim == 1:
        items = ([element(x) for x in array[:edge].tolist()] + ["..."] +
                 [element(x) for x in array[count - edge:].tolist()]) if cut else [element(x) for x in array.tolist()]
        return "[" + " ".join(items) + "]"
    rows = [_nested(array[i], edge, element, depth + 1) for i in (range(edge) if cut else range(count))]
    if cut:
        rows += ["..."] + [_nested(array[i], edge, element, depth + 1) for i in range(count - edge, count)]
    return "[" + ("\n" * (array.ndim - 1) + " " * depth).join(rows) + "]"


def render(template: str, arrays, summarize: int = 3) -> str:
    return template.format(*[format_tensor(a, summarize) for a in arrays])


def write(stream: str, text: str) -> None:
    if stream == "stderr":
        sys.stderr.write(text)
    elif stream == "stdout":
        sys.stdout.write(text)
    elif stream.startswith("file://"):
        with open(stream[len("file://"):], "a") as f:
            f.write(text)
    else:
        raise ValueError(f"tfc.print: unknown output stream {stream!r}")


def emit(template: str, stream: str, summarize: int, arrays) -> None:
    write(stream, render(template, arrays, summarize))


_SCALARS = {np.dtype(t): c for t, c in [(np.float32, ctypes.c_float), (np.float64, ctypes.c_double),
                                        (np.int8, ctypes.c_int8), (np.int16, ctypes.c_int16),
                                        (np.int32, ctypes.c_int32), (np.int64, ctypes.c_int64),
                                        (np.uint8, ctypes.c_uint8), (np.bool_, ctypes.c_bool)]}


class _Site:
    """One print site of a compiled entry: decodes the values the native code passes, formats them, emits."""

    __slots__ = ("template", "stream", "summarize", "values", "words")

    def __init__(self, spec: dict, numpy_dtype):
        self.template, self.stream, self.summarize = spec["template"], spec["stream"], spec.get("summarize", 3)
        self.values = []  # (dtype, rank, ctypes type of a scalar read directly, its formatter)
        for value in spec["values"]:
            dtype = numpy_dtype(value["dtype"])
            scalar = _SCALARS.get(dtype) if value["rank"] == 0 else None
            self.values.append((dtype, value["rank"], scalar, _element_format(dtype) if scalar else None))
        self.words = ctypes.c_int64 * sum(2 + 2 * rank for _, rank, _, _ in self.values)

    def __call__(self, address: int) -> None:
        words = self.words.from_address(address)[:] if self.values else []
        texts, at = [], 0
        for dtype, rank, scalar, element in self.values:
            pointer = words[at] + words[at + 1] * dtype.itemsize
            if scalar is not None:  # a scalar of a ctypes type: read in place (the common case in loops)
                texts.append(element(scalar.from_address(pointer).value))
            else:
                array = _view(dtype, pointer, words[at + 2:at + 2 + rank], words[at + 2 + rank:at + 2 + 2 * rank])
                texts.append(format_tensor(array, self.summarize))
            at += 2 + 2 * rank
        write(self.stream, self.template.format(*texts))


def _view(dtype: np.dtype, pointer: int, sizes: list, strides: list) -> np.ndarray:
    """The array that native code describes by MLIR's strided metadata, read where it lies (no copy); `pointer`
    is the address of element [0, ..., 0] (base + offset)."""
    if 0 in sizes:
        return np.empty(sizes, dtype)
    itemsize = dtype.itemsize
    low = high = 0
    for size, stride in zip(sizes, strides):
        if stride < 0:
            low += (size - 1) * stride
        else:
            high += (size - 1) * stride
    memory = (ctypes.c_char * ((high - low + 1) * itemsize)).from_address(pointer + low * itemsize)
    return np.ndarray(sizes, dtype, memory, -low * itemsize, [s * itemsize for s in strides])


class PrintHook:
    """The callback an entry with print sites is called with. An exception raised while printing (a closed
    stream, an unwritable file) cannot cross native code: it is kept, later prints of the call are skipped,
    and `raise_pending()` raises it after the call returns."""

    def __init__(self, sites: list[dict], numpy_dtype):
        self._sites = [_Site(spec, numpy_dtype) for spec in sites]
        self._state = threading.local()
        self._function = HOOK_TYPE(self._call)  # kept alive as long as the entry
        self.pointer = ctypes.cast(self._function, ctypes.c_void_p)

    def _call(self, site: int, address: int) -> None:
        state = self._state
        if getattr(state, "error", None) is not None:
            return
        try:
            self._sites[site](address)
        except BaseException as error:  # noqa: BLE001 - re-raised by raise_pending after the native call
            state.error = error

    def raise_pending(self) -> None:
        error = getattr(self._state, "error", None)
        if error is not None:
            self._state.error = None
            raise error
