"""Reduction strategies of the CUDA target: row-fused blocks and grid reductions (see gpu_strategies.py).

Row-fused (softmax, layer-norm, reduce_* over the last axis). After `convert-linalg-to-parallel-loops` a softmax
is six loop nests over the same R rows: fill max, reduce max, exp, fill sum, reduce sum, divide. `row_group`
finds such a run (nests whose leading parallel dimensions are the rows R of a reduction over the innermost axis)
and `row_fused` writes ONE kernel with a block per row; each nest becomes a phase, phases are separated by
`gpu.barrier` (at the top level of the kernel: every thread reaches every barrier; no thread returns early):
- a nest over R only (a fill, a per-row scalar): thread 0;
- a nest over R x E: threads stride over the row's prod(E) elements (neighbouring threads, neighbouring
  addresses);
- a reduction over R x K: threads stride over K keeping partials in registers, then `block_reduce` (warp
  shuffles + one workgroup slot per warp); thread 0 combines the row's result into the accumulator.
Fusing is only correct when no phase reads another row's values written in the group: every access to a buffer
the group writes must index it by the row indices first (checked; buffers with views are never fused).
Global writes before a barrier are visible to the block's threads after it (CUDA's __syncthreads guarantee).

Grid reduction (a sum over every element): G blocks of 256 threads stride over the linearized elements (thread
i of block b starts at b*256+i, step G*256), reduce in the block and write partial[b]; a second launch of one
block combines the G partials in a fixed order, then thread 0 applies the accumulator's initial value. G depends
only on the size, so the result is the same bits on every run. Up to 256*16 elements need one block only.

Validated by ptxas and by the CPU models of the index math in tests/unit/test_cuda_strategies.py; not yet run on
a GPU.
"""
from __future__ import annotations

import dataclasses
import math
import re

from .gpu_ir import (WARP, Kernel, LoopNest, Names, Reduction, block_reduce, is_ident, parse_nest,
                     parse_reduction, partial_loop, rename, scratch_type)
from .gpu_strategies import (GRID_ELEMENTS_PER_THREAD, GRID_PARTIALS, ROW_MIN_REDUCTION, THREADS_PER_BLOCK,
                             Strategy, threads_for)

_ACCESS = re.compile(r"(?:memref\.load|memref\.store|vector\.load|vector\.store) (?:%[\w.$-]+, )?"
                     r"(%[\w.$-]+)\[([^\]]*)\]")
_STORED = re.compile(r"(?:memref\.store|vector\.store) %[\w.$-]+, (%[\w.$-]+)\[")


# ------------------------------------------------------------------------------------------------- row groups
@dataclasses.dataclass
class Phase:
    nest: LoopNest
    reduction: Reduction | None


def _row_reduction(nest: LoopNest | None) -> Reduction | None:
    """The reduction of a nest that suits a block per row: a reduction over the innermost axis (every load
    that uses the innermost reduction index uses it last), at least ROW_MIN_REDUCTION elements per row."""
    if nest is None or not nest.ivs or math.prod(nest.reduction_trips or [0]) < ROW_MIN_REDUCTION:
        return None
    red = parse_reduction(nest)
    if red is None:
        return None
    inner = is_ident(nest.reduction_ivs[-1])
    for line in red.body:
        for _, index in _ACCESS.findall(line):
            indices = [i.strip() for i in index.split(",")]
            if any(re.fullmatch(inner, i) for i in indices[:-1]) or (re.search(inner, index) and
                                                                   not re.fullmatch(inner, indices[-1])):
                return None
    return red


