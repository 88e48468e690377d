"""Tensor creation: the `iota` primitive (index along one axis) and the ops composed from it and broadcast_to:
zeros, ones, fill, *_like, range, linspace, eye, one_hot, identity."""
from __future__ import annotations

import builtins
import math
import numbers

import numpy as np

from .. import dtypes as _dtypes
from ..core import NOT_DIFFERENTIABLE, bind, defgrad, defop
from ..graph import TensorType
from ..tensor import Tensor, convert_to_tensor
from .array import broadcast_to, expand_dims
from .common import fail, normalize_axis, require_int_list
from .elementwise import cast

__all__ = ["zeros", "ones", "fill", "zeros_like", "ones_like", "range", "linspace", "eye", "one_hot", "identity"]


def _iota_rule(*, shape, axis, dtype) -> TensorType:
    return TensorType(shape, _dtypes.as_dtype(dtype))


def _iota_impl(*, shape, axis, dtype):
    index = np.arange(shape[axis]).reshape([-1 if i == axis else 1 for i in builtins.range(len(shape))])
    return np.broadcast_to(index, shape).astype(_dtypes.as_dtype(dtype).np)


iota = defop("iota", infer=_iota_rule, impl=_iota_impl, attrs={"shape": "shape", "axis": "int", "dtype": "dtype"},
             num_inputs=0, sample_attrs={"shape": (2, 2), "axis": 0},
             doc="Each element's index along `axis`, as `dtype` (the building block of range, eye, one_hot).")
defgrad(iota, NOT_DIFFERENTIABLE)


def _iota(shape, axis, dtype):
    return bind(iota, shape=tuple(shape), axis=axis, dtype=_dtypes.as_dtype(dtype))


def fill(dims, value, name=None):
    """A tensor of shape `dims` filled with `value` (whose dtype it takes)."""
    return broadcast_to(convert_to_tensor(value), require_int_list("fill: dims", dims))


def zeros(shape, dtype=_dtypes.float32, name=None):
    return broadcast_to(convert_to_tensor(0, dtype=dtype), require_int_list("zeros: shape", shape))


def ones(shape, dtype=_dtypes.float32, name=None):
    return broadcast_to(convert_to_tensor(1, dtype=dtype), require_int_list("ones: shape", shape))


def zeros_like(input, dtype=None, name=None):  # noqa: A002
    return _filled_like(convert_to_tensor(input), 0, dtype)


def ones_like(input, dtype=None, name=None):  # noqa: A002
    return _filled_like(convert_to_tensor(input), 1, dtype)


def _filled_like(x: Tensor, value, dtype):
    dtype = _dtypes.as_dtype(dtype or x.dtype)
    if x.type.is_static:
        return broadcast_to(convert_to_tensor(value, dtype=dtype), list(x.shape))
    # Sizes known only at run time, or an unknown rank: the value broadcast against x itself.
    from .logic import where
    return where(convert_to_tensor(True), convert_to_tensor(value, dtype=dtype), cast(x, dtype))


def identity(input, name=None):  # noqa: A002
    """The same value (tensors are immutable, so no copy is needed)."""
    return convert_to_tensor(input)


def _python_number(op_name: str, value):
    if isinstance(value, Tensor):
        if value.is_symbolic:
            fail(op_name, "arguments must be known while tracing (Python numbers or eager tensors), since they "
                          "decide the result's shape")
        return value.numpy().item()
    return value


def range(start, limit=None, delta=1, dtype=None, name="range"):  # noqa: A001 - TensorFlow's name
    """start, start + delta, ... up to (not including) limit; ints give int32, any float gives float32."""
    start, limit, delta = (_python_number("range", v) for v in (start, limit, delta))
    if limit is None:
        start, limit = 0, start
    if delta == 0:
        fail("range", "delta must not be 0")
    if dtype is None:
        dtype = _dtypes.float32 if any(isinstance(v, float) for v in (start, limit, delta)) else _dtypes.int32
    dtype = _dtypes.as_dtype(dtype)
    count = max(0, math.ceil((limit - start) / delta))
    index = _iota([count], 0, dtype)
    return index * delta + start if (delta, start) != (1, 0) else index


def linspace(start, stop, num, name=None, axis=0):
    """`num` evenly spaced values from start to stop inclusive: start + i * (stop - start) / (num - 1).

    Python ints give float64 (as TensorFlow); float tensors keep their dtype."""
    dtype = _dtypes.float32
    for v in (start, stop):
        if isinstance(v, Tensor):
            dtype = v.dtype
    if all(isinstance(v, numbers.Integral) for v in (start, stop)):
        dtype = _dtypes.float64
    start, stop, num = (_python_number("linspace", v) for v in (start, stop, num))
    num = int(num)
    if num < 0:
        fail("linspace", f"num must be >= 0, got {num}")
    step = (stop - start) / (num - 1) if num > 1 else 0.0
    step_t, start_t = convert_to_tensor(step, dtype=dtype), convert_to_tensor(float(start), dtype=dtype)
    return _iota([num], 0, dtype) * step_t + start_t


def eye(num_rows, num_columns=None, batch_shape=None, dtype=_dtypes.float32, name=None):
    """An identity matrix (ones on the diagonal), optionally repeated over `batch_shape`."""
    cols = num_rows if num_columns is None else num_columns
    shape = [int(num_rows), int(cols)]
    diagonal = cast(_iota(shape, 0, _dtypes.int32) == _iota(shape, 1, _dtypes.int32), dtype)
    if batch_shape:
        return broadcast_to(diagonal, require_int_list("eye: batch_shape", batch_shape) + shape)
    return diagonal


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    """A new axis of size `depth` holding on_value at each index and off_value elsewhere (a zero row for an
    out-of-range index, as TensorFlow)."""
    from .logic import where

    indices = convert_to_tensor(indices)
    if not indices.dtype.is_integer:
        fail("one_hot", f"indices must be integers, got {indices.dtype.name}")
    if dtype is None:
        dtype = on_value.dtype if isinstance(on_value, Tensor) else _dtypes.float32
    dtype = _dtypes.as_dtype(dtype)
    on = convert_to_tensor(1 if on_value is None else on_value, dtype=dtype)
    off = convert_to_tensor(0 if off_value is None else off_value, dtype=dtype)
    axis = normalize_axis(-1 if axis is None else int(axis), indices.ndim + 1)
    shape = [1] * (indices.ndim + 1)
    shape[axis] = int(depth)
    hot = expand_dims(indices, axis) == _iota(shape, axis, indices.dtype)
    return where(hot, on, off)
