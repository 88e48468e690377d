"""Helpers the ops' gradient rules share: undoing broadcasting, and ones/zeros shaped like a tensor.

Gradient rules are built from public ops (never numpy) so the same rule runs eagerly or is traced into the
graph of a `tfc.function`, where it is optimized and compiled together with the forward pass.
"""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor, constant


def unbroadcast(grad: Tensor | None, like: Tensor) -> Tensor | None:
    """`grad` summed back to `like`'s shape: the gradient of numpy-style broadcasting `like` to grad's shape."""
    from .reductions import reduce_sum
    from .shape import reshape

    if grad is None or tuple(grad.shape) == tuple(like.shape):
        return grad
    lead = grad.ndim - like.ndim
    stretched = [i for i in range(grad.ndim)
                 if i < lead or (like.shape[i - lead] == 1 and grad.shape[i] != 1)]
    if stretched:
        grad = reduce_sum(grad, axis=stretched, keepdims=True)
    return reshape(grad, like.shape) if tuple(grad.shape) != tuple(like.shape) else grad


def broadcast_like(grad: Tensor, like: Tensor) -> Tensor:
    """`grad` (with like's rank, size-1 where reduced) repeated to `like`'s static shape."""
    if tuple(grad.shape) == tuple(like.shape):
        return grad
    return grad * ones_like(like)


def ones_like(like: Tensor, dtype=None) -> Tensor:
    return _filled(like, 1, dtype)


def zeros_like(like: Tensor, dtype=None) -> Tensor:
    return _filled(like, 0, dtype)


def _filled(like, fill, dtype):
    dtype = dtype or like.dtype
    if None in tuple(like.shape):
        raise NotImplementedError(f"gradients of tensors with run-time dimensions {like.shape} need "
                                  "tfc.broadcast_to (not available yet)")
    # A splat constant: printed as dense<1.0> in the graph and folded into its consumer by linalg fusion.
    return constant(np.full(tuple(like.shape), fill, dtype=dtype.np))
