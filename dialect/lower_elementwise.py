"""Elementwise ops lower through ONE `linalg.generic` emitter; each op contributes only its scalar body.

Broadcasting is expressed in the indexing maps: an operand of lower rank maps to the trailing loop dimensions,
and a size-1 dimension facing a larger one reads index 0. `linalg-fuse-elementwise-ops` then fuses chains of
these generics into one loop nest.
"""
from __future__ import annotations

from typing import Callable

from tfc import dtypes, ops
from tfc.graph import Node, TensorType

from .lowering import Emitter, lowers

__all__ = ["emit_elementwise", "ScalarBuilder", "computed_as"]


class ScalarBuilder:
    """Emits scalar ops inside a linalg.generic body. `dtype` is the element type being computed."""

    def __init__(self, em: Emitter, dtype: dtypes.DType):
        self.em = em
        self.dtype = dtype

    def op(self, text: str, type: str | None = None) -> str:
        """`%new = <text> : <type>` (type defaults to the element type)."""
        return self.em.assign(f"{text} : {type or self.dtype.storage}", "s")

    def arith(self, float_op: str, int_op: str, *args: str) -> str:
        """The float or the integer variant of an arith op, chosen by dtype (fastmath left to the pipeline)."""
        return self.op(f"arith.{float_op if self.dtype.is_floating else int_op} {', '.join(args)}")

    def constant(self, value) -> str:
        return self.em.scalar(value, self.dtype)


def broadcast_exprs(operand: TensorType, out: TensorType) -> list[str]:
    """Index expressions reading `operand` (numpy-broadcast against `out`) at loop indices d0..d{out.rank-1}."""
    offset = out.rank - operand.rank
    return ["0" if size == 1 and out.shape[offset + i] != 1 else f"d{offset + i}"
            for i, size in enumerate(operand.shape)]


def affine_map(operand: TensorType, out: TensorType) -> str:
    dims = ", ".join(f"d{i}" for i in range(out.rank))
    return f"affine_map<({dims}) -> ({', '.join(broadcast_exprs(operand, out))})>"


def result_sizes(em: Emitter, out: TensorType, operands: list[tuple[str, TensorType]]) -> list[str]:
    """Index values for the dynamic dimensions of `out`, read from an operand that has that dimension."""
    sizes = []
    for axis, size in enumerate(out.shape):
        if size is not None:
            continue
        for value, type in operands:
            i = axis - (out.rank - type.rank)
            if i >= 0 and type.shape[i] is None:
                sizes.append(em.dim(value, type, i))
                break
        else:
            raise NotImplementedError(f"cannot find the run-time size of dimension {axis} of {out.mlir()}")
    return sizes


def emit_elementwise(em: Emitter, out: TensorType, operands: list[tuple[str, TensorType]],
                     body: Callable[..., str], sizes: list[str] | None = None) -> str:
    """A parallel linalg.generic computing `body(builder, *scalars)` at every index of `out`. `sizes`: index
    values for out's dynamic dimensions (default: read from an operand that has the dimension)."""
    operands = list(operands)
    init = em.empty(out, sizes if sizes is not None else result_sizes(em, out, operands))
    maps = [affine_map(t, out) for _, t in operands] + [affine_map(out, out)]
    for i, (value, type) in enumerate(operands):
        if value in em.unit_dims:  # read the value before its size-1 axes were inserted, through the map
            source, source_type, inserted = em.unit_dims[value]
            exprs = [e for axis, e in enumerate(broadcast_exprs(type, out)) if axis not in inserted]
            maps[i] = f"affine_map<({', '.join(f'd{j}' for j in range(out.rank))}) -> ({', '.join(exprs)})>"
            operands[i] = (source, source_type)
    iterators = ", ".join(['"parallel"'] * out.rank)
    ins = ", ".join(v for v, _ in operands)
    in_types = ", ".join(t.mlir(storage=True) for _, t in operands)
    result = em.fresh("ew")
    header = (f"{result} = linalg.generic {{indexing_maps = [{', '.join(maps)}], iterator_types = [{iterators}]}} "
              + (f"ins({ins} : {in_types}) " if operands else "")
              + f"outs({init} : {out.mlir(storage=True)}) {{")
    em.emit(header)
    args = [em.fresh("a") for _ in operands]
    out_arg = em.fresh("o")
    block_args = [f"{a}: {t.dtype.storage}" for a, (_, t) in zip(args, operands)] + [f"{out_arg}: {out.dtype.storage}"]
    em.emit(f"^bb0({', '.join(block_args)}):")
    value = body(ScalarBuilder(em, operands[0][1].dtype if operands else out.dtype), *args)
    em.emit(f"  linalg.yield {value} : {out.dtype.storage}")
    em.emit(f"}} -> {out.mlir(storage=True)}{em.loc}")
    return result


def computed_as(dtype: dtypes.DType) -> dtypes.DType:
    """The type an elementwise body computes `dtype` values in. bfloat16 bodies run in float32 and round the
    result once: what eager execution does, and the CPU has no bf16 arithmetic to lower to anyway."""
    return dtypes.float32 if dtype == dtypes.bfloat16 else dtype


def _widen(em: Emitter, value: str, dtype: dtypes.DType) -> str:
    if computed_as(dtype) == dtype:
        return value
    return em.assign(f"arith.extf {value} : {dtype.storage} to {computed_as(dtype).storage}", "s")


