"""TensorFlow's elementwise math beyond + - * /: one `defop` each via the shared unary/binary helpers.

The numpy implementations follow TensorFlow's definitions where numpy's differ: floor division of floats is
floor(x / y), floormod takes the divisor's sign, round is half-to-even, integer division by zero is an error.
"""
from __future__ import annotations

import numpy as np

from .. import dtypes as _dtypes
from ..tensor import convert_to_tensor
from .common import FLOATING, NUMERIC, binary_operands, fail
from .elementwise import _binary, _unary

__all__ = [
    "floordiv", "floormod", "mod", "pow", "abs", "sign", "square", "rsqrt", "expm1", "log1p", "sin", "cos", "tan",
    "sinh", "cosh", "asin", "acos", "atan", "atan2", "sigmoid", "erf", "floor", "ceil", "round", "maximum",
    "minimum", "reciprocal", "is_nan", "is_inf", "is_finite", "clip_by_value", "squared_difference",
]


def _quiet(fn):
    """numpy warns where TensorFlow silently returns inf/nan; the values are the same."""
    def wrapped(*args):
        with np.errstate(all="ignore"):
            return fn(*args)
    return wrapped


def _check_int_divisor(op_name: str, y) -> None:
    if y.dtype.kind in "iu" and np.any(y == 0):
        fail(op_name, "Integer division by zero")


def _floordiv_impl(x, y):
    if x.dtype.kind == "f":
        return np.floor(x / y)
    _check_int_divisor("floordiv", y)
    return np.floor_divide(x, y)


def _floormod_impl(x, y):
    if x.dtype.kind == "f":
        trunc_mod = np.fmod(x, y)
        wrong_sign = (trunc_mod != 0) & ((y < 0) != (trunc_mod < 0))
        return np.where(wrong_sign, trunc_mod + y, trunc_mod)
    _check_int_divisor("floormod", y)
    return np.mod(x, y)


def _pow_impl(x, y):
    if x.dtype.kind in "iu":
        if np.any(y < 0):
            fail("pow", "Integers to negative integer powers are not allowed")
        return np.power(x, y, dtype=x.dtype)
    return np.power(x, y)


def _round_impl(x):
    return np.round(x) if x.dtype.kind == "f" else x  # numpy rounds half to even, as TensorFlow


floordiv = _binary("floordiv", _floordiv_impl, "Floor division (`//`): floor(x / y); integer division by zero is "
                   "an error.")
floormod = _binary("floormod", _quiet(_floormod_impl), "Remainder of floor division (`%`): takes the sign of y.")
mod = floormod
pow = _binary("pow", _quiet(_pow_impl), "x ** y elementwise (`**`); integer powers need y >= 0.")  # noqa: A001
maximum = _binary("maximum", np.maximum, "The larger of x and y elementwise (nan if either is nan).")
minimum = _binary("minimum", np.minimum, "The smaller of x and y elementwise (nan if either is nan).")
atan2 = _binary("atan2", np.arctan2, "Angle of the point (x=x2, y=x1) in radians: atan2(y, x).", allowed=FLOATING)

abs = _unary("abs", np.abs, "Absolute value elementwise (`abs()`); the most negative integer stays negative.",  # noqa: A001
             allowed=NUMERIC)
sign = _unary("sign", np.sign, "-1, 0 or 1 by the sign of x (0 for -0.0, nan for nan).", allowed=NUMERIC)
square = _unary("square", np.square, "x * x elementwise.", allowed=NUMERIC)
rsqrt = _unary("rsqrt", _quiet(lambda x: 1 / np.sqrt(x)), "1 / sqrt(x) elementwise.")
expm1 = _unary("expm1", _quiet(np.expm1), "exp(x) - 1, accurate for small x.")
log1p = _unary("log1p", _quiet(np.log1p), "log(1 + x), accurate for small x.")
sin = _unary("sin", np.sin, "Sine elementwise (radians).")
cos = _unary("cos", np.cos, "Cosine elementwise (radians).")
tan = _unary("tan", np.tan, "Tangent elementwise (radians).")
sinh = _unary("sinh", _quiet(np.sinh), "Hyperbolic sine elementwise.")
cosh = _unary("cosh", _quiet(np.cosh), "Hyperbolic cosine elementwise.")
asin = _unary("asin", _quiet(np.arcsin), "Inverse sine elementwise (nan outside [-1, 1]).")
acos = _unary("acos", _quiet(np.arccos), "Inverse cosine elementwise (nan outside [-1, 1]).")
atan = _unary("atan", np.arctan, "Inverse tangent elementwise.")
sigmoid = _unary("sigmoid", _quiet(lambda x: 1 / (1 + np.exp(-x))), "1 / (1 + exp(-x)) elementwise.")
floor = _unary("floor", np.floor, "Largest integer value not greater than x.")
ceil = _unary("ceil", np.ceil, "Smallest integer value not less than x.")
round = _unary("round", _round_impl, "Rounds to the nearest integer, halves to even (TensorFlow's rule).",  # noqa: A001
               allowed=NUMERIC)
reciprocal = _unary("reciprocal", _quiet(lambda x: 1 / x), "1 / x elementwise.")
is_nan = _unary("is_nan", np.isnan, "True where x is nan.", result=_dtypes.bool)
is_inf = _unary("is_inf", np.isinf, "True where x is +inf or -inf.", result=_dtypes.bool)
is_finite = _unary("is_finite", np.isfinite, "True where x is neither inf nor nan.", result=_dtypes.bool)


def _erf_impl(x):
    from math import erf as scalar_erf  # numpy has no erf; the standard library's is correctly rounded in double
    return np.vectorize(scalar_erf, otypes=[np.float64])(x.astype(np.float64)).astype(x.dtype)


erf = _unary("erf", _erf_impl, "The Gauss error function elementwise.")


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """min(max(t, clip_value_min), clip_value_max) elementwise, with broadcasting."""
    t = convert_to_tensor(t)
    return minimum(maximum(t, clip_value_min), clip_value_max)


def squared_difference(x, y, name=None):
    """(x - y) ** 2 elementwise."""
    x, y = binary_operands(x, y)
    return square(x - y)