def row_group(statements: list[list[str]], start: int, constants: dict[str, int],
              viewed: set[str]) -> tuple[list[Phase], int] | None:
    """(the longest run of nests from `start` that one block per row can run, the number of statements it
    spans), or None (see the module docstring). Allocations and constants between the nests do not end the run
    (the mapping hoists them). `viewed`: buffers that have views (their accesses cannot be checked by name)."""
    phases: list[Phase] = []
    spans: list[int] = []
    rows = None
    for at in range(start, len(statements)):
        statement = statements[at]
        if re.match(r"\s*%[\w.$-]+ = (?:arith\.constant|memref\.alloc\(\))", statement[0]):
            continue
        if not statement[0].lstrip().startswith("scf.parallel"):
            break
        nest = parse_nest(statement, constants)
        if nest is None:
            break
        red = _row_reduction(nest) if nest.reduction_ivs else None
        if nest.reduction_ivs and red is None:
            break
        phases.append(Phase(nest, red))
        spans.append(at - start + 1)
        if red is not None and rows is None:
            rows = nest.trips
    if rows is None:
        return None
    # keep the phases whose leading dimensions are the rows (reductions: exactly the rows), then the longest
    # row-local prefix that still holds a reduction
    kept = []
    for phase in phases:
        trips = phase.nest.trips
        if trips[:len(rows)] != rows or (phase.reduction and trips != rows) or (
                not phase.reduction and phase.nest.reduction_ivs):
            break
        kept.append(phase)
    while kept and not (any(p.reduction for p in kept) and _row_local(kept, len(rows), viewed)):
        kept.pop()
    return (kept, spans[len(kept) - 1]) if kept else None


def _row_local(phases: list[Phase], rank: int, viewed: set[str]) -> bool:
    written = {b for p in phases for line in p.nest.body for b in _STORED.findall(line)}
    if written & viewed:
        return False
    for phase in phases:
        rows = phase.nest.ivs[:rank]
        for line in phase.nest.body:
            for buffer, index in _ACCESS.findall(line):
                if buffer in written and [i.strip() for i in index.split(",")][:rank] != rows:
                    return False
    return True


def row_fused(phases: list[Phase], names: Names) -> tuple[list[str], Strategy]:
    rows = phases[0].nest.trips[:len(next(p for p in phases if p.reduction).nest.trips)]
    work = [math.prod(p.nest.reduction_trips) if p.reduction else math.prod(p.nest.trips[len(rows):])
            for p in phases]
    threads = threads_for(max(work))
    elements = sorted({p.reduction.element for p in phases if p.reduction})
    kernel = Kernel(names, (math.prod(rows), 1, 1), (threads, 1, 1),
                    [(f"scratch_{e}_", scratch_type(e)) for e in elements])
    scratch = {e: name for e, (name, _) in zip(elements, kernel.workgroup)}
    row = kernel.delinearize(kernel.bx, rows)
    first = kernel.op(f"arith.cmpi eq, {kernel.tx}, {kernel.const(0)} : index", "t0")
    for number, phase in enumerate(phases):
        if number:
            kernel.emit("gpu.barrier")
        nest = phase.nest
        mapping = dict(zip(nest.ivs, row))
        if phase.reduction:
            red = dataclasses.replace(phase.reduction, index=rename([phase.reduction.index], mapping)[0])
            partial = partial_loop(kernel, red, nest, kernel.tx, kernel.const(threads), mapping)
            total = block_reduce(kernel, red, partial, threads, scratch[red.element])
            kernel.open(f"scf.if {first} {{")
            red.finish(kernel, total)
            kernel.close()
        elif len(nest.trips) > len(rows):
            extra = nest.trips[len(rows):]
            iv = kernel.names("e")
            kernel.open(f"scf.for {iv} = {kernel.tx} to {kernel.const(math.prod(extra))} step "
                        f"{kernel.const(threads)} {{")
            mapping.update(zip(nest.ivs[len(rows):], kernel.delinearize(iv, extra)))
            kernel.emit_lines(rename(nest.body, mapping))
            kernel.close()
        else:
            kernel.open(f"scf.if {first} {{")
            kernel.emit_lines(rename(nest.body, mapping))
            kernel.close()
    shared = sum(WARP * _bytes(e) for e in elements)
    strategy = Strategy("row-fused", "row-reduction", kernel.grid, kernel.block, shared,
                        (("rows", math.prod(rows)), ("phases", len(phases)), ("row_elements", max(work))))
    return kernel.lines(), strategy


