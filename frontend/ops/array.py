"""Data movement: broadcast_to, concat, slice, pad, reverse, gather primitives, and the ops composed from them
(expand_dims, squeeze, stack, unstack, split, tile, shape/size/rank)."""
from __future__ import annotations

import math

import numpy as np

from .. import dtypes as _dtypes
from ..core import bind, defgrad, defop
from ..errors import ShapeRuleError
from ..graph import TensorType
from ..tensor import Tensor, constant, convert_to_tensor
from .common import (broadcast_shapes, check_dtype, check_same_dtype, fail, normalize_axis,
                     require_int_list)
from .shape import reshape, unit_reshape
from .grad_helpers import scatter_slice, unbroadcast

__all__ = ["broadcast_to", "concat", "pad", "reverse", "gather", "expand_dims", "squeeze", "stack", "unstack",
           "split", "tile", "shape", "size", "rank", "strided_slice"]


def _axis_or_fail(op_name: str, axis, rank: int) -> int:
    try:
        return normalize_axis(int(axis), rank)
    except ShapeRuleError as error:
        fail(op_name, str(error))


# ------------------------------------------------------------------------------------------------- broadcast_to
def _broadcast_rule(x: TensorType, *, shape) -> TensorType:
    if len(shape) < x.rank or broadcast_shapes(x.shape, shape, names=("input", "shape")) != tuple(shape):
        raise ShapeRuleError(f"cannot broadcast shape {x.shape} to {tuple(shape)}; expected each input dimension to "
                             "be 1 or equal to the target's")
    return TensorType(shape, x.dtype)


_broadcast_to = defop("broadcast_to", infer=_broadcast_rule, impl=lambda x, *, shape: np.broadcast_to(x, shape).copy(),
                      attrs={"shape": "shape"}, sample_attrs={"shape": (3, 2, 2)},
                      doc="Repeats size-1 (and missing leading) dimensions to reach `shape` (numpy broadcasting).")


def broadcast_to(input, shape, name=None):  # noqa: A002 - TensorFlow's name
    x = convert_to_tensor(input)
    return bind(_broadcast_to, x, shape=tuple(require_int_list("broadcast_to: shape", shape)))


broadcast_to.op = _broadcast_to
defgrad(broadcast_to, lambda node, g: (unbroadcast(g, node.inputs[0]),))


# ------------------------------------------------------------------------------------------------------ concat
def _concat_rule(*xs: TensorType, axis) -> TensorType:
    if not xs:
        raise ShapeRuleError("expected at least one tensor to concatenate")
    dtype = check_same_dtype([f"values[{i}]" for i in range(len(xs))], xs)
    first = xs[0]
    for i, x in enumerate(xs[1:], 1):
        if x.rank != first.rank or any(a != b for j, (a, b) in enumerate(zip(x.shape, first.shape)) if j != axis):
            raise ShapeRuleError(f"values[0] has shape {first.shape} but values[{i}] has shape {x.shape}; expected "
                                 f"equal shapes except along axis {axis}")
    sizes = [x.shape[axis] for x in xs]
    total = None if None in sizes else sum(sizes)
    return TensorType(first.shape[:axis] + (total,) + first.shape[axis + 1:], dtype)


_concat = defop("concat", infer=_concat_rule, impl=lambda *xs, axis: np.concatenate(xs, axis=axis),
                attrs={"axis": "int"}, num_inputs=None, sample_attrs={"axis": 0},
                doc="Joins tensors along an existing axis.")


def concat(values, axis, name=None):
    """Concatenates a list of tensors along `axis` (negative counts from the end)."""
    tensors = [convert_to_tensor(v) for v in values]
    if not tensors:
        fail("concat", "expected a non-empty list of tensors")
    if len(tensors) == 1:
        return tensors[0]
    return bind(_concat, *tensors, axis=_axis_or_fail("concat", axis, tensors[0].ndim))


concat.op = _concat


@defgrad(concat)
def _concat_grad(node, g):
    """Each input gets its own stretch of g along the axis."""
    axis, start, grads = node.attrs["axis"], 0, []
    for x in node.inputs:
        begin = tuple(start if i == axis else 0 for i in range(g.ndim))
        grads.append(bind(_slice, g, begin=begin, size=tuple(x.shape), strides=(1,) * g.ndim))
        start += x.shape[axis]
    return tuple(grads)




