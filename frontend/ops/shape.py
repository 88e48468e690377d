"""Shape manipulation: reshape and transpose."""
from __future__ import annotations

import math

import numpy as np

from ..core import bind, defgrad, defop
from ..errors import ShapeRuleError
from ..graph import TensorType
from ..tensor import convert_to_tensor
from .common import fail, require_int_list

__all__ = ["reshape", "transpose"]


def _reshape_rule(x: TensorType, *, shape) -> TensorType:
    if x.is_static and math.prod(shape) != x.num_elements:
        raise ShapeRuleError(f"cannot reshape a tensor with {x.num_elements} elements (shape {x.shape}) to shape "
                             f"{tuple(shape)} ({math.prod(shape)} elements)")
    return TensorType(shape, x.dtype)


_reshape = defop("reshape", infer=_reshape_rule, impl=lambda x, *, shape: np.reshape(x, shape),
                 attrs={"shape": "shape"}, num_inputs=1, sample_attrs={"shape": (4,)},
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
        if total is None:
            fail("reshape", "a -1 in the new shape needs a statically known input size")
        if known == 0 or total % known:
            fail("reshape", f"cannot reshape a tensor with {total} elements (shape {tuple(x.shape)}) to {dims}")
        dims[dims.index(-1)] = total // known
    return bind(_reshape, x, shape=tuple(dims))


defgrad(_reshape, lambda node, g: (reshape(g, node.inputs[0].shape),))


def _transpose_rule(x: TensorType, *, perm) -> TensorType:
    if sorted(perm) != list(range(x.rank)):
        raise ShapeRuleError(f"perm {list(perm)} is not a permutation of the {x.rank} axes of a tensor with shape "
                             f"{x.shape}")
    return TensorType(tuple(x.shape[p] for p in perm), x.dtype)


_transpose = defop("transpose", infer=_transpose_rule, impl=lambda x, *, perm: np.transpose(x, perm),
                   attrs={"perm": "ints"}, num_inputs=1, sample_attrs={"perm": (1, 0)},
                   doc="Permutes the dimensions: result dimension i is input dimension perm[i].")


def transpose(a, perm=None, name=None):
    """Permutes dimensions (reverses them when perm is None).

    >>> tfc.transpose(tfc.ones([2, 3])).shape
    TensorShape([3, 2])
    """
    x = convert_to_tensor(a)
    perm = list(range(x.ndim))[::-1] if perm is None else require_int_list("transpose: perm", perm)
    perm = [p % x.ndim if x.ndim and -x.ndim <= p < 0 else p for p in perm]
    return bind(_transpose, x, perm=tuple(perm))


# The inverse permutation: result dimension i came from input dimension perm[i].
defgrad(_transpose, lambda node, g: (transpose(g, [int(p) for p in np.argsort(node.attrs["perm"])]),))



reshape.op = _reshape
transpose.op = _transpose
