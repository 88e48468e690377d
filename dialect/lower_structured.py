"""Lowerings of contractions, reductions and data movement: matmul, reduce_sum, transpose, reshape."""
from __future__ import annotations

from tfc import ops
from tfc.graph import Node, TensorType

from .lower_elementwise import ScalarBuilder, broadcast_exprs, result_sizes
from .lowering import Emitter, lowers


def _loops(n: int) -> str:
    return ", ".join(f"d{i}" for i in range(n))


def _op_class(name: str):
    """Tags a lowering with its op class; passes/schedules.py picks the codegen strategy by it."""
    def tag(fn):
        fn.op_class = name
        return fn
    return tag


def _matmul_sizes(em: Emitter, out: TensorType, a: tuple[str, TensorType], b: tuple[str, TensorType]) -> list[str]:
    """Index values for the result's dynamic dimensions: m from a, n from b, a batch size from either operand."""
    sizes = []
    for axis, size in enumerate(out.shape):
        if size is not None:
            continue
        if axis == out.rank - 1:
            sizes.append(em.dim(b[0], b[1], b[1].rank - 1))
        elif axis == out.rank - 2:
            sizes.append(em.dim(a[0], a[1], a[1].rank - 2))
        else:  # a broadcast batch dimension: an operand that has it dynamic knows its size
            value, type = next((v, t) for v, t in (a, b)
                               if axis >= out.rank - t.rank and t.shape[axis - (out.rank - t.rank)] is None)
            sizes.append(em.dim(value, type, axis - (out.rank - type.rank)))
    return sizes


@lowers(ops.matmul)
@_op_class("matmul")
def _matmul(em: Emitter, node: Node, inputs: list[str]) -> str:
    (a, b), (ta, tb) = inputs, [v.type for v in node.inputs]
    out = node.outputs[0].type
    acc = em.fill(out, 0, _matmul_sizes(em, out, (a, ta), (b, tb)))
    if out.rank == 2:  # the named op: transform schedules and upstream patterns match it directly
        return em.assign(f"linalg.matmul ins({a}, {b} : {ta.mlir(storage=True)}, {tb.mlir(storage=True)}) "
                         f"outs({acc} : {out.mlir(storage=True)}) -> {out.mlir(storage=True)}", "mm")
    # Batched, with numpy broadcasting of the batch dimensions: loops (batch..., m, n, k).
    batch = out.rank - 2
    m, n, k = f"d{batch}", f"d{batch + 1}", f"d{batch + 2}"
    loops = _loops(batch + 3)

    def operand_map(t: TensorType, last_two: tuple[str, str]) -> str:
        dims = broadcast_exprs(TensorType(t.shape[:-2], t.dtype), TensorType(out.shape[:-2], out.dtype))
        dims += list(last_two)
        return f"affine_map<({loops}) -> ({', '.join(dims)})>"

    maps = [operand_map(ta, (m, k)), operand_map(tb, (k, n)),
            f"affine_map<({loops}) -> ({', '.join(f'd{i}' for i in range(batch))}{', ' if batch else ''}{m}, {n})>"]
    iterators = ", ".join(['"parallel"'] * (batch + 2) + ['"reduction"'])
    result = em.fresh("bmm")
    em.emit(f"{result} = linalg.generic {{indexing_maps = [{', '.join(maps)}], iterator_types = [{iterators}]}} "
            f"ins({a}, {b} : {ta.mlir(storage=True)}, {tb.mlir(storage=True)}) outs({acc} : {out.mlir(storage=True)}) {{")
    x, y, o = em.fresh("a"), em.fresh("b"), em.fresh("o")
    s = out.dtype.storage
    em.emit(f"^bb0({x}: {s}, {y}: {s}, {o}: {s}):")
    sb = ScalarBuilder(em, out.dtype)
    if out.dtype.is_floating:
        # contract: mul+add may become one FMA (as in BLAS); reassoc: the k accumulation may be vectorized.
        product = sb.op(f"arith.mulf {x}, {y} fastmath<contract>")
        total = sb.op(f"arith.addf {o}, {product} fastmath<reassoc,contract>")
    else:
        product = sb.arith("mulf", "muli", x, y)
        total = sb.arith("addf", "addi", o, product)
    em.emit(f"  linalg.yield {total} : {s}")
    em.emit(f"}} -> {out.mlir(storage=True)}{em.loc}")
    return result


