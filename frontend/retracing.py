"""Trace keys, and why a `tfc.function` traced again: the part of tracing users should be able to read.

A trace key is (the nesting of the arguments, one key per leaf). Leaves follow TensorFlow
(../shared/notes/tf-semantics.md): tensors, numpy arrays and TensorSpecs by shape and dtype; Python numbers,
strings, None and tuples of those by value (1, 1.0 and True are equal); every other object (a model instance
passed as `self`, a list captured as an argument) by identity, so each instance gets its own traces.

Better than TensorFlow: every trace records WHY it happened (which argument changed, from what to what, and the
caller's file:line). `Function.explain_retracing()` prints that history, and after `WARN_AFTER` retraces a
`RetracingWarning` names the argument that keeps changing and suggests `input_signature` or `reduce_retracing`.
"""
from __future__ import annotations

import collections
import dataclasses
import enum
import numbers
import warnings
import weakref

import numpy as np

from . import dtypes as _dtypes
from .errors import Location

__all__ = ["RetracingWarning", "leaf_key", "describe_leaf", "relax", "RetraceHistory", "WARN_AFTER"]

# TensorFlow warns after about five retraces of one function.
WARN_AFTER = 5


class RetracingWarning(UserWarning):
    """A tfc.function keeps tracing new graphs (each trace compiles native code: slow)."""


class _Identity:
    """Keys an arbitrary object by identity, without keeping it alive when it allows weak references."""

    __slots__ = ("_id", "_ref", "_strong", "type_name")

    def __init__(self, obj):
        self._id = id(obj)
        self.type_name = type(obj).__name__
        try:
            self._ref, self._strong = weakref.ref(obj), None
        except TypeError:
            self._ref, self._strong = None, obj

    def _get(self):
        return self._strong if self._ref is None else self._ref()

    def __hash__(self) -> int:
        return self._id

    def __eq__(self, other) -> bool:
        if not isinstance(other, _Identity) or other._id != self._id:
            return False
        mine = self._get()
        return mine is not None and mine is other._get()

    def __repr__(self) -> str:
        return f"<{self.type_name} object at {self._id:#x}>"


_VALUE_TYPES = (numbers.Number, str, bytes, type(None), type(Ellipsis), enum.Enum, type, _dtypes.DType)


def _is_python_value(value) -> bool:
    if isinstance(value, (tuple, frozenset)):
        return all(_is_python_value(v) for v in value)
    return isinstance(value, _VALUE_TYPES) and not isinstance(value, np.generic)


def leaf_key(value):
    """The cache-key part of one argument leaf: ("tensor", shape, dtype), ("python", value) or ("id", identity)."""
    from .function import TensorSpec
    from .tensor import Tensor

    if isinstance(value, (Tensor, TensorSpec)):
        shape = value.shape
        return ("tensor", None if shape.rank is None else tuple(shape), value.dtype.name)
    if isinstance(value, (np.ndarray, np.generic)):
        return ("tensor", tuple(value.shape), _dtypes.as_dtype(value.dtype).name)
    if hasattr(value, "_trace_key"):  # tfc.Variable: by identity, and its dtype/shape
        return value._trace_key()
    if _is_python_value(value):
        return ("python", value)
    return ("id", _Identity(value))


def describe_leaf(key) -> str:
    """A leaf key in words: `float32[2, 3]`, `Python 2 (int)`, `<Model object at 0x...>`."""
    kind = key[0]
    if kind == "tensor":
        if key[1] is None:
            return f"{key[2]}[unknown rank]"
        shape = ", ".join("None" if d is None else str(d) for d in key[1])
        return f"{key[2]}[{shape}]"
    if kind == "python":
        return f"Python {key[1]!r} ({type(key[1]).__name__})"
    if kind == "variable":
        return f"tfc.Variable {key[1]!r}"
    return repr(key[1])


