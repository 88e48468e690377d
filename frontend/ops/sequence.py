"""Sequences: `tfc.range`; `row` (x[i] for a scalar tensor i), which AutoGraph's `for` loops use; and the two
ops that make a tensor a stack of rows, `write_row` and `resize_rows`, with which a differentiated while loop
stores its state at every iteration (frontend/traced_loops.py).

`for i in tfc.range(n)` inside a tfc.function becomes a tfc.while counting i from start to limit (the range
tensor itself is never built unless used); `for row in x` over a tensor loops over `row(x, i)`.
"""
from __future__ import annotations

import weakref

import numpy as np

from .. import dtypes as _dtypes
from ..core import NOT_DIFFERENTIABLE, bind, defgrad, defop
from ..errors import ShapeRuleError
from ..graph import TensorType
from ..tensor import convert_to_tensor
from .common import INTEGER, NUMERIC, check_dtype, check_same_dtype, fail

__all__ = ["range"]

# id(tensor made by tfc.range) -> (weak reference to it, (start, limit, delta)): AutoGraph loops over the bounds.
# Keyed by id, not by the tensor: tensors compare elementwise, so they cannot be dictionary keys.
_RANGE_BOUNDS: dict = {}


def range_bounds(tensor):
    """(start, limit, delta) if `tensor` was made by tfc.range, else None."""
    entry = _RANGE_BOUNDS.get(id(tensor))
    return entry[1] if entry is not None and entry[0]() is tensor else None


def _remember_bounds(tensor, bounds) -> None:
    key = id(tensor)
    _RANGE_BOUNDS[key] = (weakref.ref(tensor, lambda _: _RANGE_BOUNDS.pop(key, None)), bounds)


def _constant_scalar(tensor):
    """The value of an eager scalar tensor, or of a traced constant; None when only known at run time."""
    if not tensor.is_symbolic:
        return tensor.numpy()
    producer = tensor._symbol.producer
    if producer is not None and producer.op.name == "constant":
        return np.asarray(producer.attrs["value"])[()]
    return None


def _range_rule(start: TensorType, limit: TensorType, delta: TensorType) -> TensorType:
    dtype = check_same_dtype(("start", "limit", "delta"), (start, limit, delta))
    check_dtype("start", start, NUMERIC)
    for name, t in (("start", start), ("limit", limit), ("delta", delta)):
        if t.rank != 0:
            raise ShapeRuleError(f"{name} must be a scalar, got shape {t.shape}")
    return TensorType((None,), dtype)


def _range_impl(start, limit, delta):
    return np.arange(start, limit, delta, dtype=np.asarray(start).dtype)


_range = defop("range", infer=_range_rule, impl=_range_impl, num_inputs=3,
               sample_types=lambda dtype: [TensorType((), dtype)] * 3,
               doc="[start, start + delta, ...) up to (not including) limit: a 1-D tensor.")


defgrad(_range, NOT_DIFFERENTIABLE)  # integer-valued positions


def range(start, limit=None, delta=1, dtype=None, name="range"):  # noqa: A001  (TensorFlow's name)
    """Like Python's range, as a 1-D tensor: `tfc.range(5)` is [0, 1, 2, 3, 4]. In a tfc.function,
    `for i in tfc.range(n)` compiles to a native loop (AutoGraph).

    >>> tfc.range(1, 10, 3).numpy()
    array([1, 4, 7], dtype=int32)
    """
    if limit is None:
        start, limit = 0, start
    values = (start, limit, delta)
    if dtype is None:
        dtypes = [v.dtype for v in values if hasattr(v, "dtype")]
        floats = any(isinstance(v, float) for v in values)
        dtype = dtypes[0] if dtypes else (_dtypes.float32 if floats else _dtypes.int32)
    dtype = _dtypes.as_dtype(dtype)
    start, limit, delta = (convert_to_tensor(v, dtype=dtype) for v in values)
    step = _constant_scalar(delta)
    if step is not None and step == 0:
        fail("range", "delta must not be zero")
    bounds = [_constant_scalar(t) for t in (start, limit, delta)]
    if None not in bounds:  # all known: tfc's creation op (an iota of known length)
        from .creation import range as known_range
        result = known_range(*(b.item() if hasattr(b, "item") else b for b in bounds), dtype=dtype)
    else:
        result = bind(_range, start, limit, delta)
    _remember_bounds(result, (start, limit, delta))
    return result