def _bytes(element: str) -> int:
    return int(element.lstrip("fi")) // 8


# ------------------------------------------------------------------------------------------- grid reductions
def full_reduction(statement: list[str], constants: dict[str, int]) -> tuple[LoopNest, Reduction] | None:
    """A host statement that reduces every element into a scalar accumulator (no parallel dimension)."""
    if not statement[0].lstrip().startswith("scf.for"):
        return None
    nest = parse_nest(statement, constants)
    if nest is None or nest.ivs:
        return None
    red = parse_reduction(nest)
    return (nest, red) if red is not None else None


def grid_blocks(total: int) -> tuple[int, int]:
    """(blocks, threads per block) of the first launch of a grid reduction over `total` elements."""
    threads = threads_for(total)
    return max(1, min(GRID_PARTIALS, total // (threads * GRID_ELEMENTS_PER_THREAD))), threads


def grid_reduction(nest: LoopNest, red: Reduction, init: list[list[str]], names: Names
                   ) -> tuple[list[str], list[str], list[Strategy]]:
    """(host allocations, launches, strategies). `init`: the statements storing the accumulator's initial
    value (run by thread 0 of the last launch, just before it combines)."""
    total = math.prod(nest.reduction_trips)
    blocks, threads = grid_blocks(total)
    partials = names("partials")
    partials_type = f"memref<{blocks}x{red.element}>"
    kernel = Kernel(names, (blocks, 1, 1), (threads, 1, 1), [("scratch", scratch_type(red.element))])
    scratch = kernel.workgroup[0][0]
    stride = kernel.const(blocks * threads)
    value = block_reduce(kernel, red, partial_loop(kernel, red, nest, kernel.linear_thread(), stride),
                         threads, scratch)
    first = kernel.op(f"arith.cmpi eq, {kernel.tx}, {kernel.const(0)} : index", "t0")
    kernel.open(f"scf.if {first} {{")
    shared = WARP * _bytes(red.element)
    params = (("elements", total), ("partials", blocks))
    if blocks == 1:
        for statement in init:
            kernel.emit_lines(statement)
        red.finish(kernel, value)
        kernel.close()
        return [], kernel.lines(), [Strategy("grid-reduction", "full-reduction", kernel.grid, kernel.block, shared,
                                             params)]
    kernel.emit(f"memref.store {value}, {partials}[{kernel.bx}] : {partials_type}")
    kernel.close()
    final = Kernel(names, (1, 1, 1), (THREADS_PER_BLOCK, 1, 1), [("scratch", scratch_type(red.element))])
    iv, part = names("j"), names("p")
    load = f"{part} = memref.load {partials}[{iv}] : {partials_type}"
    combined = names("c")
    combine_line = f"{combined} = {red.combine_op} {part}, {red.carried}{red.flags} : {red.element}"
    over_partials = LoopNest([], [], [iv], [blocks], [])
    partial_red = dataclasses.replace(red, body=[load, combine_line], result=combined)
    value = partial_loop(final, partial_red, over_partials, final.tx, final.const(THREADS_PER_BLOCK))
    value = block_reduce(final, red, value, THREADS_PER_BLOCK, final.workgroup[0][0])
    first = final.op(f"arith.cmpi eq, {final.tx}, {final.const(0)} : index", "t0")
    final.open(f"scf.if {first} {{")
    for statement in init:
        final.emit_lines(statement)
    red.finish(final, value)
    final.close()
    host = [f"    {partials} = memref.alloc() {{alignment = 64 : i64}} : {partials_type}"]
    strategies = [Strategy("grid-reduction", "full-reduction", kernel.grid, kernel.block, shared, params),
                  Strategy("grid-reduction", "full-reduction", final.grid, final.block, shared,
                           (("partials", blocks),))]
    return host, kernel.lines() + final.lines(), strategies