def relax(old_key: tuple, new_key: tuple):
    """reduce_retracing: the key that covers both calls, as TensorFlow relaxes shapes (differing dims -> None, a
    differing rank -> unknown rank). Returns (relaxed key, changed rank) or None when the calls differ by more
    than tensor shapes."""
    (old_structure, old_leaves), (new_structure, new_leaves) = old_key, new_key
    if old_structure != new_structure or len(old_leaves) != len(new_leaves):
        return None
    relaxed, rank_changed = [], False
    for old, new in zip(old_leaves, new_leaves):
        if old == new:
            relaxed.append(new)
        elif old[0] == new[0] == "tensor" and old[2] == new[2]:
            if old[1] is None or new[1] is None or len(old[1]) != len(new[1]):
                rank_changed = True
                relaxed.append(("tensor", None, new[2]))
            else:
                relaxed.append(("tensor", tuple(a if a == b else None for a, b in zip(old[1], new[1])), new[2]))
        else:
            return None
    return (new_structure, tuple(relaxed)), rank_changed


@dataclasses.dataclass
class Retrace:
    """One trace: its number, the caller's line, and what differed from the closest earlier trace."""
    number: int
    location: Location | None
    changes: list[tuple[str, str, str]]  # (argument path, before, after)
    note: str = ""
    # A trace for any rank: its specializations (not traces: the Python function does not run), with the line
    # of the call that made each.
    specializations: list = dataclasses.field(default_factory=list)

    def specialized(self, what: str, location: Location | None) -> None:
        self.specializations.append(what + (f" at {location}" if location else ""))

    def __str__(self) -> str:
        where = f" at {self.location}" if self.location else ""
        if self.number == 1:
            head = f"trace 1{where}: first call"
        elif not self.changes:
            head = f"trace {self.number}{where}: new argument structure"
        else:
            parts = "; ".join(f"{path}: {before} -> {after}" for path, before, after in self.changes)
            head = f"trace {self.number}{where}: {parts}"
        return head + (f" ({self.note})" if self.note else "") + "".join(f"\n    {s}" for s in self.specializations)


class RetraceHistory:
    """Every trace of one function with its reason; warns once when retracing looks like a habit."""

    def __init__(self, function_name: str):
        self.function_name = function_name
        self.records: list[Retrace] = []
        self._seen: list[tuple[tuple, list[str]]] = []  # (key, leaf paths) of earlier traces
        self._warned = False

    def record(self, key: tuple, paths: list[str], location: Location | None, note: str = "") -> Retrace:
        changes = self._changes(key, paths) if self._seen else []
        record = Retrace(len(self.records) + 1, location, changes, note)
        self.records.append(record)
        self._seen.append((key, paths))
        self._maybe_warn()
        return record

    def _changes(self, key: tuple, paths: list[str]) -> list[tuple[str, str, str]]:
        """The differences from the earlier trace that differs least (the most recent among equals)."""
        structure, leaves = key
        best = None
        for old_key, old_paths in reversed(self._seen):
            if old_key[0] != structure or len(old_key[1]) != len(leaves):
                continue
            diff = [(path, describe_leaf(a), describe_leaf(b))
                    for path, a, b in zip(paths, old_key[1], leaves) if a != b]
            if best is None or len(diff) < len(best):
                best = diff
        if best is None:
            old_paths = self._seen[-1][1]
            return [("arguments", ", ".join(old_paths) or "()", ", ".join(paths) or "()")]
        return best

    def _maybe_warn(self) -> None:
        retraces = len(self.records) - 1
        if self._warned or retraces < WARN_AFTER:
            return
        self._warned = True
        counts = collections.Counter(path for record in self.records for path, _, _ in record.changes)
        culprit = counts.most_common(1)[0][0] if counts else "its arguments"
        where = self.records[-1].location
        message = (
            f"{self.function_name}() has been traced {len(self.records)} times (each trace compiles native code); "
            f"the argument that keeps changing is {culprit!r}. If it is a tensor whose shape varies, pass "
            f"input_signature=[tfc.TensorSpec([None, ...], dtype)] or reduce_retracing=True; if it is a Python "
            f"value, pass it as a tensor instead. {self.function_name}.explain_retracing() lists every trace"
            + (f" (last call at {where})" if where else "") + ".")
        if where is None:
            warnings.warn(message, RetracingWarning, stacklevel=2)
        else:  # attributed to the user's call, wherever tfc's own frames put it
            warnings.warn_explicit(message, RetracingWarning, where.file, where.line)

    def explain(self) -> str:
        if not self.records:
            return f"{self.function_name}: not traced yet"
        lines = [f"{self.function_name}: {len(self.records)} trace(s)"]
        lines += [f"  {record}" for record in self.records]
        return "\n".join(lines)