def _row_rule(x: TensorType, i: TensorType) -> TensorType:
    check_dtype("i", i, INTEGER)
    if x.rank < 1 or i.rank != 0:
        raise ShapeRuleError(f"row(x, i) needs x of rank >= 1 and a scalar i, got {x.shape} and {i.shape}")
    return TensorType(x.shape[1:], x.dtype)


row_op = defop("row", infer=_row_rule, impl=lambda x, i: x[int(i)], num_inputs=2,
               sample_types=lambda dtype: [TensorType((2, 2), dtype), TensorType((), _dtypes.int32)],
               doc="x[i]: the i-th slice along the first dimension, for a scalar integer tensor i.")


@defgrad(row_op)
def _row_grad(node, grad):
    """d x[i] / dx: the output gradient written into row i of zeros."""
    from .grad_helpers import zeros_like

    x, i = node.inputs
    return write_row(zeros_like(x), i, grad), None


def _write_row_rule(x: TensorType, i: TensorType, value: TensorType) -> TensorType:
    check_dtype("i", i, INTEGER)
    check_same_dtype(("x", "value"), (x, value))
    if x.rank < 1 or i.rank != 0 or value.rank != x.rank - 1 or \
            any(a is not None and b is not None and a != b for a, b in zip(x.shape[1:], value.shape)):
        raise ShapeRuleError(f"write_row(x, i, value) needs a scalar i and a value shaped like a row of x, got x "
                             f"{x.shape}, i {i.shape} and value {value.shape}")
    return x


def _write_row_impl(x, i, value):
    out = x.copy()
    out[int(i)] = value
    return out


write_row_op = defop("write_row", infer=_write_row_rule, impl=_write_row_impl, num_inputs=3,
                     sample_types=lambda dtype: [TensorType((2, 2), dtype), TensorType((), _dtypes.int32),
                                                 TensorType((2,), dtype)],
                     doc="x with row i (along the first dimension) replaced by `value`; 0 <= i < rows (compiled "
                         "code writes in place when x is not used afterwards).")


@defgrad(write_row_op)
def _write_row_grad(node, grad):
    from .grad_helpers import zeros_like

    x, i, value = node.inputs
    return write_row(grad, i, zeros_like(value)), None, row(grad, i)


def write_row(x, i, value):
    """x with x[i] replaced by `value` (i a scalar integer tensor, 0 <= i < x.shape[0])."""
    return bind(write_row_op, convert_to_tensor(x), convert_to_tensor(i), convert_to_tensor(value))


def _resize_rows_rule(x: TensorType, n: TensorType) -> TensorType:
    check_dtype("n", n, INTEGER)
    if x.rank < 1 or n.rank != 0:
        raise ShapeRuleError(f"resize_rows(x, n) needs x of rank >= 1 and a scalar n, got {x.shape} and {n.shape}")
    return TensorType((None,) + x.shape[1:], x.dtype)


def _resize_rows_impl(x, n):
    n = max(int(n), 0)
    out = np.zeros((n,) + x.shape[1:], x.dtype)
    out[:min(n, x.shape[0])] = x[:n]
    return out


resize_rows_op = defop("resize_rows", infer=_resize_rows_rule, impl=_resize_rows_impl, num_inputs=2,
                       sample_types=lambda dtype: [TensorType((2, 2), dtype), TensorType((), _dtypes.int32)],
                       doc="x with n rows (a run-time count): its first rows, then zero rows; x itself when it has n.")


@defgrad(resize_rows_op)
def _resize_rows_grad(node, grad):
    from .shape import shape_of
    from .grad_helpers import cast_like

    x, n = node.inputs
    rows = shape_of(x)[0]
    return cast_like(resize_rows(grad, rows), x), None


def resize_rows(x, n):
    """x cut or zero-extended to n rows along its first dimension (n a scalar integer tensor)."""
    return bind(resize_rows_op, convert_to_tensor(x), convert_to_tensor(n))


def row(x, i):
    """x[i] along the first dimension, where i may be a traced scalar tensor (used by AutoGraph's for loops)."""
    return bind(row_op, convert_to_tensor(x), convert_to_tensor(i))


range.op = _range
