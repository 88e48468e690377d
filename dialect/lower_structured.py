"""Lowerings of contractions, reductions and data movement: matmul, reduce_sum, transpose, reshape."""
from __future__ import annotations

import contextlib
import math

from tfc import dtypes, ops
from tfc.graph import Node, TensorType
from tfc.ops.shape import unbroadcast, unbroadcast_axes

from .lower_elementwise import ScalarBuilder, broadcast_exprs, emit_elementwise, result_sizes, round_from_float32
from . import epilogue, matmul_kernel
from .lowering import Emitter, lowers


def _loops(n: int) -> str:
    return ", ".join(f"d{i}" for i in range(n))


def _op_class(name: str):
    """Tags a lowering with its op class; passes/schedules.py picks the codegen strategy by it."""
    def tag(fn):
        fn.op_class = name
        return fn
    return tag


def accumulator_dtype(dtype: dtypes.DType) -> dtypes.DType:
    """16-bit floats accumulate in float32 and round once at the end (as eager execution, numpy's float16 sums
    and TensorFlow's CPU kernels do): rounding every step to 8 (bfloat16) or 11 (float16) significant bits loses
    whole addends once the sum is large (a bfloat16 sum of 5000 x 0.1 stalls at 32)."""
    return dtypes.float32 if dtype in (dtypes.float16, dtypes.bfloat16) else dtype


def widen(em: Emitter, value: str, dtype: dtypes.DType) -> str:
    """A scalar of `dtype` as its accumulator type (inside a generic body)."""
    wide = accumulator_dtype(dtype)
    return value if wide == dtype else em.assign(f"arith.extf {value} : {dtype.storage} to {wide.storage}", "s")


def round_accumulator(em: Emitter, value: str, wide: TensorType, dtype: dtypes.DType) -> str:
    """The float32 accumulator tensor `value` rounded once to `dtype` (nothing to do when they are the same)."""
    if wide.dtype == dtype:
        return value
    return emit_elementwise(em, TensorType(wide.shape, dtype), [(value, wide)],
                            lambda b, x: round_from_float32(em, x, dtype))


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


@contextlib.contextmanager
def fused_epilogue(em: Emitter, node: Node, dtype: dtypes.DType, wide: dtypes.DType):
    """Plans the elementwise consumers fused into the kernel computing `node` (dialect/epilogue.py; none when it
    accumulates in a wider type than its result) and yields (hook for the kernel or None, finish, destination):
    `finish(value)` records the kernel's result as the fused nodes' result; destination is the tensor the kernel
    may build its result in (a variable the result is assigned to: `epilogue.destination`) or None."""
    fused = epilogue.plan(em, node, dtype) if wide == dtype else []
    hook, into = None, None
    if fused:  # bias, activation, ...: applied to each block in cache
        epilogue.lower_early(em, node, fused)
        em.lowered.update(id(n) for n in fused)
        into = epilogue.destination(em, fused)

        def hook(em, block, i0, j0, mc, nc, output):
            read_from = {id(into): output} if into is not None else {}
            return epilogue.apply(em, node, fused, block, (i0, j0), (mc, nc), read_from)

    def finish(result: str) -> None:
        if fused:
            em.values[id(fused[-1].outputs[0])] = result
    yield hook, finish, (em.values[id(into)] if into is not None else None)


def _kernel_operand(em: Emitter, value, name: str) -> matmul_kernel.Operand:
    """The operand as the kernel reads it: a transpose of its last two axes is read in place (the kernel indexes
    it transposed), so the transposes of a gradient's `matmul(x, g, transpose_a=True)` copy nothing; batch axes
    are flattened into one ([batch, rows, cols]), or dropped when they are all 1 (the operand is broadcast)."""
    producer, type, transposed = value.producer, value.type, False
    swap = list(range(type.rank - 2)) + [type.rank - 1, type.rank - 2]
    if producer is not None and producer.op is ops.transpose.op and list(producer.attrs["perm"]) == swap:
        source = producer.inputs[0]
        name, type, transposed = em.values[id(source)], source.type, True
    lead = type.shape[:-2]
    if all(d == 1 for d in lead):
        groups, shape = [list(range(type.rank - 1)), [type.rank - 1]], type.shape[-2:]
    else:
        groups, shape = [list(range(type.rank - 2)), [type.rank - 2], [type.rank - 1]], \
            ((math.prod(lead) if None not in lead else None),) + type.shape[-2:]
    if len(shape) != type.rank:
        flat = TensorType(shape, type.dtype)
        name = em.assign(f"tensor.collapse_shape {name} {groups} : {type.mlir(storage=True)} into "
                         f"{flat.mlir(storage=True)}", "flat")
        type = flat
    return matmul_kernel.Operand(name, type, transposed)


