"""`tfc.Tensor`: an eager value (a numpy array) or, while tracing, a symbolic graph value.

Both kinds answer `.shape` and `.dtype`; only eager tensors have `.numpy()`. Python operators call the same ops
as `tfc.add` & co., so they work in both modes. Conversion of Python values follows TensorFlow: ints -> int32,
floats -> float32, bools -> bool, and a Python scalar next to a tensor adopts that tensor's dtype.
"""
from __future__ import annotations

import numbers

import numpy as np

from . import dtypes as _dtypes
from . import errors
from .graph import TensorType, Value

__all__ = ["Tensor", "TensorShape", "convert_to_tensor", "constant"]


class TensorShape(tuple):
    """A tensor's shape: a tuple of ints (None where unknown until run time); equal to the same list or tuple.

    `TensorShape(None)` is TensorFlow's unknown shape (an unknown rank, in reduce_retracing's trace for any
    rank): `.rank` is None and `shape[i]` None, while anything that needs the dimensions (len, iteration,
    as_list) raises an UnknownRankError naming the call and the user's line."""

    def __new__(cls, dims):
        if dims is None or isinstance(dims, _UnknownShape):
            return _UNKNOWN
        return super().__new__(cls, tuple(None if d is None else int(d) for d in dims))

    @property
    def rank(self) -> int | None:
        return len(self)

    @property
    def ndims(self) -> int | None:
        return self.rank

    @property
    def dims(self) -> tuple | None:
        return tuple(self)

    def as_list(self) -> list:
        return list(self)

    def num_elements(self):
        return None if None in self else int(np.prod(self, dtype=np.int64))

    def is_fully_defined(self) -> bool:
        return None not in self

    def __eq__(self, other):
        if isinstance(other, _UnknownShape):
            return False
        if isinstance(other, list):
            other = tuple(other)
        return tuple.__eq__(self, other)

    def __ne__(self, other):
        return not self == other

    __hash__ = tuple.__hash__

    def __repr__(self) -> str:
        return f"TensorShape({list(self)})"

    def __str__(self) -> str:
        return "(" + ", ".join("None" if d is None else str(d) for d in self) + ("," if len(self) == 1 else "") + ")"


class _UnknownShape(TensorShape):
    """TensorShape(None): what needs the dimensions raises (a subclass, so known shapes keep tuple's speed)."""

    def __new__(cls):
        return tuple.__new__(cls, ())

    rank = ndims = dims = property(lambda self: None)

    def num_elements(self):
        return None

    def is_fully_defined(self) -> bool:
        return False

    def _need_rank(self, what: str):
        raise errors.unknown_rank(what)

    def __len__(self) -> int:
        self._need_rank("len(x.shape)")

    def __iter__(self):
        self._need_rank("iterating over x.shape")

    def __bool__(self) -> bool:
        self._need_rank("bool(x.shape)")

    def __contains__(self, item) -> bool:
        self._need_rank("`in x.shape`")

    def __getitem__(self, key):  # TensorFlow: an unknown dimension, or an unknown shape for a slice
        return _UNKNOWN if isinstance(key, slice) else None

    def __eq__(self, other):
        return isinstance(other, _UnknownShape)

    def __hash__(self) -> int:
        return hash(None)

    def __repr__(self) -> str:
        return "TensorShape(None)"

    def __str__(self) -> str:
        return "<unknown>"


_UNKNOWN = _UnknownShape()


_TYPES: dict = {}  # (shape, numpy dtype) -> TensorType: tensors of one shape share a type (cheap rule-cache keys)


def _interned_type(shape: tuple, np_dtype) -> TensorType:
    key = (shape, np_dtype)
    found = _TYPES.get(key)
    if found is None:
        if len(_TYPES) > 4096:
            _TYPES.clear()
        found = _TYPES[key] = TensorType(shape, _dtypes.as_dtype(np_dtype))
    return found


