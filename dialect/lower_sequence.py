"""tfc.range (a linalg.generic over linalg.index) and tfc.row (tensor.extract_slice at a run-time offset)."""
from __future__ import annotations

from tfc import dtypes
from tfc.graph import Node
from tfc.ops.sequence import range as range_api, row_op

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
