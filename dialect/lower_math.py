"""Scalar bodies of TensorFlow's elementwise math, comparisons and logic (all through the shared linalg.generic
emitter of lower_elementwise). Integer ops choose the unsigned arith variant for uint8 (kind 'u') and for bool.

Integer division never traps in compiled code: a zero divisor is replaced by 1 (TensorFlow raises eagerly; see
tests/e2e/known_gaps.py) and x // -1 is computed as -x, so INT_MIN // -1 wraps instead of raising SIGFPE.
"""
from __future__ import annotations

import math

from tfc import ops

from .lower_elementwise import ScalarBuilder, _elementwise, emit_elementwise
from .lowering import lowers


def _unsigned(b: ScalarBuilder) -> bool:
    return b.dtype.kind in "ub"


def cmp(b: ScalarBuilder, predicate: str, x: str, y: str) -> str:
    """An i1 comparison; `predicate` is one of eq ne lt le gt ge (ordered for floats, except ne)."""
    if b.dtype.is_floating:
        fp = {"eq": "oeq", "ne": "une", "lt": "olt", "le": "ole", "gt": "ogt", "ge": "oge"}[predicate]
        return b.op(f"arith.cmpf {fp}, {x}, {y}")
    if predicate not in ("eq", "ne"):
        predicate = ("u" if _unsigned(b) else "s") + predicate
    return b.op(f"arith.cmpi {predicate}, {x}, {y}")


def select(b: ScalarBuilder, condition: str, x: str, y: str) -> str:
    return b.op(f"arith.select {condition}, {x}, {y}")


def _float_unary(math_op: str):
    return _elementwise(lambda b, x: b.op(f"math.{math_op} {x}"))


for _op, _name in [(ops.sin, "sin"), (ops.cos, "cos"), (ops.tan, "tan"), (ops.sinh, "sinh"), (ops.cosh, "cosh"),
                   (ops.asin, "asin"), (ops.acos, "acos"), (ops.atan, "atan"), (ops.floor, "floor"),
                   (ops.ceil, "ceil"), (ops.rsqrt, "rsqrt")]:
    lowers(_op)(_float_unary(_name))

lowers(ops.atan2)(_elementwise(lambda b, y, x: b.op(f"math.atan2 {y}, {x}")))
lowers(ops.square)(_elementwise(lambda b, x: b.arith("mulf", "muli", x, x)))
lowers(ops.reciprocal)(_elementwise(lambda b, x: b.op(f"arith.divf {b.constant(1)}, {x}")))
lowers(ops.is_nan)(_elementwise(lambda b, x: b.op(f"arith.cmpf uno, {x}, {x}")))
lowers(ops.is_inf)(_elementwise(lambda b, x: b.op(f"arith.cmpf oeq, {b.op(f'math.absf {x}')}, {b.constant(math.inf)}")))
lowers(ops.is_finite)(_elementwise(
    lambda b, x: b.op(f"arith.cmpf olt, {b.op(f'math.absf {x}')}, {b.constant(math.inf)}")))
lowers(ops.logical_and)(_elementwise(lambda b, x, y: b.op(f"arith.andi {x}, {y}")))
lowers(ops.logical_or)(_elementwise(lambda b, x, y: b.op(f"arith.ori {x}, {y}")))
lowers(ops.logical_xor)(_elementwise(lambda b, x, y: b.op(f"arith.xori {x}, {y}")))
lowers(ops.logical_not)(_elementwise(lambda b, x: b.op(f"arith.xori {x}, {b.constant(True)}")))
for _op, _predicate in [(ops.equal, "eq"), (ops.not_equal, "ne"), (ops.less, "lt"), (ops.less_equal, "le"),
                        (ops.greater, "gt"), (ops.greater_equal, "ge")]:
    lowers(_op)(_elementwise(lambda b, x, y, _p=_predicate: cmp(b, _p, x, y)))


