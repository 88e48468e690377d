"""Math ops whose vectorizable polynomial approximation is not accurate enough become libm calls.

The CPU pipeline turns transcendentals into FMA polynomials (`test-math-polynomial-approximation`, see
pipeline.LOWER_CPU), which LLVM vectorizes. For the ops below the f32 polynomials miss the accuracy goal (max
relative error within 2x numpy's, measured against float64 over each op's domain by
tests/e2e/test_math_accuracy.py): sin/cos/tan reduce large arguments poorly (0.17-0.5 relative error near their
zeros over [-100, 100]), sinh cancels near 0 after math-expand-ops (2e-2), atan and erf are 4-40x numpy's error.
The polynomial pass has no op filter, so these ops are taken out of its reach before mlir-opt runs: each f32
`math.<op>` becomes a call of the C library's `<op>f` (scalar, correctly rounded to ~1 ulp).

The rewrite matches the one scalar-op form tfc's emitter prints (`%r = math.<op> %x [fastmath<...>] : f32`,
dialect/lower_elementwise.ScalarBuilder.op); a form it does not match keeps the polynomial, which is correct but
less accurate, and the accuracy test would say so.
"""
from __future__ import annotations

import re

LIBM_F32 = {"sin": "sinf", "cos": "cosf", "tan": "tanf", "atan": "atanf", "erf": "erff", "sinh": "sinhf"}

_SCALAR_OP = re.compile(r"(%[\w.$-]+) = math\.(" + "|".join(LIBM_F32) + r") (%[\w.$-]+)(?: fastmath<[^>]*>)? : f32")


# The polynomial log reads the float's exponent bits, so every subnormal input gives log(FLT_MIN) = -87.3
# (log(1e-45) is -103.3). Subnormal inputs are scaled by 2**23 first and 23*ln(2) subtracted after: still
# vectorizable, exact in the scaling, and no change for normal inputs.
_LOG = re.compile(r"(%[\w.$-]+) = math\.log (%[\w.$-]+)(?: fastmath<[^>]*>)? : f32")


def _log_with_subnormals(match: re.Match) -> str:
    r, x = match.group(1), match.group(2)
    return (f"{r}.min = arith.constant 1.17549435e-38 : f32\n"
            f"{r}.scale = arith.constant 8388608.0 : f32\n"
            f"{r}.shift = arith.constant 15.9423847 : f32\n"
            f"{r}.tiny = arith.cmpf olt, {x}, {r}.min : f32\n"
            f"{r}.scaled = arith.mulf {x}, {r}.scale : f32\n"
            f"{r}.in = arith.select {r}.tiny, {r}.scaled, {x} : f32\n"
            f"{r}.log = math.log {r}.in : f32\n"
            f"{r}.fixed = arith.subf {r}.log, {r}.shift : f32\n"
            f"{r} = arith.select {r}.tiny, {r}.fixed, {r}.log : f32")


def route_inaccurate_ops(mlir: str) -> str:
    """`mlir` (a module's top-level ops) with the LIBM_F32 ops as libm calls (plus their declarations) and
    f32 logs that handle subnormal inputs."""
    mlir = _LOG.sub(_log_with_subnormals, mlir)
    used: set[str] = set()

    def call(match: re.Match) -> str:
        symbol = LIBM_F32[match.group(2)]
        used.add(symbol)
        return f"{match.group(1)} = func.call @{symbol}({match.group(3)}) : (f32) -> f32"

    text = _SCALAR_OP.sub(call, mlir)
    declarations = "".join(f"func.func private @{symbol}(f32) -> f32\n" for symbol in sorted(used))
    return text + ("\n" + declarations if declarations else "")
