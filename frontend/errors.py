"""tfc's exception classes (TensorFlow's roles), and `user_location`, the user's file:line for every message.

Following TensorFlow (../shared/notes/tf-semantics.md), an op given mismatched shapes or dtypes raises
InvalidArgumentError when it runs eagerly, but TypeError (dtype) or ValueError (shape) while a function is being
traced. Op rules raise the internal `RuleError`s below; `core.bind` turns them into the right public class.
The public classes are defined in the runtime (the bottom layer), so AOT modules raise the same ones.
"""
from __future__ import annotations

import importlib.util
import os
import sys

from tfc.runtime.errors import (InvalidArgumentError, Location, SignatureMismatchError, TfcError,  # noqa: F401
                                TfcTypeError, TfcValueError, UncompiledBroadcastError, UnsupportedError,
                                caller_location)

__all__ = [
    "TfcError", "InvalidArgumentError", "UncompiledBroadcastError", "TfcTypeError", "TfcValueError", "CompilerError",
    "UnsupportedError", "SignatureMismatchError", "OperatorNotAllowedInGraphError", "UnknownRankError", "Location",
    "user_location",
]


class OperatorNotAllowedInGraphError(TfcTypeError):
    """A symbolic tensor used where Python needs a concrete value (`if tensor:` outside AutoGraph), as
    TensorFlow's tf.errors.OperatorNotAllowedInGraphError."""


class UnknownRankError(UnsupportedError, TfcValueError):
    """An op or Python code needs the rank of a tensor whose rank is unknown in this trace (reduce_retracing's
    trace for any rank)."""


UNKNOWN_RANK_HINT = ("its rank is unknown in this trace: reduce_retracing traced the function for inputs of any "
                     "rank after a call with a new rank; pass input_signature=[tfc.TensorSpec([None, ...], dtype)] "
                     "to fix the rank (any sizes), or call the function with one rank")


def unknown_rank(what: str) -> UnknownRankError:
    """The error for Python code (a tfc API, a Tensor method) that needs the rank of an unknown-rank tensor:
    names the tfc function the user's code called and the user's line."""
    api = calling_api() or "this code"
    return UnknownRankError(f"{api} needs the rank of a tensor ({what}), but {UNKNOWN_RANK_HINT}",
                            location=user_location())


class CompilerError(TfcError, RuntimeError):
    """A compiler stage failed. `reproducer` is the saved input and `command` replays the failing step."""

    def __init__(self, message: str, *, reproducer: str | None = None, command: str | None = None,
                 location: Location | None = None):
        self.reproducer = reproducer
        self.command = command
        if reproducer:
            message += f"\n  input saved to: {reproducer}\n  replay with:    {command}"
        super().__init__(message, location=location)


# Internal: raised by op rules (shape/dtype inference); core.bind maps them to the public classes above.
class RuleError(Exception):
    eager_class = InvalidArgumentError
    traced_class = TfcValueError


class DTypeRuleError(RuleError):
    traced_class = TfcTypeError


class ShapeRuleError(RuleError):
    pass


def _package_roots() -> tuple[str, ...]:
    """Folders holding tfc's own code: frames there are skipped when looking for the user's line."""
    roots = {os.path.dirname(os.path.abspath(__file__))}
    for sub in ("tfc.dialect", "tfc.passes", "tfc.tools"):
        spec = importlib.util.find_spec(sub)
        if spec and spec.submodule_search_locations:
            roots.update(os.path.abspath(p) for p in spec.submodule_search_locations)
    return tuple(r + os.sep for r in roots)


_ROOTS: tuple[str, ...] | None = None


def user_location() -> Location | None:
    """The innermost stack frame that is the user's code, not tfc's."""
    global _ROOTS
    if _ROOTS is None:
        _ROOTS = _package_roots()
    return caller_location(_ROOTS)


def calling_api() -> str | None:
    """The tfc function or method that the user's innermost frame called (`tfc.gather`,
    `tfc.Tensor.__getitem__`), None when tfc was not called from user code."""
    global _ROOTS
    if _ROOTS is None:
        _ROOTS = _package_roots()
    internal = _ROOTS + (os.path.dirname(os.path.abspath(caller_location.__code__.co_filename)) + os.sep,
                         "<frozen")
    frame, inner = sys._getframe(1), None
    while frame is not None:
        if not frame.f_code.co_filename.startswith(internal):
            if inner is None:
                return None
            name = inner.f_code.co_qualname.replace("_UnknownShape", "TensorShape")
            statement = _STATEMENTS.get(name) if inner.f_code.co_filename.endswith("autograph_loops.py") or \
                inner.f_code.co_filename.endswith("autograph_runtime.py") else None
            return statement or f"tfc.{name}"
        inner, frame = frame, frame.f_back
    return None


# What AutoGraph's runtime helpers are, in the user's terms (they are called from converted code).
_STATEMENTS = {"for_stmt": "a `for` loop over a tensor", "while_stmt": "a tensor `while` loop",
               "if_stmt": "a tensor `if`", "if_exp": "a conditional expression on a tensor"}
