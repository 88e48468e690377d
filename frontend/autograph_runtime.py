"""What AutoGraph's converted code calls: `if_stmt`, `while_stmt`, `for_stmt` and the logical operators.

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
from .control_flow import build_cond, is_symbolic, trace_region, _finish_region
from .core import current_trace, tracing
from .errors import Location, TfcTypeError, TfcValueError, UnsupportedError
from .tensor import Tensor, convert_to_tensor

__all__ = ["Undefined", "if_stmt", "while_stmt", "for_stmt", "and_", "or_", "not_", "load", "retval"]

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
    if any(d is None for d in tensor_type.shape):
        raise UnsupportedError(f"a return inside the tensor-dependent loop gives a tensor of shape "
                               f"{list(tensor_type.shape)}, known only at run time; the loop needs a placeholder of "
                               "a static shape: set a variable and break instead, then return after the loop",
                               location=_where(line))
    from .ops.creation import zeros
    return zeros(list(tensor_type.shape), tensor_type.dtype)


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
    if value.dtype != _dtypes.bool or value.ndim != 0:
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
        if (a.dtype != b.dtype or a.ndim != b.ndim) and name == RETURN_VALUE:
            raise _return_mismatch(f"{a.dtype.name}{list(a.shape)} on one path and {b.dtype.name}{list(b.shape)} "
                                   f"on another (merged by the if at line {line})", line)
        if a.dtype != b.dtype or a.ndim != b.ndim:
            raise TfcTypeError(f"{name!r} is {a.dtype.name}{list(a.shape)} in one branch of the if at line {line} "
                               f"and {b.dtype.name}{list(b.shape)} in the other; both branches must give it the same "
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


# ------------------------------------------------------------------------------------------------------ loops
def while_stmt(test_fn, body_fn, state: tuple, names: tuple, line: int, in_try: bool = False):
    """`while test: body` over the variables `names` the body assigns."""
    first = test_fn(*state)
    if not _tensor_condition(first, "while loop", line, in_try):
        return _python_loop(first, test_fn, body_fn, state, line)
    return _tensor_loop(test_fn, lambda *values: ((), body_fn(*values)), state, names, line)


def _python_loop(first, test_fn, body_fn, state, line):
    condition = first
    while True:
        if is_symbolic(condition):
            raise TfcValueError(f"the condition of the while loop at line {line} was a Python value when the loop "
                                "started but became a tensor inside it; make its variables tensors before the loop "
                                "(e.g. i = tfc.constant(0))", location=_where(line))
        if not condition:
            return state
        state = body_fn(*state)
        condition = test_fn(*state)


def _loop_plan(names, state, line):
    """Which variables become loop variables: tensors and numbers defined at entry. Undefined ones are the
    body's temporaries; other Python objects must stay unchanged."""
    carried, fixed = [], {}
    for i, (name, value) in enumerate(zip(names, state)):
        if isinstance(value, Undefined):
            fixed[i] = Undefined(name, f"{name!r} is assigned only inside the tensor loop at line {line}; "
                                       "define it before the loop to use it after")
        elif _is_tensorish(value):
            carried.append(i)
        else:
            fixed[i] = value
    return carried, fixed


def _tensor_loop(test_fn, body_fn, state, names, line, extra_vars=()):
    """A tfc.while over the carried variables; `extra_vars` are (initial tensor) leading loop variables the
    test/body functions receive first (for loops' index)."""
    if RETURN_VALUE in names and isinstance(state[names.index(RETURN_VALUE)], Undefined):
        state = _with_initial_return_value(test_fn, body_fn, state, names, line, extra_vars)
    carried, fixed = _loop_plan(names, state, line)
    structures = [state[i] for i in carried]
    leaves = [convert_to_tensor(leaf) for i in carried for leaf in nest.flatten(state[i])]
    initial = list(extra_vars) + leaves
    extra = len(extra_vars)

    def unflatten(flat):
        flat = list(flat)
        values = list(fixed.get(i) for i in range(len(names)))
        position = extra
        for i, structure in zip(carried, structures):
            count = len(nest.flatten(structure))
            values[i] = nest.pack_sequence_as(structure, flat[position:position + count])
            position += count
        return flat[:extra], tuple(values)

    def condition(*flat):
        head, values = unflatten(flat)
        result = test_fn(*head, *values)
        if not is_symbolic(result):
            result = convert_to_tensor(bool(result))
        return result

    def body(*flat):
        head, values = unflatten(flat)
        new_head, new_values = body_fn(*head, *values)
        for i in range(len(names)):
            if i not in carried and new_values[i] is not values[i] and not isinstance(values[i], Undefined):
                raise TfcValueError(f"{names[i]!r} is a Python {type(values[i]).__name__} changed inside the tensor "
                                    f"loop at line {line}; loop variables must be tensors (or numbers) before the loop",
                                    location=_where(line))
        out = list(new_head)
        for i in carried:
            before, after = state[i], new_values[i]
            if names[i] == RETURN_VALUE and (not _is_tensorish(after) or
                                             nest.structure_key(after) != nest.structure_key(before)):
                raise _return_mismatch(f"{after!r:.60} inside the loop at line {line} and {before!r:.60} before it",
                                       line)
            if isinstance(after, Undefined) or not _is_tensorish(after) or \
                    nest.structure_key(after) != nest.structure_key(before):
                raise TfcValueError(f"{names[i]!r} must keep its structure and stay a tensor in the loop at line "
                                    f"{line}, got {after!r:.60}", location=_where(line))
            for old, new in zip(nest.flatten(flat_in_types(i)), nest.flatten(after)):
                new = convert_to_tensor(new, dtype=old.dtype if not isinstance(new, Tensor) else None)
                if names[i] == RETURN_VALUE and (new.dtype != old.dtype or list(new.shape) != list(old.shape)):
                    raise _return_mismatch(f"{new.dtype.name}{list(new.shape)} inside the loop at line {line} and "
                                           f"{old.dtype.name}{list(old.shape)} before it", line)
                if new.dtype != old.dtype:
                    raise TfcTypeError(f"{names[i]!r} changes dtype from {old.dtype.name} to {new.dtype.name} in the "
                                       f"loop at line {line}; a loop variable keeps its dtype (cast it before the "
                                       "loop)", location=_where(line))
                if list(new.shape) != list(old.shape):
                    raise TfcValueError(f"{names[i]!r} changes shape from {old.shape} to {new.shape} in the loop at "
                                        f"line {line}; keep its shape (or use tfc.while_loop with "
                                        "shape_invariants)", location=_where(line))
                out.append(new)
        return tuple(out)

    types_by_var = {}
    position = extra
    for i, structure in zip(carried, structures):
        count = len(nest.flatten(structure))
        types_by_var[i] = nest.pack_sequence_as(structure, leaves[position - extra:position - extra + count])
        position += count

    def flat_in_types(i):
        return types_by_var[i]

    from .control_flow import while_loop
    final = while_loop(condition, body, tuple(initial))
    _, values = unflatten(final)
    return values