# ------------------------------------------------------------------------------------------------------- slice
def _slice_rule(x: TensorType, *, begin, size, strides) -> TensorType:
    for axis, (b, n, s, d) in enumerate(zip(begin, size, strides, x.shape)):
        if s < 1 or b < 0 or n < 0 or (d is not None and n and b + (n - 1) * s >= d):
            raise ShapeRuleError(f"slice of axis {axis} (begin {b}, size {n}, stride {s}) is outside the "
                                 f"dimension of size {d}")
    return TensorType(size, x.dtype)


def _slice_impl(x, *, begin, size, strides):
    return x[tuple(slice(b, b + (n - 1) * s + 1 if n else b, s) for b, n, s in zip(begin, size, strides))]


_slice = defop("slice", infer=_slice_rule, impl=_slice_impl, attrs={"begin": "ints", "size": "ints", "strides": "ints"},
               sample_attrs={"begin": (0, 0), "size": (1, 2), "strides": (1, 1)},
               doc="`size` elements per axis starting at `begin`, every `strides`-th one (strides >= 1).")
defgrad(_slice, lambda node, g: (scatter_slice(g, node.inputs[0], node.attrs['begin'], node.attrs['strides']),))


def _reverse_rule(x: TensorType, *, axes) -> TensorType:
    return x


_reverse = defop("reverse", infer=_reverse_rule, impl=lambda x, *, axes: np.flip(x, tuple(axes)),
                 attrs={"axes": "ints"}, sample_attrs={"axes": (0,)}, doc="Reverses the order along `axes`.")


def reverse(tensor, axis, name=None):
    x = convert_to_tensor(tensor)
    axes = sorted({_axis_or_fail("reverse", a, x.ndim) for a in require_int_list("reverse: axis", axis)})
    return bind(_reverse, x, axes=tuple(axes)) if axes else x


reverse.op = _reverse
defgrad(reverse, lambda node, g: (bind(_reverse, g, axes=node.attrs['axes']),))


def strided_slice(x, key):
    """Python indexing (`x[key]`): ints, slices (negative steps too), `...`, None; bool masks when eager."""
    x = convert_to_tensor(x)
    key = key if isinstance(key, tuple) else (key,)
    if any(isinstance(k, (Tensor, np.ndarray)) and np.dtype(getattr(k.dtype, "np", k.dtype)) == np.bool_
           for k in key):
        if x.is_symbolic or any(isinstance(k, Tensor) and k.is_symbolic for k in key):
            from ..errors import TfcTypeError, user_location
            raise TfcTypeError("indexing with a boolean mask has a data-dependent shape and cannot be traced; use "
                               "tfc.where(mask, x, y) inside tfc.function", location=user_location())
        return constant(x.numpy()[tuple(np.asarray(k) if isinstance(k, Tensor) else k for k in key)])
    # Identity tests only: `in`/`index` would compare with ==, which is elementwise on tensors.
    if sum(k is Ellipsis for k in key) > 1:
        fail("strided_slice", "an index can only have a single ellipsis ('...')")
    consumed = sum(k is not None and k is not Ellipsis for k in key)
    if consumed > x.ndim:
        fail("strided_slice", f"too many indices ({consumed}) for a tensor of rank {x.ndim}")
    if not any(k is Ellipsis for k in key):
        key = key + (Ellipsis,)
    at = next(i for i, k in enumerate(key) if k is Ellipsis)
    key = key[:at] + (slice(None),) * (x.ndim - consumed) + key[at + 1:]
    if any(isinstance(k, Tensor) and k.is_symbolic for k in key):
        return _index_with_tensors(x, key)
    begin, size, strides, flipped, out_shape = [], [], [], [], []
    axis = 0
    for k in key:
        if k is None:
            out_shape.append(1)
            continue
        dim = x.shape[axis]
        if dim is None:
            fail("strided_slice", f"indexing axis {axis}, whose size is unknown until run time, is not supported")
        if isinstance(k, slice):
            start, stop, step = k.indices(dim)
            count = len(range(start, stop, step))
            if step < 0:
                flipped.append(axis)
                start, step = dim - 1 - start, -step
            begin.append(start if count else 0)
            size.append(count)
            strides.append(step)
            out_shape.append(count)
        else:
            if isinstance(k, Tensor) and k.is_symbolic:
                fail("strided_slice", "a symbolic tensor index is not supported; use tfc.gather")
            index = int(k.__index__() if hasattr(k, "__index__") else k)
            if not -dim <= index < dim:
                fail("strided_slice", f"index {index} is out of bounds for axis {axis} with size {dim}")
            begin.append(index % dim)
            size.append(1)
            strides.append(1)
        axis += 1
    if flipped:
        x = bind(_reverse, x, axes=tuple(flipped))
    if (tuple(begin), tuple(size)) != ((0,) * x.ndim, tuple(x.shape)) or any(s != 1 for s in strides):
        x = bind(_slice, x, begin=tuple(begin), size=tuple(size), strides=tuple(strides))
    return x if tuple(x.shape) == tuple(out_shape) else reshape(x, out_shape)


