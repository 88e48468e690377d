"""The public error classes (re-exported as `tfc.errors`) and the stack walk that finds the user's line.

They live in the runtime, the bottom layer, so that AOT-compiled modules raise the same classes with the same
file:line prefix while importing nothing but numpy and the standard library.
"""
from __future__ import annotations

import os
import sys
from typing import NamedTuple

__all__ = ["Location", "TfcError", "InvalidArgumentError", "UncompiledBroadcastError", "TfcTypeError",
           "TfcValueError", "UnsupportedError", "SignatureMismatchError", "caller_location"]


class Location(NamedTuple):
    file: str
    line: int
    col: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


class TfcError(Exception):
    """Base class of every error tfc raises on purpose. `location` is the user's file:line, when known."""

    def __init__(self, message: str, *, location: Location | None = None):
        self.message = message
        self.location = location
        super().__init__(f"{location}: {message}" if location else message)


class InvalidArgumentError(TfcError):
    """An op received arguments it cannot work on (TensorFlow's tf.errors.InvalidArgumentError)."""


class UncompiledBroadcastError(InvalidArgumentError):
    """A run-time size of 1 that would broadcast where the compiled code takes sizes known only at run time to be
    equal (runtime/broadcasts.py). An AOT package raises it; tfc.function compiles a specialization instead.
    `sizes`: (operand, axis, size, broadcast size) at the op."""

    def __init__(self, message: str, *, location: Location | None = None, sizes: tuple = ()):
        super().__init__(message, location=location)
        self.sizes = sizes


class TfcTypeError(TfcError, TypeError):
    """A wrong dtype or argument type (while tracing, calling compiled code, or converting a Python value)."""


class TfcValueError(TfcError, ValueError):
    """A wrong shape or rank while tracing, or a value out of range."""


class SignatureMismatchError(TfcTypeError, TfcValueError):
    """Arguments that do not match a compiled signature (count, dtype, rank or a fixed dimension). It is a
    TypeError as in TensorFlow's input_signature checks, and a ValueError for code that catches shape errors."""


class UnsupportedError(TfcError, NotImplementedError):
    """A construct or op/dtype combination tfc cannot compile (yet); the message says what to do instead."""


_RUNTIME_ROOT = os.path.dirname(os.path.abspath(__file__)) + os.sep


def caller_location(internal_roots: tuple[str, ...] = ()) -> Location | None:
    """The innermost frame outside tfc's own folders (and Python's frozen modules): the user's line."""
    roots = internal_roots + (_RUNTIME_ROOT,)
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not (filename.startswith(roots) or filename.startswith("<frozen")):
            return Location(filename, frame.f_lineno, _column(frame))
        frame = frame.f_back
    return None


def _column(frame) -> int:
    """1-based column of the call being executed in `frame` (0 when Python cannot tell)."""
    try:
        positions = list(frame.f_code.co_positions())
        start_col = positions[frame.f_lasti // 2][2]
    except (AttributeError, IndexError):
        return 0
    return 0 if start_col is None else start_col + 1
