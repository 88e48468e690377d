"""Rules shared by many ops: broadcasting, dtype checks, converting Python operands, normalizing axes."""
from __future__ import annotations

from typing import Iterable, Sequence

from .. import dtypes as _dtypes
from ..errors import DTypeRuleError, ShapeRuleError, TfcTypeError, user_location
from ..graph import TensorType
from ..tensor import Tensor, convert_to_tensor

FLOATING = tuple(d for d in _dtypes.ALL if d.is_floating)
INTEGER = tuple(d for d in _dtypes.ALL if d.is_integer)
NUMERIC = FLOATING + INTEGER
ALL = _dtypes.ALL


def dtype_names(allowed: Iterable[_dtypes.DType]) -> str:
    return ", ".join(d.name for d in allowed)


def check_dtype(what: str, type: TensorType, allowed: Sequence[_dtypes.DType]) -> None:
    if type.dtype not in allowed:
        raise DTypeRuleError(f"{what} has dtype {type.dtype.name}, expected one of: {dtype_names(allowed)}")


def check_same_dtype(names: Sequence[str], types: Sequence[TensorType]) -> _dtypes.DType:
    first = types[0].dtype
    for name, t in zip(names[1:], types[1:]):
        if t.dtype != first:
            raise DTypeRuleError(f"{names[0]} is {first.name} but {name} is {t.dtype.name}; tfc (like TensorFlow) "
                                 f"does not convert between tensor dtypes implicitly: use tfc.cast")
    return first


def broadcast_dim(a: int | None, b: int | None) -> int | None:
    if a == 1:
        return b
    if b == 1 or a == b:
        return a
    if a is None or b is None:
        return a if b is None else b
    return -1  # incompatible


def broadcast_shapes(*shapes: Sequence[int | None] | None, names: Sequence[str] = ("x", "y")) -> tuple | None:
    """numpy broadcasting of static shapes (None = run-time size); raises ShapeRuleError on a mismatch. A shape
    of unknown rank (None) makes the result's rank unknown (None): checked once the ranks are known."""
    if any(s is None for s in shapes):
        return None
    rank = max((len(s) for s in shapes), default=0)
    result = [1] * rank
    for shape in shapes:
        padded = (1,) * (rank - len(shape)) + tuple(shape)
        for i, d in enumerate(padded):
            merged = broadcast_dim(result[i], d)
            if merged == -1:
                pretty = " and ".join(f"{n} has shape {tuple(s)}" for n, s in zip(names, shapes))
                raise ShapeRuleError(f"incompatible shapes for broadcasting: {pretty}; dimension {i - rank} is "
                                     f"{result[i]} vs {d}, expected equal sizes or 1")
            result[i] = merged
    return tuple(result)


def binary_operands(x, y) -> tuple[Tensor, Tensor]:
    """Converts a binary op's operands: a non-tensor operand adopts the tensor operand's dtype (TF's rule)."""
    if type(x) is Tensor:  # the common cases: nothing to convert, or `x * 0.5`
        if type(y) is Tensor:
            return x, y
        if y.__class__ is float or y.__class__ is int:
            return x, _adopt(y, x.type.dtype)
    if isinstance(x, Tensor) or hasattr(x, "_as_tensor"):
        x = convert_to_tensor(x)
        return x, _adopt(y, x.dtype)
    if isinstance(y, Tensor) or hasattr(y, "_as_tensor"):
        y = convert_to_tensor(y)
        return _adopt(x, y.dtype), y
    x = convert_to_tensor(x)
    return x, _adopt(y, x.dtype)


# (Python scalar, dtype) -> a Tensor holding it as a read-only 0-d array: `x * 0.5` in an eager loop converts
# 0.5 once (~0.6 us per op). Only operands adopting a tensor's floating dtype are cached; these tensors never reach
# the user (tfc.constant and convert_to_tensor make fresh, writable ones). Zeros are left out: -0.0 == 0.0 would
# share an entry (and NaN never finds its own).
_SCALAR_OPERANDS: dict = {}
cached_scalar_operand = _SCALAR_OPERANDS.get  # (value, dtype) -> the Tensor, or None: the eager ops' first look


def _adopt(value, dtype: _dtypes.DType) -> Tensor:
    cls = value.__class__
    if (cls is float or cls is int) and dtype.is_floating and value == value and value != 0:
        key = (value, dtype)
        tensor = _SCALAR_OPERANDS.get(key)
        if tensor is None:
            tensor = convert_to_tensor(value, dtype=dtype)
            tensor._value.flags.writeable = False
            if len(_SCALAR_OPERANDS) > 1024:
                _SCALAR_OPERANDS.clear()
            _SCALAR_OPERANDS[key] = tensor
        return tensor
    if isinstance(value, Tensor) or hasattr(value, "_as_tensor"):
        return convert_to_tensor(value)
    return convert_to_tensor(value, dtype=dtype)


def normalize_axis(axis: int, rank: int, what: str = "axis") -> int:
    if not -rank <= axis < max(rank, 1) or (rank == 0 and axis not in (0, -1)):
        raise ShapeRuleError(f"{what} {axis} is out of range for a tensor of rank {rank}; expected "
                             f"{-rank} <= {what} < {rank}")
    return axis % rank if rank else 0


def normalize_axes(axis, rank: int | None) -> tuple[int, ...] | None:
    """Sorted, unique, non-negative axes from None (all), an int, or a list of ints (negatives allowed). For an
    unknown rank (None): the axes as given (None for all), resolved per rank when the graph is specialized."""
    if isinstance(axis, Tensor):
        axis = axis.numpy().tolist()
    if rank is None:
        return None if axis is None else tuple(int(a) for a in ([axis] if hasattr(axis, "__index__") else axis))
    if axis is None:
        return tuple(range(rank))
    items = [axis] if isinstance(axis, int) or hasattr(axis, "__index__") else list(axis)
    axes = sorted({normalize_axis(int(a), rank) for a in items}) if rank else []
    if rank == 0 and items:
        for a in items:
            normalize_axis(int(a), rank)
    return tuple(axes)


def require_int_list(what: str, value) -> list[int]:
    if isinstance(value, Tensor):
        if value.is_symbolic:
            raise TfcTypeError(f"{what} must be known while tracing (a Python list or an eager tensor), "
                               "not a symbolic tensor", location=user_location())
        value = value.numpy().tolist()
    try:
        items = [value] if isinstance(value, int) else list(value)
        return [int(v) for v in items]
    except (TypeError, ValueError):
        raise TfcTypeError(f"{what} must be a list of integers, got {value!r}", location=user_location()) from None


def fail(op_name: str, message: str):
    """Raises a shape/argument error found by an op's Python API, with TensorFlow's class for the mode."""
    from ..core import executing_eagerly
    from ..errors import InvalidArgumentError, TfcValueError

    cls = InvalidArgumentError if executing_eagerly() else TfcValueError
    raise cls(f"tfc.{op_name}: {message}", location=user_location())


def resolve_axes(x: TensorType, *, axes, keepdims) -> dict:
    """The `any_rank` resolver of reductions: `axes` given for an unknown rank, normalized for x's rank."""
    return {"axes": normalize_axes(axes, x.rank), "keepdims": keepdims}


def axes_or_fail(op_name: str, axis, rank: int | None) -> tuple[int, ...] | None:
    try:
        return normalize_axes(axis, rank)
    except ShapeRuleError as error:
        fail(op_name, str(error))
