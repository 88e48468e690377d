"""Comparisons and logical ops: elementwise, with broadcasting, producing bool tensors.

Control flow needs them (`if x > 0`, `while i < n` become tfc.cond / tfc.while on their results). Operands
follow the binary-op rules: no implicit conversion between tensor dtypes; Python scalars adopt the tensor's.
"""
from __future__ import annotations

import numpy as np

from .. import dtypes as _dtypes
from ..core import bind, defop
from ..graph import TensorType
from ..tensor import convert_to_tensor
from .common import ALL, NUMERIC, binary_operands, broadcast_shapes, check_dtype, check_same_dtype

__all__ = ["equal", "not_equal", "less", "less_equal", "greater", "greater_equal", "logical_and", "logical_or",
           "logical_not"]


def _compare_rule(allowed):
    def infer(x: TensorType, y: TensorType) -> TensorType:
        check_same_dtype(("x", "y"), (x, y))
        check_dtype("x", x, allowed)
        return TensorType(broadcast_shapes(x.shape, y.shape), _dtypes.bool)
    return infer


def _binary(name: str, impl, doc: str, allowed):
    op = defop(name, infer=_compare_rule(allowed), impl=impl, num_inputs=2, doc=doc)

    def api(x, y, name=None):
        return bind(op, *binary_operands(x, y))
    api.__name__ = api.__qualname__ = name
    api.__doc__ = doc
    api.op = op
    return api


equal = _binary("equal", np.equal, "x == y elementwise (bool result), with broadcasting.", ALL)
not_equal = _binary("not_equal", np.not_equal, "x != y elementwise (bool result), with broadcasting.", ALL)
less = _binary("less", np.less, "x < y elementwise (bool result). Also `<` on tensors.", NUMERIC)
less_equal = _binary("less_equal", np.less_equal, "x <= y elementwise (bool result). Also `<=`.", NUMERIC)
greater = _binary("greater", np.greater, "x > y elementwise (bool result). Also `>` on tensors.", NUMERIC)
greater_equal = _binary("greater_equal", np.greater_equal, "x >= y elementwise (bool result). Also `>=`.", NUMERIC)
logical_and = _binary("logical_and", np.logical_and, "x AND y for bool tensors. Also `&`.", (_dtypes.bool,))
logical_or = _binary("logical_or", np.logical_or, "x OR y for bool tensors. Also `|`.", (_dtypes.bool,))


def _not_rule(x: TensorType) -> TensorType:
    check_dtype("x", x, (_dtypes.bool,))
    return x


_logical_not = defop("logical_not", infer=_not_rule, impl=np.logical_not, num_inputs=1,
                     doc="NOT x for bool tensors. Also `~` on bool tensors.")


def logical_not(x, name=None):
    """Elementwise NOT of a bool tensor.

    >>> tfc.logical_not(tfc.constant([True, False])).numpy()
    array([False,  True])
    """
    return bind(_logical_not, convert_to_tensor(x))


logical_not.op = _logical_not
