"""Matrix products."""
from __future__ import annotations

import numpy as np

from ..core import bind, defgrad, defop, same_attrs
from ..errors import ShapeRuleError
from ..graph import TensorType
from ..tensor import convert_to_tensor
from .common import NUMERIC, binary_operands, broadcast_shapes, check_dtype, check_same_dtype
from .grad_helpers import unbroadcast
from .shape import transpose


__all__ = ["matmul", "einsum", "tensordot", "matvec"]


def _matmul_rule(a: TensorType, b: TensorType) -> TensorType:
    dtype = check_same_dtype(("a", "b"), (a, b))
    check_dtype("a", a, NUMERIC)
    if a.rank is None or b.rank is None:  # checked once the ranks are known
        if (a.rank or 2) < 2 or (b.rank or 2) < 2:
            raise ShapeRuleError(f"expected a and b of rank >= 2, got a {a.mlir()} and b {b.mlir()}")
        return TensorType(None, dtype)
    if a.rank < 2 or b.rank < 2:
        raise ShapeRuleError(f"expected a and b of rank >= 2, got a with shape {a.shape} and b with shape {b.shape}")
    k_a, k_b = a.shape[-1], b.shape[-2]
    if k_a is not None and k_b is not None and k_a != k_b:
        raise ShapeRuleError(f"inner dimensions differ: a has shape {a.shape} and b has shape {b.shape}; expected "
                             f"a.shape[-1] == b.shape[-2], got {k_a} vs {k_b}")
    batch = broadcast_shapes(a.shape[:-2], b.shape[:-2], names=("a's batch dims", "b's batch dims"))
    return TensorType(batch + (a.shape[-2], b.shape[-1]), dtype)


