"""Reductions over axes."""
from __future__ import annotations

import numpy as np

from ..core import NOT_DIFFERENTIABLE, bind, defgrad, defop
from ..errors import ShapeRuleError
from ..graph import TensorType
from ..tensor import convert_to_tensor
from .. import dtypes as _dtypes
from .common import NUMERIC, axes_or_fail, check_dtype, fail, normalize_axis, resolve_axes
from .grad_helpers import broadcast_like, kept_axes

__all__ = ["reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod", "reduce_all", "reduce_any",
           "reduce_logsumexp", "argmax", "argmin", "cumsum"]

_REDUCE_SAMPLE = {"axes": (0,), "keepdims": False}


def _reduced_type(x: TensorType, axes, keepdims: bool) -> TensorType:
    if x.rank is None:  # axes as given (None: all); reducing every axis away gives a scalar whatever the rank
        return TensorType((), x.dtype) if axes is None and not keepdims else TensorType(None, x.dtype)
    if keepdims:
        shape = tuple(1 if i in axes else d for i, d in enumerate(x.shape))
    else:
        shape = tuple(d for i, d in enumerate(x.shape) if i not in axes)
    return TensorType(shape, x.dtype)


def _accumulator(x: np.ndarray):
    """float16 sums and products run in float32 and round once (bfloat16 arrives widened to float32 already), as
    the compiled code does; numpy would round every step along a strided axis."""
    return np.float32 if x.dtype == np.float16 else x.dtype


def _sum_rule(x: TensorType, *, axes, keepdims) -> TensorType:
    check_dtype("input_tensor", x, NUMERIC)
    # The Python API normalizes axes; IR read from text (tfc-opt) may not be.
    if x.rank is not None and (list(axes) != sorted(set(axes)) or any(not 0 <= a < x.rank for a in axes)):
        raise ShapeRuleError(f"axes {list(axes)} must be sorted, unique and in [0, {x.rank}) for a tensor of "
                             f"rank {x.rank}")
    return _reduced_type(x, axes, keepdims)


_reduce_sum = defop("reduce_sum", infer=_sum_rule,
                    impl=lambda x, *, axes, keepdims: np.sum(x, axis=tuple(axes), keepdims=keepdims,
                                                             dtype=_accumulator(x)).astype(x.dtype),
                    attrs={"axes": "ints", "keepdims": "bool"}, num_inputs=1, sample_attrs=_REDUCE_SAMPLE,
                    any_rank=resolve_axes,
                    doc="Sum over `axes` (all axes when axis=None); keepdims keeps them as size 1.")


@defgrad(_reduce_sum)
def _reduce_sum_grad(node, g):
    """Every summed element receives the gradient of its sum: g with the axes kept, repeated along them."""
    x = node.inputs[0]
    return (broadcast_like(kept_axes(g, x, node.attrs["axes"]), x),)


def reduce_sum(input_tensor, axis=None, keepdims=False, name=None):
    """Sum of elements across `axis` (an int, a list of ints, negatives allowed, or None for all axes).

    >>> tfc.reduce_sum(tfc.constant([[1, 2], [3, 4]]), axis=0).numpy()
    array([4, 6], dtype=int32)
    """
    x = convert_to_tensor(input_tensor)
    axes = axes_or_fail("reduce_sum", axis, x.type.rank)
    return bind(_reduce_sum, x, axes=axes, keepdims=bool(keepdims))


reduce_sum.op = _reduce_sum



def _identity_of(dtype: np.dtype, largest: bool):
    """The identity of max (largest=False: the smallest value) or min over `dtype`."""
    if dtype.kind == "f":
        return np.inf if largest else -np.inf
    if dtype.kind == "b":
        return largest
    info = np.iinfo(dtype)
    return info.max if largest else info.min


def _max_impl(x, *, axes, keepdims):
    return np.max(x, axis=tuple(axes), keepdims=keepdims, initial=_identity_of(x.dtype, False))


def _min_impl(x, *, axes, keepdims):
    return np.min(x, axis=tuple(axes), keepdims=keepdims, initial=_identity_of(x.dtype, True))


def _mean_impl(x, *, axes, keepdims):
    count = int(np.prod([x.shape[a] for a in axes], dtype=np.int64))
    total = np.sum(x, axis=tuple(axes), keepdims=keepdims, dtype=_accumulator(x))
    if x.dtype.kind == "f":
        with np.errstate(invalid="ignore", divide="ignore"):
            return (total / total.dtype.type(count)).astype(x.dtype)
    if count == 0:
        return np.zeros_like(total)
    quotient = total // count  # floors; TensorFlow truncates toward zero
    return (quotient + ((total % count != 0) & (total < 0))).astype(x.dtype)