strided_slice.op = _slice


def _index_with_tensors(x, key):
    """`x[..., i, ...]` with scalar integer tensors known only at run time: the static parts slice first, then
    each tensor index gathers along the axis it addresses (from the last, so earlier axes keep their place);
    negative indices count from the end, and out-of-range ones raise like gather's."""
    from .logic import where
    static = tuple(slice(None) if isinstance(k, Tensor) and k.is_symbolic else k for k in key)
    result = strided_slice(x, static)
    picks, out_axis, in_axis = [], 0, 0
    for k in key:
        if isinstance(k, Tensor) and k.is_symbolic:
            if k.ndim != 0 or not k.dtype.is_integer:
                fail("strided_slice", f"a tensor index must be a scalar integer, got {k.dtype.name}{list(k.shape)}")
            picks.append((out_axis, k, x.shape[in_axis]))
        if k is None or isinstance(k, slice) or (isinstance(k, Tensor) and k.is_symbolic):
            out_axis += 1
        if k is not None:
            in_axis += 1
    for axis, index, size in reversed(picks):
        result = gather(result, where(index < 0, index + size, index), axis=axis)
    return result


# --------------------------------------------------------------------------------------------------------- pad
def _pad_rule(x: TensorType, value: TensorType, *, paddings) -> TensorType:
    check_same_dtype(("tensor", "constant_values"), (x, value))
    if value.rank != 0:
        raise ShapeRuleError(f"constant_values must be a scalar, got shape {value.shape}")
    if len(paddings) != 2 * x.rank or min(paddings, default=0) < 0:
        raise ShapeRuleError(f"paddings must be [rank, 2] = [{x.rank}, 2] non-negative sizes, got {list(paddings)}")
    shape = tuple(None if d is None else d + paddings[2 * i] + paddings[2 * i + 1] for i, d in enumerate(x.shape))
    return TensorType(shape, x.dtype)


def _pad_impl(x, value, *, paddings):
    pairs = [(paddings[2 * i], paddings[2 * i + 1]) for i in range(x.ndim)]
    return np.pad(x, pairs, mode="constant", constant_values=value)


_pad = defop("pad", infer=_pad_rule, impl=_pad_impl, attrs={"paddings": "ints"}, num_inputs=2,
             sample_attrs={"paddings": (1, 0, 0, 2)},
             sample_types=lambda dtype: [TensorType((2, 2), dtype), TensorType((), dtype)],
             doc="Surrounds the tensor with `constant_values`: paddings (flattened [rank, 2]) before/after each axis.")


def pad(tensor, paddings, mode="CONSTANT", constant_values=0, name=None):
    """Pads each axis by paddings[axis] = [before, after] items: with `constant_values` (mode CONSTANT), or with
    the tensor mirrored at its edges, the edge itself excluded (REFLECT: [1 2 3] padded by 2 gives 3 2 [1 2 3] 2 1;
    each padding < the axis size) or included (SYMMETRIC: 2 1 [1 2 3] 3 2; each padding <= the axis size)."""
    x = convert_to_tensor(tensor)
    mode = str(mode).upper()
    if mode not in ("CONSTANT", "REFLECT", "SYMMETRIC"):
        fail("pad", f"mode {mode!r} is not one of 'CONSTANT', 'REFLECT', 'SYMMETRIC'")
    rows = np.asarray(paddings.numpy() if isinstance(paddings, Tensor) else paddings, dtype=np.int64)
    if rows.shape != (x.ndim, 2):
        fail("pad", f"paddings must have shape [{x.ndim}, 2], got {list(rows.shape)}")
    if mode != "CONSTANT":
        return _mirror_pad(x, rows, mode)
    value = convert_to_tensor(constant_values, dtype=x.dtype)
    return bind(_pad, x, value, paddings=tuple(int(v) for v in rows.reshape(-1)))


