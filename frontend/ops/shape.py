"""Shape manipulation: reshape and transpose."""
from __future__ import annotations

import math

import numpy as np

from ..core import bind, defgrad, defop, same_attrs
from ..errors import ShapeRuleError
from ..graph import TensorType
from ..tensor import convert_to_tensor
from .common import fail, require_int_list

__all__ = ["reshape", "transpose"]


def _reshape_rule(x: TensorType, *, shape) -> TensorType:
    known = math.prod(d for d in shape if d is not None)
    if x.is_static and (known != x.num_elements if None not in shape else
                        shape.count(None) == 1 and (known == 0 or x.num_elements % known)):
        target = ", ".join("-1" if d is None else str(d) for d in shape)
        raise ShapeRuleError(f"cannot reshape a tensor with {x.num_elements} elements (shape {x.shape}) to shape "
                             f"[{target}]")
    return TensorType(shape, x.dtype)


_reshape = defop("reshape", infer=_reshape_rule, impl=lambda x, *, shape: np.reshape(x, shape),
                 attrs={"shape": "shape"}, num_inputs=1, sample_attrs={"shape": (4,)}, any_rank=same_attrs,
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


defgrad(_reshape, lambda node, g: (reshape(g, node.inputs[0].shape),))


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



reshape.op = _reshape
transpose.op = _transpose