def emit_reduction(em: Emitter, x: str, xt: TensorType, axes, keepdims: bool, identity, combine) -> str:
    """Reduces `x` over `axes` with `combine(builder, element, accumulator)`, starting from `identity`."""
    kept = [i for i in range(xt.rank) if i not in axes]
    reduced = TensorType([xt.shape[i] for i in kept], xt.dtype)
    sizes = [em.dim(x, xt, i) for i in kept if xt.shape[i] is None]
    acc = em.fill(reduced, identity, sizes)
    loops = _loops(xt.rank)
    in_map = f"affine_map<({loops}) -> ({loops})>"
    out_map = f"affine_map<({loops}) -> ({', '.join(f'd{i}' for i in kept)})>"
    iterators = ", ".join('"reduction"' if i in axes else '"parallel"' for i in range(xt.rank))
    result = em.fresh("red")
    s = xt.dtype.storage
    em.emit(f"{result} = linalg.generic {{indexing_maps = [{in_map}, {out_map}], iterator_types = [{iterators}]}} "
            f"ins({x} : {xt.mlir(storage=True)}) outs({acc} : {reduced.mlir(storage=True)}) {{")
    element, accumulator = em.fresh("a"), em.fresh("o")
    em.emit(f"^bb0({element}: {s}, {accumulator}: {s}):")
    em.emit(f"  linalg.yield {combine(ScalarBuilder(em, xt.dtype), element, accumulator)} : {s}")
    em.emit(f"}} -> {reduced.mlir(storage=True)}{em.loc}")
    if keepdims:
        kept_type = TensorType([1 if i in axes else d for i, d in enumerate(xt.shape)], xt.dtype)
        expanded = em.reshape(result, reduced, kept_type)
        # Elementwise consumers read the reduction itself (lower_elementwise.py): the reshape would stop
        # tile-and-fuse of the row schedule, and it stays dead when every consumer is elementwise.
        em.unit_dims[expanded] = (result, reduced, sorted(axes))
        return expanded
    return result


@lowers(ops.reduce_sum)
@_op_class("reduction")
def _reduce_sum(em: Emitter, node: Node, inputs: list[str]) -> str:
    def add(b: ScalarBuilder, element: str, acc: str) -> str:
        # reassoc lets LLVM vectorize the accumulation (without it the loop stays scalar).
        if b.dtype.is_floating:
            return b.op(f"arith.addf {element}, {acc} fastmath<reassoc>")
        return b.op(f"arith.addi {element}, {acc}")
    return emit_reduction(em, inputs[0], node.inputs[0].type, node.attrs["axes"], node.attrs["keepdims"], 0, add)


@lowers(ops.transpose)
def _transpose(em: Emitter, node: Node, inputs: list[str]) -> str:
    xt, out = node.inputs[0].type, node.outputs[0].type
    perm = node.attrs["perm"]
    sizes = [em.dim(inputs[0], xt, p) for p in perm if xt.shape[p] is None]
    init = em.empty(out, sizes)
    return em.assign(f"linalg.transpose ins({inputs[0]} : {xt.mlir(storage=True)}) outs({init} : "
                     f"{out.mlir(storage=True)}) permutation = [{', '.join(map(str, perm))}]", "tr")


@lowers(ops.reshape)
def _reshape(em: Emitter, node: Node, inputs: list[str]) -> str:
    return em.reshape(inputs[0], node.inputs[0].type, node.outputs[0].type)