@lowers(ops.where)
def _select(em, node, inputs: list[str]) -> str:
    out = node.outputs[0].type
    operands = [(v, value.type) for v, value in zip(inputs, node.inputs)]
    return emit_elementwise(em, out, operands,
                            lambda b, c, x, y: b.op(f"arith.select {c}, {x}, {y}", out.dtype.storage))


_select.op_class = "elementwise"


@lowers(ops.abs)
@_elementwise
def _abs(b: ScalarBuilder, x: str) -> str:
    if b.dtype.is_floating:
        return b.op(f"math.absf {x}")
    if _unsigned(b):
        return x
    return select(b, cmp(b, "lt", x, b.constant(0)), b.op(f"arith.subi {b.constant(0)}, {x}"), x)


@lowers(ops.sign)
@_elementwise
def _sign(b: ScalarBuilder, x: str) -> str:
    zero, one = b.constant(0), b.constant(1)
    if _unsigned(b):
        return select(b, cmp(b, "ne", x, zero), one, zero)
    otherwise = zero  # sign(-0.0) is +0.0 (numpy and TensorFlow); a nan stays nan
    if b.dtype.is_floating:
        otherwise = select(b, b.op(f"arith.cmpf uno, {x}, {x}"), x, zero)
    negative = select(b, cmp(b, "lt", x, zero), b.constant(-1), otherwise)
    return select(b, cmp(b, "gt", x, zero), one, negative)


@lowers(ops.round)
@_elementwise
def _round(b: ScalarBuilder, x: str) -> str:
    return b.op(f"math.roundeven {x}") if b.dtype.is_floating else x


@lowers(ops.sigmoid)
@_elementwise
def _sigmoid(b: ScalarBuilder, x: str) -> str:
    e = b.op(f"math.exp {b.op(f'arith.negf {x}')}")
    return b.op(f"arith.divf {b.constant(1)}, {b.op(f'arith.addf {b.constant(1)}, {e}')}")


@lowers(ops.erf)
@_elementwise
def _erf(b: ScalarBuilder, x: str) -> str:
    if b.dtype.name != "float16":
        return b.op(f"math.erf {x}")  # becomes a libm call (convert-math-to-libm)
    wide = b.em.assign(f"arith.extf {x} : f16 to f32", "s")
    value = b.em.assign(f"math.erf {wide} : f32", "s")
    return b.em.assign(f"arith.truncf {value} : f32 to f16", "s")


@lowers(ops.expm1)
@_elementwise
def _expm1(b: ScalarBuilder, x: str) -> str:
    # Kahan's formula: (u - 1) * x / log(u) with u = exp(x) cancels the rounding error of u for small x.
    one = b.constant(1)
    u = b.op(f"math.exp {x}")
    um1 = b.op(f"arith.subf {u}, {one}")
    general = b.op(f"arith.divf {b.op(f'arith.mulf {um1}, {x}')}, {b.op(f'math.log {u}')}")
    exact = b.op(f"arith.ori {cmp(b, 'eq', um1, b.constant(-1))}, {cmp(b, 'eq', u, b.constant(math.inf))}", "i1")
    return select(b, cmp(b, "eq", u, one), x, select(b, exact, um1, general))


@lowers(ops.log1p)
@_elementwise
def _log1p(b: ScalarBuilder, x: str) -> str:
    # log(u) * x / (u - 1) with u = 1 + x: exact for the rounding error of u (Goldberg's trick).
    one = b.constant(1)
    u = b.op(f"arith.addf {one}, {x}")
    log_u = b.op(f"math.log {u}")
    general = b.op(f"arith.divf {b.op(f'arith.mulf {log_u}, {x}')}, {b.op(f'arith.subf {u}, {one}')}")
    exact = b.op(f"arith.ori {cmp(b, 'eq', u, b.constant(math.inf))}, {cmp(b, 'eq', u, b.constant(0))}", "i1")
    return select(b, cmp(b, "eq", u, one), x, select(b, exact, log_u, general))