def _mirror_pad(x: Tensor, rows: np.ndarray, mode: str) -> Tensor:
    """REFLECT / SYMMETRIC padding composed from slice, reverse and concat, one axis at a time; their gradients
    make the gradient fold the mirrored parts back onto the items they copy."""
    skip = 1 if mode == "REFLECT" else 0  # REFLECT mirrors around the edge item, SYMMETRIC repeats it
    for axis, (before, after) in enumerate(rows.tolist()):
        if before < 0 or after < 0:
            fail("pad", f"paddings must be non-negative, got {before}, {after} for axis {axis}")
        if before == after == 0:
            continue
        size = x.shape[axis]
        if size is None:
            fail("pad", f"mode {mode} needs a static size of axis {axis} (dynamic-shapes gap)")
        if max(before, after) > size - skip:
            limit, broken = ("less than", "not less than") if skip else ("no greater than", "greater than")
            fail("pad", f"paddings must be {limit} the dimension size: {before}, {after} {broken} {size} "
                        f"(axis {axis}, mode {mode})")
        parts = []
        if before:
            parts.append(bind(_reverse, _axis_slice(x, axis, skip, before), axes=(axis,)))
        parts.append(x)
        if after:
            parts.append(bind(_reverse, _axis_slice(x, axis, size - skip - after, after), axes=(axis,)))
        x = bind(_concat, *parts, axis=axis)
    return x


def _axis_slice(x: Tensor, axis: int, start: int, length: int) -> Tensor:
    begin = [0] * x.ndim
    size = list(x.shape)
    begin[axis], size[axis] = start, length
    return bind(_slice, x, begin=tuple(begin), size=tuple(size), strides=(1,) * x.ndim)


pad.op = _pad


@defgrad(pad)
def _pad_grad(node, g):
    """The input's gradient is g without the padding; the padding value's is the sum over the padding."""
    x, value = node.inputs
    paddings = node.attrs["paddings"]
    inner = bind(_slice, g, begin=tuple(paddings[0::2]), size=tuple(x.shape), strides=(1,) * x.ndim)
    from .reductions import reduce_sum
    return inner, (reduce_sum(g) - reduce_sum(inner)) if node.needs[1] else None




# ------------------------------------------------------------------------------------------------------ gather
def _gather_rule(params: TensorType, indices: TensorType, *, axis) -> TensorType:
    check_dtype("indices", indices, (_dtypes.int32, _dtypes.int64))
    if not 0 <= axis < params.rank:
        raise ShapeRuleError(f"axis {axis} is out of range for params of rank {params.rank}")
    return TensorType(params.shape[:axis] + indices.shape + params.shape[axis + 1:], params.dtype)


def _gather_impl(params, indices, *, axis):
    if indices.size and (indices.min() < 0 or indices.max() >= params.shape[axis]):
        bad = indices[(indices < 0) | (indices >= params.shape[axis])].flat[0]
        fail("gather", f"indices contains {bad}, which is not in [0, {params.shape[axis]})")
    return np.take(params, indices, axis=axis)


_gather = defop("gather", infer=_gather_rule, impl=_gather_impl, attrs={"axis": "int"}, num_inputs=2,
                sample_attrs={"axis": 0},
                sample_types=lambda dtype: [TensorType((2, 2), dtype), TensorType((3,), _dtypes.int32)],
                doc="Slices of params along `axis` at `indices` (out-of-range indices raise InvalidArgumentError; in "
                    "compiled code after the call, by a run-time check).")


def gather(params, indices, validate_indices=None, axis=None, batch_dims=0, name=None):
    params, indices = convert_to_tensor(params), convert_to_tensor(indices)
    if batch_dims:
        fail("gather", "batch_dims other than 0 are not supported yet")
    axis = _axis_or_fail("gather", axis or 0, params.ndim)
    size = params.shape[axis]
    # Compiled code clamps indices; a run-time check raises like the eager implementation (frontend/checks.py).
    # Indices known while tracing need none unless one is out of range.
    if indices.is_symbolic or (indices._value.size and not (0 <= indices._value.min() <= indices._value.max() < size)):
        from ..checks import require
        from .logic import greater_equal, less, logical_and
        from .reductions import reduce_all
        require(lambda: reduce_all(logical_and(greater_equal(indices, 0), less(indices, size))),
                f"tfc.gather: an index is not in [0, {size})")
    return bind(_gather, params, indices, axis=axis)


gather.op = _gather


@defgrad(gather)
def _gather_grad(node, g):
    """A scatter-add of g into params' shape, as one matmul with one-hot rows (no scatter op needed)."""
    from .creation import one_hot
    from .linalg import matmul
    from .shape import reshape, transpose
    params, indices = node.inputs
    axis = node.attrs["axis"]
    lead, trail = int(np.prod(params.shape[:axis])), int(np.prod(params.shape[axis + 1:]))
    count = int(np.prod(indices.shape))
    hot = one_hot(reshape(indices, [count]), params.shape[axis], dtype=g.dtype)    # (count, n)
    summed = matmul(transpose(hot), reshape(g, [lead, count, trail]))             # (lead, n, trail)
    return reshape(summed, params.shape), None