class Tensor:
    """A multi-dimensional array of one dtype. Eager tensors hold a numpy array; traced ones a graph Value."""

    __slots__ = ("_value", "_symbol", "type", "__weakref__")
    __array_priority__ = 100  # numpy defers `ndarray + Tensor` to Tensor.__radd__

    @classmethod
    def _from_numpy(cls, array: np.ndarray, type: TensorType | None = None) -> "Tensor":
        tensor = object.__new__(cls)
        tensor._value = array
        tensor._symbol = None
        tensor.type = type or _interned_type(array.shape, array.dtype)
        return tensor

    @classmethod
    def _from_symbol(cls, value: Value) -> "Tensor":
        tensor = object.__new__(cls)
        tensor._value = None
        tensor._symbol = value
        tensor.type = value.type
        return tensor

    # ------------------------------------------------------------------------------------------------ inspection
    @property
    def shape(self) -> TensorShape:
        return TensorShape(self.type.shape)

    @property
    def dtype(self) -> _dtypes.DType:
        return self.type.dtype

    @property
    def ndim(self) -> int:
        """The rank. In reduce_retracing's trace for any rank it is unknown: this raises an error naming the
        call that needs it (TensorFlow gives None there; `x.shape.rank` is None here too)."""
        rank = self.type.rank
        if rank is None:
            raise errors.unknown_rank("x.ndim")
        return rank

    @property
    def is_symbolic(self) -> bool:
        return self._symbol is not None

    @property
    def device(self) -> str:
        """Where the value lives: the CPU for eager numpy-backed tensors (DeviceTensor overrides it)."""
        from .device import CPU_DEVICE
        return "" if self._symbol is not None else CPU_DEVICE

    def gpu(self, ordinal: int = 0) -> "Tensor":
        """A copy of this tensor in GPU memory (see tfc.device)."""
        from .device import to_device
        return to_device(self, f"GPU:{ordinal}")

    def cpu(self) -> "Tensor":
        """A copy of this tensor in host memory (itself when it is already there)."""
        from .device import to_device
        return to_device(self, "CPU:0")

    def get_shape(self) -> TensorShape:
        return self.shape

    def numpy(self):
        """The value as numpy: an ndarray, or a numpy scalar for a 0-d tensor (as TensorFlow does)."""
        self._require_eager("numpy()")
        return self._value[()] if self._value.ndim == 0 else self._value

    def __array__(self, dtype=None, copy=None):
        self._require_eager("conversion to a numpy array")
        array = self._value
        if dtype is not None and np.dtype(dtype) != array.dtype:
            return array.astype(dtype)
        return array.copy() if copy else array

    def _require_eager(self, what: str) -> None:
        if self._symbol is not None:
            raise errors.TfcTypeError(
                f"{what} is not available on a symbolic tensor {self._describe()} inside a traced tfc.function; "
                "return the tensor from the function and convert the result instead",
                location=errors.user_location())

    def _describe(self) -> str:
        return f"(shape={self.shape}, dtype={self.dtype.name})"

    def __repr__(self) -> str:
        if self._symbol is not None:
            producer = self._symbol.producer
            name = f"{producer.op.name}:{self._symbol.index}" if producer else "input"
            return f"<tfc.Tensor '{name}' shape={self.shape} dtype={self.dtype.name}>"
        body = np.array2string(self._value, separator=", ") if self._value.ndim else repr(self.numpy())
        if self._value.ndim:
            body = f"array({body}, dtype={self.dtype.name})" if self.dtype.np != np.float64 else f"array({body})"
        return f"<tfc.Tensor: shape={self.shape}, dtype={self.dtype.name}, numpy={body}>"

    def __str__(self) -> str:
        if self._symbol is not None:
            return repr(self)
        return f"tfc.Tensor({np.array2string(self._value)}, shape={self.shape}, dtype={self.dtype.name})"

    # ---------------------------------------------------------------------------------------- Python protocols
    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a 0-d tensor")
        if self.shape[0] is None:
            raise TypeError(f"len() of a tensor whose first dimension is unknown until run time {self._describe()}")
        return self.shape[0]

    def __bool__(self) -> bool:
        if self._symbol is not None:
            raise errors.OperatorNotAllowedInGraphError(
                f"using a symbolic tensor {self._describe()} as a Python bool is not allowed while tracing; "
                "use tfc.cond / tfc.where, or compare Python values", location=errors.user_location())
        return bool(self._value)

    def __float__(self) -> float:
        self._require_eager("float()")
        return float(self._value)

    def __int__(self) -> int:
        self._require_eager("int()")
        return int(self._value)

    def __index__(self) -> int:
        self._require_eager("use as an index")
        if not self.dtype.is_integer:
            raise TypeError(f"only integer tensors can be used as an index, not {self.dtype.name}")
        return int(self._value)

    def __iter__(self):
        if not self.shape:
            raise TypeError("iteration over a 0-d tensor")
        self._require_eager("Python iteration")
        return (Tensor._from_numpy(np.asarray(row)) for row in self._value)

    __hash__ = object.__hash__

    # ------------------------------------------------------------------------------------------------- operators
    def __add__(self, other): return _ops.add(self, other)
    def __radd__(self, other): return _ops.add(other, self)
    def __sub__(self, other): return _ops.subtract(self, other)
    def __rsub__(self, other): return _ops.subtract(other, self)
    def __mul__(self, other): return _ops.multiply(self, other)
    def __rmul__(self, other): return _ops.multiply(other, self)
    def __truediv__(self, other): return _ops.divide(self, other)
    def __rtruediv__(self, other): return _ops.divide(other, self)
    def __matmul__(self, other): return _ops.matmul(self, other)
    def __rmatmul__(self, other): return _ops.matmul(other, self)
    def __neg__(self): return _ops.negative(self)
    def __pos__(self): return self
    def __eq__(self, other):
        """Elementwise == (a bool tensor), as TensorFlow 2; False for values that are not tensor-like."""
        if other is None or not (isinstance(other, (Tensor, numbers.Number, np.ndarray, np.generic, list, tuple))
                                 or hasattr(other, "_as_tensor")):
            return False
        return _ops.equal(self, other)

    def __ne__(self, other):
        if other is None or not (isinstance(other, (Tensor, numbers.Number, np.ndarray, np.generic, list, tuple))
                                 or hasattr(other, "_as_tensor")):
            return True
        return _ops.not_equal(self, other)

    def __floordiv__(self, other): return _ops.floordiv(self, other)
    def __rfloordiv__(self, other): return _ops.floordiv(other, self)
    def __mod__(self, other): return _ops.floormod(self, other)
    def __rmod__(self, other): return _ops.floormod(other, self)
    def __pow__(self, other): return _ops.pow(self, other)
    def __rpow__(self, other): return _ops.pow(other, self)
    def __abs__(self): return _ops.abs(self)
    def __lt__(self, other): return _ops.less(self, other)
    def __le__(self, other): return _ops.less_equal(self, other)
    def __gt__(self, other): return _ops.greater(self, other)
    def __ge__(self, other): return _ops.greater_equal(self, other)
    def __and__(self, other): return _ops.logical_and(self, other)
    def __rand__(self, other): return _ops.logical_and(other, self)
    def __or__(self, other): return _ops.logical_or(self, other)
    def __ror__(self, other): return _ops.logical_or(other, self)
    def __xor__(self, other): return _ops.logical_xor(self, other)
    def __rxor__(self, other): return _ops.logical_xor(other, self)
    def __invert__(self): return _ops.logical_not(self)
    def __getitem__(self, key): return _ops.strided_slice(self, key)