def _kernel_batch(node: Node) -> tuple | None:
    """The batch axes of a matmul the kernel computes: every operand has the result's batch axes or none
    (all 1); run-time batch sizes only when one operand is batched (two run-time sizes could be 1 and n)."""
    out = node.outputs[0].type
    batch = out.shape[:-2]
    batched = [v.type.shape[:-2] == batch for v in node.inputs]
    if not all(b or all(d == 1 for d in v.type.shape[:-2]) for b, v in zip(batched, node.inputs)):
        return None
    if None in batch and all(batched):
        return None
    return batch


@lowers(ops.matmul)
@_op_class("matmul")
def _matmul(em: Emitter, node: Node, inputs: list[str]) -> str:
    (a, b), (ta, tb) = inputs, [v.type for v in node.inputs]
    out = node.outputs[0].type
    wide = TensorType(out.shape, accumulator_dtype(out.dtype))
    tiles = matmul_kernel.tiles_for(em.vector_bits, out.dtype, out.shape[-1])
    batch = _kernel_batch(node) if tiles is not None else None
    if batch is not None:  # tfc's CPU kernel (packed, blocked, register-tiled, threaded)
        return round_accumulator(em, _matmul_kernel(em, node, inputs, batch, tiles), wide, out.dtype)
    acc = em.fill(wide, 0, _matmul_sizes(em, out, (a, ta), (b, tb)))
    if out.rank == 2:  # the named op: transform schedules and upstream patterns match it directly
        # (16-bit inputs: the named op extends them to the float32 accumulator's type itself)
        product = em.assign(f"linalg.matmul ins({a}, {b} : {ta.mlir(storage=True)}, {tb.mlir(storage=True)}) "
                            f"outs({acc} : {wide.mlir(storage=True)}) -> {wide.mlir(storage=True)}", "mm")
        return round_accumulator(em, product, wide, out.dtype)
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
            f"ins({a}, {b} : {ta.mlir(storage=True)}, {tb.mlir(storage=True)}) outs({acc} : {wide.mlir(storage=True)}) {{")
    x, y, o = em.fresh("a"), em.fresh("b"), em.fresh("o")
    s, ws = out.dtype.storage, wide.dtype.storage
    em.emit(f"^bb0({x}: {s}, {y}: {s}, {o}: {ws}):")
    x, y = widen(em, x, out.dtype), widen(em, y, out.dtype)
    sb = ScalarBuilder(em, wide.dtype)
    if out.dtype.is_floating:
        # contract: mul+add may become one FMA (as in BLAS); reassoc: the k accumulation may be vectorized.
        product = sb.op(f"arith.mulf {x}, {y} fastmath<contract>")
        total = sb.op(f"arith.addf {o}, {product} fastmath<reassoc,contract>")
    else:
        product = sb.arith("mulf", "muli", x, y)
        total = sb.arith("addf", "addi", o, product)
    em.emit(f"  linalg.yield {total} : {ws}")
    em.emit(f"}} -> {wide.mlir(storage=True)}{em.loc}")
    return round_accumulator(em, result, wide, out.dtype)


