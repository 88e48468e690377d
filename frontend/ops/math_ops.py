"""TensorFlow's elementwise math beyond + - * /: one `defop` each via the shared unary/binary helpers.

The numpy implementations follow TensorFlow's definitions where numpy's differ: floor division of floats is
floor(x / y), floormod takes the divisor's sign, round is half-to-even, integer division by zero is an error.
"""
from __future__ import annotations

import numpy as np

from .. import dtypes as _dtypes
from ..core import NOT_DIFFERENTIABLE, defgrad
from ..tensor import convert_to_tensor
from .common import FLOATING, NUMERIC, binary_operands, fail
from .elementwise import _binary, _unary, exp as _exp, log as _log
from .grad_helpers import ones_like, select_zero, unbroadcast, zeros_like

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


def _checked_int_division(api):
    """The API of an integer-dividing op, which also makes compiled code check for zero divisors (frontend/checks.py;
    eagerly the implementation raises)."""
    def checked(x, y, name=None):
        x, y = binary_operands(x, y)
        result = api(x, y)
        # A divisor known while tracing (`i % 2`) needs no run-time check unless it holds a zero.
        if result.dtype.is_integer and (y.is_symbolic or not np.all(y._value)):
            from ..checks import require
            from .logic import not_equal
            from .reductions import reduce_all
            require(lambda: reduce_all(not_equal(y, zeros_like(y))), f"tfc.{api.__name__}: Integer division by zero")
        return result
    checked.__name__ = checked.__qualname__ = api.__name__
    checked.__doc__, checked.op = api.__doc__, api.op
    return checked


floordiv = _checked_int_division(_binary("floordiv", _floordiv_impl, "Floor division (`//`): floor(x / y); integer "
                                         "division by zero is an error."))
defgrad(floordiv, NOT_DIFFERENTIABLE)  # piecewise constant; TensorFlow gives None
floormod = _checked_int_division(_binary("floormod", _quiet(_floormod_impl), "Remainder of floor division (`%`): "
                                         "takes the sign of y."))


@defgrad(floormod)
def _floormod_grad(node, g):
    x, y = node.inputs
    return unbroadcast(g, x), unbroadcast(-g * floor(x / y), y) if node.needs[1] else None


mod = floormod
pow = _binary("pow", _quiet(_pow_impl), "x ** y elementwise (`**`); integer powers need y >= 0.")  # noqa: A001


@defgrad(pow)
def _pow_grad(node, g):
    """d(x^y) = y x^(y-1) dx + x^y log(x) dy, the log taken as 0 where x <= 0 (TensorFlow's choice)."""
    from .logic import greater, where
    (x, y), (out,) = node.inputs, node.outputs
    gx = unbroadcast(g * y * pow(x, y - 1), x) if node.needs[0] else None
    if not node.needs[1]:
        return gx, None
    positive = greater(x, zeros_like(x))
    safe_log = where(positive, _log(where(positive, x, ones_like(x))), zeros_like(x))
    return gx, unbroadcast(g * out * safe_log, y)


maximum = _binary("maximum", np.maximum, "The larger of x and y elementwise (nan if either is nan).")


def _tie_to_x_grad(node, g, x_wins_comparison):
    """The gradient goes to x where `x_wins_comparison(x, y)`, else to y (TensorFlow's rule: ties go to x)."""
    x, y = node.inputs
    x_wins = x_wins_comparison(x, y)
    return unbroadcast(select_zero(x_wins, g), x), unbroadcast(g - select_zero(x_wins, g), y)


@defgrad(maximum)
def _maximum_grad(node, g):
    from .logic import greater_equal
    return _tie_to_x_grad(node, g, greater_equal)


minimum = _binary("minimum", np.minimum, "The smaller of x and y elementwise (nan if either is nan).")


@defgrad(minimum)
def _minimum_grad(node, g):
    from .logic import less_equal
    return _tie_to_x_grad(node, g, less_equal)


atan2 = _binary("atan2", np.arctan2, "Angle of the point (x=x2, y=x1) in radians: atan2(y, x).", allowed=FLOATING)


@defgrad(atan2)
def _atan2_grad(node, g):
    y, x = node.inputs  # atan2(y, x): the angle of the point (x, y)
    scale = g / (x * x + y * y)
    return unbroadcast(scale * x, y), unbroadcast(-scale * y, x)



abs = _unary("abs", np.abs, "Absolute value elementwise (`abs()`); the most negative integer stays negative.",  # noqa: A001
             allowed=NUMERIC)