_matmul = defop("matmul", infer=_matmul_rule, impl=np.matmul, num_inputs=2, any_rank=same_attrs,
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


# ------------------------------------------------------------------------------------------------------ einsum
def _parse_einsum(equation: str, ranks: list[int]) -> tuple[list[str], str]:
    """Input subscripts and output subscripts, with '...' replaced by capital letters (explicit form only)."""
    equation = equation.replace(" ", "")
    if "->" not in equation:
        inputs = equation.split(",")
        letters = "".join(inputs).replace(".", "")
        output = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
        if "..." in equation:
            output = "..." + output
    else:
        lhs, output = equation.split("->")
        inputs = lhs.split(",")
    if len(inputs) != len(ranks):
        raise ShapeRuleError(f"equation {equation!r} names {len(inputs)} operands but {len(ranks)} were given")
    ellipsis_rank = max((r - len(s.replace("...", "")) for s, r in zip(inputs, ranks) if "..." in s), default=0)
    spare = "".join(c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in equation)[:ellipsis_rank]
    expand = lambda s, r: s.replace("...", spare[ellipsis_rank - (r - len(s.replace("...", ""))):])  # noqa: E731
    inputs = [expand(s, r) for s, r in zip(inputs, ranks)]
    return inputs, output.replace("...", spare)


def _einsum_rule(*xs: TensorType, equation) -> TensorType:
    dtype = check_same_dtype([f"inputs[{i}]" for i in range(len(xs))], xs)
    check_dtype("inputs[0]", xs[0], NUMERIC)
    inputs, output = _parse_einsum(equation, [x.rank for x in xs])
    sizes: dict[str, int] = {}
    for i, (subs, x) in enumerate(zip(inputs, xs)):
        if len(subs) != x.rank:
            raise ShapeRuleError(f"equation {equation!r}: operand {i} has rank {x.rank} but its subscripts "
                                 f"{subs!r} name {len(subs)} axes")
        for c, d in zip(subs, x.shape):
            if sizes.setdefault(c, d) != d:
                raise ShapeRuleError(f"equation {equation!r}: index {c!r} has size {sizes[c]} and {d}; expected "
                                     "equal sizes (einsum does not broadcast)")
    if any(c not in sizes for c in output):
        raise ShapeRuleError(f"equation {equation!r}: an output index appears in no input")
    return TensorType(tuple(sizes[c] for c in output), dtype)


def _einsum_impl(*xs, equation):
    inputs, output = _parse_einsum(equation, [x.ndim for x in xs])
    # float16 products are summed in float32 and rounded once, as compiled code does
    wide = np.float32 if xs[0].dtype == np.float16 else None
    return np.einsum(",".join(inputs) + "->" + output, *xs, dtype=wide).astype(xs[0].dtype)


_einsum = defop("einsum", infer=_einsum_rule, impl=_einsum_impl, attrs={"equation": "str"}, num_inputs=None,
                sample_attrs={"equation": "ij,jk->ik"},
                doc="A sum of products over the indices the equation does not keep (one linalg.generic).")


def einsum(equation, *inputs, **kwargs):
    """Einstein summation, e.g. `tfc.einsum('bij,bjk->bik', a, b)`; '...' and the implicit form are accepted."""
    tensors = [convert_to_tensor(x) for x in inputs]
    return bind(_einsum, *tensors, equation=str(equation))


einsum.op = _einsum


@defgrad(einsum)
def _einsum_grad(node, g):
    """Operand i's gradient is the einsum of g with the other operands, producing i's subscripts; indices only
    operand i had (summed away) are restored by broadcasting."""
    from ..errors import UnsupportedError, user_location
    from .array import broadcast_to
    from .shape import reshape
    inputs, output = _parse_einsum(node.attrs["equation"], [x.ndim for x in node.inputs])
    grads = []
    for i, (subs, x) in enumerate(zip(inputs, node.inputs)):
        if not node.needs[i]:
            grads.append(None)
            continue
        if len(set(subs)) != len(subs):
            raise UnsupportedError(f"the gradient of einsum {node.attrs['equation']!r} (a repeated index, a "
                                   "diagonal) is not supported yet", location=user_location())
        others = [(s, t) for j, (s, t) in enumerate(zip(inputs, node.inputs)) if j != i]
        available = set(output).union(*(set(s) for s, _ in others))
        kept = "".join(c for c in subs if c in available)
        grad = einsum(",".join([output] + [s for s, _ in others]) + "->" + kept, g, *(t for _, t in others))
        if kept != subs:
            grad = broadcast_to(reshape(grad, [d if c in kept else 1 for c, d in zip(subs, x.shape)]), x.shape)
        grads.append(grad)
    return tuple(grads)




def tensordot(a, b, axes, name=None):
    """Sums the products of a's `axes[0]` and b's `axes[1]` (or a's last / b's first `axes` axes)."""
    a, b = binary_operands(a, b)
    if isinstance(axes, int):
        a_axes, b_axes = list(range(a.ndim - axes, a.ndim)), list(range(axes))
    else:
        a_axes, b_axes = ([axes[0]] if isinstance(axes[0], int) else list(axes[0]),
                          [axes[1]] if isinstance(axes[1], int) else list(axes[1]))
    a_axes, b_axes = [x % a.ndim for x in a_axes], [x % b.ndim for x in b_axes]
    letters = iter("abcdefghijklmnopqrstuvwxyz")
    a_subs = [next(letters) for _ in range(a.ndim)]
    b_subs = [next(letters) for _ in range(b.ndim)]
    for i, j in zip(a_axes, b_axes):
        b_subs[j] = a_subs[i]
    out = [s for i, s in enumerate(a_subs) if i not in a_axes] + [s for j, s in enumerate(b_subs) if j not in b_axes]
    return einsum(f"{''.join(a_subs)},{''.join(b_subs)}->{''.join(out)}", a, b)


def matvec(a, b, transpose_a=False, name=None):
    """Matrix-vector product over the last axes: a @ b[..., None], squeezed."""
    a, b = binary_operands(a, b)
    if transpose_a:
        a = transpose(a, list(range(a.ndim - 2)) + [a.ndim - 1, a.ndim - 2])
    from .array import expand_dims, squeeze
    return squeeze(matmul(a, expand_dims(b, -1)), -1)
