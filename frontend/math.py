"""`tfc.math`: TensorFlow's math namespace."""
from .ops import add, divide, exp, log, multiply, negative, reduce_sum, sqrt, subtract, tanh, truediv  # noqa: F401
