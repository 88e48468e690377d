"""Codegen strategies per op class, as transform-dialect schedules generated from the graph.

`choose(graph, threads)` looks at what a graph contains (by each node's lowering `op_class`, set in
dialect/lower_*.py) and returns a Schedule: transform-dialect MLIR text that the `fused` stage applies with
`transform-preload-library` + `transform-interpreter`, or None for the generic path (fusion, then loops that LLVM
vectorizes). A schedule is only generated for the graph shapes tests/e2e/test_schedules.py covers; anything else
takes the generic path, which is correct for every shape. If a chosen schedule fails to compile, the driver
falls back to the generic path (passes/driver.py).

Strategies (measurements in ../shared/notes/cpu-codegen.md):
- elementwise: the fused loop nest is cut into chunks of about CHUNK elements with `tile_using_forall`; the
  pipeline turns the forall into an OpenMP parallel loop (or a serial loop with one thread). Each chunk's inner
  loop is vectorized by LLVM. Graphs under PARALLEL_MIN_ELEMENTS stay serial (no schedule): a fork/join costs
  microseconds.
- rows (reductions over the last axis plus elementwise ops, e.g. layer-norm, softmax): the output's op is
  tiled one row per forall iteration and all its producers are fused into it (`structured.fuse {use_forall}`).
- full reduction (one reduction over every axis, e.g. a sum of 4M): `tile_reduction_using_forall` into
  REDUCTION_CHUNKS partial results computed in parallel, then a small combining reduction.
- matmul: not a schedule. tfc emits its own packed, blocked, register-tiled kernel at lowering time
  (dialect/matmul_kernel.py), with elementwise consumers fused into its blocks (dialect/epilogue.py).
"""
from __future__ import annotations

import dataclasses
import math

import tfc.dialect  # noqa: F401  (registers the lowerings; their op_class drives the choice)
from tfc.graph import Graph

CHUNK = 65536                      # elements per parallel chunk (notes: 16..64K perform alike)
PARALLEL_MIN_ELEMENTS = 1 << 17    # below this an elementwise kernel stays serial
REDUCTION_CHUNKS = 64             # partial results of a parallel full reduction (fixed: same bits on any thread count)
ROW_TILE = 1                       # rows per forall iteration of row-wise graphs (notes §2: 1 beats 4 and 8)


@dataclasses.dataclass(frozen=True)
class Schedule:
    name: str                # "elementwise", "rows" or "full-reduction": the strategy (TFC_TIMING, the dumps)
    text: str                # the transform-dialect module


def _op_class(node) -> str | None:
    return getattr(node.op.lowering, "op_class", None)


def _compute_nodes(graph: Graph) -> list:
    return [n for n in graph.nodes if n.op.name != "constant"]


def choose(graph: Graph, threads: int = 0) -> Schedule | None:
    """The schedule for `graph` compiled for `threads` (TFC_NUM_THREADS), or None for the generic path."""
    nodes = _compute_nodes(graph)
    if not nodes:
        return None
    classes = {_op_class(n) for n in nodes}
    if classes == {"elementwise"}:
        return _elementwise(graph, nodes)
    if classes == {"reduction"} and len(nodes) == 1:
        return _full_reduction(graph, nodes[0])
    if classes == {"elementwise", "reduction"}:
        return _rows(graph, nodes)
    return None  # matmuls are tfc's own kernels (dialect/matmul_kernel.py); the rest takes the generic path


