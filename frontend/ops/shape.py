"""Shape manipulation: reshape, transpose, and the run-time shape ops `shape_of` and `broadcast_like`.

`broadcast_like(x, like)` takes its result's size from another tensor at run time: with it, gradient rules build
zeros, ones and broadcasts shaped like a tensor whose dimensions are unknown while tracing (input_signature with
None), without knowing those sizes as numbers.
"""
from __future__ import annotations

import math

import numpy as np

from .. import dtypes as _dtypes
from ..core import NOT_DIFFERENTIABLE, bind, defgrad, defop, same_attrs
from ..errors import ShapeRuleError
from ..graph import TensorType
from ..tensor import convert_to_tensor
from .common import NUMERIC, check_dtype, fail, require_int_list

__all__ = ["reshape", "transpose"]


def _reshape_rule(x: TensorType, *, shape) -> TensorType:
    known = math.prod(d for d in shape if d is not None)
    if x.is_static and (known != x.num_elements if None not in shape else
                        shape.count(None) == 1 and (known == 0 or x.num_elements % known)):
        target = ", ".join("-1" if d is None else str(d) for d in shape)
        raise ShapeRuleError(f"cannot reshape a tensor with {x.num_elements} elements (shape {x.shape}) to shape "
                             f"[{target}]")
    return TensorType(shape, x.dtype)