def _python_dtype(value) -> _dtypes.DType:
    """TensorFlow's dtype for a Python value or nested list: any float makes float32, else int32/bool."""
    if isinstance(value, (list, tuple)):
        kinds = {_python_dtype(v) for v in value}
        if not kinds:
            return _dtypes.float32
        if _dtypes.float32 in kinds:
            return _dtypes.float32
        return _dtypes.int32 if _dtypes.int32 in kinds else kinds.pop()
    if isinstance(value, Tensor):
        return value.dtype
    if isinstance(value, np.generic):
        return _dtypes.as_dtype(value.dtype)
    if isinstance(value, (bool, np.bool_)):
        return _dtypes.bool
    if isinstance(value, numbers.Integral):
        return _dtypes.int32
    if isinstance(value, numbers.Real):
        return _dtypes.float32
    raise errors.TfcTypeError(f"cannot convert a value of type {type(value).__name__} ({value!r:.60}) to a tensor; "
                              "expected a tfc.Tensor, numpy array, Python number or nested list of numbers",
                              location=errors.user_location())


def _cast_python(value, dtype: _dtypes.DType) -> np.ndarray:
    """Converts a Python/numpy value to `dtype`, refusing conversions TensorFlow refuses (2.5 -> int32)."""
    array = np.asarray(value)
    if array.dtype == object:
        raise errors.TfcTypeError(f"cannot convert {value!r:.60} to a tensor: ragged or non-numeric nested list",
                                  location=errors.user_location())
    if _dtypes.is_float_array(array.dtype) and not dtype.is_floating:
        raise errors.TfcTypeError(f"cannot convert {value!r:.60} to a {dtype.name} tensor: it is a float value "
                                  f"and {dtype.name} is not a floating dtype", location=errors.user_location())
    if array.dtype.kind in "iu" and dtype.is_bool:
        raise errors.TfcTypeError(f"cannot convert {value!r:.60} to a bool tensor", location=errors.user_location())
    if array.dtype.kind in "iu" and dtype.is_integer:
        info = np.iinfo(dtype.np)
        if array.size and (array.min() < info.min or array.max() > info.max):
            raise errors.TfcValueError(f"{value!r:.60} is out of range for {dtype.name}",
                                       location=errors.user_location())
    return np.array(array, dtype=dtype.np)


