"""AutoGraph's loops: what converted `while` and `for` statements call (`ag__.while_stmt`, `ag__.for_stmt`).

A loop whose condition is a Python value (or an eager tensor), or a `for` over a Python sequence, runs as plain
Python while tracing (unrolled); a symbolic condition, or a `for` over `tfc.range` or a tensor, builds one
`tfc.while` whose loop variables are the tensors (and numbers) the body assigns. See autograph_runtime.py for the
shared rules (Undefined variables, return values carried through loops).
"""
from __future__ import annotations

from . import nest
from .autograph_runtime import (RETURN_VALUE, Undefined, _is_tensorish, _return_mismatch, _spelled,
                                _tensor_condition, _where, _zeros_like_type)
from .control_flow import is_symbolic, trace_region
from .core import current_trace
from .errors import TfcTypeError, TfcValueError, UnsupportedError
from .tensor import Tensor, convert_to_tensor

__all__ = ["while_stmt", "for_stmt"]


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
                if names[i] == RETURN_VALUE and new.type != old.type:
                    raise _return_mismatch(f"{_spelled(new)} inside the loop at line {line} and "
                                           f"{_spelled(old)} before it", line)
                if new.dtype != old.dtype:
                    raise TfcTypeError(f"{names[i]!r} changes dtype from {old.dtype.name} to {new.dtype.name} in the "
                                       f"loop at line {line}; a loop variable keeps its dtype (cast it before the "
                                       "loop)", location=_where(line))
                if new.type.shape != old.type.shape:
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