def _matmul_kernel(em: Emitter, node: Node, inputs: list[str], batch: tuple, tiles) -> str:
    """The product by tfc's kernel (batch axes flattened into one and restored after), with its fused epilogue;
    in the compute type."""
    out = node.outputs[0].type
    a, b = (_kernel_operand(em, value, name) for value, name in zip(node.inputs, inputs))
    compute = matmul_kernel.compute_dtype(out.dtype)
    flat = TensorType(((math.prod(batch) if None not in batch else None),) + out.shape[-2:] if batch
                      else out.shape, out.dtype)
    with fused_epilogue(em, node, out.dtype, accumulator_dtype(out.dtype)) as (hook, finish, into):
        product = matmul_kernel.emit_matmul(em, a, b, flat, tiles, hook, into if out.rank == 2 else None)
        if out.rank > 3:
            sizes = [em.dim(v, t, i) for v, t in [(inputs[0], node.inputs[0].type), (inputs[1], node.inputs[1].type)]
                     for i in range(t.rank - 2) if t.shape[:-2] == batch and batch[i] is None][:batch.count(None)]
            given = iter(sizes)
            shape = ", ".join(str(d) if d is not None else next(given) for d in out.shape)
            groups = f"[{list(range(out.rank - 2))}, [{out.rank - 2}], [{out.rank - 1}]]"
            flat_type, full = TensorType(flat.shape, compute), TensorType(out.shape, compute)
            expanded = em.assign(f"tensor.expand_shape {product} {groups} output_shape [{shape}] : "
                                 f"{flat_type.mlir(storage=True)} into {full.mlir(storage=True)}", "bmm")
            em.reshaped[expanded] = (product, flat_type, groups)
            product = expanded
        finish(product)
    return product


def emit_reduction(em: Emitter, x: str, xt: TensorType, axes, keepdims: bool, identity, combine,
                   keep_wide: bool = False) -> str:
    """Reduces `x` over `axes` with `combine(builder, element, accumulator)`, starting from `identity`. 16-bit
    floats accumulate in float32 and the result is rounded once, unless `keep_wide` (the caller computes on)."""
    kept = [i for i in range(xt.rank) if i not in axes]
    reduced = TensorType([xt.shape[i] for i in kept], accumulator_dtype(xt.dtype))
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
    ws = reduced.dtype.storage
    em.emit(f"^bb0({element}: {s}, {accumulator}: {ws}):")
    total = combine(ScalarBuilder(em, reduced.dtype), widen(em, element, xt.dtype), accumulator)
    em.emit(f"  linalg.yield {total} : {ws}")
    em.emit(f"}} -> {reduced.mlir(storage=True)}{em.loc}")
    if not keep_wide:
        result = round_accumulator(em, result, reduced, xt.dtype)
        reduced = TensorType(reduced.shape, xt.dtype)
    if keepdims:
        kept_type = TensorType([1 if i in axes else d for i, d in enumerate(xt.shape)], reduced.dtype)
        sizes = [em.dim(result, reduced, j) for j, d in enumerate(reduced.shape) if d is None]
        expanded = em.reshape(result, reduced, kept_type, sizes)
        # Elementwise consumers read the reduction itself (lower_elementwise.py): the reshape would stop
        # tile-and-fuse of the row schedule, and it stays dead when every consumer is elementwise.
        em.unit_dims[expanded] = (result, reduced, sorted(axes))
        return expanded
    return result


def _add(b: ScalarBuilder, element: str, acc: str) -> str:
    # reassoc lets LLVM vectorize the accumulation (without it the loop stays scalar).
    if b.dtype.is_floating:
        return b.op(f"arith.addf {element}, {acc} fastmath<reassoc>")
    return b.op(f"arith.addi {element}, {acc}")


@lowers(ops.reduce_sum)
@_op_class("reduction")
def _reduce_sum(em: Emitter, node: Node, inputs: list[str], keep_wide: bool = False) -> str:
    return emit_reduction(em, inputs[0], node.inputs[0].type, node.attrs["axes"], node.attrs["keepdims"], 0, _add,
                          keep_wide)


@lowers(unbroadcast)
def _unbroadcast(em: Emitter, node: Node, inputs: list[str]) -> str:
    """A sum over the axes the TYPES say `like` was broadcast along (a run-time size of like never is: the code
    compiled for a call where it is 1 has it static, frontend/specialize.py), then x's extra leading axes
    dropped; with no such axis, x itself."""
    value, xt = inputs[0], node.inputs[0].type
    out = node.outputs[0].type
    axes = unbroadcast_axes(xt.shape, out.shape)
    if axes:
        value = emit_reduction(em, value, xt, axes, True, 0, _add)
        xt = TensorType([1 if i in axes else d for i, d in enumerate(xt.shape)], xt.dtype)
    if xt.rank != out.rank:  # the leading axes, all of size 1 now
        kept = TensorType(xt.shape[xt.rank - out.rank:], xt.dtype)
        value, xt = em.reshape(value, xt, kept, unit_reshape_sizes(em, value, xt, kept)), kept
    if xt.shape != out.shape:  # a size static in one and known at run time in the other
        value = em.assign(f"tensor.cast {value} : {xt.mlir(storage=True)} to {out.mlir(storage=True)}", "cast")
    return value


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
    source, target = node.inputs[0].type, node.outputs[0].type
    return em.reshape(inputs[0], source, target, unit_reshape_sizes(em, inputs[0], source, target))


