"""What AutoGraph's converted code calls: `if_stmt`, the expressions (`if_exp`, the logical operators, `converted`)
and the rules the loops share (autograph_loops.py has `while_stmt` / `for_stmt`; autograph_ag.py is `ag__`).

Each statement helper looks at its condition when it runs: a Python value (or an eager tensor) runs the statement
as plain Python, so Python control flow on Python values is unrolled at trace time exactly as before; a
symbolic tensor builds `tfc.cond` / `tfc.while`. The converted statement passes the variables it assigns (its
"state") in and gets their new values back, so they can become the op's results and loop variables.

A variable defined in only one branch of a tensor `if` (or only inside a tensor loop) comes back as an
`Undefined` that raises a clear error, naming the variable and the line, the moment it is used.
"""
from __future__ import annotations

import numbers
import sys
import weakref

import numpy as np

from . import dtypes as _dtypes, errors, nest
from .control_flow import build_cond, is_symbolic, join_types, trace_region, _finish_region
from .core import current_trace, tracing
from .errors import Location, TfcTypeError, TfcValueError, UnsupportedError
from .tensor import Tensor, convert_to_tensor

__all__ = ["Undefined", "if_stmt", "if_exp", "and_", "or_", "not_", "load", "retval", "converted"]

RETURN_FLAG = "ag__do_return"
RETURN_VALUE = "ag__retval"


class Undefined:
    """A variable without a value on some path. Any use raises an error naming it and why."""

    __slots__ = ("name", "reason")

    def __init__(self, name: str, reason: str = ""):
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "reason", reason)

    def _fail(self, *args, **kwargs):
        why = self.reason or f"{self.name!r} is used before it is assigned"
        raise TfcValueError(why, location=errors.user_location())

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        self._fail()

    __bool__ = __call__ = __iter__ = __len__ = __getitem__ = __index__ = __float__ = __int__ = _fail
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _fail
    __matmul__ = __rmatmul__ = __neg__ = __lt__ = __le__ = __gt__ = __ge__ = __and__ = __or__ = _fail
    __array__ = _fail

    def __repr__(self) -> str:
        return f"<undefined {self.name}>"


def load(scope: dict, names: tuple) -> tuple:
    """The current values of `names` in a converted function's locals(); Undefined for unassigned ones."""
    return tuple(scope[n] if n in scope else Undefined(n) for n in names)


def retval(value):
    return None if isinstance(value, Undefined) else value


# The lines of each converted function's return statements, by the code objects of the function and the
# functions the converter nested in it (found from the stack, so the converted source stays free of them).
_RETURN_LINES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def register_return_lines(module_code, lines: tuple) -> None:
    todo = [module_code]
    while todo:
        code = todo.pop()
        _RETURN_LINES[code] = lines
        todo.extend(c for c in code.co_consts if isinstance(c, type(module_code)))


def _return_mismatch(what: str, line: int | None) -> TfcValueError:
    frame = sys._getframe(1)
    while frame is not None and frame.f_code not in _RETURN_LINES:
        frame = frame.f_back
    lines = _RETURN_LINES.get(frame.f_code, ()) if frame is not None else ()
    at = f" (the returns at lines {', '.join(map(str, lines))})" if lines else ""
    return TfcValueError(f"the function returns {what}{at}: with a return inside a tensor-dependent loop every "
                         "return must give the same structure, dtype and shape (the return value is carried "
                         "through the loop)", location=_where(line))


def _zeros_like_type(tensor_type, line: int | None):
    """The placeholder return value of a path that has not returned (never read: the flag says so)."""
    if not tensor_type.is_static:
        raise UnsupportedError(f"a return inside the tensor-dependent loop gives a tensor of type "
                               f"{tensor_type.mlir()}, known only at run time; the loop needs a placeholder of "
                               "a static shape: set a variable and break instead, then return after the loop",
                               location=_where(line))
    from .ops.creation import zeros
    return zeros(list(tensor_type.shape), tensor_type.dtype)


def _spelled(tensor) -> str:
    """`float32[2, None]`, or `float32[unknown rank]`."""
    shape = tensor.type.shape
    return f"{tensor.dtype.name}{list(shape)}" if shape is not None else f"{tensor.dtype.name}[unknown rank]"


