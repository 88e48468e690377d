"""Reductions over axes."""
from __future__ import annotations

import numpy as np

from ..core import bind, defop
from ..errors import ShapeRuleError
from ..graph import TensorType
from ..tensor import convert_to_tensor
from .common import NUMERIC, axes_or_fail, check_dtype

__all__ = ["reduce_sum"]


def _reduced_type(x: TensorType, axes, keepdims: bool) -> TensorType:
    if keepdims:
        shape = tuple(1 if i in axes else d for i, d in enumerate(x.shape))
    else:
        shape = tuple(d for i, d in enumerate(x.shape) if i not in axes)
    return TensorType(shape, x.dtype)


def _sum_rule(x: TensorType, *, axes, keepdims) -> TensorType:
    check_dtype("input_tensor", x, NUMERIC)
    # The Python API normalizes axes; IR read from text (tfc-opt) may not be.
    if list(axes) != sorted(set(axes)) or any(not 0 <= a < x.rank for a in axes):
        raise ShapeRuleError(f"axes {list(axes)} must be sorted, unique and in [0, {x.rank}) for a tensor of "
                             f"rank {x.rank}")
    return _reduced_type(x, axes, keepdims)


_reduce_sum = defop("reduce_sum", infer=_sum_rule,
                    impl=lambda x, *, axes, keepdims: np.sum(x, axis=tuple(axes), keepdims=keepdims, dtype=x.dtype),
                    attrs={"axes": "ints", "keepdims": "bool"}, num_inputs=1,
                    doc="Sum over `axes` (all axes when axis=None); keepdims keeps them as size 1.")


def reduce_sum(input_tensor, axis=None, keepdims=False, name=None):
    """Sum of elements across `axis` (an int, a list of ints, negatives allowed, or None for all axes).

    >>> tfc.reduce_sum(tfc.constant([[1, 2], [3, 4]]), axis=0).numpy()
    array([4, 6], dtype=int32)
    """
    x = convert_to_tensor(input_tensor)
    axes = axes_or_fail("reduce_sum", axis, x.ndim)
    return bind(_reduce_sum, x, axes=axes, keepdims=bool(keepdims))


reduce_sum.op = _reduce_sum