def unit_reshape_sizes(em: Emitter, value: str, source: TensorType, target: TensorType) -> list[str] | None:
    """For a reshape that only inserts or removes size-1 dimensions (expand_dims, squeeze, keepdims), the
    run-time sizes of target's dynamic dimensions: source's, in order. None for any other reshape."""
    kept = [(axis, d) for axis, d in enumerate(source.shape) if d != 1]
    if target.is_static or [d for _, d in kept] != [d for d in target.shape if d != 1]:
        return None
    return [em.dim(value, source, axis) for axis, d in kept if d is None]


# ----------------------------------------------------------------------------------- more reductions (issue 3)
def _smallest(dtype):
    import numpy as np
    if dtype.is_floating:
        return -float("inf")
    if dtype.is_bool:
        return False
    return int(np.iinfo(dtype.np).min)


def _largest(dtype):
    import numpy as np
    if dtype.is_floating:
        return float("inf")
    if dtype.is_bool:
        return True
    return int(np.iinfo(dtype.np).max)


def _signed(b: ScalarBuilder) -> str:
    return "u" if b.dtype.kind in "ub" else "s"


def _reduce_with(identity, combine):
    def lower(em: Emitter, node: Node, inputs: list[str]) -> str:
        xt = node.inputs[0].type
        return emit_reduction(em, inputs[0], xt, node.attrs["axes"], node.attrs["keepdims"],
                              identity(xt.dtype), combine)
    lower.op_class = "reduction"  # passes/schedules.py: row-wise graphs (softmax) get the rows schedule
    return lower


# maximumf/minimumf propagate NaN (numpy's max and min do). nsz: which zero a max of -0.0 and +0.0 returns is
# unspecified (numpy returns the first one it meets), and without that freedom LLVM's x86 lowering of
# llvm.maximum adds a second compare+blend per vector for the zeros' signs: the row max of a softmax ran ~1.3x
# longer. NaN handling stays: vmaxps plus one unordered-compare+blend per vector.
lowers(ops.reduce_max)(_reduce_with(_smallest, lambda b, x, acc: b.op(
    f"arith.maximumf {x}, {acc} fastmath<reassoc,nsz>") if b.dtype.is_floating else b.op(f"arith.max{_signed(b)}i {x}, {acc}")))
lowers(ops.reduce_min)(_reduce_with(_largest, lambda b, x, acc: b.op(
    f"arith.minimumf {x}, {acc} fastmath<reassoc,nsz>") if b.dtype.is_floating else b.op(f"arith.min{_signed(b)}i {x}, {acc}")))
lowers(ops.reduce_prod)(_reduce_with(lambda d: 1, lambda b, x, acc: b.op(
    f"arith.mulf {x}, {acc} fastmath<reassoc>") if b.dtype.is_floating else b.op(f"arith.muli {x}, {acc}")))
lowers(ops.reduce_all)(_reduce_with(lambda d: True, lambda b, x, acc: b.op(f"arith.andi {x}, {acc}")))
lowers(ops.reduce_any)(_reduce_with(lambda d: False, lambda b, x, acc: b.op(f"arith.ori {x}, {acc}")))


@lowers(ops.reduce_mean)
@_op_class("reduction")
def _reduce_mean(em: Emitter, node: Node, inputs: list[str]) -> str:
    from .lower_elementwise import emit_elementwise
    total = _reduce_sum(em, node, inputs, keep_wide=True)  # 16-bit floats: divide the float32 sum, round once
    xt, out = node.inputs[0].type, node.outputs[0].type
    wide = TensorType(out.shape, accumulator_dtype(out.dtype))
    axes = node.attrs["axes"]
    if any(xt.shape[axis] is None for axis in axes):
        divisor = _run_time_count(em, inputs[0], xt, axes, wide.dtype)
    else:
        count = math.prod(xt.shape[axis] for axis in axes)
        if count in (0, 1) and not out.dtype.is_floating:
            return total  # an empty integer mean is 0 (the sum), and dividing by 1 changes nothing
        divisor = None

    def divide(b: ScalarBuilder, x: str) -> str:
        by = divisor or b.constant(count)
        if b.dtype.is_floating:
            return b.op(f"arith.divf {x}, {by}")
        return b.op(f"arith.div{_signed(b)}i {x}, {by}")  # divsi truncates toward zero, as TF
    return round_accumulator(em, emit_elementwise(em, wide, [(total, wide)], divide), wide, out.dtype)


