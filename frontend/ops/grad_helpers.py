"""Helpers the ops' gradient rules share: undoing broadcasting, and ones/zeros shaped like a tensor.

Gradient rules are built from public ops (never numpy) so the same rule runs eagerly or is traced into the
graph of a `tfc.function`, where it is optimized and compiled together with the forward pass.
"""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor, constant


def unbroadcast(grad: Tensor | None, like: Tensor) -> Tensor | None:
    """`grad` summed back to `like`'s shape: the gradient of numpy-style broadcasting `like` to grad's shape.

    Where like has a size known only at run time (which may be 1 at run time, and broadcast), the axes to sum
    are decided by the `unbroadcast` op from the types of the graph that is compiled: a specialization for a
    run-time size of 1 (frontend/specialize.py) sums over that axis."""
    from .reductions import reduce_sum
    from .shape import reshape, unbroadcast_axes, unbroadcast as unbroadcast_op

    if grad is None:
        return grad
    if None in tuple(like.shape):
        return unbroadcast_op(grad, like)
    if tuple(grad.shape) == tuple(like.shape):
        return grad
    stretched = unbroadcast_axes(tuple(grad.shape), tuple(like.shape))
    if stretched:
        grad = reduce_sum(grad, axis=stretched, keepdims=True)
    return reshape(grad, like.shape) if tuple(grad.shape) != tuple(like.shape) else grad


def cast_like(x: Tensor, like: Tensor) -> Tensor:
    """`x` (of like's size) with like's type: a dimension static in one and run-time in the other gets like's."""
    if tuple(x.shape) == tuple(like.shape):
        return x
    from .shape import broadcast_like as broadcast_to_like
    return broadcast_to_like(x, like)


def broadcast_like(grad: Tensor, like: Tensor) -> Tensor:
    """`grad` (with like's rank, size-1 where reduced) repeated to like's shape."""
    if tuple(grad.shape) == tuple(like.shape):
        return grad
    if None in tuple(like.shape):
        from .shape import broadcast_like as broadcast_to_like
        return broadcast_to_like(grad, like)
    return grad * ones_like(like)


def ones_like(like: Tensor, dtype=None) -> Tensor:
    return _filled(like, 1, dtype)


def zeros_like(like: Tensor, dtype=None) -> Tensor:
    return _filled(like, 0, dtype)


def _filled(like, fill, dtype):
    dtype = dtype or like.dtype
    if None in tuple(like.shape):  # sizes known at run time: a scalar broadcast to like's shape
        from .shape import broadcast_like as broadcast_to_like
        return broadcast_to_like(constant(np.array(fill, dtype=dtype.np)), like)
    # A splat constant: printed as dense<1.0> in the graph and folded into its consumer by linalg fusion.
    return constant(np.full(tuple(like.shape), fill, dtype=dtype.np))


def select_zero(condition, grad: Tensor) -> Tensor:
    """grad where condition holds, else 0 (not grad * mask: that would turn an inf gradient into nan)."""
    from .logic import where

    return where(condition, grad, zeros_like(grad))


def keepdims_shape(x: Tensor, axes) -> tuple:
    return tuple(1 if i in axes else d for i, d in enumerate(x.shape))


def kept_axes(reduced: Tensor, x: Tensor, axes) -> Tensor:
    """A reduction of x over `axes` (with or without keepdims) with those axes as size 1: x's rank again."""
    from .shape import unit_reshape
    return unit_reshape(reduced, keepdims_shape(x, axes))


def scatter_slice(grad: Tensor, like: Tensor, begin, strides) -> Tensor:
    """The gradient of slicing `like`: `grad` placed at begin::strides of a zero tensor shaped like `like`.
    A stride s spreads grad by interleaving s-1 zero slabs (concat on a new axis, then merge the two axes)."""
    from .array import concat, pad
    from .shape import reshape

    for axis, stride in enumerate(strides):
        n = grad.shape[axis]
        if stride == 1 or n == 0:
            continue
        expanded = reshape(grad, grad.shape[:axis + 1] + (1,) + grad.shape[axis + 1:])
        gaps = constant(np.zeros(expanded.shape[:axis + 1] + (stride - 1,) + expanded.shape[axis + 2:],
                                 grad.dtype.np))
        spread = reshape(concat([expanded, gaps], axis + 1), grad.shape[:axis] + (n * stride,) + grad.shape[axis + 1:])
        grad = _take_prefix(spread, axis, (n - 1) * stride + 1)
    paddings = [[b, d - b - n] for b, n, d in zip(begin, grad.shape, like.shape)]
    return pad(grad, paddings) if any(p for pair in paddings for p in pair) else grad


def _take_prefix(x: Tensor, axis: int, length: int) -> Tensor:
    from ..core import bind
    from .array import _slice

    size = tuple(length if i == axis else d for i, d in enumerate(x.shape))
    return bind(_slice, x, begin=(0,) * x.ndim, size=size, strides=(1,) * x.ndim)


def via_composition(compose, node, grad: Tensor):
    """Differentiates an op through an equivalent composition of differentiable ops (for ops such as conv2d
    whose gradient is a scatter): the composition runs on the op's own inputs under an inner tape, whose
    gradient is built from differentiable ops too. So tapes that record while this gradient is built (a tape
    around `tape.gradient`) see it as a function of the inputs and of `grad`: second-order gradients flow."""
    from ..autodiff import GradientTape

    inputs = list(node.inputs)
    with GradientTape() as tape:
        tape.watch(inputs)
        out = compose(*inputs, **node.attrs)
    return tuple(tape.gradient(out, inputs, output_gradients=grad))