def _where(line: int | None) -> Location | None:
    here = errors.user_location()
    return Location(here.file, line) if here is not None and line else here


def _tensor_condition(value, what: str, line: int | None, in_try: bool) -> bool:
    """True when `value` is a symbolic tensor (graph control flow), False for Python values and eager tensors."""
    if not is_symbolic(value):
        return False
    if current_trace() is None:  # a tensor from a graph used outside it: let bool() raise its clear error
        return False
    if in_try:
        raise UnsupportedError(f"this {what} depends on a tensor but sits inside a `try` block: exceptions cannot "
                               "be caught around graph control flow; move the try out of the function or make "
                               "the condition a Python value", location=_where(line))
    if value.dtype != _dtypes.bool or value.type.rank != 0:
        raise TfcTypeError(f"the condition of this {what} is a tensor of shape {value.shape} and dtype "
                           f"{value.dtype.name}; it must be a scalar bool (use tfc.reduce_any / tfc.reduce_all, or "
                           "compare)", location=_where(line))
    return True


# --------------------------------------------------------------------------------------------------------- if
def if_stmt(test, true_fn, false_fn, state: tuple, names: tuple, line: int, in_try: bool = False):
    """`if test: ... else: ...` over the assigned variables `names` (current values `state`)."""
    if not _tensor_condition(test, "if", line, in_try):
        return true_fn(*state) if test else false_fn(*state)
    pred = convert_to_tensor(test)
    then_region, then_trace, then_out = trace_region(lambda: true_fn(*state), [], "then")
    else_region, else_trace, else_out = trace_region(lambda: false_fn(*state), [], "else")
    plan = [_merge(name, a, b, line) for name, a, b in zip(names, then_out, else_out)]
    then_tensors, else_tensors, templates = [], [], []
    for kind, value_a, value_b in plan:
        if kind != "tensors":
            continue
        template = value_b if isinstance(value_a, Undefined) else value_a
        then_leaves, else_leaves = _branch_leaves(value_a, value_b, then_trace, else_trace, line)
        then_tensors.extend(then_leaves)
        else_tensors.extend(else_leaves)
        templates.append(template)
    owners = [n for n, t in zip((n for n, p in zip(names, plan) if p[0] == "tensors"), templates)
              for _ in nest.flatten(t)]
    for name, a, b in zip(owners, then_tensors, else_tensors):
        if join_types(a.type, b.type) is None and name == RETURN_VALUE:
            raise _return_mismatch(f"{_spelled(a)} on one path and {_spelled(b)} "
                                   f"on another (merged by the if at line {line})", line)
        if join_types(a.type, b.type) is None:
            raise TfcTypeError(f"{name!r} is {_spelled(a)} in one branch of the if at line {line} "
                               f"and {_spelled(b)} in the other; both branches must give it the same "
                               "dtype and rank", location=_where(line))
    _finish_region(then_region, then_trace, then_tensors)
    _finish_region(else_region, else_trace, else_tensors)
    # Built even without results when a branch has ops (their side effects, e.g. variable updates, must run).
    has_ops = then_tensors or then_region.nodes or else_region.nodes
    merged = build_cond(pred, then_region, else_region, templates, then_tensors) if has_ops else []
    merged = iter(merged)
    return tuple(value_a if kind != "tensors" else next(merged) for kind, value_a, _ in plan)


def _branch_leaves(value_a, value_b, then_trace, else_trace, line):
    """Both branches' leaf tensors of a cond result; an Undefined return value (the path did not return) becomes
    zeros like the other branch's."""
    then_leaves = else_leaves = None
    if not isinstance(value_a, Undefined):
        with tracing(then_trace):
            then_leaves = [convert_to_tensor(leaf) for leaf in nest.flatten(value_a)]
    if not isinstance(value_b, Undefined):
        with tracing(else_trace):
            else_leaves = [convert_to_tensor(leaf) for leaf in nest.flatten(value_b)]
    if then_leaves is None:
        with tracing(then_trace):
            then_leaves = [_zeros_like_type(t.type, line) for t in else_leaves]
    if else_leaves is None:
        with tracing(else_trace):
            else_leaves = [_zeros_like_type(t.type, line) for t in then_leaves]
    return then_leaves, else_leaves