def _refine_reshape(old: list[TensorType], new: list[TensorType], *, shape) -> dict:
    """The target shape for an input whose run-time (None) sizes a specialization knows (frontend/specialize.py).
    A None of the target is either x's run-time sizes in order (a reshape that only inserts or removes size-1
    dimensions: expand_dims, squeeze) or a -1 (the element count over the other sizes)."""
    (x_old,), (x_new,) = old, new
    if None in shape and [d for d in x_old.shape if d != 1] == [d for d in shape if d != 1]:
        sizes = iter(n for o, n in zip(x_old.shape, x_new.shape) if o is None)
        return {"shape": tuple(next(sizes) if d is None else d for d in shape)}
    if shape.count(None) == 1 and x_new.is_static:
        known = math.prod(d for d in shape if d is not None)
        if known and x_new.num_elements % known == 0:  # else the rule names the sizes that do not fit
            return {"shape": tuple(x_new.num_elements // known if d is None else d for d in shape)}
    return {"shape": shape}


_reshape = defop("reshape", infer=_reshape_rule, impl=lambda x, *, shape: np.reshape(x, shape),
                 attrs={"shape": "shape"}, num_inputs=1, sample_attrs={"shape": (4,)}, any_rank=same_attrs,
                 refine=_refine_reshape,
                 doc="The same elements in row-major order, with a new shape of the same size.")


def reshape(tensor, shape, name=None):
    """Reshapes `tensor` to `shape`; one dimension may be -1 and is inferred.

    >>> tfc.reshape(tfc.range(6), [2, -1]).shape
    TensorShape([2, 3])
    """
    x = convert_to_tensor(tensor)
    dims = require_int_list("reshape: shape", shape)
    if dims.count(-1) > 1 or any(d < -1 for d in dims):
        fail("reshape", f"shape {dims} may hold at most one -1 and no other negative size")
    if -1 in dims:
        known = math.prod(d for d in dims if d != -1)
        total = x.type.num_elements
        if total is None:  # a dynamic input: the -1 stays a run-time size (None), computed by the lowering
            if known == 0:
                fail("reshape", f"cannot infer the -1 in {dims} when the other sizes multiply to 0")
            return bind(_reshape, x, shape=tuple(None if d == -1 else d for d in dims))
        if known == 0 or total % known:
            fail("reshape", f"cannot reshape a tensor with {total} elements (shape {tuple(x.shape)}) to {dims}")
        dims[dims.index(-1)] = total // known
    return bind(_reshape, x, shape=tuple(dims))


def unit_reshape(x, shape):
    """x with size-1 dimensions inserted or removed (`shape` is x's shape so changed; its None dimensions are
    x's run-time ones, in order): expand_dims and squeeze, also on tensors of run-time size."""
    x = convert_to_tensor(x)
    if [d for d in x.shape if d != 1] != [d for d in shape if d != 1]:
        raise AssertionError(f"unit_reshape of {x.shape} to {tuple(shape)} changes more than size-1 dimensions")
    return bind(_reshape, x, shape=tuple(shape)) if None in x.shape else reshape(x, shape)


def _reshape_grad(node, g):
    x = node.inputs[0]
    if x.type.is_static:
        return (reshape(g, x.shape),)
    if [d for d in x.shape if d != 1] == [d for d in g.shape if d != 1]:
        return (unit_reshape(g, x.shape),)
    if list(x.shape).count(None) == 1:  # the other dimensions are known: the run-time one is inferred
        return (reshape(g, [-1 if d is None else d for d in x.shape]),)
    from ..errors import UnsupportedError, user_location
    raise UnsupportedError(f"the gradient of reshape from {x.shape} to {g.shape}: a reshape of a tensor with more "
                           "than one dimension known only at run time, other than inserting or removing size-1 "
                           "dimensions, has no gradient yet", location=user_location())


defgrad(_reshape, _reshape_grad)


def _transpose_rule(x: TensorType, *, perm) -> TensorType:
    if x.rank is None:  # perm as given (None: reversed), resolved per rank by _resolve_perm
        return TensorType(None if perm is None else (None,) * len(perm), x.dtype)
    if sorted(perm) != list(range(x.rank)):
        raise ShapeRuleError(f"perm {list(perm)} is not a permutation of the {x.rank} axes of a tensor with shape "
                             f"{x.shape}")
    return TensorType(tuple(x.shape[p] for p in perm), x.dtype)


_transpose = defop("transpose", infer=_transpose_rule, impl=lambda x, *, perm: np.transpose(x, perm),
                   attrs={"perm": "ints"}, num_inputs=1, sample_attrs={"perm": (1, 0)},
                   any_rank=lambda x, *, perm: {"perm": _normalize_perm(perm, x.rank)},
                   doc="Permutes the dimensions: result dimension i is input dimension perm[i].")


def transpose(a, perm=None, name=None):
    """Permutes dimensions (reverses them when perm is None).

    >>> tfc.transpose(tfc.ones([2, 3])).shape
    TensorShape([3, 2])
    """
    x = convert_to_tensor(a)
    perm = None if perm is None else require_int_list("transpose: perm", perm)
    return bind(_transpose, x, perm=_normalize_perm(perm, x.type.rank))


def _normalize_perm(perm, rank: int | None):
    """perm with negative axes counted from the end; None reverses the axes. Kept as given for an unknown rank."""
    if rank is None:
        return None if perm is None else tuple(perm)
    if perm is None:
        return tuple(range(rank))[::-1]
    return tuple(p % rank if rank and -rank <= p < 0 else p for p in perm)


# The inverse permutation: result dimension i came from input dimension perm[i].
defgrad(_transpose, lambda node, g: (transpose(g, [int(p) for p in np.argsort(node.attrs["perm"])]),))



# ------------------------------------------------------------------------------------------- run-time shapes
def _shape_rule(x: TensorType, *, dtype) -> TensorType:
    dtype = _dtypes.as_dtype(dtype)
    if dtype not in (_dtypes.int32, _dtypes.int64):
        raise ShapeRuleError(f"out_type must be int32 or int64, got {dtype.name}")
    return TensorType((x.rank,), dtype)


shape_op = defop("shape", infer=_shape_rule, impl=lambda x, *, dtype: np.array(x.shape, _dtypes.as_dtype(dtype).np),
                 attrs={"dtype": "dtype"}, sample_attrs={"dtype": _dtypes.int32},
                 doc="The run-time shape of a tensor, as a 1-D int32 or int64 tensor.")
defgrad(shape_op, NOT_DIFFERENTIABLE)


def shape_of(x, dtype=_dtypes.int32):
    """x's shape as a tensor: a constant where it is known while tracing, else read at run time."""
    x = convert_to_tensor(x)
    dtype = _dtypes.as_dtype(dtype)
    if None not in x.shape:
        from ..tensor import constant
        return constant(np.array(x.shape, dtype=dtype.np))
    return bind(shape_op, x, dtype=dtype)


def _broadcasts_to(x: TensorType, target: TensorType) -> bool:
    """x's shape broadcasts to target's (numpy's rule; a None size, known at run time, may be anything)."""
    offset = target.rank - x.rank
    return offset >= 0 and all(d in (1, None) or target.shape[offset + i] in (d, None) for i, d in enumerate(x.shape))


def _broadcast_like_rule(x: TensorType, like: TensorType) -> TensorType:
    if not _broadcasts_to(x, like):
        raise ShapeRuleError(f"cannot broadcast shape {x.shape} to the shape of like, {like.shape}; expected each "
                             "dimension to be 1 or equal to like's")
    return TensorType(like.shape, x.dtype)


_broadcast_like = defop("broadcast_like", infer=_broadcast_like_rule, num_inputs=2,
                        impl=lambda x, like: np.broadcast_to(x, like.shape).copy(),
                        sample_types=lambda dtype: [TensorType((1, 2), dtype), TensorType((3, 2), dtype)],
                        doc="x repeated (numpy broadcasting) to the run-time shape of `like` (whose values are not "
                            "read); also gives a static-shaped x the type of a dynamic `like` of the same size.")


def broadcast_like(x, like):
    """`x` broadcast to `like`'s shape, which may be known only at run time (gradients of dynamic shapes)."""
    return bind(_broadcast_like, convert_to_tensor(x), convert_to_tensor(like))


@defgrad(_broadcast_like)
def _broadcast_like_grad(node, grad):
    from .grad_helpers import unbroadcast
    return unbroadcast(grad, node.inputs[0]), None


def unbroadcast_axes(x_shape, like_shape) -> list[int]:
    """The axes of x along which `like` was broadcast to x's shape: x's extra leading axes, and those where like
    has size 1 and x does not (None: a run-time size, summed over when like's is 1)."""
    lead = len(x_shape) - len(like_shape)
    return [i for i, d in enumerate(x_shape) if i < lead or (like_shape[i - lead] == 1 and d != 1)]


def _unbroadcast_rule(x: TensorType, like: TensorType) -> TensorType:
    check_dtype("x", x, NUMERIC)
    if not _broadcasts_to(like, x):
        raise ShapeRuleError(f"cannot sum shape {x.shape} to the shape of like, {like.shape}; expected like to "
                             "broadcast to it")
    return TensorType(like.shape, x.dtype)


def _unbroadcast_impl(x, like):
    axes = tuple(unbroadcast_axes(x.shape, like.shape))
    if not axes:
        return x.copy()
    # float16 sums in float32 and rounds once, as reduce_sum and the compiled reduction do
    total = np.sum(x, axis=axes, keepdims=True, dtype=np.float32 if x.dtype == np.float16 else x.dtype)
    return total.astype(x.dtype).reshape(like.shape)


_unbroadcast = defop("unbroadcast", infer=_unbroadcast_rule, impl=_unbroadcast_impl, num_inputs=2,
                     sample_types=lambda dtype: [TensorType((3, 2), dtype), TensorType((1, 2), dtype)],
                     doc="x summed over the axes along which `like` (whose values are not read) broadcasts to x's "
                         "shape: the gradient of broadcasting. Which axes those are follows from the types, so a "
                         "graph specialized for a run-time size of 1 (frontend/specialize.py) sums over it.")


def unbroadcast(x, like):
    """`x` summed to `like`'s shape, where like's run-time sizes decide the axes (gradients of dynamic shapes)."""
    return bind(_unbroadcast, convert_to_tensor(x), convert_to_tensor(like))


defgrad(_unbroadcast, lambda node, g: (broadcast_like(g, node.inputs[0]), None))

reshape.op = _reshape
transpose.op = _transpose
broadcast_like.op = _broadcast_like
unbroadcast.op = _unbroadcast
