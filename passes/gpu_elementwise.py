"""The elementwise-v4 strategy of the CUDA target: each thread computes VECTOR (4) consecutive elements of the
innermost dimension, loading and storing them as one vector (16 bytes for f32: `ld.global.nc.v4` for inputs,
`st.global.v4` for outputs) instead of four 4-byte accesses.

A fused elementwise loop nest qualifies when its body is straight-line and its innermost size is a multiple of
4; or when it is rank 1 of any size: then the last thread of the grid handles the 1-3 remainder elements one by
one (`scf.if` per element). Threads are linearized as in the naive mapping (thread b*256+t takes vector group
b*256+t; groups of one row are neighbours, so a warp reads 512 contiguous bytes per input).

The body is copied once per lane (SSA names prefixed per lane, the innermost index replaced by base+lane).
A load or store becomes a vector access when its last index is the innermost loop index (and no other index
uses it), the buffer's innermost size is a multiple of 4 or it has rank 1 (so every vector starts 4-element
aligned: buffers
themselves are 256-byte aligned, see gpu_plan.ARENA_ALIGNMENT) and its element type is not i1 (LLVM packs
vectors of i1 into bits); every other access (a broadcast operand, a transposed read) stays scalar per lane.
Vectors are loaded before the lanes compute and stored after them: iterations of an scf.parallel are independent.
The kernel arguments get `llvm.noalias` where no two of them share a buffer (gpu_launch.mark_noalias), which is
what lets the backend use the read-only `.nc` path.

Validated by ptxas (the PTX holds the v4 accesses) and the CPU model of the index math in
tests/unit/test_cuda_strategies.py; not yet run on a GPU.
"""
from __future__ import annotations

import math
import re

from .gpu_ir import Kernel, LoopNest, Names, is_ident, rename
from .gpu_strategies import VECTOR, Strategy, threads_for

_LOAD = re.compile(r"^\s*(%[\w.$-]+) = memref\.load (%[\w.$-]+)\[([^\]]*)\] : memref<((?:\d+x)+)(\w+)>$")
_STORE = re.compile(r"^\s*memref\.store (%[\w.$-]+), (%[\w.$-]+)\[([^\]]*)\] : memref<((?:\d+x)+)(\w+)>$")
_DEFINES = re.compile(r"^\s*(%[\w.$-]+)(?:, (%[\w.$-]+))* =")
_BYTES = {"f16": 2, "bf16": 2, "f32": 4, "f64": 8, "i8": 1, "i16": 2, "i32": 4, "i64": 8}


def _vector_access(match, inner: str, local: set[str]) -> bool:
    """Whether a load/store match reads VECTOR consecutive, aligned elements at the innermost index, at a
    position the body does not compute (vector loads move before the lanes, vector stores after them)."""
    indices = [i.strip() for i in match.group(3).split(",")]
    dims = [int(d) for d in match.group(4).rstrip("x").split("x")]
    return (indices[-1] == inner and not any(re.search(is_ident(inner), i) or i in local for i in indices[:-1])
            and (dims[-1] % VECTOR == 0 or len(dims) == 1) and match.group(5) in _BYTES)


