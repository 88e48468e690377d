"""Elementwise ops: one `defop` each (rule, numpy implementation, docstring), with numpy broadcasting.

Their lowering is one shared `linalg.generic` emitter in tfc.dialect plus a per-op scalar body there.
"""
from __future__ import annotations

import numpy as np

from .. import dtypes as _dtypes
from ..core import bind, defgrad, defop, same_attrs
from ..graph import TensorType
from ..tensor import Tensor, convert_to_tensor
from .common import (FLOATING, NUMERIC, binary_operands, broadcast_shapes, cached_scalar_operand, check_dtype,
                     check_same_dtype)
from .grad_helpers import unbroadcast

__all__ = ["add", "subtract", "multiply", "divide", "truediv", "negative", "exp", "log", "tanh", "sqrt", "cast"]


def _binary_rule(allowed, result=None):
    def infer(x: TensorType, y: TensorType) -> TensorType:
        dtype = check_same_dtype(("x", "y"), (x, y))
        check_dtype("x", x, allowed)
        return TensorType(broadcast_shapes(x.shape, y.shape), result or dtype)
    return infer


def _unary_rule(allowed, result=None):
    def infer(x: TensorType) -> TensorType:
        check_dtype("x", x, allowed)
        return TensorType(x.shape, result) if result else x
    return infer


def _binary(name: str, impl, doc: str, allowed=NUMERIC, result=None):
    """A broadcasting binary op `name`; `result` fixes the result dtype (bool for comparisons)."""
    op = defop(name, infer=_binary_rule(allowed, result), impl=impl, num_inputs=2, doc=doc, any_rank=same_attrs)

    def api(x, y, name=None):
        if x.__class__ is Tensor:
            if y.__class__ is Tensor:  # the common case: nothing to convert
                return bind(op, x, y)
            if y.__class__ is float:  # `x * 0.5` again: the scalar's tensor is remembered (common._adopt)
                scalar = cached_scalar_operand((y, x.type.dtype))
                if scalar is not None:
                    return bind(op, x, scalar)
        return bind(op, *binary_operands(x, y))
    api.__name__ = api.__qualname__ = name
    api.__doc__ = doc
    api.op = op
    return api


def _unary(name: str, impl, doc: str, allowed=FLOATING, result=None):
    op = defop(name, infer=_unary_rule(allowed, result), impl=impl, num_inputs=1, doc=doc, any_rank=same_attrs)

    def api(x, name=None):
        return bind(op, x if x.__class__ is Tensor else convert_to_tensor(x))
    api.__name__ = api.__qualname__ = name
    api.__doc__ = doc
    api.op = op
    return api


def _divide_impl(x, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.true_divide(x, y)


def _log_impl(x):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(x)


def _sqrt_impl(x):
    with np.errstate(invalid="ignore"):
        return np.sqrt(x)


# Each op's gradient follows its definition: `node` holds the op's input and output tensors, `g` the gradient
# of its output; broadcasting is undone by summing back to each input's shape.
add = _binary("add", np.add, "x + y elementwise, with broadcasting. Also `+` on tensors.")


@defgrad(add)
def _add_grad(node, g):
    x, y = node.inputs
    return unbroadcast(g, x), unbroadcast(g, y)


subtract = _binary("subtract", np.subtract, "x - y elementwise, with broadcasting. Also `-` on tensors.")


@defgrad(subtract)
def _subtract_grad(node, g):
    x, y = node.inputs
    return unbroadcast(g, x), unbroadcast(-g, y) if node.needs[1] else None


multiply = _binary("multiply", np.multiply, "x * y elementwise, with broadcasting. Also `*` on tensors.")


@defgrad(multiply)
def _multiply_grad(node, g):
    x, y = node.inputs
    return (unbroadcast(g * y, x) if node.needs[0] else None,
            unbroadcast(g * x, y) if node.needs[1] else None)


_real_divide = _binary("divide", _divide_impl, "x / y for floating tensors (TensorFlow's realdiv).",
                       allowed=FLOATING)


@defgrad(_real_divide)
def _divide_grad(node, g):
    (x, y), (out,) = node.inputs, node.outputs
    return (unbroadcast(g / y, x) if node.needs[0] else None,
            unbroadcast(-g * out / y, y) if node.needs[1] else None)


negative = _unary("negative", np.negative, "-x elementwise. Also unary `-` on tensors.", allowed=NUMERIC)
defgrad(negative, lambda node, g: (-g,))
exp = _unary("exp", np.exp, "e ** x elementwise.")
defgrad(exp, lambda node, g: (g * node.outputs[0],))
log = _unary("log", _log_impl, "Natural logarithm elementwise (log(0) = -inf, log(x<0) = nan).")
defgrad(log, lambda node, g: (g / node.inputs[0],))
tanh = _unary("tanh", np.tanh, "Hyperbolic tangent elementwise.")
defgrad(tanh, lambda node, g: (g * (1 - node.outputs[0] * node.outputs[0]),))
sqrt = _unary("sqrt", _sqrt_impl, "Square root elementwise (sqrt(x<0) = nan).")
defgrad(sqrt, lambda node, g: (g * 0.5 / node.outputs[0],))  # inf at 0, as TensorFlow


def _cast_rule(x: TensorType, *, dtype) -> TensorType:
    return TensorType(x.shape, _dtypes.as_dtype(dtype))


def _cast_impl(x, *, dtype):
    dtype = _dtypes.as_dtype(dtype)
    if dtype.is_bool:
        return x != 0
    with np.errstate(invalid="ignore", over="ignore"):
        return x.astype(dtype.np)  # float -> int truncates toward zero, as TensorFlow


_cast_op = defop("cast", infer=_cast_rule, impl=_cast_impl, attrs={"dtype": "dtype"}, num_inputs=1,
                 any_rank=same_attrs,
                 doc="Converts x to `dtype`; floats become ints by truncation toward zero, nonzero becomes True.")


@defgrad(_cast_op)
def _cast_grad(node, g):
    """Between floating dtypes the gradient is cast back; to or from integers and bools there is none (TF)."""
    x = node.inputs[0]
    return (cast(g, x.dtype) if x.dtype.is_floating and g.dtype.is_floating else None,)


def cast(x, dtype, name=None):
    """Casts a tensor to a new dtype (float -> int truncates toward zero)."""
    x = convert_to_tensor(x)
    dtype = _dtypes.as_dtype(dtype)
    return x if x.dtype == dtype else bind(_cast_op, x, dtype=dtype)


cast.op = _cast_op

# TensorFlow's truediv: integers are converted to a floating type first (int8/int16 -> float32, else float64).
_TRUEDIV_FLOAT = {_dtypes.int8: _dtypes.float32, _dtypes.uint8: _dtypes.float32, _dtypes.int16: _dtypes.float32,
                  _dtypes.int32: _dtypes.float64, _dtypes.int64: _dtypes.float64}


def divide(x, y, name=None):
    """x / y elementwise. Integer tensors are divided as floats (int32 / int32 -> float64), as TensorFlow does."""
    x, y = binary_operands(x, y)
    if x.dtype in _TRUEDIV_FLOAT and x.dtype == y.dtype:
        target = _TRUEDIV_FLOAT[x.dtype]
        x, y = cast(x, target), cast(y, target)
    return _real_divide(x, y)


divide.op = _real_divide.op
truediv = divide