def _with_initial_return_value(test_fn, body_fn, state, names, line, extra_vars):
    """`state` with the return value (Undefined before a tensor loop that may return) set to zeros of the structure
    the loop body returns, found by tracing the body once into a region that is then dropped. The zeros are never
    read: the return flag says whether the loop returned."""
    index = names.index(RETURN_VALUE)
    carried, fixed = _loop_plan(names, state, line)
    structures = [state[i] for i in carried]
    leaves = list(extra_vars) + [convert_to_tensor(leaf) for i in carried for leaf in nest.flatten(state[i])]

    def probe(*flat):
        values = [fixed.get(i) for i in range(len(names))]
        position = len(extra_vars)
        for i, structure in zip(carried, structures):
            count = len(nest.flatten(structure))
            values[i] = nest.pack_sequence_as(structure, list(flat[position:position + count]))
            position += count
        _, new_values = body_fn(*flat[:len(extra_vars)], *values)
        returned = new_values[index]
        if isinstance(returned, Undefined) or not _is_tensorish(returned):
            return returned, None
        return returned, [convert_to_tensor(leaf).type for leaf in nest.flatten(returned)]

    _, _, (returned, types) = trace_region(probe, [t.type for t in leaves], "probe")
    if types is None:
        return state  # the body never sets it (or sets a non-tensor, which the loop reports)
    zeros = [_zeros_like_type(t, line) for t in types]
    state = list(state)
    state[index] = nest.pack_sequence_as(returned, zeros)
    return tuple(state)


def for_stmt(iterable, extra_test, body_fn, state: tuple, names: tuple, line: int, in_try: bool = False):
    """`for target in iterable: body` (body_fn takes the item first). `extra_test` (or None) is the
    `not break` condition checked before each iteration."""
    from .ops.sequence import range_bounds, row

    bounds = range_bounds(iterable) if isinstance(iterable, Tensor) else None
    tensor_loop = current_trace() is not None and (bounds is not None or is_symbolic(iterable))
    if tensor_loop and in_try:
        _tensor_condition(iterable if is_symbolic(iterable) else convert_to_tensor(True), "for loop", line, in_try)
    if not tensor_loop:
        if isinstance(iterable, Tensor) and not is_symbolic(iterable) and iterable.ndim == 0:
            raise TfcTypeError("cannot iterate over a 0-d tensor", location=_where(line))
        for item in iterable:
            if extra_test is not None:
                keep_going = extra_test(*state)
                if is_symbolic(keep_going):
                    raise TfcValueError(f"the for loop at line {line} iterates over a Python sequence but breaks on "
                                        "a tensor condition; iterate over tfc.range(...) instead", location=_where(line))
                if not keep_going:
                    break
            state = body_fn(item, *state)
        return state
    if bounds is not None:
        start, limit, delta = bounds
        step = _constant(delta)

        def in_range(i):
            if step is not None:
                return i < limit if step > 0 else i > limit
            return ((delta > 0) & (i < limit)) | ((delta < 0) & (i > limit))

        def item_of(i):
            return i
        index0 = start
    else:
        length = iterable.shape[0] if iterable.ndim else None
        if iterable.ndim == 0:
            raise TfcTypeError("cannot iterate over a 0-d tensor", location=_where(line))
        if length is None:
            raise UnsupportedError(f"the for loop at line {line} iterates over a tensor whose first dimension is "
                                   "known only at run time; loop over tfc.range(n) and index instead",
                                   location=_where(line))
        delta = convert_to_tensor(1)

        def in_range(i):
            return i < length

        def item_of(i):
            return row(iterable, i)
        index0 = convert_to_tensor(0)

    def test_fn(i, *values):
        keep_going = in_range(i)
        if extra_test is not None:
            more = extra_test(*values)
            keep_going = keep_going & (more if is_symbolic(more) else convert_to_tensor(bool(more)))
        return keep_going

    def loop_body(i, *values):
        return (i + delta,), body_fn(item_of(i), *values)

    return _tensor_loop(test_fn, loop_body, state, names, line, extra_vars=(index0,))


def _constant(tensor):
    from .ops.sequence import _constant_scalar
    return _constant_scalar(tensor)


# --------------------------------------------------------------------------------------------------- logic
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