def convert_to_tensor(value, dtype=None, dtype_hint=None) -> Tensor:
    """Converts Tensors, numpy arrays, Python scalars and nested lists into a Tensor (TensorFlow's rules)."""
    if (value.__class__ is float or value.__class__ is int) and dtype.__class__ is _dtypes.DType and \
            dtype.is_floating:  # `x * 0.5`: nothing to check, numpy rounds as _cast_python would
        return Tensor._from_numpy(np.array(value, dtype.np))
    if isinstance(value, Tensor):
        if dtype is not None and _dtypes.as_dtype(dtype) != value.dtype:
            raise errors.TfcTypeError(f"expected a {_dtypes.as_dtype(dtype).name} tensor, got a "
                                      f"{value.dtype.name} tensor", location=errors.user_location())
        return value
    if hasattr(value, "_as_tensor"):  # Variables (later issue) and other tensor-likes
        return convert_to_tensor(value._as_tensor(), dtype, dtype_hint)
    if isinstance(value, np.ndarray):
        target = _dtypes.as_dtype(dtype) if dtype is not None else _dtypes.as_dtype(value.dtype)
        array = value if value.dtype == target.np else _cast_python(value, target)
        return Tensor._from_numpy(array)
    target = dtype if dtype is not None else dtype_hint
    target = _dtypes.as_dtype(target) if target is not None else _python_dtype(value)
    return Tensor._from_numpy(_cast_python(value, target))


def constant(value, dtype=None, shape=None, name=None) -> Tensor:
    """Creates a constant tensor from a Python scalar, nested list or numpy array.

    >>> tfc.constant([1, 2.5]).dtype
    tfc.float32
    >>> tfc.constant(3, dtype=tfc.float64, shape=[2]).numpy()
    array([3., 3.])
    """
    if isinstance(value, Tensor):
        value = value.numpy() if not value.is_symbolic else value
        if isinstance(value, Tensor):
            return value
    tensor = convert_to_tensor(value, dtype=dtype)
    if shape is not None:
        shape = tuple(shape)
        array = tensor._value
        if array.size == 1:
            array = np.broadcast_to(array.reshape(()), shape).copy()
        elif array.size == int(np.prod(shape, dtype=np.int64)):
            array = array.reshape(shape)
        else:
            raise errors.TfcTypeError(f"tfc.constant: cannot give {array.size} values the shape {list(shape)}",
                                      location=errors.user_location())
        tensor = Tensor._from_numpy(array)
    return tensor


from . import ops as _ops  # noqa: E402  (operators need the ops; the ops need Tensor)
