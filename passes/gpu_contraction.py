"""The tiled-matmul strategy of the CUDA target: contractions (matmul, batched matmul, conv2d as an implicit
GEMM) as shared-memory tiled, register-blocked FMA kernels, written before `convert-linalg-to-parallel-loops`.

Input: the bufferized host function. A top-level `linalg.generic` is a contraction when its body yields
`out + x * w` (f32) with parallel dimensions first, the output indexed by them in order, and the parallel
dimensions split as batch (x and w both depend on them), M (only x), N (only w) in that order; reduction
dimensions are K. x and w may be any computation of the body: a plain operand (`A[m, k]`, transposed or not) or
conv2d's padded input pixel (`linalg.index` arithmetic, a clamped `memref.load` and a select) -- the kernel
evaluates x's part of the body for an (m, k) pair and w's for a (k, n) pair. That makes conv2d an implicit GEMM:
M = batch*height*width of the output, N = output channels, K = kh*kw*input channels, and no im2col buffer.

Kernel (Tile below): a block computes a BM x BN tile of C[batch, M, N] with 256 threads; each thread owns TM x TN
outputs (TM rows of TN-wide vectors: TM*TN registers of accumulators). Per BK-deep slice of K:
1. every thread evaluates BM*BK/256 elements of x and BK*BN/256 of w (neighbouring threads along the operand's
   contiguous axis) at clamped, always in-bounds indices; out-of-range (m, k) or (k, n) give 0 (`arith.select`),
   so any M, N, K work, remainders included;
2. stores them to workgroup tiles As[BK][BM+4] and Bs[BK][BN+4] (launch `workgroup(...)` attributions; the +4
   pad spreads the transposed stores over the banks and keeps rows 16-byte aligned), `gpu.barrier`;
3. for each of the BK k: a TM-vector of As and a TN-vector of Bs (`ld.shared.v4`), TM x TN `vector.fma`
   (`fma.rn.f32`; fp32 throughout, no TF32), `gpu.barrier` before the next slice overwrites the tiles.
Every thread reaches both barriers of every slice (uniform loop bounds; masks are selects, not branches).
The epilogue adds the output's initial value (the fill just before, folded into the kernel; else a load) and
stores rows < M, columns < N (4-wide vector stores when N % 4 == 0).

Validated by ptxas (registers, no spills, shared memory) and by the CPU model of the tiling in
tests/unit/test_cuda_strategies.py (every output once, every load in bounds); not yet run on a GPU.
"""
from __future__ import annotations

import dataclasses
import math
import re

from .gpu_ir import Kernel, Names, is_ident, rename
from .gpu_strategies import Strategy

THREADS = 256
MAX_GRID_YZ = 65535


