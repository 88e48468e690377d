"""Lowerings of creation and data movement: iota, broadcast_to, concat, slice, reverse, pad, gather, and the
stateless random generator (the same integer steps as tfc.ops.random.hash_bits, on i32)."""
from __future__ import annotations

from tfc import ops
from tfc.graph import Node, TensorType
from tfc.ops import random as random_ops
from tfc.ops.creation import iota
from tfc.autodiff import stop_gradient_op
from tfc.ops.shape import broadcast_like, shape_op

from .lower_elementwise import ScalarBuilder, emit_elementwise
from .lower_structured import _loops
from .lowering import Emitter, lowers


def _static(node: Node) -> None:
    for value in list(node.inputs) + list(node.outputs):
        if not value.type.is_static:
            raise NotImplementedError(f"tfc.{node.op.name} with dimensions unknown until run time")


def loop_index(b: ScalarBuilder, axis: int, to: str = "i64") -> str:
    index = b.em.assign(f"linalg.index {axis} : index", "i")
    return b.em.assign(f"arith.index_cast {index} : index to {to}", "s")


@lowers(iota)
def _iota(em: Emitter, node: Node, inputs: list[str]) -> str:
    out = node.outputs[0].type

    def body(b: ScalarBuilder) -> str:
        if out.dtype.is_floating:
            return b.em.assign(f"arith.sitofp {loop_index(b, node.attrs['axis'])} : i64 to {out.dtype.storage}", "s")
        return loop_index(b, node.attrs["axis"], out.dtype.storage)
    return emit_elementwise(em, out, [], body)


@lowers(ops.broadcast_to)
def _broadcast_to(em: Emitter, node: Node, inputs: list[str]) -> str:
    return emit_elementwise(em, node.outputs[0].type, [(inputs[0], node.inputs[0].type)], lambda b, x: x)


@lowers(stop_gradient_op)
def _stop_gradient(em: Emitter, node: Node, inputs: list[str]) -> str:
    return inputs[0]


@lowers(broadcast_like)
def _broadcast_like(em: Emitter, node: Node, inputs: list[str]) -> str:
    like, out = node.inputs[1].type, node.outputs[0].type
    sizes = [em.dim(inputs[1], like, axis) for axis, d in enumerate(out.shape) if d is None]
    return emit_elementwise(em, out, [(inputs[0], node.inputs[0].type)], lambda b, x: x, sizes)


@lowers(shape_op)
def _shape(em: Emitter, node: Node, inputs: list[str]) -> str:
    x, out = node.inputs[0].type, node.outputs[0].type
    dims = [em.assign(f"arith.index_cast {em.dim(inputs[0], x, axis)} : index to {out.dtype.storage}", "d")
            for axis in range(x.rank)]
    if not dims:
        return em.assign(f"arith.constant dense<> : {out.mlir(storage=True)}", "shape")
    return em.assign(f"tensor.from_elements {', '.join(dims)} : {out.mlir(storage=True)}", "shape")


def _parallel(rank: int) -> str:
    return ", ".join(['"parallel"'] * rank)


def _list(values) -> str:
    return "[" + ", ".join(str(v) for v in values) + "]"


def emit_indexed(em: Emitter, out: TensorType, body) -> str:
    """A parallel generic over `out` with no inputs: `body(builder, indices)` computes each element, typically by
    `tensor.extract` from tensors defined outside. Slices, concat and padding use it instead of
    extract_slice/insert_slice/tensor.pad, whose bufferization copies strided memrefs through the `memrefCopy`
    runtime helper (which compiled modules do not link)."""
    def scalar_body(b: ScalarBuilder) -> str:
        indices = [b.em.assign(f"linalg.index {d} : index", "i") for d in range(out.rank)]
        return body(b, indices)
    return emit_elementwise(em, out, [], scalar_body)


def _index_op(b: ScalarBuilder, text: str) -> str:
    return b.em.assign(f"{text} : index", "s")


def _extract(b: ScalarBuilder, tensor: str, type: TensorType, indices: list[str]) -> str:
    return b.em.assign(f"tensor.extract {tensor}[{', '.join(indices)}] : {type.mlir(storage=True)}", "s")