def _run_time_count(em: Emitter, x: str, xt: TensorType, axes, dtype) -> str:
    """The number of elements reduced, from the sizes of `x` at run time, as a scalar of `dtype` (at least 1 for
    integers: an empty integer mean is 0, the sum, as with static sizes)."""
    count = em.index(1)
    for axis in axes:
        count = em.assign(f"arith.muli {count}, {em.dim(x, xt, axis)} : index", "n")
    if not dtype.is_floating:
        count = em.assign(f"arith.maxui {count}, {em.index(1)} : index", "n")
        return em.assign(f"arith.index_cast {count} : index to {dtype.storage}", "n")
    wide = em.assign(f"arith.index_cast {count} : index to i64", "n")
    return em.assign(f"arith.uitofp {wide} : i64 to {dtype.storage}", "n")


def _arg_reduction(greater: bool):
    def lower(em: Emitter, node: Node, inputs: list[str]) -> str:
        xt, out = node.inputs[0].type, node.outputs[0].type
        axis = node.attrs["axis"]
        kept = [i for i in range(xt.rank) if i != axis]
        best_type = TensorType(out.shape, xt.dtype)
        sizes = [em.dim(inputs[0], xt, i) for i in kept if xt.shape[i] is None]
        best = em.fill(best_type, _smallest(xt.dtype) if greater else _largest(xt.dtype), sizes)
        index = em.fill(out, 0, sizes)
        loops = _loops(xt.rank)
        out_map = f"affine_map<({loops}) -> ({', '.join(f'd{i}' for i in kept)})>"
        iterators = ", ".join('"reduction"' if i == axis else '"parallel"' for i in range(xt.rank))
        result = em.fresh("arg")
        s = xt.dtype.storage
        em.emit(f"{result}:2 = linalg.generic {{indexing_maps = [affine_map<({loops}) -> ({loops})>, {out_map}, "
                f"{out_map}], iterator_types = [{iterators}]}} ins({inputs[0]} : {xt.mlir(storage=True)}) "
                f"outs({best}, {index} : {best_type.mlir(storage=True)}, {out.mlir(storage=True)}) {{")
        x, acc, acc_index = em.fresh("a"), em.fresh("o"), em.fresh("o")
        em.emit(f"^bb0({x}: {s}, {acc}: {s}, {acc_index}: i64):")
        b = ScalarBuilder(em, xt.dtype)
        if xt.dtype.is_floating:
            better = b.op(f"arith.cmpf {'ogt' if greater else 'olt'}, {x}, {acc}")
            # numpy's rule: the first nan wins and then stays.
            first_nan = b.op(f"arith.andi {b.op(f'arith.cmpf uno, {x}, {x}')}, "
                             f"{b.op(f'arith.cmpf ord, {acc}, {acc}')}", "i1")
            better = b.op(f"arith.ori {better}, {first_nan}", "i1")
        else:
            predicate = ("u" if xt.dtype.kind in "ub" else "s") + ("gt" if greater else "lt")
            better = b.op(f"arith.cmpi {predicate}, {x}, {acc}")
        position = em.assign(f"arith.index_cast {em.assign(f'linalg.index {axis} : index', 'i')} : index to i64", "s")
        new_best = b.op(f"arith.select {better}, {x}, {acc}")
        new_index = b.op(f"arith.select {better}, {position}, {acc_index}", "i64")
        em.emit(f"  linalg.yield {new_best}, {new_index} : {s}, i64")
        em.emit(f"}} -> ({best_type.mlir(storage=True)}, {out.mlir(storage=True)}){em.loc}")
        return f"{result}#1"
    return lower


lowers(ops.argmax)(_arg_reduction(greater=True))
lowers(ops.argmin)(_arg_reduction(greater=False))