def vectorized(nest: LoopNest, names: Names) -> tuple[list[str], Strategy] | None:
    """The elementwise-v4 launch of an elementwise nest, or None where it does not apply."""
    if not nest.ivs or nest.reduction_ivs or not nest.straight:
        return None
    inner, trips = nest.ivs[-1], nest.trips
    rank1 = len(trips) == 1
    if trips[-1] < VECTOR or (trips[-1] % VECTOR and not rank1):
        return None
    kinds = []  # per statement: "vload", "vstore" or "scalar"
    local = set(_lane_names(nest.body, 0, lambda hint: ""))
    for line in nest.body:
        load, store = _LOAD.match(line), _STORE.match(line)
        if load and _vector_access(load, inner, local):
            kinds.append("vload")
        elif store and _vector_access(store, inner, local):
            kinds.append("vstore")
        else:
            kinds.append("scalar")
    if "vload" not in kinds and "vstore" not in kinds:
        return None
    groups_per_row = -(-trips[-1] // VECTOR)
    groups = math.prod(trips[:-1]) * groups_per_row
    block = threads_for(groups)
    kernel = Kernel(names, (-(-groups // block), 1, 1), (block, 1, 1))
    linear = kernel.linear_thread()
    inside = kernel.op(f"arith.cmpi ult, {linear}, {kernel.const(groups)} : index", "inside")
    kernel.open(f"scf.if {inside} {{")
    positions = kernel.delinearize(linear, [*trips[:-1], groups_per_row])
    base = kernel.op(f"arith.muli {positions[-1]}, {kernel.const(VECTOR)} : index", "base")
    outer = dict(zip(nest.ivs[:-1], positions[:-1]))
    full = trips[-1] // VECTOR
    if rank1 and trips[-1] % VECTOR:
        whole = kernel.op(f"arith.cmpi ult, {linear}, {kernel.const(full)} : index", "whole")
        kernel.open(f"scf.if {whole} {{")
        _vector_lanes(kernel, nest, kinds, outer, base)
        kernel.close("} else {")
        kernel.depth += 1
        _scalar_tail(kernel, nest, base, trips[-1])
        kernel.close()
    else:
        _vector_lanes(kernel, nest, kinds, outer, base)
    kernel.close()
    strategy = Strategy("elementwise-v4", "elementwise", kernel.grid, kernel.block, 0,
                        (("vector", VECTOR), ("elements", math.prod(trips)),
                         ("remainder", trips[-1] % VECTOR if rank1 else 0)))
    return kernel.lines(), strategy


def _lane_names(body: list[str], lane: int, names: Names) -> dict[str, str]:
    """Fresh per-lane names for everything the body defines."""
    mapping = {}
    for line in body:
        defined = re.match(r"^\s*((?:%[\w.$-]+(?::\d+)?(?:, )?)+) =", line)
        if defined:
            for name in re.findall(r"%[\w.$-]+", defined.group(1)):
                mapping[name] = names(f"l{lane}_")
    return mapping


def _vector_lanes(kernel: Kernel, nest: LoopNest, kinds: list[str], outer: dict, base: str) -> None:
    inner = nest.ivs[-1]
    lanes = []
    for lane in range(VECTOR):
        mapping = dict(outer)
        mapping.update(_lane_names(nest.body, lane, kernel.names))
        mapping[inner] = base if lane == 0 else kernel.op(f"arith.addi {base}, {kernel.const(lane)} : index", "lane")
        lanes.append(mapping)
    vector_of = {}
    for line, kind in zip(nest.body, kinds):  # every vector load first
        if kind == "vload":
            load = _LOAD.match(line)
            element = load.group(5)
            vtype = f"vector<{VECTOR}x{element}>"
            index = rename([load.group(3)], {**outer, inner: base})[0]
            loaded = kernel.op(f"vector.load {load.group(2)}[{index}] {{alignment = {_align(element)} : i64}} : "
                               f"memref<{load.group(4)}{element}>, {vtype}", "vload")
            vector_of[load.group(1)] = (loaded, element)
    for lane, mapping in enumerate(lanes):
        for line, kind in zip(nest.body, kinds):
            if kind == "vload":
                loaded, element = vector_of[_LOAD.match(line).group(1)]
                kernel.emit(f"{mapping[_LOAD.match(line).group(1)]} = vector.extract {loaded}[{lane}] : {element} "
                            f"from vector<{VECTOR}x{element}>")
            elif kind == "scalar":
                kernel.emit_lines(rename([line], mapping))
    for line, kind in zip(nest.body, kinds):
        if kind == "vstore":
            store = _STORE.match(line)
            element = store.group(5)
            vtype = f"vector<{VECTOR}x{element}>"
            values = ", ".join(rename([store.group(1)], mapping)[0] for mapping in lanes)
            packed = kernel.op(f"vector.from_elements {values} : {vtype}", "vstore")
            index = rename([store.group(3)], {**outer, inner: base})[0]
            kernel.emit(f"vector.store {packed}, {store.group(2)}[{index}] {{alignment = {_align(element)} : i64}} "
                        f": memref<{store.group(4)}{element}>, {vtype}")


def _scalar_tail(kernel: Kernel, nest: LoopNest, base: str, size: int) -> None:
    """The last 1-3 elements of a rank-1 nest, one scf.if each (the original scalar body)."""
    for lane in range(VECTOR):
        index = base if lane == 0 else kernel.op(f"arith.addi {base}, {kernel.const(lane)} : index", "lane")
        valid = kernel.op(f"arith.cmpi ult, {index}, {kernel.const(size)} : index", "valid")
        kernel.open(f"scf.if {valid} {{")
        kernel.emit_lines(rename(nest.body, {nest.ivs[-1]: index}))
        kernel.close()


def _align(element: str) -> int:
    return min(16, VECTOR * _BYTES[element])
