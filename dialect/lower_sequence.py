"""tfc.range (a linalg.generic over linalg.index), tfc.row (tensor.extract_slice at a run-time offset), and the
stack ops tfc.write_row (a copy into one row, in place) and tfc.resize_rows (scf.if: the same buffer, or a new
one holding the old rows)."""
from __future__ import annotations

from tfc import dtypes
from tfc.graph import Node, TensorType
from tfc.ops.sequence import range as range_api, resize_rows_op, row_op, write_row_op

from .lower_elementwise import ScalarBuilder, convert_scalar
from .lowering import Emitter, lowers


@lowers(range_api)
def _range(em: Emitter, node: Node, inputs: list[str]) -> str:
    out = node.outputs[0].type
    dtype = out.dtype
    s = dtype.storage
    start, limit, delta = (em.assign(f"tensor.extract {v}[] : tensor<{s}>", "b") for v in inputs)
    # length = max(0, ceil((limit - start) / delta)), computed in the element type then cast to index
    b = ScalarBuilder(em, dtype)
    span = b.arith("subf", "subi", limit, start)
    if dtype.is_floating:
        count = b.op(f"math.ceil {b.op(f'arith.divf {span}, {delta}')}")
        count = em.assign(f"arith.fptosi {count} : {s} to i64", "n")
    else:
        count = em.assign(f"arith.ceildivsi {span}, {delta} : {s}", "n")
        count = em.assign(f"arith.extsi {count} : {s} to i64", "n") if s != "i64" else count
    zero = em.assign("arith.constant 0 : i64", "c")
    count = em.assign(f"arith.maxsi {count}, {zero} : i64", "n")
    length = em.assign(f"arith.index_cast {count} : i64 to index", "n")
    init = em.empty(out, [length])
    # start and delta enter as 0-d operands, not captured scalars: MLIR's CSE merged generics that differed
    # only in the scalars their bodies captured.
    result = em.fresh("range")
    scalar_map = "affine_map<(d0) -> ()>"
    em.emit(f"{result} = linalg.generic {{indexing_maps = [{scalar_map}, {scalar_map}, affine_map<(d0) -> (d0)>], "
            f"iterator_types = [\"parallel\"]}} ins({inputs[0]}, {inputs[2]} : tensor<{s}>, tensor<{s}>) "
            f"outs({init} : {out.mlir(storage=True)}) {{")
    first, step, o = em.fresh("a"), em.fresh("a"), em.fresh("o")
    em.emit(f"^bb0({first}: {s}, {step}: {s}, {o}: {s}):")
    i = em.assign("linalg.index 0 : index", "i")
    i64 = em.assign(f"arith.index_cast {i} : index to i64", "i")
    value = convert_scalar(ScalarBuilder(em, dtypes.int64), i64, dtypes.int64, dtype)
    em.emit(f"  linalg.yield {b.arith('addf', 'addi', first, b.arith('mulf', 'muli', value, step))} : {s}")
    em.emit(f"}} -> {out.mlir(storage=True)}{em.loc}")
    return result


@lowers(row_op)
def _row(em: Emitter, node: Node, inputs: list[str]) -> str:
    x, i = inputs
    xt, it, out = node.inputs[0].type, node.inputs[1].type, node.outputs[0].type
    index = em.assign(f"tensor.extract {i}[] : {it.mlir(storage=True)}", "i")
    index = em.assign(f"arith.index_cast {index} : {it.dtype.storage} to index", "i")
    sizes = ["1"] + [str(d) if d is not None else em.dim(x, xt, a) for a, d in enumerate(xt.shape) if a > 0]
    offsets = [index] + ["0"] * (xt.rank - 1)
    strides = ["1"] * xt.rank
    return em.assign(f"tensor.extract_slice {x}[{', '.join(offsets)}] [{', '.join(sizes)}] [{', '.join(strides)}] : "
                     f"{xt.mlir(storage=True)} to {out.mlir(storage=True)}", "row")


def _row_slice(em: Emitter, x: str, xt, index: str) -> tuple[str, str]:
    """The offsets/sizes/strides text of row `index` of x, and the (rank-reduced) row type that slice has."""
    sizes = ["1"] + [str(d) if d is not None else em.dim(x, xt, a) for a, d in enumerate(xt.shape) if a > 0]
    slot = f"[{', '.join([index] + ['0'] * (xt.rank - 1))}] [{', '.join(sizes)}] [{', '.join(['1'] * xt.rank)}]"
    return slot, TensorType(xt.shape[1:], xt.dtype)