def _is_tensorish(value) -> bool:
    leaves = nest.flatten(value)
    return bool(leaves) and all(isinstance(v, (Tensor, np.ndarray, np.generic, numbers.Number)) or
                                hasattr(v, "_as_tensor") for v in leaves)


def _merge(name: str, a, b, line: int):
    """How a variable leaves a tensor if: ("same", a, a) unchanged/equal Python values, ("tensors", a, b) cond
    results, ("undefined", Undefined, _) when only one branch defines it."""
    if name == RETURN_FLAG and a is not b and not (is_symbolic(a) or is_symbolic(b)):
        raise TfcValueError(f"the if at line {line} returns in one branch only: with a tensor condition both "
                            "branches must return (the else branch must also have a return statement), or "
                            "neither", location=_where(line))
    undefined_a, undefined_b = isinstance(a, Undefined), isinstance(b, Undefined)
    if undefined_a and undefined_b:
        return "same", a, a
    if name == RETURN_VALUE and (undefined_a or undefined_b) and _is_tensorish(b if undefined_a else a):
        # One path returned (inside a loop: the flag is a tensor there, or the flag's merge refuses it): the
        # other path's value is never read, zeros stand in (_branch_leaves).
        return "tensors", a, b
    if undefined_a or undefined_b:
        branch = "true" if undefined_b else "false"
        what = "the return value" if name == RETURN_VALUE else repr(name)
        return "same", Undefined(name, f"{what} is defined only in the {branch} branch of the tensor `if` at line "
                                       f"{line}; define it in both branches (or before the if)"), None
    if a is b:
        return "same", a, a
    if not (is_symbolic(a) or is_symbolic(b)) and _python_equal(a, b):
        return "same", a, a
    if _is_tensorish(a) and _is_tensorish(b):
        if nest.structure_key(a) != nest.structure_key(b):
            if name == RETURN_VALUE:
                raise _return_mismatch(f"{a!r:.60} on one path and {b!r:.60} on another (merged by the if at line "
                                       f"{line})", line)
            raise TfcValueError(f"{name!r} has a different structure in each branch of the if at line {line}: "
                                f"{a!r:.60} vs {b!r:.60}", location=_where(line))
        return "tensors", a, b
    raise TfcValueError(f"{name!r} is assigned different Python values in the branches of the tensor `if` at line "
                        f"{line} ({a!r:.40} vs {b!r:.40}); only tensors (and numbers) can depend on a tensor "
                        "condition", location=_where(line))


def _python_equal(a, b) -> bool:
    if isinstance(a, (Tensor, np.ndarray)) or isinstance(b, (Tensor, np.ndarray)):
        return False
    try:
        return bool(type(a) is type(b) and a == b)
    except Exception:  # noqa: BLE001  (objects whose == is not a bool)
        return False



# ------------------------------------------------------------------------------------------- expressions
def if_exp(test, true_fn, false_fn, line: int, in_try: bool = False):
    """`a if test else b` (true_fn/false_fn compute a and b): a tfc.cond when `test` is a symbolic tensor."""
    if not _tensor_condition(test, "conditional expression", line, in_try):
        return true_fn() if test else false_fn()
    (value,) = if_stmt(test, lambda: (true_fn(),), lambda: (false_fn(),), (), ("the conditional expression",), line)
    return value


def converted(f):
    """What a converted function calls in place of `f` (autograph_convert.converted)."""
    from .autograph_convert import converted as converted_callable
    return converted_callable(f)


def not_(value):
    if is_symbolic(value):
        from .ops.logic import logical_not
        return logical_not(value)
    return not value


def and_(left_fn, right_fn):
    left = left_fn()
    if not is_symbolic(left):
        return right_fn() if left else left
    right = right_fn()
    from .ops.logic import logical_and
    return logical_and(left, right if is_symbolic(right) else convert_to_tensor(bool(right)))


def or_(left_fn, right_fn):
    left = left_fn()
    if not is_symbolic(left):
        return left if left else right_fn()
    right = right_fn()
    from .ops.logic import logical_or
    return logical_or(left, right if is_symbolic(right) else convert_to_tensor(bool(right)))