@lowers(ops.maximum)
@_elementwise
def _maximum(b: ScalarBuilder, x: str, y: str) -> str:
    if b.dtype.is_floating:
        return b.op(f"arith.maximumf {x}, {y}")
    return b.op(f"arith.max{'u' if _unsigned(b) else 's'}i {x}, {y}")


@lowers(ops.minimum)
@_elementwise
def _minimum(b: ScalarBuilder, x: str, y: str) -> str:
    if b.dtype.is_floating:
        return b.op(f"arith.minimumf {x}, {y}")
    return b.op(f"arith.min{'u' if _unsigned(b) else 's'}i {x}, {y}")


def _safe_divisor(b: ScalarBuilder, y: str) -> tuple[str, str | None]:
    """(divisor that cannot trap, i1 'y == -1' for signed types or None)."""
    one = b.constant(1)
    if _unsigned(b):
        return select(b, cmp(b, "eq", y, b.constant(0)), one, y), None
    minus_one = cmp(b, "eq", y, b.constant(-1))
    trap = b.op(f"arith.ori {cmp(b, 'eq', y, b.constant(0))}, {minus_one}", "i1")
    return select(b, trap, one, y), minus_one


def _needs_floor_fix(b: ScalarBuilder, remainder: str, y: str) -> str:
    """remainder != 0 and its sign differs from the divisor's: truncation went the wrong way."""
    zero = b.constant(0)
    signs_differ = b.op(f"arith.xori {cmp(b, 'lt', remainder, zero)}, {cmp(b, 'lt', y, zero)}", "i1")
    return b.op(f"arith.andi {cmp(b, 'ne', remainder, zero)}, {signs_differ}", "i1")


@lowers(ops.floordiv)
@_elementwise
def _floordiv(b: ScalarBuilder, x: str, y: str) -> str:
    if b.dtype.is_floating:
        return b.op(f"math.floor {b.op(f'arith.divf {x}, {y}')}")
    divisor, minus_one = _safe_divisor(b, y)
    if minus_one is None:
        return b.op(f"arith.divui {x}, {divisor}")
    quotient = b.op(f"arith.divsi {x}, {divisor}")
    remainder = b.op(f"arith.remsi {x}, {divisor}")
    floored = select(b, _needs_floor_fix(b, remainder, y), b.op(f"arith.subi {quotient}, {b.constant(1)}"), quotient)
    return select(b, minus_one, b.op(f"arith.subi {b.constant(0)}, {x}"), floored)


@lowers(ops.floormod)
@_elementwise
def _floormod(b: ScalarBuilder, x: str, y: str) -> str:
    if b.dtype.is_floating:
        remainder = b.op(f"arith.remf {x}, {y}")
        return select(b, _needs_floor_fix(b, remainder, y), b.op(f"arith.addf {remainder}, {y}"), remainder)
    divisor, minus_one = _safe_divisor(b, y)
    if minus_one is None:
        return b.op(f"arith.remui {x}, {divisor}")
    remainder = b.op(f"arith.remsi {x}, {divisor}")
    return select(b, _needs_floor_fix(b, remainder, y), b.op(f"arith.addi {remainder}, {y}"), remainder)


@lowers(ops.pow)
@_elementwise
def _pow(b: ScalarBuilder, x: str, y: str) -> str:
    if b.dtype.is_floating:
        return b.op(f"math.powf {x}, {y}")
    # Exponentiation by squaring, unrolled over the exponent's bits (wrapping, as TensorFlow's integer pow).
    one, zero = b.constant(1), b.constant(0)
    result, base, exponent = one, x, y
    for _ in range(b.dtype.itemsize * 8 - (0 if _unsigned(b) else 1)):
        odd = cmp(b, "ne", b.op(f"arith.andi {exponent}, {one}"), zero)
        result = select(b, odd, b.op(f"arith.muli {result}, {base}"), result)
        base = b.op(f"arith.muli {base}, {base}")
        exponent = b.op(f"arith.shrui {exponent}, {one}")
    return result
