"""Comparisons (bool results), logical ops on bool tensors, and `where` (select / nonzero indices)."""
from __future__ import annotations

import numpy as np

from .. import dtypes as _dtypes
from ..core import NOT_DIFFERENTIABLE, bind, defgrad, defop, same_attrs
from ..errors import TfcTypeError, user_location
from ..graph import TensorType
from ..tensor import Tensor, convert_to_tensor
from .common import ALL, NUMERIC, binary_operands, broadcast_shapes, check_dtype, check_same_dtype
from .elementwise import _binary, _unary
from .grad_helpers import unbroadcast, zeros_like

__all__ = ["equal", "not_equal", "less", "less_equal", "greater", "greater_equal", "logical_and", "logical_or",
           "logical_not", "logical_xor", "where"]

_BOOL = (_dtypes.bool,)
_ORDERED = NUMERIC + _BOOL

equal = _binary("equal", np.equal, "x == y elementwise (bool). Also `==` on tensors.", ALL, _dtypes.bool)
defgrad(equal, NOT_DIFFERENTIABLE)
not_equal = _binary("not_equal", np.not_equal, "x != y elementwise (bool; nan != nan). Also `!=`.", ALL,
                    _dtypes.bool)
defgrad(not_equal, NOT_DIFFERENTIABLE)
less = _binary("less", np.less, "x < y elementwise (bool). Also `<`.", _ORDERED, _dtypes.bool)
defgrad(less, NOT_DIFFERENTIABLE)
less_equal = _binary("less_equal", np.less_equal, "x <= y elementwise (bool). Also `<=`.", _ORDERED, _dtypes.bool)
defgrad(less_equal, NOT_DIFFERENTIABLE)
greater = _binary("greater", np.greater, "x > y elementwise (bool). Also `>`.", _ORDERED, _dtypes.bool)
defgrad(greater, NOT_DIFFERENTIABLE)
greater_equal = _binary("greater_equal", np.greater_equal, "x >= y elementwise (bool). Also `>=`.", _ORDERED,
                        _dtypes.bool)
defgrad(greater_equal, NOT_DIFFERENTIABLE)
logical_and = _binary("logical_and", np.logical_and, "x AND y for bool tensors. Also `&`.", _BOOL)
defgrad(logical_and, NOT_DIFFERENTIABLE)
logical_or = _binary("logical_or", np.logical_or, "x OR y for bool tensors. Also `|`.", _BOOL)
defgrad(logical_or, NOT_DIFFERENTIABLE)
logical_xor = _binary("logical_xor", np.logical_xor, "x XOR y for bool tensors. Also `^`.", _BOOL)
defgrad(logical_xor, NOT_DIFFERENTIABLE)
logical_not = _unary("logical_not", np.logical_not, "NOT x for bool tensors. Also `~`.", _BOOL)
defgrad(logical_not, NOT_DIFFERENTIABLE)


def _select_rule(condition: TensorType, x: TensorType, y: TensorType) -> TensorType:
    check_dtype("condition", condition, _BOOL)
    dtype = check_same_dtype(("x", "y"), (x, y))
    shape = broadcast_shapes(condition.shape, x.shape, y.shape, names=("condition", "x", "y"))
    return TensorType(shape, dtype)


_select = defop("select", infer=_select_rule, impl=lambda c, x, y: np.where(c, x, y), num_inputs=3,
                any_rank=same_attrs,
                doc="x where condition is True, else y (all three broadcast); `tfc.where` with three arguments.",
                sample_types=lambda dtype: [TensorType((2, 2), _dtypes.bool), TensorType((2, 2), dtype),
                                            TensorType((2, 2), dtype)])


@defgrad(_select)
def _select_grad(node, g):
    condition, x, y = node.inputs
    from_x = where(condition, g, zeros_like(g))
    return None, unbroadcast(from_x, x), unbroadcast(g - from_x, y)




def where(condition, x=None, y=None, name=None):
    """With x and y: elements of x where `condition` is True, else of y (broadcasting).

    With only `condition`: the int64 coordinates of its True elements, shape [n, rank]. That result's size
    depends on the data, so this form runs eagerly only (a traced call raises TypeError).
    """
    condition = convert_to_tensor(condition)
    if x is None and y is None:
        if condition.is_symbolic:
            raise TfcTypeError("tfc.where(condition) with one argument has a data-dependent shape and cannot be "
                               "traced; use tfc.where(condition, x, y) inside tfc.function",
                               location=user_location())
        return Tensor._from_numpy(np.argwhere(condition.numpy() if condition.ndim else
                                              np.asarray(condition.numpy())).astype(np.int64))
    if x is None or y is None:
        raise TfcTypeError("tfc.where: x and y must be given together", location=user_location())
    x, y = binary_operands(x, y)
    return bind(_select, condition, x, y)


where.op = _select