@dataclasses.dataclass(frozen=True)
class Tile:
    bm: int
    bn: int
    bk: int
    tm: int
    tn: int

    @property
    def threads(self) -> int:
        return (self.bm // self.tm) * (self.bn // self.tn)

    @property
    def shared_bytes(self) -> int:
        return 4 * self.bk * ((self.bm + 4) + (self.bn + 4))


LARGE = Tile(128, 128, 8, 8, 8)     # 64 accumulators per thread
SMALL = Tile(64, 64, 8, 4, 4)       # for products with M or N under 128: 4x more blocks


def choose_tile(m: int, n: int) -> Tile:
    return LARGE if m >= 128 and n >= 128 else SMALL


_GENERIC = re.compile(r"^\s*linalg\.generic \{indexing_maps = \[([^\]]*)\], iterator_types = \[([^\]]*)\]\} "
                      r"ins\(([^:]*) : ([^)]*)\) outs\((%[\w.$-]+) : (memref<[^>]*>)\) \{$")
_MAP = re.compile(r"^(#[\w$.-]+) = affine_map<\(([^)]*)\) -> \(([^)]*)\)>$")
_BLOCK = re.compile(r"^\s*\^bb0\((.*)\):$")
_DEF = re.compile(r"^\s*(%[\w.$-]+) = ([\w.]+)(.*)$")
_FILL = re.compile(r"^\s*linalg\.fill ins\((%[\w.$-]+) : f32\) outs\((%[\w.$-]+) : memref<[^>]*>\)$")


def _dims(type_text: str) -> list[int]:
    return [int(d) for d in re.match(r"memref<((?:\d+x)*)f32>", type_text.strip()).group(1).split("x") if d]


@dataclasses.dataclass
class Contraction:
    out: str
    out_type: str
    sizes: list[int]                  # every loop dimension
    batch: list[int]                  # dimension numbers
    m: list[int]
    n: list[int]
    k: list[int]
    x_side: list[str]                 # body statements computing x (in order), then x's name
    x: str
    w_side: list[str]
    w: str
    loads: dict[str, tuple[str, str, list[str]]]   # block argument -> (buffer, type, map results)
    x_contiguous_k: bool              # x's innermost memory axis is a K dimension (else an M dimension)
    w_contiguous_n: bool

    def size(self, dims: list[int]) -> int:
        return math.prod(self.sizes[d] for d in dims)


def parse(statement: list[str], maps: dict[str, tuple[list[str], list[str]]]) -> Contraction | None:
    """The statement as a Contraction, or None (then convert-linalg-to-parallel-loops takes it)."""
    header = _GENERIC.match(statement[0])
    if not header or len(statement) < 4:
        return None
    map_names, iterators, ins, in_types, out, out_type = header.groups()
    if not re.fullmatch(r"memref<(\d+x)+f32>", out_type) or any(n.strip() not in maps for n in map_names.split(",")):
        return None
    kinds = [k.strip().strip('"') for k in iterators.split(",")]
    parallel = kinds.count("parallel")
    if kinds != ["parallel"] * parallel + ["reduction"] * (len(kinds) - parallel) or parallel == len(kinds):
        return None
    indexing = [maps[n.strip()] for n in map_names.split(",")]
    dim_names = indexing[0][0]
    if any(m[0] != dim_names or not set(m[1]) <= set(dim_names) for m in indexing) or \
            indexing[-1][1] != dim_names[:parallel]:
        return None  # only projected permutations (no constant or computed indices)
    block = _BLOCK.match(statement[1])
    if not block or not statement[-2].strip().startswith("linalg.yield"):
        return None
    args = [(a.split(":")[0].strip(), a.split(":")[1].strip()) for a in block.group(1).split(",")]
    if any(t != "f32" for _, t in args):
        return None
    ins_values = [v.strip() for v in ins.split(",")]
    in_type_list = re.findall(r"memref<[^>]*>", in_types)
    loads = {name: (value, type_, indexing[i][1])
             for i, ((name, _), value, type_) in enumerate(zip(args, ins_values, in_type_list))}
    body = statement[2:-2]
    if any(line.rstrip().endswith("{") or "memref.store" in line for line in body):
        return None
    product = _contraction_of(body, statement[-2], args[-1][0])
    if product is None:
        return None
    x, w, product_lines = product
    index_of = {name: i for i, name in enumerate(dim_names)}
    deps, producers = _dependencies(body, loads, index_of)
    dx, dw = deps.get(x, set()), deps.get(w, set())
    parallel_dims = set(range(parallel))
    batch = sorted(dx & dw & parallel_dims)
    m, n = sorted((dx - dw) & parallel_dims), sorted((dw - dx) & parallel_dims)
    if not m or not n or batch + m + n != list(range(parallel)):
        return None
    sizes = _loop_sizes(loads, index_of, out_type, len(dim_names), parallel)
    if sizes is None:
        return None
    k = list(range(parallel, len(dim_names)))

    def side(value):
        needed = _slice(body, value, producers)
        return [line for i, line in enumerate(body) if i in needed and i not in product_lines]

    def innermost_is(value, dims):
        if value in loads and loads[value][2]:
            return index_of.get(loads[value][2][-1]) in dims
        return True
    return Contraction(out, out_type, sizes, batch, m, n, k, side(x), x, side(w), w, loads,
                       innermost_is(x, set(k)), innermost_is(w, set(n)))


def _contraction_of(body: list[str], yield_line: str, out: str):
    """(x, w, the body lines of the multiply and add) when the body yields out + x * w."""
    yielded = re.match(r"\s*linalg\.yield (%[\w.$-]+) : f32", yield_line)
    defs = {m.group(1): (i, m) for i, line in enumerate(body) for m in [_DEF.match(line)] if m}
    if not yielded or yielded.group(1) not in defs:
        return None
    add_at, add = defs[yielded.group(1)]
    operands = re.match(r" (%[\w.$-]+), (%[\w.$-]+)(?: fastmath<[\w,]+>)? : f32$", add.group(3))
    if add.group(2) != "arith.addf" or not operands or out not in operands.groups():
        return None
    product = operands.group(2) if operands.group(1) == out else operands.group(1)
    if product not in defs or defs[product][1].group(2) != "arith.mulf":
        return None
    mul_at, mul = defs[product]
    factors = re.match(r" (%[\w.$-]+), (%[\w.$-]+)(?: fastmath<[\w,]+>)? : f32$", mul.group(3))
    uses = "\n".join(body).count(out)
    if not factors or uses != 1 or out in factors.groups():
        return None
    return factors.group(1), factors.group(2), {add_at, mul_at}


def _dependencies(body, loads, index_of):
    """(value -> loop dimensions it depends on, value -> index of its defining line)."""
    deps = {name: {index_of[d] for d in results if d in index_of} for name, (_, _, results) in loads.items()}
    producers = {}
    for i, line in enumerate(body):
        match = _DEF.match(line)
        if not match:
            continue
        name, op, rest = match.groups()
        producers[name] = i
        if op == "linalg.index":
            deps[name] = {int(rest.split(":")[0])}
        else:
            deps[name] = set().union(*[deps.get(u, set()) for u in re.findall(r"%[\w.$-]+", rest)])
    return deps, producers


def _slice(body, value, producers) -> set[int]:
    """Line numbers of the statements `value` is computed from."""
    needed, work = set(), [value]
    while work:
        name = work.pop()
        if name in producers and producers[name] not in needed:
            needed.add(producers[name])
            work += re.findall(r"%[\w.$-]+", _DEF.match(body[producers[name]]).group(3))
    return needed


def _loop_sizes(loads, index_of, out_type, count, parallel) -> list[int] | None:
    sizes = [None] * count
    sizes[:parallel] = _dims(out_type)
    for _, type_, results in loads.values():
        for d, size in zip(results, _dims(type_)):
            if d in index_of:
                sizes[index_of[d]] = size
    return None if None in sizes else sizes


# ------------------------------------------------------------------------------------------------- the kernel
def emit(c: Contraction, init: str | None, names: Names) -> tuple[list[str], Strategy] | None:
    """The launch of contraction `c`; `init`: the f32 constant the output was filled with (None: load it)."""
    big_m, big_n, big_k, batches = c.size(c.m), c.size(c.n), c.size(c.k), c.size(c.batch)
    t = choose_tile(big_m, big_n)
    grid = (-(-big_n // t.bn), -(-big_m // t.bm), batches)
    if grid[1] > MAX_GRID_YZ or grid[2] > MAX_GRID_YZ or 0 in (big_m, big_n, big_k, batches):
        return None
    a_type = f"memref<{t.bk}x{t.bm + 4}xf32, #gpu.address_space<workgroup>>"
    b_type = f"memref<{t.bk}x{t.bn + 4}xf32, #gpu.address_space<workgroup>>"
    kernel = Kernel(names, grid, (t.threads, 1, 1), [("as", a_type), ("bs", b_type)])
    (a_tile, _), (b_tile, _) = kernel.workgroup
    columns = t.bn // t.tn
    ty = kernel.op(f"arith.divui {kernel.tx}, {kernel.const(columns)} : index", "ty")
    tx = kernel.op(f"arith.remui {kernel.tx}, {kernel.const(columns)} : index", "tx")
    m0 = kernel.op(f"arith.muli {kernel.by}, {kernel.const(t.bm)} : index", "m0")
    n0 = kernel.op(f"arith.muli {kernel.bx}, {kernel.const(t.bn)} : index", "n0")
    row = kernel.op(f"arith.muli {ty}, {kernel.const(t.tm)} : index", "row")
    col = kernel.op(f"arith.muli {tx}, {kernel.const(t.tn)} : index", "col")
    batch = dict(zip(c.batch, kernel.delinearize(kernel.bz, [c.sizes[d] for d in c.batch])))
    vec_n = f"vector<{t.tn}xf32>"
    zero = kernel.const("0.000000e+00", "f32")
    zeros = kernel.op(f"vector.broadcast {zero} : f32 to {vec_n}", "zeros")
    accs = [kernel.names("acc") for _ in range(t.tm)]
    results = kernel.names("sums")
    slices = -(-big_k // t.bk)
    kt = kernel.names("kt")
    iter_args = ", ".join(f"{a} = {zeros}" for a in accs)
    kernel.open(f"{results}:{t.tm} = scf.for {kt} = {kernel.const(0)} to {kernel.const(slices)} step "
                f"{kernel.const(1)} iter_args({iter_args}) -> ({', '.join([vec_n] * t.tm)}) {{")
    k0 = kernel.op(f"arith.muli {kt}, {kernel.const(t.bk)} : index", "k0")
    _stage(kernel, c, "x", t.bm, m0, big_m, k0, big_k, c.x_contiguous_k, a_tile, a_type, batch, t)
    _stage(kernel, c, "w", t.bn, n0, big_n, k0, big_k, not c.w_contiguous_n, b_tile, b_type, batch, t)
    kernel.emit("gpu.barrier")
    current = accs
    for kk in range(t.bk):
        a = kernel.op(f"vector.load {a_tile}[{kernel.const(kk)}, {row}] {{alignment = 16 : i64}} : {a_type}, "
                      f"vector<{t.tm}xf32>", "a")
        b = kernel.op(f"vector.load {b_tile}[{kernel.const(kk)}, {col}] {{alignment = 16 : i64}} : {b_type}, "
                      f"{vec_n}", "b")
        updated = []
        for i, acc in enumerate(current):
            ai = kernel.op(f"vector.extract {a}[{i}] : f32 from vector<{t.tm}xf32>", "ai")
            spread = kernel.op(f"vector.broadcast {ai} : f32 to {vec_n}", "abc")
            updated.append(kernel.op(f"vector.fma {spread}, {b}, {acc} : {vec_n}", "fma"))
        current = updated
    kernel.emit("gpu.barrier")
    kernel.emit(f"scf.yield {', '.join(current)} : {', '.join([vec_n] * t.tm)}")
    kernel.close()
    _store(kernel, c, init, [f"{results}#{i}" for i in range(t.tm)], m0, n0, row, col, big_m, big_n, t)
    strategy = Strategy("tiled-matmul", "contraction", kernel.grid, kernel.block, t.shared_bytes,
                        (("M", big_m), ("N", big_n), ("K", big_k), ("batch", batches), ("BM", t.bm), ("BN", t.bn),
                         ("BK", t.bk), ("TM", t.tm), ("TN", t.tn)))
    return kernel.lines(), strategy


def _stage(kernel, c, which, extent, origin, limit, k0, big_k, k_fastest, tile, tile_type, batch, t) -> None:
    """Loads this block's BK x extent slice of x (which="x": rows M) or w (columns N) into its workgroup tile.
    Thread i takes elements i, i+256, ... of the slice, numbered along the operand's contiguous axis: as 256 is a
    multiple of BK and of the extent, each thread keeps one k (or one row/column) and steps the other."""
    outer = c.m if which == "x" else c.n
    side, value = (c.x_side, c.x) if which == "x" else (c.w_side, c.w)
    steps = extent * t.bk // t.threads
    fast = t.bk if k_fastest else extent
    first = kernel.op(f"arith.divui {kernel.tx}, {kernel.const(fast)} : index", "e")
    lane = kernel.op(f"arith.remui {kernel.tx}, {kernel.const(fast)} : index", "e")
    kk0, along0 = (lane, first) if k_fastest else (first, lane)
    k_inside, k_safe = _bounded(kernel, kernel.op(f"arith.addi {k0}, {kk0} : index", "kg"), big_k)
    for step in range(steps):
        advance = kernel.const(step * (t.threads // fast))
        kk, along = kk0, along0
        if k_fastest:
            along = kernel.op(f"arith.addi {along0}, {advance} : index", "o")
            inside_k, safe_k = k_inside, k_safe
        else:
            kk = kernel.op(f"arith.addi {kk0}, {advance} : index", "kk")
            inside_k, safe_k = _bounded(kernel, kernel.op(f"arith.addi {k0}, {kk} : index", "kg"), big_k)
        inside_o, o_safe = _bounded(kernel, kernel.op(f"arith.addi {origin}, {along} : index", "og"), limit)
        inside = kernel.op(f"arith.andi {inside_o}, {inside_k} : i1", "in")
        dims = dict(batch)
        dims.update(zip(outer, kernel.delinearize(o_safe, [c.sizes[d] for d in outer])))
        dims.update(zip(c.k, kernel.delinearize(safe_k, [c.sizes[d] for d in c.k])))
        loaded = _evaluate(kernel, c, side, value, dims)
        masked = kernel.op(f"arith.select {inside}, {loaded}, {kernel.const('0.000000e+00', 'f32')} : f32", "ld")
        kernel.emit(f"memref.store {masked}, {tile}[{kk}, {along}] : {tile_type}")


def _bounded(kernel: Kernel, index: str, limit: int) -> tuple[str, str]:
    """(index < limit, min(index, limit - 1)): a mask and an index that is always safe to load at."""
    inside = kernel.op(f"arith.cmpi ult, {index}, {kernel.const(limit)} : index", "in")
    return inside, kernel.op(f"arith.minui {index}, {kernel.const(limit - 1)} : index", "safe")


def _evaluate(kernel: Kernel, c: Contraction, side: list[str], value: str, dims: dict[int, str]) -> str:
    """Emits x's (or w's) part of the body at loop indices `dims`; returns the value's new name."""
    mapping = {}
    for name, (buffer, type_, results) in c.loads.items():
        if re.search(is_ident(name), "\n".join(side)) or name == value:
            index_of = {f"d{i}": i for i in range(len(c.sizes))}
            indices = ", ".join(dims[index_of[r]] for r in results)
            mapping[name] = kernel.op(f"memref.load {buffer}[{indices}] : {type_}", "op")
    for line in side:
        match = _DEF.match(line)
        name, op, rest = match.groups()
        if op == "linalg.index":
            mapping[name] = dims[int(rest.split(":")[0])]
            continue
        fresh = kernel.names("s")
        kernel.emit(rename([f"{fresh} = {op}{rest}"], mapping)[0])
        mapping[name] = fresh
    return mapping[value]


def _store(kernel, c, init, sums, m0, n0, row, col, big_m, big_n, t) -> None:
    """C[b, m, n] = init + sum for the thread's TM x TN outputs inside M x N (C viewed as [batch, M, N])."""
    groups = ([c.batch] if c.batch else []) + [c.m, c.n]
    reassociation = ", ".join("[" + ", ".join(str(d) for d in g) + "]" for g in groups)
    flat_type = "memref<" + "x".join(str(c.size(g)) for g in groups) + "xf32>"
    out = kernel.op(f"memref.collapse_shape {c.out} [{reassociation}] : {c.out_type} into {flat_type}", "c")
    lead = [kernel.bz] if c.batch else []
    width = 4 if big_n % 4 == 0 else 1
    for i, total in enumerate(sums):
        r = kernel.op(f"arith.addi {m0}, {row} : index", "r")
        r = kernel.op(f"arith.addi {r}, {kernel.const(i)} : index", "r")
        row_in = kernel.op(f"arith.cmpi ult, {r}, {kernel.const(big_m)} : index", "rin")
        kernel.open(f"scf.if {row_in} {{")
        for j in range(0, t.tn, width):
            n = kernel.op(f"arith.addi {n0}, {col} : index", "n")
            n = kernel.op(f"arith.addi {n}, {kernel.const(j)} : index", "n")
            col_in = kernel.op(f"arith.cmpi ult, {n}, {kernel.const(big_n)} : index", "cin")
            kernel.open(f"scf.if {col_in} {{")
            index = ", ".join(lead + [r, n])
            vtype = f"vector<{width}xf32>"
            lanes = [kernel.op(f"vector.extract {total}[{j + lane}] : f32 from vector<{t.tn}xf32>", "x")
                     for lane in range(width)]  # (vector.extract_strided_slice has no NVVM lowering)
            part = kernel.op(f"vector.from_elements {', '.join(lanes)} : {vtype}", "part")
            if init is None:
                old = kernel.op(f"vector.load {out}[{index}] : {flat_type}, {vtype}", "old")
                part = kernel.op(f"arith.addf {old}, {part} : {vtype}", "sum")
            elif init != "zero":
                spread = kernel.op(f"vector.broadcast {init} : f32 to {vtype}", "init")
                part = kernel.op(f"arith.addf {spread}, {part} : {vtype}", "sum")
            align = " {alignment = 16 : i64}" if width == 4 else ""
            kernel.emit(f"vector.store {part}, {out}[{index}]{align} : {flat_type}, {vtype}")
            kernel.close()
        kernel.close()


# ------------------------------------------------------------------------------------------------- the pass
def contractions_to_launch(module: str, strategies: list[Strategy]) -> str:
    """The bufferized module with each contraction replaced by its tiled-matmul launch (the fill of its
    output just before it folded in); each launch's Strategy appended to `strategies`."""
    from .gpu_launch import split_function

    head, statements, tail = split_function(module)
    maps = {}
    for line in head:
        match = _MAP.match(line.strip())
        if match:
            maps[match.group(1)] = ([d.strip() for d in match.group(2).split(",")],
                                    [r.strip() for r in match.group(3).split(",")])
    zero_constants = {m.group(1) for s in statements
                      for m in [re.match(r"\s*(%[\w.$-]+) = arith\.constant 0\.000000e\+00 : f32$", s[0])] if m}
    constants = {m.group(1) for s in statements for m in [re.match(r"\s*(%[\w.$-]+) = arith\.constant ", s[0])] if m}
    names = Names()
    out: list[list[str]] = []
    for statement in statements:
        contraction = parse(statement, maps)
        if contraction is None:
            out.append(statement)
            continue
        init = None
        previous = next((i for i in range(len(out) - 1, -1, -1) if not re.match(
            r"\s*%[\w.$-]+ = (?:arith\.constant|memref\.alloc\()", out[i][0])), None)
        if previous is not None:
            value = _fill_value(out[previous], contraction.out, maps)
            if value in constants:
                init = "zero" if value in zero_constants else value
                del out[previous]
        launched = emit(contraction, init, names)
        if launched is None:
            out.append(statement)
            continue
        lines, strategy = launched
        out.append(lines)
        strategies.append(strategy)
    return "\n".join(head + [line for s in out for line in s] + tail) + "\n"


def _fill_value(statement: list[str], buffer: str, maps) -> str | None:
    """The constant a statement fills `buffer` with (a linalg.fill, or a generic yielding one value), else None."""
    fill = _FILL.match(statement[0])
    if fill and len(statement) == 1:
        return fill.group(1) if fill.group(2) == buffer else None
    generic = re.match(r"^\s*linalg\.generic \{indexing_maps = \[(#[\w$.-]+)\], iterator_types = \[[\"parallel, ]*\]\} "
                       r"outs\((%[\w.$-]+) : memref<[^>]*>\) \{$", statement[0])
    if not generic or generic.group(2) != buffer or len(statement) != 4:
        return None
    dims, results = maps.get(generic.group(1), ([], []))
    yielded = re.match(r"\s*linalg\.yield (%[\w.$-]+) : f32$", statement[2])
    return yielded.group(1) if yielded and dims == results else None