# ------------------------------------------------------------------------------------------------ composed ops
def expand_dims(input, axis, name=None):  # noqa: A002
    """Inserts a size-1 dimension at `axis` (-1 appends)."""
    x = convert_to_tensor(input)
    axis = _axis_or_fail("expand_dims", axis, x.ndim + 1)
    return unit_reshape(x, list(x.shape[:axis]) + [1] + list(x.shape[axis:]))


def squeeze(input, axis=None, name=None):  # noqa: A002
    """Removes size-1 dimensions (all of them, or those in `axis`)."""
    x = convert_to_tensor(input)
    if axis is None:
        axes = {i for i, d in enumerate(x.shape) if d == 1}
    else:
        axes = {_axis_or_fail("squeeze", a, x.ndim) for a in require_int_list("squeeze: axis", axis)}
        for a in axes:
            if x.shape[a] != 1:
                fail("squeeze", f"cannot squeeze axis {a} of shape {tuple(x.shape)}: expected size 1, got {x.shape[a]}")
    return unit_reshape(x, [d for i, d in enumerate(x.shape) if i not in axes])


def stack(values, axis=0, name=None):
    """Stacks same-shaped tensors along a new axis."""
    tensors = [convert_to_tensor(v) for v in values]
    if not tensors:
        fail("stack", "expected a non-empty list of tensors")
    axis = _axis_or_fail("stack", axis, tensors[0].ndim + 1)
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            fail("stack", f"values[0] has shape {tuple(tensors[0].shape)} but values[{i}] has shape {tuple(t.shape)}")
    expanded = [expand_dims(t, axis) for t in tensors]
    return expanded[0] if len(expanded) == 1 else bind(_concat, *expanded, axis=axis)


def unstack(value, num=None, axis=0, name=None):
    """Splits along `axis` into a list of tensors of one rank less."""
    x = convert_to_tensor(value)
    axis = _axis_or_fail("unstack", axis, x.ndim)
    key = (slice(None),) * axis
    return [strided_slice(x, key + (i,)) for i in range(x.shape[axis])]


def split(value, num_or_size_splits, axis=0, num=None, name=None):
    """Splits along `axis` into equal parts (an int) or parts of the given sizes (a list; one may be -1)."""
    x = convert_to_tensor(value)
    axis = _axis_or_fail("split", axis, x.ndim)
    dim = x.shape[axis]
    if isinstance(num_or_size_splits, int) and not isinstance(num_or_size_splits, bool):
        if num_or_size_splits <= 0 or dim % num_or_size_splits:
            fail("split", f"cannot split a dimension of size {dim} into {num_or_size_splits} equal parts")
        sizes = [dim // num_or_size_splits] * num_or_size_splits
    else:
        sizes = require_int_list("split: num_or_size_splits", num_or_size_splits)
        if sizes.count(-1) == 1:
            sizes[sizes.index(-1)] = dim - (sum(sizes) + 1)
        if sum(sizes) != dim or min(sizes) < 0:
            fail("split", f"sizes {sizes} do not add up to the dimension's size {dim}")
    parts, start = [], 0
    for n in sizes:
        key = (slice(None),) * axis + (slice(start, start + n),)
        parts.append(strided_slice(x, key))
        start += n
    return parts


def tile(input, multiples, name=None):  # noqa: A002
    """Repeats the tensor `multiples[i]` times along axis i (a reshape, a broadcast and a reshape)."""
    x = convert_to_tensor(input)
    reps = require_int_list("tile: multiples", multiples)
    if len(reps) != x.ndim or min(reps, default=0) < 0:
        fail("tile", f"multiples must hold {x.ndim} non-negative ints, got {reps}")
    interleaved = [v for d in x.shape for v in (1, d)]
    target = [v for r, d in zip(reps, x.shape) for v in (r, d)]
    tiled = broadcast_to(reshape(x, interleaved), target)
    return reshape(tiled, [r * d for r, d in zip(reps, x.shape)])


def shape(input, out_type=_dtypes.int32, name=None):  # noqa: A002
    """The shape as an int32 (or int64) tensor: a constant in traced code, unless a dimension is known only at
    run time (input_signature with None), which is then read when the function runs."""
    from .shape import shape_of
    return shape_of(input, out_type)


def size(input, out_type=_dtypes.int32, name=None):  # noqa: A002
    x = convert_to_tensor(input)
    return constant(np.array(math.prod(x.shape), dtype=_dtypes.as_dtype(out_type).np))


def rank(input, name=None):  # noqa: A002
    return constant(np.int32(convert_to_tensor(input).ndim))