defgrad(abs, lambda node, g: (g * sign(node.inputs[0]),))  # abs'(0) = sign(0) = 0, as TensorFlow
sign = _unary("sign", np.sign, "-1, 0 or 1 by the sign of x (0 for -0.0, nan for nan).", allowed=NUMERIC)
defgrad(sign, lambda node, g: (zeros_like(node.inputs[0]),))
square = _unary("square", np.square, "x * x elementwise.", allowed=NUMERIC)
defgrad(square, lambda node, g: (g * 2.0 * node.inputs[0],))
rsqrt = _unary("rsqrt", _quiet(lambda x: 1 / np.sqrt(x)), "1 / sqrt(x) elementwise.")
defgrad(rsqrt, lambda node, g: (g * -0.5 * node.outputs[0] * node.outputs[0] * node.outputs[0],))
expm1 = _unary("expm1", _quiet(np.expm1), "exp(x) - 1, accurate for small x.")
defgrad(expm1, lambda node, g: (g * (node.outputs[0] + 1.0),))
log1p = _unary("log1p", _quiet(np.log1p), "log(1 + x), accurate for small x.")
defgrad(log1p, lambda node, g: (g / (node.inputs[0] + 1.0),))
sin = _unary("sin", np.sin, "Sine elementwise (radians).")
defgrad(sin, lambda node, g: (g * cos(node.inputs[0]),))
cos = _unary("cos", np.cos, "Cosine elementwise (radians).")
defgrad(cos, lambda node, g: (-g * sin(node.inputs[0]),))
tan = _unary("tan", np.tan, "Tangent elementwise (radians).")
defgrad(tan, lambda node, g: (g * (node.outputs[0] * node.outputs[0] + 1.0),))
sinh = _unary("sinh", _quiet(np.sinh), "Hyperbolic sine elementwise.")
defgrad(sinh, lambda node, g: (g * cosh(node.inputs[0]),))
cosh = _unary("cosh", _quiet(np.cosh), "Hyperbolic cosine elementwise.")
defgrad(cosh, lambda node, g: (g * sinh(node.inputs[0]),))
asin = _unary("asin", _quiet(np.arcsin), "Inverse sine elementwise (nan outside [-1, 1]).")
defgrad(asin, lambda node, g: (g * rsqrt(1.0 - node.inputs[0] * node.inputs[0]),))
acos = _unary("acos", _quiet(np.arccos), "Inverse cosine elementwise (nan outside [-1, 1]).")
defgrad(acos, lambda node, g: (-g * rsqrt(1.0 - node.inputs[0] * node.inputs[0]),))
atan = _unary("atan", np.arctan, "Inverse tangent elementwise.")
defgrad(atan, lambda node, g: (g / (node.inputs[0] * node.inputs[0] + 1.0),))
sigmoid = _unary("sigmoid", _quiet(lambda x: 1 / (1 + np.exp(-x))), "1 / (1 + exp(-x)) elementwise.")
defgrad(sigmoid, lambda node, g: (g * node.outputs[0] * (1.0 - node.outputs[0]),))
floor = _unary("floor", np.floor, "Largest integer value not greater than x.")
defgrad(floor, NOT_DIFFERENTIABLE)  # piecewise constant: TensorFlow gives None
ceil = _unary("ceil", np.ceil, "Smallest integer value not less than x.")
defgrad(ceil, NOT_DIFFERENTIABLE)
round = _unary("round", _round_impl, "Rounds to the nearest integer, halves to even (TensorFlow's rule).",  # noqa: A001
               allowed=NUMERIC)
defgrad(round, NOT_DIFFERENTIABLE)
reciprocal = _unary("reciprocal", _quiet(lambda x: 1 / x), "1 / x elementwise.")
defgrad(reciprocal, lambda node, g: (-g * node.outputs[0] * node.outputs[0],))
is_nan = _unary("is_nan", np.isnan, "True where x is nan.", result=_dtypes.bool)
defgrad(is_nan, NOT_DIFFERENTIABLE)
is_inf = _unary("is_inf", np.isinf, "True where x is +inf or -inf.", result=_dtypes.bool)
defgrad(is_inf, NOT_DIFFERENTIABLE)
is_finite = _unary("is_finite", np.isfinite, "True where x is neither inf nor nan.", result=_dtypes.bool)
defgrad(is_finite, NOT_DIFFERENTIABLE)


def _erf_impl(x):
    from math import erf as scalar_erf  # numpy has no erf; the standard library's is correctly rounded in double
    return np.vectorize(scalar_erf, otypes=[np.float64])(x.astype(np.float64)).astype(x.dtype)


erf = _unary("erf", _erf_impl, "The Gauss error function elementwise.")
# erf'(x) = 2/sqrt(pi) exp(-x^2)
defgrad(erf, lambda node, g: (g * 1.1283791670955126 * _exp(-node.inputs[0] * node.inputs[0]),))


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """min(max(t, clip_value_min), clip_value_max) elementwise, with broadcasting."""
    t = convert_to_tensor(t)
    return minimum(maximum(t, clip_value_min), clip_value_max)


def squared_difference(x, y, name=None):
    """(x - y) ** 2 elementwise."""
    x, y = binary_operands(x, y)
    return square(x - y)
