"""`tfc.math`: TensorFlow's math namespace."""
from .ops import (abs, acos, add, argmax, argmin, asin, atan, atan2, ceil, cos, cosh, cumsum, divide, equal,  # noqa: F401,A004
                  erf, exp, expm1, floor, floordiv, floormod, greater, greater_equal, is_finite, is_inf, is_nan,
                  less, less_equal, log, log1p, logical_and, logical_not, logical_or, logical_xor, maximum,
                  minimum, mod, multiply, negative, not_equal, pow, reciprocal, reduce_all, reduce_any,
                  reduce_logsumexp, reduce_max, reduce_mean, reduce_min, reduce_prod, reduce_sum, round, rsqrt,
                  sigmoid, sign, sin, sinh, sqrt, square, squared_difference, subtract, tan, tanh, truediv)
from .ops.nn import softplus  # noqa: F401