def _narrow(em: Emitter, value: str, dtype: dtypes.DType) -> str:
    """float32 -> bfloat16, rounding to nearest even in integer ops. Not `arith.truncf`: on AVX512-BF16 CPUs LLVM
    lowers that to vcvtneps2bf16, which flushes subnormals to zero (ml_dtypes and TensorFlow keep them)."""
    if computed_as(dtype) == dtype:
        return value
    def i32(text: str) -> str:
        return em.assign(f"{text} : i32", "s")

    def const(value: int, type: str = "i32") -> str:
        return em.assign(f"arith.constant {value} : {type}", "cst")
    bits = em.assign(f"arith.bitcast {value} : f32 to i32", "s")
    high = i32(f"arith.shrui {bits}, {const(16)}")
    # Adding 0x7FFF plus the lowest kept bit carries into the kept half exactly when the dropped half is above
    # one half, or equal to it with an odd kept half; the carry runs into the exponent for overflow to inf.
    bias = i32(f"arith.addi {i32(f'arith.andi {high}, {const(1)}')}, {const(0x7FFF)}")
    rounded = i32(f"arith.shrui {i32(f'arith.addi {bits}, {bias}')}, {const(16)}")
    quiet_nan = i32(f"arith.ori {high}, {const(0x40)}")  # keeps the sign and the top of the payload
    is_nan = em.assign(f"arith.cmpf uno, {value}, {value} : f32", "s")
    chosen = em.assign(f"arith.trunci {i32(f'arith.select {is_nan}, {quiet_nan}, {rounded}')} : i32 to i16", "s")
    return em.assign(f"arith.bitcast {chosen} : i16 to {dtype.storage}", "s")


def round_from_float32(em: Emitter, value: str, dtype: dtypes.DType) -> str:
    """A float32 scalar rounded (to nearest even) to the 16-bit float `dtype`: what a float32 accumulator of a
    bfloat16/float16 reduction or contraction becomes at the end."""
    if dtype == dtypes.bfloat16:
        return _narrow(em, value, dtype)
    return em.assign(f"arith.truncf {value} : f32 to {dtype.storage}", "s")


def _elementwise(scalar_body: Callable[..., str]):
    """Turns a scalar body into a node lowering. The body sees bfloat16 operands widened to float32 (and a float32
    builder); its result is rounded back once, so per-op bodies never need a bfloat16 case."""
    def lower(em: Emitter, node: Node, inputs: list[str]) -> str:
        operands = [(v, value.type) for v, value in zip(inputs, node.inputs)]
        out = node.outputs[0].type

        def body(b: ScalarBuilder, *args: str) -> str:
            wide = [_widen(em, a, t.dtype) for a, (_, t) in zip(args, operands)]
            return _narrow(em, scalar_body(ScalarBuilder(em, computed_as(b.dtype)), *wide, **node.attrs), out.dtype)
        return emit_elementwise(em, out, operands, body)
    lower.op_class = "elementwise"  # passes/schedules.py picks the codegen strategy by this class
    return lower


# --------------------------------------------------------------------------------------- one body per op
lowers(ops.add)(_elementwise(lambda b, x, y: b.arith("addf", "addi", x, y)))
lowers(ops.subtract)(_elementwise(lambda b, x, y: b.arith("subf", "subi", x, y)))
lowers(ops.multiply)(_elementwise(lambda b, x, y: b.arith("mulf", "muli", x, y)))
lowers(ops.divide)(_elementwise(lambda b, x, y: b.op(f"arith.divf {x}, {y}")))
lowers(ops.exp)(_elementwise(lambda b, x: b.op(f"math.exp {x}")))
lowers(ops.log)(_elementwise(lambda b, x: b.op(f"math.log {x}")))
lowers(ops.tanh)(_elementwise(lambda b, x: b.op(f"math.tanh {x}")))
lowers(ops.sqrt)(_elementwise(lambda b, x: b.op(f"math.sqrt {x}")))


@lowers(ops.negative)
@_elementwise
def _negative(b: ScalarBuilder, x: str) -> str:
    if b.dtype.is_floating:
        return b.op(f"arith.negf {x}")
    return b.op(f"arith.subi {b.constant(0)}, {x}")


@lowers(ops.cast)
@_elementwise
def _cast(b: ScalarBuilder, x: str, *, dtype) -> str:
    return convert_scalar(b, x, b.dtype, computed_as(dtypes.as_dtype(dtype)))


def convert_scalar(b: ScalarBuilder, x: str, source: dtypes.DType, target: dtypes.DType) -> str:
    """arith conversions with TensorFlow's semantics: float -> int truncates, nonzero -> True."""
    src, dst = source.storage, target.storage
    if source == target:
        return x
    if target.is_bool:
        zero = b.constant(0)
        if source.is_floating:
            return b.op(f"arith.cmpf une, {x}, {zero}", src)
        return b.op(f"arith.cmpi ne, {x}, {zero}", src)
    unsigned_source = source.kind in "ub"
    if source.is_floating and target.is_floating:
        op = "extf" if target.itemsize > source.itemsize else "truncf"
    elif source.is_floating:
        op = "fptoui" if target.kind == "u" else "fptosi"
    elif target.is_floating:
        op = "uitofp" if unsigned_source else "sitofp"
    elif target.itemsize > source.itemsize or source.is_bool:
        op = "extui" if unsigned_source else "extsi"
    elif target.itemsize < source.itemsize:
        op = "trunci"
    else:
        return x  # int8 <-> uint8: same bits
    return b.em.assign(f"arith.{op} {x} : {src} to {dst}", "s")