def _copy_into(em: Emitter, source: str, source_type: TensorType, dest: str, type: TensorType,
               rows: str | None = None) -> str:
    """A generic over all of `dest` (of `type`) writing source's element at each index. Without `rows`, source
    has dest's shape and the payload also reads dest's element (in a select that is true at run time), so that
    canonicalization keeps dest as the destination instead of a new tensor that bufferization would copy into
    place with memref.copy (for a strided slice of run-time size that calls MLIR's C runtime, not linked). With
    `rows`, dest is a new tensor: indices below `rows` along the first axis read source, the others are zero."""
    dims = ", ".join(f"d{i}" for i in range(type.rank))
    parallel = ", ".join(['"parallel"'] * type.rank)
    text, element = type.mlir(storage=True), type.dtype.storage
    result = em.fresh("copy")
    em.emit(f"{result} = linalg.generic {{indexing_maps = [affine_map<({dims}) -> ({dims})>], iterator_types = "
            f"[{parallel}]}} outs({dest} : {text}) {{")
    out = em.fresh("o")
    em.emit(f"^bb0({out}: {element}):")
    indices = [em.assign(f"linalg.index {d} : index", "i") for d in range(type.rank)]
    read = f"tensor.extract {source}[{', '.join(indices)}] : {source_type.mlir(storage=True)}"
    if rows is None:
        inside = em.assign(f"arith.cmpi ult, {indices[0]}, {em.dim(dest, type, 0)} : index", "inside")
        value = em.assign(f"arith.select {inside}, {em.assign(read, 's')}, {out} : {element}", "s")
    else:
        inside = em.assign(f"arith.cmpi ult, {indices[0]}, {rows} : index", "inside")
        zero = em.scalar(0, type.dtype)
        value = em.fresh("s")
        em.emit(f"  {value} = scf.if {inside} -> ({element}) {{")
        em.emit(f"    scf.yield {em.assign(read, 's')} : {element}")
        em.emit("  } else {")
        em.emit(f"    scf.yield {zero} : {element}")
        em.emit("  }")
    em.emit(f"  linalg.yield {value} : {element}")
    em.emit(f"}} -> {text}{em.loc}")
    return result


def _index(em: Emitter, value: str, type) -> str:
    scalar = em.assign(f"tensor.extract {value}[] : {type.mlir(storage=True)}", "i")
    return em.assign(f"arith.index_cast {scalar} : {type.dtype.storage} to index", "i")


@lowers(write_row_op)
def _write_row(em: Emitter, node: Node, inputs: list[str]) -> str:
    """tensor.insert_slice: bufferized, a copy into the row of x's buffer, in place when x is dead afterwards (a
    loop's stack is). Rows of run-time size are copied by a generic into an extract_slice of that row instead."""
    x, i, value = inputs
    xt, vt = node.inputs[0].type, node.inputs[2].type
    slot, row = _row_slice(em, x, xt, _index(em, i, node.inputs[1].type))
    row_type = row.mlir(storage=True)
    if vt != row:  # value may be more static than x's rows (or less): the slice needs the exact type
        value = em.assign(f"tensor.cast {value} : {vt.mlir(storage=True)} to {row_type}", "cast")
    if not row.is_static:  # memref.copy into a dynamic strided slice would call MLIR's C runtime
        dest = em.assign(f"tensor.extract_slice {x}{slot} : {xt.mlir(storage=True)} to {row_type}", "slot")
        value = _copy_into(em, value, row, dest, row)
    return em.assign(f"tensor.insert_slice {value} into {x}{slot} : {row_type} into {xt.mlir(storage=True)}",
                     "written")


@lowers(resize_rows_op)
def _resize_rows(em: Emitter, node: Node, inputs: list[str]) -> str:
    """scf.if: x itself when it has n rows, else a new buffer whose first min(rows, n) rows are x's and whose
    other rows are zeros (one generic)."""
    x, n = inputs
    xt, out = node.inputs[0].type, node.outputs[0].type
    t_out = out.mlir(storage=True)
    rows = em.dim(x, xt, 0)
    wanted = em.assign(f"arith.maxsi {_index(em, n, node.inputs[1].type)}, {em.index(0)} : index", "n")
    same = em.assign(f"arith.cmpi eq, {rows}, {wanted} : index", "same")
    result = em.fresh("resized")
    em.emit(f"{result} = scf.if {same} -> ({t_out}) {{")
    em.depth += 1
    em.emit(f"scf.yield {em.assign(f'tensor.cast {x} : {xt.mlir(storage=True)} to {t_out}', 'cast')} : {t_out}")
    em.depth -= 1
    em.emit("} else {")
    em.depth += 1
    empty = em.empty(out, [wanted] + [em.dim(x, xt, a) for a in range(1, xt.rank) if xt.shape[a] is None])
    kept = em.assign(f"arith.minui {rows}, {wanted} : index", "kept")
    em.emit(f"scf.yield {_copy_into(em, x, xt, empty, out, kept)} : {t_out}")
    em.depth -= 1
    em.emit(f"}}{em.loc}")
    return result