def _clamp(b: ScalarBuilder, index: str, size: int) -> str:
    low = _index_op(b, f"arith.maxsi {index}, {b.em.index(0)}")
    return _index_op(b, f"arith.minsi {low}, {b.em.index(max(size - 1, 0))}")


@lowers(ops.concat)
def _concat(em: Emitter, node: Node, inputs: list[str]) -> str:
    _static(node)
    out, axis = node.outputs[0].type, node.attrs["axis"]

    def body(b: ScalarBuilder, indices: list[str]) -> str:
        # Later pieces win where their range starts: select from the last piece back to the first.
        value, offset = None, 0
        starts = []
        for operand in node.inputs:
            starts.append(offset)
            offset += operand.type.shape[axis]
        for value_name, operand, start in zip(inputs, node.inputs, starts):
            t = operand.type
            local = _clamp(b, _index_op(b, f"arith.subi {indices[axis]}, {b.em.index(start)}"), t.shape[axis])
            element = _extract(b, value_name, t, indices[:axis] + [local] + indices[axis + 1:])
            if value is None:
                value = element
            else:
                inside = b.em.assign(f"arith.cmpi uge, {indices[axis]}, {b.em.index(start)} : index", "s")
                value = b.op(f"arith.select {inside}, {element}, {value}", out.dtype.storage)
        return value
    return emit_indexed(em, out, body)


@lowers(ops.strided_slice)
def _slice(em: Emitter, node: Node, inputs: list[str]) -> str:
    _static(node)
    xt, out = node.inputs[0].type, node.outputs[0].type
    begin, strides = node.attrs["begin"], node.attrs["strides"]

    def body(b: ScalarBuilder, indices: list[str]) -> str:
        source = [_index_op(b, f"arith.addi {_index_op(b, f'arith.muli {i}, {b.em.index(s)}')}, {b.em.index(o)}")
                  for i, s, o in zip(indices, strides, begin)]
        return _extract(b, inputs[0], xt, source)
    return emit_indexed(em, out, body)


@lowers(ops.reverse)
def _reverse(em: Emitter, node: Node, inputs: list[str]) -> str:
    _static(node)
    xt = node.inputs[0].type
    loops = _loops(xt.rank)
    exprs = [f"{xt.shape[i] - 1} - d{i}" if i in node.attrs["axes"] else f"d{i}" for i in range(xt.rank)]
    init = em.empty(xt)
    result = em.fresh("rev")
    s = xt.dtype.storage
    em.emit(f"{result} = linalg.generic {{indexing_maps = [affine_map<({loops}) -> ({', '.join(exprs)})>, "
            f"affine_map<({loops}) -> ({loops})>], iterator_types = [{_parallel(xt.rank)}]}} "
            f"ins({inputs[0]} : {xt.mlir(storage=True)}) outs({init} : {xt.mlir(storage=True)}) {{")
    a, o = em.fresh("a"), em.fresh("o")
    em.emit(f"^bb0({a}: {s}, {o}: {s}):")
    em.emit(f"  linalg.yield {a} : {s}")
    em.emit(f"}} -> {xt.mlir(storage=True)}{em.loc}")
    return result


def emit_pad(em: Emitter, x: str, xt: TensorType, out: TensorType, low: list[int], value: str) -> str:
    """`x` placed at offset `low` inside `out`, the rest `value` (a scalar SSA value)."""
    def body(b: ScalarBuilder, indices: list[str]) -> str:
        inside, source = None, []
        for i, (index, offset, size) in enumerate(zip(indices, low, xt.shape)):
            shifted = _index_op(b, f"arith.subi {index}, {b.em.index(offset)}")
            ok = b.em.assign(f"arith.cmpi ult, {shifted}, {b.em.index(size)} : index", "s")  # unsigned: also >= 0
            inside = ok if inside is None else b.em.assign(f"arith.andi {inside}, {ok} : i1", "s")
            source.append(_clamp(b, shifted, size))
        if inside is None:
            return _extract(b, x, xt, [])
        element = _extract(b, x, xt, source)
        return b.op(f"arith.select {inside}, {element}, {value}", out.dtype.storage)
    return emit_indexed(em, out, body)