def _reduction(name: str, impl, allowed, doc: str):
    def infer(x: TensorType, *, axes, keepdims) -> TensorType:
        check_dtype("input_tensor", x, allowed)
        return _reduced_type(x, axes, keepdims)
    op = defop(name, infer=infer, impl=impl, attrs={"axes": "ints", "keepdims": "bool"}, num_inputs=1,
               sample_attrs=_REDUCE_SAMPLE, doc=doc, any_rank=resolve_axes)

    def api(input_tensor, axis=None, keepdims=False, name=None):
        x = convert_to_tensor(input_tensor)
        return bind(op, x, axes=axes_or_fail(op.name, axis, x.type.rank), keepdims=bool(keepdims))
    api.__name__ = api.__qualname__ = name
    api.__doc__ = doc + " `axis`: an int, a list of ints (negatives allowed) or None for all axes."
    api.op = op
    return api


reduce_mean = _reduction("reduce_mean", _mean_impl, NUMERIC,
                         "Mean over `axes`; an integer mean truncates toward zero, as TensorFlow.")


@defgrad(reduce_mean)
def _reduce_mean_grad(node, g):
    x, axes = node.inputs[0], node.attrs["axes"]
    spread = broadcast_like(kept_axes(g, x, axes), x)
    if all(x.shape[a] is not None for a in axes):
        return (spread / float(max(int(np.prod([x.shape[a] for a in axes])), 1)),)
    from .elementwise import cast
    from .math_ops import maximum
    from .shape import shape_of
    sizes = shape_of(x)
    count = float(np.prod([x.shape[a] for a in axes if x.shape[a] is not None]))
    for a in axes:  # the number of averaged elements, known at run time
        if x.shape[a] is None:
            count = count * cast(sizes[a], x.dtype)
    return (spread / maximum(count, 1),)


reduce_max = _reduction("reduce_max", _max_impl, NUMERIC, "Maximum over `axes` (-inf for an empty float reduction).")


def _extremum_grad(node, g):
    """g shared equally by the elements equal to the extremum (TensorFlow's rule for ties)."""
    from .elementwise import cast
    from .logic import equal
    (x,), (out,), axes = node.inputs, node.outputs, node.attrs["axes"]
    hits = cast(equal(x, kept_axes(out, x, axes)), x.dtype)
    return (hits * (kept_axes(g, x, axes) / reduce_sum(hits, axis=list(axes), keepdims=True)),)


defgrad(reduce_max, _extremum_grad)


reduce_min = _reduction("reduce_min", _min_impl, NUMERIC, "Minimum over `axes` (+inf for an empty float reduction).")
defgrad(reduce_min, _extremum_grad)
reduce_prod = _reduction("reduce_prod", lambda x, *, axes, keepdims: np.prod(x, axis=tuple(axes), keepdims=keepdims,
                                                                            dtype=_accumulator(x)).astype(x.dtype),
                         NUMERIC, "Product over `axes`.")


@defgrad(reduce_prod)
def _reduce_prod_grad(node, g):
    """d prod / d x_i is the product of the other elements, also where inputs are 0: with no zero in the reduced
    group it is prod / x_i; with exactly one zero it is the product of the nonzeros at that zero and 0 elsewhere;
    with more zeros it is 0 everywhere (TensorFlow's values, without its cumprod construction)."""
    from .elementwise import cast
    from .logic import equal, logical_and, where
    (x,), axes = node.inputs, node.attrs["axes"]
    is_zero = equal(x, 0)
    nonzero = where(is_zero, 1, x)
    product_of_nonzeros = kept_axes(bind(reduce_prod.op, nonzero, axes=axes, keepdims=False), x, axes)
    zeros = kept_axes(bind(reduce_sum.op, cast(is_zero, x.dtype), axes=axes, keepdims=False), x, axes)
    others = where(equal(zeros, 0), product_of_nonzeros / nonzero,
                   where(logical_and(equal(zeros, 1), is_zero), product_of_nonzeros, 0))
    return (kept_axes(g, x, axes) * others,)


reduce_all = _reduction("reduce_all", lambda x, *, axes, keepdims: np.all(x, axis=tuple(axes), keepdims=keepdims),
                        (_dtypes.bool,), "Logical AND over `axes` of a bool tensor.")
defgrad(reduce_all, NOT_DIFFERENTIABLE)
reduce_any = _reduction("reduce_any", lambda x, *, axes, keepdims: np.any(x, axis=tuple(axes), keepdims=keepdims),
                        (_dtypes.bool,), "Logical OR over `axes` of a bool tensor.")
defgrad(reduce_any, NOT_DIFFERENTIABLE)