def _elementwise(graph: Graph, nodes) -> Schedule | None:
    """Every elementwise node computes the same static shape: after fusion each generic has that rank."""
    shapes = {tuple(n.outputs[0].type.shape) for n in nodes}
    if len(shapes) != 1:
        return None
    shape = shapes.pop()
    if not shape or None in shape or math.prod(shape) < PARALLEL_MIN_ELEMENTS:
        return None
    inner = math.prod(shape[1:])
    rows = max(1, CHUNK // max(inner, 1))
    sizes = [rows] + [0] * (len(shape) - 1)
    body = f"""
    %g = transform.structured.match ops{{["linalg.generic"]}} in %root : (!transform.any_op) -> !transform.any_op
    %tiled, %forall = transform.structured.tile_using_forall %g tile_sizes {sizes}
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op)"""
    return Schedule("elementwise", _module(body))


def _rows(graph: Graph, nodes) -> Schedule | None:
    """Row-wise graphs (softmax, layer-norm): every reduction is over the last axis of a rank-2 value with the
    output's rows, every node keeps those rows, one output. The output's op is tiled by ROW_TILE rows into a
    forall and every producer (reductions, their fills, elementwise ops) is fused into it greedily, so a row
    (4 KB at 1024 columns) stays in L1 through all passes over it."""
    if len(graph.outputs) != 1:
        return None
    out = graph.outputs[0].type
    if out.rank != 2 or not out.is_static or out.num_elements < PARALLEL_MIN_ELEMENTS:
        return None
    rows = out.shape[0]
    for node in nodes:
        shape = node.outputs[0].type.shape
        if not shape or shape[0] != rows:
            return None
        if _op_class(node) == "reduction":
            source = node.inputs[0].type
            if source.rank != 2 or list(node.attrs.get("axes", ())) != [1]:
                return None
    body = f"""
    %stores = transform.structured.match ops{{["bufferization.materialize_in_destination"]}} in %root
        : (!transform.any_op) -> !transform.any_op
    %last = transform.get_producer_of_operand %stores[0] : (!transform.any_op) -> !transform.any_op
    %tiled, %forall = transform.structured.fuse %last tile_sizes [{ROW_TILE}, 0] {{use_forall}}
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op)"""
    return Schedule("rows", _module(body))


# Reductions whose lowering is one reduction generic (reduce_mean adds a division; argmax has two results).
_SPLITTABLE_REDUCTIONS = {"reduce_sum", "reduce_max", "reduce_min", "reduce_prod", "reduce_all", "reduce_any"}


def _full_reduction(graph: Graph, node) -> Schedule | None:
    """A reduction over every axis of a large static input (sum of 4M): the reduction is split into
    REDUCTION_CHUNKS partial results computed in parallel (`tile_reduction_using_forall` over the first axis,
    each chunk a serial loop that LLVM vectorizes), then combined by a small reduction of the partials. The
    chunk count does not depend on the thread count, so TFC_NUM_THREADS=1 gives the same bits."""
    source, out = node.inputs[0].type, node.outputs[0].type
    if (node.op.name not in _SPLITTABLE_REDUCTIONS or node.attrs.get("keepdims") or out.rank != 0
            or not source.is_static or source.rank == 0 or source.num_elements < PARALLEL_MIN_ELEMENTS
            or source.shape[0] < REDUCTION_CHUNKS or len(graph.outputs) != 1
            or (source.dtype.is_floating and source.dtype.itemsize == 2)):  # a rounding op follows the sum
        return None
    threads = [REDUCTION_CHUNKS] + [0] * (source.rank - 1)
    body = f"""
    %stores = transform.structured.match ops{{["bufferization.materialize_in_destination"]}} in %root
        : (!transform.any_op) -> !transform.any_op
    %red = transform.get_producer_of_operand %stores[0] : (!transform.any_op) -> !transform.any_op
    %fill, %partial, %combine, %forall = transform.structured.tile_reduction_using_forall %red
        by num_threads = {threads} : (!transform.any_op)
        -> (!transform.any_op, !transform.any_op, !transform.any_op, !transform.any_op)"""
    return Schedule("full-reduction", _module(body))


def _module(body: str) -> str:
    return ("module attributes {transform.with_named_sequence} {\n"
            "  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {"
            f"{body}\n    transform.yield\n  }}\n}}\n")