@lowers(ops.pad)
def _pad(em: Emitter, node: Node, inputs: list[str]) -> str:
    _static(node)
    xt, vt, out = node.inputs[0].type, node.inputs[1].type, node.outputs[0].type
    value = em.assign(f"tensor.extract {inputs[1]}[] : {vt.mlir(storage=True)}", "padv")
    if 0 in xt.shape:
        return emit_elementwise(em, out, [], lambda b: value)
    return emit_pad(em, inputs[0], xt, out, list(node.attrs["paddings"][0::2]), value)


@lowers(ops.gather)
def _gather(em: Emitter, node: Node, inputs: list[str]) -> str:
    _static(node)
    (params, indices), (pt, it) = inputs, [v.type for v in node.inputs]
    out, axis = node.outputs[0].type, node.attrs["axis"]
    loops = _loops(out.rank)
    index_map = f"affine_map<({loops}) -> ({', '.join(f'd{axis + i}' for i in range(it.rank))})>"
    init = em.empty(out)
    result = em.fresh("gather")
    em.emit(f"{result} = linalg.generic {{indexing_maps = [{index_map}, affine_map<({loops}) -> ({loops})>], "
            f"iterator_types = [{_parallel(out.rank)}]}} ins({indices} : {it.mlir(storage=True)}) "
            f"outs({init} : {out.mlir(storage=True)}) {{")
    i, o = em.fresh("idx"), em.fresh("o")
    em.emit(f"^bb0({i}: {it.dtype.storage}, {o}: {out.dtype.storage}):")
    position = em.assign(f"arith.index_cast {i} : {it.dtype.storage} to index", "s")
    # Out-of-range indices are clamped: native code must not read outside the buffer (eager mode raises).
    position = em.assign(f"arith.maxsi {position}, {em.index(0)} : index", "s")
    position = em.assign(f"arith.minsi {position}, {em.index(pt.shape[axis] - 1)} : index", "s")
    coords = [em.assign(f"linalg.index {d} : index", "i") for d in range(axis)] + [position]
    coords += [em.assign(f"linalg.index {axis + it.rank + d} : index", "i") for d in range(pt.rank - axis - 1)]
    value = em.assign(f"tensor.extract {params}[{', '.join(coords)}] : {pt.mlir(storage=True)}", "s")
    em.emit(f"  linalg.yield {value} : {out.dtype.storage}")
    em.emit(f"}} -> {out.mlir(storage=True)}{em.loc}")
    return result


def _i32(value: int) -> int:
    """An unsigned 32-bit constant as the signed literal arith.constant accepts for i32."""
    return value - (1 << 32) if value >= 1 << 31 else value


@lowers(random_ops._random_uniform)
def _random_uniform(em: Emitter, node: Node, inputs: list[str]) -> str:
    out = node.outputs[0].type
    _static(node)

    def body(b: ScalarBuilder) -> str:
        i32 = lambda v: b.em.assign(f"arith.constant {_i32(v)} : i32", "c")  # noqa: E731
        op = lambda text: b.em.assign(f"{text} : i32", "s")  # noqa: E731
        linear, stride = None, 1
        for axis in reversed(range(out.rank)):
            term = op(f"arith.muli {loop_index(b, axis, 'i32')}, {i32(stride)}")
            linear = term if linear is None else op(f"arith.addi {linear}, {term}")
            stride *= out.shape[axis]
        x = linear if linear is not None else i32(0)
        for key in node.attrs["key"]:
            x = op(f"arith.xori {op(f'arith.muli {x}, {i32(random_ops.GOLDEN)}')}, {i32(key)}")
            for shift, multiplier in ((16, random_ops.MIX1), (13, random_ops.MIX2)):
                x = op(f"arith.xori {x}, {op(f'arith.shrui {x}, {i32(shift)}')}")
                x = op(f"arith.muli {x}, {i32(multiplier)}")
            x = op(f"arith.xori {x}, {op(f'arith.shrui {x}, {i32(16)}')}")
        kept = random_ops.UNIFORM_BITS[out.dtype.name]
        if kept < 32:
            x = op(f"arith.shrui {x}, {i32(32 - kept)}")
        value = b.em.assign(f"arith.uitofp {x} : i32 to {out.dtype.storage}", "s")
        return b.op(f"arith.mulf {value}, {b.constant(2.0 ** -kept)}")
    return emit_elementwise(em, out, [], body)
