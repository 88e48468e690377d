"""Matrix products."""
from __future__ import annotations

import numpy as np

from ..core import bind, defgrad, defop
from ..errors import ShapeRuleError
from ..graph import TensorType
from .common import NUMERIC, binary_operands, broadcast_shapes, check_dtype, check_same_dtype
from .grad_helpers import unbroadcast
from .shape import transpose

__all__ = ["matmul"]


def _matmul_rule(a: TensorType, b: TensorType) -> TensorType:
    dtype = check_same_dtype(("a", "b"), (a, b))
    check_dtype("a", a, NUMERIC)
    if a.rank < 2 or b.rank < 2:
        raise ShapeRuleError(f"expected a and b of rank >= 2, got a with shape {a.shape} and b with shape {b.shape}")
    k_a, k_b = a.shape[-1], b.shape[-2]
    if k_a is not None and k_b is not None and k_a != k_b:
        raise ShapeRuleError(f"inner dimensions differ: a has shape {a.shape} and b has shape {b.shape}; expected "
                             f"a.shape[-1] == b.shape[-2], got {k_a} vs {k_b}")
    batch = broadcast_shapes(a.shape[:-2], b.shape[:-2], names=("a's batch dims", "b's batch dims"))
    return TensorType(batch + (a.shape[-2], b.shape[-1]), dtype)


_matmul = defop("matmul", infer=_matmul_rule, impl=np.matmul, num_inputs=2,
                doc="Matrix product of the last two dimensions; leading (batch) dimensions broadcast.")


@defgrad(_matmul)
def _matmul_grad(node, g):
    """d(a @ b) = g @ b^T and a^T @ g, summed over the batch dimensions each operand was broadcast along."""
    a, b = node.inputs
    return (unbroadcast(matmul(g, b, transpose_b=True), a) if node.needs[0] else None,
            unbroadcast(matmul(a, g, transpose_a=True), b) if node.needs[1] else None)


def matmul(a, b, transpose_a=False, transpose_b=False, name=None):
    """Matrix product `a @ b` over the last two dimensions, batched over (broadcast) leading dimensions.

    >>> tfc.matmul(tfc.ones([2, 3]), tfc.ones([3, 4])).shape
    TensorShape([2, 4])
    """
    a, b = binary_operands(a, b)
    if transpose_a:
        a = transpose(a, list(range(a.ndim - 2)) + [a.ndim - 1, a.ndim - 2])
    if transpose_b:
        b = transpose(b, list(range(b.ndim - 2)) + [b.ndim - 1, b.ndim - 2])
    return bind(_matmul, a, b)


matmul.op = _matmul
