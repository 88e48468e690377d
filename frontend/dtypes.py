"""Element types: one DType object per TensorFlow dtype, tying together its numpy, MLIR and C spellings.

TensorFlow's rules, which tfc follows (see tests/unit/test_dtypes.py):
- no implicit promotion between two tensors (float32 + int32 is an error);
- a Python scalar adopts the other operand's dtype (x_f32 * 2 is float32), unless the value does not fit the
  dtype's kind (an int32 tensor times 2.5 is a TypeError);
- a Python int alone becomes int32 and a Python float becomes float32.
"""
from __future__ import annotations

import builtins
import sys

import numpy as np

__all__ = [
    "DType", "as_dtype", "float16", "bfloat16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool",
    "half", "float", "double",
]


class DType:
    """A tensor element type. Compare with `==`; `name` is TensorFlow's name, `mlir` the MLIR element type."""

    __slots__ = ("name", "np", "mlir", "storage", "kind")

    def __init__(self, name: str, np_dtype, mlir: str, kind: str):
        self.name = name
        if np_dtype is not None:
            self.np = np.dtype(np_dtype)
        self.mlir = mlir  # the tfc dialect's spelling (keeps signedness: ui8)
        # arith and linalg take signless integers only; signedness is then chosen per op (divui, cmpi ult, ...).
        self.storage = mlir.lstrip("u") if kind == "u" else mlir
        self.kind = kind  # "f" floating, "i" signed int, "u" unsigned int, "b" bool

    @property
    def is_floating(self) -> bool:
        return self.kind == "f"

    @property
    def is_integer(self) -> bool:
        return self.kind in "iu"

    @property
    def is_bool(self) -> bool:
        return self.kind == "b"

    @property
    def as_numpy_dtype(self):
        return self.np.type

    @property
    def itemsize(self) -> int:
        return self.np.itemsize

    def __repr__(self) -> str:
        return f"tfc.{self.name}"

    def __reduce__(self):
        return as_dtype, (self.name,)


float16 = DType("float16", np.float16, "f16", "f")


class _LazyNumpyDType(DType):
    """A DType whose numpy dtype comes from ml_dtypes, imported on first use of `.np`: importing ml_dtypes 0.7
    costs ~1 s of CPU (it registers casts and ufuncs for a dozen types), most of `import tfc`, and most programs
    never touch bfloat16. Other DTypes keep `np` as a plain slot (read on every eager op)."""

    __slots__ = ()

    @property
    def np(self) -> np.dtype:
        try:
            return _SLOT_NP.__get__(self)
        except AttributeError:  # the first read
            import ml_dtypes
            resolved = np.dtype(getattr(ml_dtypes, self.name))
            _SLOT_NP.__set__(self, resolved)
            _BY_NUMPY[resolved] = self
            return resolved


_SLOT_NP = DType.np  # DType's slot for `np`, which the property above fills


# numpy has no bfloat16; ml_dtypes (what JAX and TensorFlow use) registers one. Its numpy kind is "V", so code
# asks DType.is_floating rather than array.dtype.kind.
bfloat16 = _LazyNumpyDType("bfloat16", None, "bf16", "f")
float32 = DType("float32", np.float32, "f32", "f")
float64 = DType("float64", np.float64, "f64", "f")
int8 = DType("int8", np.int8, "i8", "i")
int16 = DType("int16", np.int16, "i16", "i")
int32 = DType("int32", np.int32, "i32", "i")
int64 = DType("int64", np.int64, "i64", "i")
uint8 = DType("uint8", np.uint8, "ui8", "u")
bool = DType("bool", np.bool_, "i1", "b")  # noqa: A001 - TensorFlow's public name
half, float, double = float16, float32, float64  # noqa: A001 - TensorFlow's aliases

ALL = (float16, bfloat16, float32, float64, int8, int16, int32, int64, uint8, bool)
_BY_NAME = {d.name: d for d in ALL} | {"half": float16, "float": float32, "double": float64}
_BY_NUMPY = {d.np: d for d in ALL if d is not bfloat16}  # bfloat16's is added once ml_dtypes is loaded
_BY_MLIR = {d.mlir: d for d in ALL}


def as_dtype(value) -> DType:
    """Converts a DType, its name, a numpy dtype or scalar type into a tfc DType; raises TypeError otherwise."""
    if isinstance(value, DType):
        return value
    if isinstance(value, str):
        if value in _BY_NAME:
            return _BY_NAME[value]
    else:
        try:
            np_dtype = np.dtype(value)
        except TypeError:
            np_dtype = None
        found = _BY_NUMPY.get(np_dtype)
        if found is None and np_dtype is not None and "ml_dtypes" in sys.modules and np_dtype == bfloat16.np:
            found = bfloat16  # an ml_dtypes bfloat16 array: ml_dtypes is loaded, so is its numpy dtype
        if found is not None:
            return found
    names = ", ".join(d.name for d in ALL)
    raise TypeError(f"tfc: cannot interpret {value!r} as a dtype; expected one of {names}")


def from_mlir(element_type: str) -> DType:
    """The DType whose MLIR element type is `element_type` (used by the IR parser)."""
    if element_type not in _BY_MLIR:
        raise ValueError(f"unsupported MLIR element type {element_type!r}")
    return _BY_MLIR[element_type]


def is_float_array(array_dtype: np.dtype) -> builtins.bool:
    """Whether a numpy dtype holds floats: kind "f", or ml_dtypes' bfloat16 (whose kind is "V")."""
    return array_dtype.kind == "f" or (array_dtype.kind == "V" and array_dtype == bfloat16.np)


def computable(array: np.ndarray) -> np.ndarray:
    """`array` in a dtype numpy computes with: bfloat16 widens (exactly) to float32. Eager ops run bfloat16 this
    way and round each result back once, as TensorFlow's CPU kernels (Eigen's bfloat16) do; many numpy ufuncs
    have no bfloat16 loop, and code testing `dtype.kind == "f"` would not recognize it."""
    return array.astype(np.float32) if array.dtype.kind == "V" and array.dtype == bfloat16.np else array


def default_for_python(value) -> DType:
    """TensorFlow's dtype for a Python scalar: bool, int32 or float32."""
    if isinstance(value, (builtins.bool, np.bool_)):
        return bool
    if isinstance(value, (int, np.integer)):
        return int32
    return float32
