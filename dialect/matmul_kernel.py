"""tfc's own CPU matmul kernel: B packed into panels, cache blocks over threads, register tiles of vector FMAs.

    C[M, N] = A[M, K] @ B[K, N]      (A and/or B may be read transposed: see `operand`)

1. Pack B into panels of NR columns, `Bp[ceil(N/NR)][K][NR]` (zero padded past N), in parallel. The register tile
   then reads NR contiguous values per k. Unpacked, consecutive k are a row of B apart (4 KB at N = 1024): every k
   touched a new page in the same cache sets, and the same tile ran at 41 GFLOP/s instead of ~130 on one core of
   the Xeon (AVX-512) this was tuned on (docs/performance.md).
2. C is cut into MC x NC blocks, one `scf.forall` iteration each (OpenMP threads, guided schedule). A block walks
   K in KC slices (a KC x NR panel slice, 32 KB, stays in L1 while the block's rows pass over it), its columns in
   NR-wide and its rows in MR-high register tiles: one vector<MR x NR> accumulator (MR x NV registers) and per k
   one `vector.outerproduct` of A's column with the panel row, which lowers to a broadcast of A[i, k] and NV FMAs
   per row (8 x 2 zmm = 16 FMAs per k with AVX-512). Rows past the last full register tile take a one-row tile;
   columns past N are masked on load and store. Batched matmuls add a batch axis to the blocks (operands with the
   result's batch axes, or none: a broadcast operand).
3. Elementwise consumers fused into the matmul (a bias, an activation: dialect/epilogue.py) run on each finished
   block while it is in cache, before it is stored.

Small products (under SERIAL_MACS multiply-adds) use plain loops: a fork/join costs tens of microseconds.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Callable

from tfc import dtypes
from tfc.graph import TensorType

from .lowering import Emitter

# Below this many multiply-adds (~30-60 us on one core) the kernel runs on the calling thread: waking the workers
# (idle ones sleep: runtime/threads.py) and joining them costs tens of microseconds, more when another pool's
# threads hold the cores. A 256x512x10 classifier layer took 0.034 ms serial and 0.13-0.2 ms threaded.
SERIAL_MACS = 1 << 22
KC = 256                     # k per cache slice: a KC x NR panel slice of f32 is 32 KB (L1 is 48 KB)


@dataclasses.dataclass(frozen=True)
class Tiles:
    """Register and cache tiles for one element type on one vector width."""
    lanes: int        # elements per vector register
    mr: int           # rows per register tile
    nv: int           # vectors per register-tile row: NR = nv * lanes columns

    @property
    def nr(self) -> int:
        return self.nv * self.lanes

    @property
    def mc(self) -> int:     # rows per block (a multiple of mr)
        return self.mr * 8

    @property
    def nc(self) -> int:     # columns per block (a multiple of nr)
        return self.nr * 8


def compute_dtype(dtype: dtypes.DType) -> dtypes.DType:
    """16-bit floats are multiplied and accumulated in float32 (packing widens B, each A element is widened)."""
    return dtypes.float32 if dtype in (dtypes.float16, dtypes.bfloat16) else dtype


def tiles_for(vector_bits: int, dtype: dtypes.DType, columns: int | None = None) -> Tiles | None:
    """The tiles for `dtype` on a CPU with `vector_bits`-wide registers (0: no kernel, e.g. the GPU path), for a
    result of `columns` columns (None: known at run time)."""
    if vector_bits <= 0 or dtype.is_bool:
        return None
    lanes = vector_bits // (compute_dtype(dtype).itemsize * 8)
    # 32 vector registers with AVX-512: 8 x 2 accumulators + 2 B vectors + 1 broadcast; 16 without: 6 x 2 + 3.
    # A product at most one vector wide (a classifier's 10 logits) takes one vector per row: two would multiply
    # 3.2x the columns it has (NR = 32 for 10), one 1.6x.
    vectors = 1 if columns is not None and columns <= lanes else 2
    return Tiles(lanes=lanes, mr=8 if vector_bits >= 512 else 6, nv=vectors)


@dataclasses.dataclass
class Operand:
    """A matmul operand as the kernel reads it: the SSA value, its type ([rows, cols], or [batch, rows, cols]
    for a batched operand), and whether its last two axes are stored transposed (A as [K, M], B as [N, K]: a
    folded tfc.transpose)."""
    value: str
    type: TensorType
    transposed: bool = False

    @property
    def batched(self) -> bool:
        return self.type.rank == 3


# block -> (value after the epilogue). Called inside the block loop with the block's tensor<?x?> value, its
# offsets and sizes in C (index SSA names) and the loop's output tensor (C as built so far).
Epilogue = Callable[[Emitter, str, str, str, str, str, str], str]


def loop_nest(em: Emitter, counts: list[str], init: str, init_type: str, parallel: bool,
              body: Callable[[list[str], str], tuple[str, str, str, str, str]]) -> str:
    """A loop nest over `counts` carrying the tensor `init`; `body(ivs, carried)` returns (tile, its type,
    offsets, sizes, strides) to insert into it. parallel: one scf.forall (threads); else nested scf.for."""
    ivs = [em.fresh("iv") for _ in counts]
    if parallel:
        carried, result = em.fresh("co"), em.fresh("forall")
        em.emit(f"{result} = scf.forall ({', '.join(ivs)}) in ({', '.join(counts)}) shared_outs({carried} = "
                f"{init}) -> ({init_type}) {{")
        em.depth += 1
        tile, tile_type, offsets, sizes, strides = body(ivs, carried)
        em.emit("scf.forall.in_parallel {")
        em.emit(f"  tensor.parallel_insert_slice {tile} into {carried}[{offsets}] [{sizes}] [{strides}] : "
                f"{tile_type} into {init_type}")
        em.emit("}")
        em.depth -= 1
        em.emit("}" + em.loc)
        return result
    zero, one = em.index(0), em.index(1)
    results, carried = [], init
    for iv, count in zip(ivs, counts):
        inner, result = em.fresh("co"), em.fresh("for")
        em.emit(f"{result} = scf.for {iv} = {zero} to {count} step {one} iter_args({inner} = {carried}) -> "
                f"({init_type}) {{")
        em.depth += 1
        results.append(result)
        carried = inner
    tile, tile_type, offsets, sizes, strides = body(ivs, carried)
    inserted = em.assign(f"tensor.insert_slice {tile} into {carried}[{offsets}] [{sizes}] [{strides}] : "
                         f"{tile_type} into {init_type}", "ins")
    for result in reversed(results):
        em.emit(f"scf.yield {inserted} : {init_type}")
        em.depth -= 1
        em.emit("}" + em.loc)
        inserted = result
    return results[0]


class Kernel:
    """C = A @ B; subclasses read A differently (dialect/conv_kernel.py: input pixels of a convolution)."""
    def __init__(self, em: Emitter, a: Operand, b: Operand, out: TensorType, tiles: Tiles, epilogue: Epilogue | None,
                 destination: str | None = None):
        self.em, self.a, self.b, self.out, self.t, self.epilogue = em, a, b, out, tiles, epilogue
        self.destination = destination  # a tensor of out's type to build C in (its buffer is reused), or None
        self.source = a.type.dtype.storage                   # the operands' element type
        self.compute = compute_dtype(a.type.dtype)
        self.elem = self.compute.storage                     # what is multiplied and accumulated
        self.tile = f"tensor<?x?x{self.elem}>"
        self.panels = f"tensor<?x?x{tiles.nr}x{self.elem}>"

    # ---------------------------------------------------------------------------------------------- helpers
    def index(self, value: int) -> str:
        return self.em.index(value)

    def affine(self, kind: str, map_: str, dims: list[str], syms: list[str] = ()) -> str:
        args = f"({', '.join(dims)})" + (f"[{', '.join(syms)}]" if syms else "")
        return self.em.assign(f"affine.{kind} affine_map<{map_}>{args}", "i")

    def size(self, operand: Operand, axis: int) -> str:
        """Size of the logical axis (0: rows, 1: columns) of an operand as an index value."""
        stored = 1 - axis if operand.transposed else axis
        return self.em.dim(operand.value, operand.type, stored + operand.type.rank - 2)

    def at(self, operand: Operand, batch: str | None, row: str, col: str) -> str:
        """Indices of the logical element [row, col] of `operand` in batch `batch` (ignored if unbatched)."""
        stored = f"{col}, {row}" if operand.transposed else f"{row}, {col}"
        return f"{batch}, {stored}" if operand.batched else stored

    def widen(self, value: str, type: str) -> str:
        if self.source == self.elem:
            return value
        wide = type.replace(self.source, self.elem)
        return self.em.assign(f"arith.extf {value} : {type} to {wide}", "w")

    def loop(self, counts: list[str], init: str, init_type: str, parallel: bool, body) -> str:
        return loop_nest(self.em, counts, init, init_type, parallel, body)

    # ---------------------------------------------------------------------------------------------- stages
    def emit(self) -> str:
        em, t = self.em, self.t
        self.M, self.N, self.K = self.rows(), self.size(self.b, 1), self.size(self.b, 0)
        self.batch = None  # batched matmuls: C is [batch, M, N] and blocks are (batch, rows, columns)
        if self.out.rank == 3:
            self.batch = self.index(self.out.shape[0]) if self.out.shape[0] is not None else self.size_of_batch()
        static = [self.out.shape[-2], self.out.shape[-1], self.b.type.shape[-1 if self.b.transposed else -2]]
        work = [*static, *self.out.shape[:-2]]
        self.parallel = None in work or math.prod(work) >= SERIAL_MACS
        # Static shapes the register tiles divide need no one-row tiles and no column masks (less code to
        # compile, no mask arithmetic per tile).
        self.whole_rows = static[0] is not None and static[0] % t.mr == 0
        self.whole_cols = static[1] is not None and static[1] % t.nr == 0
        self.col_bounds = " {in_bounds = [true]}" if self.whole_cols else ""
        self.zero = em.scalar(0, self.compute)
        self.packed = self.pack_b()
        blocks_m = self.affine("apply", f"()[s0] -> (s0 ceildiv {t.mc})", [], [self.M])
        blocks_n = self.affine("apply", f"()[s0] -> (s0 ceildiv {t.nc})", [], [self.N])
        result = TensorType(self.out.shape, self.compute)
        sizes = ([self.batch] if self.batch else []) + [self.M, self.N]
        init = self.destination or em.empty(result, [s for d, s in zip(self.out.shape, sizes) if d is None])
        counts = ([self.batch] if self.batch else []) + [blocks_m, blocks_n]
        return self.loop(counts, init, result.mlir(storage=True), self.parallel, self.block)

    def size_of_batch(self) -> str:
        """The batch count when it is known only at run time: from a batched operand."""
        batched = self.a if self.a.batched else self.b
        return self.em.dim(batched.value, batched.type, 0)

    # ------------------------------------------------------------------ how A is read (conv_kernel overrides)
    def rows(self) -> str:
        """M, the number of rows of A (and C)."""
        return self.size(self.a, 0)

    def slices(self) -> tuple[str, int]:
        """The K slices: (units to walk, at least 1 so that K = 0 still stores zeros; units per slice)."""
        return self.em.assign(f"arith.maxui {self.K}, {self.index(1)} : index", "kub"), KC

    def row_coordinates(self, f: dict, ir: str, rows: int):
        """What `a_column` needs to read the tile's rows (block rows ir .. ir + rows): here A's first row."""
        return self.affine("apply", "(d0, d1) -> (d0 + d1)", [f["i0"], ir])

    def a_column(self, f: dict, first_row, k: str, rows: int) -> str:
        """A[first_row : first_row + rows, k] as a vector (a contiguous read when A is stored transposed)."""
        a, em = self.a, self.em
        column = f"vector<{rows}x{self.source}>"
        dims = ", ".join(f"d{i}" for i in range(a.type.rank))
        along = a.type.rank - (1 if a.transposed else 2)  # the stored axis of A's rows
        read = em.assign(f"vector.transfer_read {a.value}[{self.at(a, f['batch'], first_row, k)}], "
                         f"{em.scalar(0, a.type.dtype)} {{in_bounds = [true], permutation_map = "
                         f"affine_map<({dims}) -> (d{along})>}} : {a.type.mlir(storage=True)}, {column}", "acol")
        return self.widen(read, column)

    def contract(self, f: dict, rows_at, acc: str, rows: int) -> str:
        """The accumulator after this K slice: one loop over k in [kb, k_end)."""
        k_end = self.affine("min", f"(d0)[s0] -> (d0 + {KC}, s0)", [f["kb"]], [self.K])
        return self.k_loop(f["kb"], k_end, acc, rows, lambda k, carried: self.fma_step(
            f, k, carried, self.a_column(f, rows_at, k, rows), rows))

    def k_loop(self, start: str, end: str, acc: str, rows: int, body) -> str:
        """scf.for over [start, end) carrying the accumulator; `body(k, carried)` returns the updated one."""
        return self.for_loop(start, end, 1, acc, self.acc_type(rows), body)

    def for_loop(self, start: str, end: str, step: int, init: str, type: str, body) -> str:
        """scf.for over [start, end) by `step` carrying one value of `type`; `body(iv, carried)` emits the
        iteration and returns the value to yield."""
        em = self.em
        iv, carried, result = em.fresh("iv"), em.fresh("x"), em.fresh("for")
        em.emit(f"{result} = scf.for {iv} = {start} to {end} step {self.index(step)} iter_args({carried} = {init}) "
                f"-> ({type}) {{")
        em.depth += 1
        em.emit(f"scf.yield {body(iv, carried)} : {type}")
        em.depth -= 1
        em.emit("}")
        return result

    def fma_step(self, f: dict, k: str, acc: str, column: str, rows: int) -> str:
        """One k: the panel's NR values and their outer product with A's column, accumulated (lowered per row
        to a broadcast and NV vector FMAs, or integer multiply-adds)."""
        em, t = self.em, self.t
        row = em.assign(f"vector.transfer_read {self.packed}[{f['panel']}, {k}, {self.index(0)}], {self.zero} "
                        f"{{in_bounds = [true]}} : {self.panels}, vector<{t.nr}x{self.elem}>", "b")
        return em.assign(f"vector.outerproduct {column}, {row}, {acc} : vector<{rows}x{self.elem}>, "
                         f"vector<{t.nr}x{self.elem}>", "fma")

    def acc_type(self, rows: int) -> str:
        return f"vector<{rows}x{self.t.nr}x{self.elem}>"

    # ---------------------------------------------------------------------------------------------- stages
    def pack_b(self) -> str:
        """Bp[p][k][0:NR] = B[k][p*NR : p*NR + NR], zero past N (a batched B: the panels of batch b are
        b * ceil(N/NR) onwards)."""
        em, t = self.em, self.t
        self.panels_per_batch = self.affine("apply", f"()[s0] -> (s0 ceildiv {t.nr})", [], [self.N])
        count = self.panels_per_batch
        if self.b.batched:
            count = em.assign(f"arith.muli {count}, {self.batch} : index", "panels")
        init = em.assign(f"tensor.empty({count}, {self.K}) : {self.panels}", "panels")
        panel_type = f"tensor<?x{t.nr}x{self.elem}>"
        row_vec = f"vector<{t.nr}x{self.source}>"

        def body(ivs: list[str], carried: str):
            (p,) = ivs
            batch, within = None, p
            if self.b.batched:  # unsigned: panel indices are never negative (see conv_kernel.row_coordinates)
                batch = em.assign(f"arith.divui {p}, {self.panels_per_batch} : index", "pb")
                within = em.assign(f"arith.remui {p}, {self.panels_per_batch} : index", "pw")
            j = self.affine("apply", f"(d0) -> (d0 * {t.nr})", [within])
            panel = em.assign(f"tensor.extract_slice {carried}[{p}, 0, 0] [1, {self.K}, {t.nr}] [1, 1, 1] : "
                              f"{self.panels} to {panel_type}", "panel")
            def pack_row(k: str, filled: str) -> str:
                b = self.b
                row = em.assign(f"vector.transfer_read {b.value}[{self.at(b, batch, k, j)}], "
                                f"{em.scalar(0, b.type.dtype)}{self.col_bounds} : {b.type.mlir(storage=True)}, "
                                f"{row_vec}", "row")
                return em.assign(f"vector.transfer_write {self.widen(row, row_vec)}, {filled}[{k}, {self.index(0)}] "
                                 f"{{in_bounds = [true]}} : vector<{t.nr}x{self.elem}>, {panel_type}", "p")
            if self.b.transposed:
                done = self.pack_transposed(panel, panel_type, batch, j)
            else:
                done = self.for_loop(self.index(0), self.K, 1, panel, panel_type, pack_row)
            return done, panel_type, f"{p}, 0, 0", f"1, {self.K}, {t.nr}", "1, 1, 1"
        return self.loop([count], init, self.panels, self.parallel, body)

    def pack_transposed(self, panel: str, panel_type: str, batch: str | None, j: str) -> str:
        """One panel of a B stored [N, K]: Bp[k][jj] = Bt[j + jj][k], copied one stored row (contiguous in k) at
        a time. A panel row is a column of the stored tensor: read as a vector it was a masked gather of NR
        elements a row apart, per k (the d @ W^T of a backward pass spent longer packing than multiplying)."""
        em, t, b = self.em, self.t, self.b
        if not self.whole_cols:  # columns past N stay zero
            panel = em.assign(f"linalg.fill ins({self.zero} : {self.elem}) outs({panel} : {panel_type}) -> "
                              f"{panel_type}", "zp")
        cols = self.affine("min", f"(d0)[s0] -> ({t.nr}, s0 - d0)", [j], [self.N])

        def column(jj: str, filled: str) -> str:
            col = self.affine("apply", "(d0, d1) -> (d0 + d1)", [j, jj])

            def element(k: str, into: str) -> str:
                value = em.assign(f"tensor.extract {b.value}[{self.at(b, batch, k, col)}] : "
                                  f"{b.type.mlir(storage=True)}", "bt")
                if self.source != self.elem:
                    value = em.assign(f"arith.extf {value} : {self.source} to {self.elem}", "w")
                return em.assign(f"tensor.insert {value} into {into}[{k}, {jj}] : {panel_type}", "p")
            return self.for_loop(self.index(0), self.K, 1, filled, panel_type, element)
        return self.for_loop(self.index(0), cols, 1, panel, panel_type, column)

    def block(self, ivs: list[str], carried: str):
        """One MC x NC block of C: K slices x column tiles x row tiles, then the epilogue."""
        em, t = self.em, self.t
        batch, (ib, jb) = (ivs[0] if self.batch else None), ivs[-2:]
        i0 = self.affine("apply", f"(d0) -> (d0 * {t.mc})", [ib])
        j0 = self.affine("apply", f"(d0) -> (d0 * {t.nc})", [jb])
        mc = self.affine("min", f"(d0)[s0] -> ({t.mc}, s0 - d0 * {t.mc})", [ib], [self.M])
        nc = self.affine("min", f"(d0)[s0] -> ({t.nc}, s0 - d0 * {t.nc})", [jb], [self.N])
        out_type = TensorType(self.out.shape, self.compute).mlir(storage=True)
        where = (f"{batch}, " if batch else "") + f"{i0}, {j0}"
        extent = ("1, " if batch else "") + f"{mc}, {nc}"
        unit = ", ".join(["1"] * self.out.rank)
        if self.epilogue:  # accumulate apart: the epilogue reads the block and writes the output's slice
            block = em.assign(f"tensor.empty({mc}, {nc}) : {self.tile}", "blk")
        else:
            block = em.assign(f"tensor.extract_slice {carried}[{where}] [{extent}] [{unit}] : {out_type} to "
                              f"{self.tile}", "blk")
        full_rows = self.affine("apply", f"(d0) -> ((d0 floordiv {t.mr}) * {t.mr})", [mc])
        units, step = self.slices()

        def k_slice(kb: str, sliced: str) -> str:
            first = em.assign(f"arith.cmpi eq, {kb}, {self.index(0)} : index", "first")

            def column_panel(jr: str, by_cols: str) -> str:
                panel = self.affine("apply", f"(d0, d1) -> ((d0 + d1) floordiv {t.nr})", [j0, jr])
                if self.b.batched:
                    panel = self.affine("apply", "(d0, d1)[s0] -> (d0 * s0 + d1)", [batch, panel],
                                        [self.panels_per_batch])
                frame = dict(i0=i0, jr=jr, kb=kb, first=first, panel=panel, batch=batch)
                tiled = self.row_tiles(frame, by_cols, self.index(0), full_rows, t.mr)
                return tiled if self.whole_rows else self.row_tiles(frame, tiled, full_rows, mc, 1)
            return self.for_loop(self.index(0), nc, t.nr, sliced, self.tile, column_panel)
        computed = self.for_loop(self.index(0), units, step, block, self.tile, k_slice)
        result = computed
        if self.epilogue:  # its side operands see C's rows flattened over the batch
            flat_i0 = self.affine("apply", "(d0, d1)[s0] -> (d0 * s0 + d1)", [batch, i0], [self.M]) if batch else i0
            result = self.epilogue(em, computed, flat_i0, j0, mc, nc, carried)
        return result, self.tile, where, extent, unit

    def row_tiles(self, frame: dict, carried: str, start: str, end: str, rows: int) -> str:
        """Register tiles of `rows` rows from block row `start` to `end` (a multiple of `rows` apart)."""
        return self.for_loop(start, end, rows, carried, self.tile,
                             lambda ir, tile: self.register_tile(frame, tile, ir, rows))

    def register_tile(self, f: dict, c: str, ir: str, rows: int) -> str:
        """acc (+)= sum over this K slice of A[i0 + ir : i0 + ir + rows, k] (x) Bp[panel][k], one
        vector<rows x NR> accumulator (registers: rows x NV vectors); it starts from zero in the first slice and
        from C's tile in the others (a branch, so the first slice never reads the tile before it is written)."""
        em = self.em
        acc_type, bounds = self.acc_type(rows), f" {{in_bounds = [true, {str(self.whole_cols).lower()}]}}"
        acc = em.fresh("acc")
        em.emit(f"{acc} = scf.if {f['first']} -> ({acc_type}) {{")
        em.emit(f"  scf.yield {self.zeros(acc_type)} : {acc_type}")
        em.emit("} else {")
        em.depth += 1
        stored = em.assign(f"vector.transfer_read {c}[{ir}, {f['jr']}], {self.zero}{bounds} : {self.tile}, "
                           f"{acc_type}", "ld")
        em.emit(f"scf.yield {stored} : {acc_type}")
        em.depth -= 1
        em.emit("}")
        acc = self.contract(f, self.row_coordinates(f, ir, rows), acc, rows)
        return em.assign(f"vector.transfer_write {acc}, {c}[{ir}, {f['jr']}]{bounds} : {acc_type}, {self.tile}", "st")

    def zeros(self, type: str) -> str:
        zero = "0.0" if self.compute.is_floating else "0"
        return self.em.assign(f"arith.constant dense<{zero}> : {type}", "zv")


def emit_matmul(em: Emitter, a: Operand, b: Operand, out: TensorType, tiles: Tiles,
                epilogue: Epilogue | None = None, destination: str | None = None) -> str:
    """C = A @ B as tfc's kernel; returns a tensor of `out`'s shape in the compute type (float32 for 16-bit
    operands: the caller rounds it), built in `destination` when given (the epilogue reads it: see
    epilogue.destination)."""
    return Kernel(em, a, b, out, tiles, epilogue, destination).emit()