@lowers(ops.cumsum)
def _cumsum(em: Emitter, node: Node, inputs: list[str]) -> str:
    # out[..., i, ...] = sum over k of x[..., k, ...] where k <= i (or <, >=, > for exclusive / reverse):
    # one generic with an extra reduction loop k; quadratic in the axis length, exact in its summation order.
    xt = node.inputs[0].type
    axis, rank = node.attrs["axis"], xt.rank
    if not xt.is_static:
        raise NotImplementedError("cumsum with dimensions unknown until run time")
    loops = _loops(rank + 1)
    in_exprs = [f"d{rank}" if i == axis else f"d{i}" for i in range(rank)]
    wide = TensorType(xt.shape, accumulator_dtype(xt.dtype))
    acc = em.fill(wide, 0)
    result = em.fresh("cumsum")
    s, ws = xt.dtype.storage, wide.dtype.storage
    iterators = ", ".join(['"parallel"'] * rank + ['"reduction"'])
    em.emit(f"{result} = linalg.generic {{indexing_maps = [affine_map<({loops}) -> ({', '.join(in_exprs)})>, "
            f"affine_map<({loops}) -> ({_loops(rank)})>], iterator_types = [{iterators}]}} "
            f"ins({inputs[0]} : {xt.mlir(storage=True)}) outs({acc} : {wide.mlir(storage=True)}) {{")
    x, o = em.fresh("a"), em.fresh("o")
    em.emit(f"^bb0({x}: {s}, {o}: {ws}):")
    x = widen(em, x, xt.dtype)
    b = ScalarBuilder(em, wide.dtype)
    i = em.assign(f"linalg.index {axis} : index", "i")
    k = em.assign(f"linalg.index {rank} : index", "i")
    predicate = {(False, False): "ule", (True, False): "ult", (False, True): "uge", (True, True): "ugt"}[
        (node.attrs["exclusive"], node.attrs["reverse"])]
    included = em.assign(f"arith.cmpi {predicate}, {k}, {i} : index", "s")
    term = b.op(f"arith.select {included}, {x}, {b.constant(0)}")
    em.emit(f"  linalg.yield {b.arith('addf', 'addi', o, term)} : {ws}")
    em.emit(f"}} -> {wide.mlir(storage=True)}{em.loc}")
    return round_accumulator(em, result, wide, xt.dtype)


@lowers(ops.einsum)
def _einsum(em: Emitter, node: Node, inputs: list[str]) -> str:
    from tfc.ops.linalg import _parse_einsum
    types = [v.type for v in node.inputs]
    out = node.outputs[0].type
    subscripts, output = _parse_einsum(node.attrs["equation"], [t.rank for t in types])
    if not out.is_static or not all(t.is_static for t in types):
        raise NotImplementedError("einsum with dimensions unknown until run time")
    letters = list(output) + sorted({c for s in subscripts for c in s} - set(output))
    loop_of = {c: f"d{i}" for i, c in enumerate(letters)}
    loops = _loops(len(letters))
    maps = [f"affine_map<({loops}) -> ({', '.join(loop_of[c] for c in s)})>" for s in subscripts]
    maps.append(f"affine_map<({loops}) -> ({', '.join(loop_of[c] for c in output)})>")
    iterators = ", ".join('"parallel"' if c in output else '"reduction"' for c in letters)
    wide = TensorType(out.shape, accumulator_dtype(out.dtype))
    acc = em.fill(wide, 0)
    result = em.fresh("einsum")
    s, ws = out.dtype.storage, wide.dtype.storage
    em.emit(f"{result} = linalg.generic {{indexing_maps = [{', '.join(maps)}], iterator_types = [{iterators}]}} "
            f"ins({', '.join(inputs)} : {', '.join(t.mlir(storage=True) for t in types)}) "
            f"outs({acc} : {wide.mlir(storage=True)}) {{")
    args = [em.fresh("a") for _ in inputs]
    o = em.fresh("o")
    em.emit(f"^bb0({', '.join(f'{a}: {s}' for a in args)}, {o}: {ws}):")
    args = [widen(em, a, out.dtype) for a in args]
    b = ScalarBuilder(em, wide.dtype)
    product = args[0]
    for a in args[1:]:
        product = b.arith("mulf", "muli", product, a)
    em.emit(f"  linalg.yield {b.arith('addf', 'addi', o, product)} : {ws}")
    em.emit(f"}} -> {wide.mlir(storage=True)}{em.loc}")
    return round_accumulator(em, result, wide, out.dtype)