def reduce_logsumexp(input_tensor, axis=None, keepdims=False, name=None):
    """log(sum(exp(x))) over `axis`, computed stably: the maximum is subtracted first (inf-safe)."""
    from .logic import where
    from .math_ops import is_finite
    from .elementwise import exp, log
    from .shape import unit_reshape

    x = convert_to_tensor(input_tensor)
    raw_max = reduce_max(x, axis, keepdims=True)
    shift = where(is_finite(raw_max), raw_max, 0)
    result = log(reduce_sum(exp(x - shift), axis, keepdims=True)) + shift
    if keepdims:
        return result
    axes = axes_or_fail("reduce_logsumexp", axis, x.ndim)
    return unit_reshape(result, [d for i, d in enumerate(x.shape) if i not in axes])


# ------------------------------------------------------------------------------------------------ arg reductions
def _arg_rule(x: TensorType, *, axis) -> TensorType:
    check_dtype("input", x, NUMERIC)
    if x.rank is None:
        return TensorType(None, _dtypes.int64)
    if x.shape[axis] == 0:
        raise ShapeRuleError(f"Reduction axis {axis} is empty in shape {x.shape}; expected a non-empty axis")
    return TensorType(x.shape[:axis] + x.shape[axis + 1:], _dtypes.int64)


def _resolve_axis(x: TensorType, *, axis) -> dict:
    if x.rank == 0:
        raise ShapeRuleError("expected a tensor of rank >= 1, got a scalar")
    return {"axis": normalize_axis(axis, x.rank)}


def _arg_op(name: str, numpy_fn, doc: str):
    op = defop(name, infer=_arg_rule, impl=lambda x, *, axis: numpy_fn(x, axis=axis).astype(np.int64),
               attrs={"axis": "int"}, num_inputs=1, sample_attrs={"axis": 0}, doc=doc, any_rank=_resolve_axis)

    def api(input, axis=None, output_type=_dtypes.int64, name=None):  # noqa: A002 - TensorFlow's name
        x = convert_to_tensor(input)
        axis_ = 0 if axis is None else int(axis)
        if x.type.rank is not None:  # else resolved per rank (_resolve_axis)
            try:
                axis_ = _resolve_axis(x.type, axis=axis_)["axis"]
            except ShapeRuleError as error:
                fail(op.name, str(error))
        result = bind(op, x, axis=axis_)
        from .elementwise import cast
        return cast(result, output_type)
    api.__name__ = api.__qualname__ = name
    api.__doc__ = doc
    api.op = op
    return api


argmax = _arg_op("argmax", np.argmax, "Index (int64) of the largest value along `axis` (the first one on ties; "
                 "the first nan wins).")
defgrad(argmax, NOT_DIFFERENTIABLE)
argmin = _arg_op("argmin", np.argmin, "Index (int64) of the smallest value along `axis` (the first one on ties; "
                 "the first nan wins).")
defgrad(argmin, NOT_DIFFERENTIABLE)


def _cumsum_impl(x, *, axis, exclusive, reverse):
    if reverse:
        x = np.flip(x, axis)
    # float16 sums run in float32 and round once (bfloat16 arrives here already widened), as compiled code does
    result = np.cumsum(x, axis=axis, dtype=_accumulator(x)).astype(x.dtype)
    if exclusive:
        result = np.concatenate([np.zeros_like(np.take(result, [0], axis=axis)),
                                 np.take(result, range(result.shape[axis] - 1), axis=axis)], axis=axis) \
            if result.shape[axis] else result
    return np.flip(result, axis) if reverse else result


def _cumsum_rule(x: TensorType, *, axis, exclusive, reverse) -> TensorType:
    check_dtype("x", x, NUMERIC)
    return x


_cumsum = defop("cumsum", infer=_cumsum_rule, impl=_cumsum_impl,
                attrs={"axis": "int", "exclusive": "bool", "reverse": "bool"}, num_inputs=1,
                sample_attrs={"axis": 0, "exclusive": False, "reverse": False},
                doc="Running sum along `axis`; `exclusive` leaves out the element itself, `reverse` runs backwards.")


def cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    """Cumulative sum along `axis` (TensorFlow's exclusive/reverse flags)."""
    x = convert_to_tensor(x)
    if x.ndim == 0:
        fail("cumsum", "expected a tensor of rank >= 1, got a scalar")
    try:
        axis_ = normalize_axis(int(axis), x.ndim)
    except ShapeRuleError as error:
        fail("cumsum", str(error))
    return bind(_cumsum, x, axis=axis_, exclusive=bool(exclusive), reverse=bool(reverse))


cumsum.op = _cumsum
# The gradient of a running sum is the running sum of g in the other direction.
defgrad(cumsum, lambda node, g: (cumsum(g, node.attrs["axis"], node.attrs["exclusive"], not node.attrs["reverse"]),))
