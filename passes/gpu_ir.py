"""Building blocks of tfc's GPU kernel strategies, on mlir-opt's printed text (see passes/gpu_launch.py).

- `Kernel`: the text of one `gpu.launch` (fresh names, constants, nesting, workgroup buffers as launch
  attributions -- a workgroup `memref.alloc` inside a kernel would silently become a device malloc).
- `LoopNest`: a top-level statement of the host function after `convert-linalg-to-parallel-loops`, read as
  parallel dimensions (an `scf.parallel`, or none) around reduction dimensions (perfectly nested `scf.for`s
  around a straight-line body).
- `Reduction`: the accumulator of a reduction body (`%a = memref.load ACC[i]; %r = COMBINE %x, %a;
  memref.store %r, ACC[i]`) turned into a loop-carried value, so that threads can keep partial results.
- `block_reduce`: warp butterfly shuffles (`shfl.sync.bfly`), one partial per warp in workgroup memory, then
  every warp reduces those partials again; every thread of the block gets the block's result. Deterministic: the
  combination order depends only on the block size.

Everything here only writes MLIR text; nothing runs on a GPU at compile time. These kernels are validated by
`ptxas -arch=sm_90` and by index-math models on the CPU (tests/unit/test_cuda_strategies.py), not yet on hardware.
"""
from __future__ import annotations

import dataclasses
import re

from tfc.errors import CompilerError

WARP = 32
_PARALLEL = re.compile(r"^\s*scf\.parallel \(([^)]*)\) = \(([^)]*)\) to \(([^)]*)\) step \(([^)]*)\) \{$")
_FOR = re.compile(r"^\s*scf\.for (%[\w.$-]+) = (%[\w.$-]+) to (%[\w.$-]+) step (%[\w.$-]+) \{$")
_LOAD = re.compile(r"^\s*(%[\w.$-]+) = memref\.load (%[\w.$-]+)\[([^\]]*)\] : (memref<[^>]*>)$")
_STORE = re.compile(r"^\s*memref\.store (%[\w.$-]+), (%[\w.$-]+)\[([^\]]*)\] : (memref<[^>]*>)$")
_BINARY = re.compile(r"^\s*(%[\w.$-]+) = (arith\.\w+) (%[\w.$-]+), (%[\w.$-]+)( fastmath<[\w,]+>)? : (\w+)$")

# combine op -> identity, as MLIR attribute text per element type ("f": floats, "i": signed/unsigned ints)
_IDENTITY = {"arith.addf": {"f": "0.000000e+00"}, "arith.mulf": {"f": "1.000000e+00"},
             "arith.maximumf": {"f": "-inf"}, "arith.minimumf": {"f": "inf"},
             "arith.maxnumf": {"f": "-inf"}, "arith.minnumf": {"f": "inf"},
             "arith.addi": {"i": "0"}, "arith.muli": {"i": "1"}, "arith.ori": {"i": "0"}, "arith.xori": {"i": "0"},
             "arith.andi": {"i": "-1"}, "arith.maxui": {"i": "0"}, "arith.minui": {"i": "-1"},
             "arith.maxsi": {"i": "min"}, "arith.minsi": {"i": "max"}}
# gpu.shuffle moves 32- and 64-bit values (convert-gpu-to-nvvm splits 64-bit ones into two shuffles)
SHUFFLE_TYPES = ("f32", "f64", "i32", "i64")
_FLOAT_BITS = {"f32": ("0xFF800000", "0x7F800000"), "f64": ("0xFFF0000000000000", "0x7FF0000000000000")}


def is_ident(name: str) -> str:
    """A regex matching the SSA name `name` and not a longer one (%arg2 but not %arg20)."""
    return re.escape(name) + r"(?![\w.$-])"


def rename(lines: list[str], mapping: dict[str, str]) -> list[str]:
    """`lines` with each SSA name of `mapping` replaced (whole names only)."""
    if not mapping:
        return list(lines)
    pattern = re.compile("|".join(is_ident(n) for n in sorted(mapping, key=len, reverse=True)))
    return [pattern.sub(lambda m: mapping[m.group(0)], line) for line in lines]


class Names:
    """Fresh SSA names that cannot clash with mlir-opt's (%0, %arg1, %c64, %alloc_0 ...)."""

    def __init__(self):
        self.count = 0

    def __call__(self, hint: str) -> str:
        self.count += 1
        return f"%tfc_{hint}{self.count}"


class Kernel:
    """The text of one gpu.launch with grid `grid` and block `block` (3 ints each) and workgroup buffers
    `workgroup` [(hint, memref type text)]. Attributes: bx/by/bz, tx/ty/tz (ids), the workgroup names."""

    def __init__(self, names: Names, grid, block, workgroup=(), indent: str = "    "):
        self.names, self.grid, self.block, self.indent = names, tuple(grid), tuple(block), indent
        self.host: list[str] = []      # constants the launch sizes need, before the launch
        self.body: list[str] = []
        self.depth = 1
        self._constants: dict[tuple, str] = {}
        sizes = [self._host_constant(v) for v in (*self.grid, *self.block)]
        self.bx, self.by, self.bz, self.tx, self.ty, self.tz = (names(n) for n in ("bx", "by", "bz", "tx", "ty", "tz"))
        dims = [names(n) for n in ("gx", "gy", "gz", "sx", "sy", "sz")]
        self.workgroup = [(names(hint), type_) for hint, type_ in workgroup]
        attributions = ""
        if self.workgroup:
            attributions = " workgroup(" + ", ".join(f"{n} : {t}" for n, t in self.workgroup) + ")"
        self.header = (f"gpu.launch blocks({self.bx}, {self.by}, {self.bz}) in ({dims[0]} = {sizes[0]}, "
                       f"{dims[1]} = {sizes[1]}, {dims[2]} = {sizes[2]}) threads({self.tx}, {self.ty}, {self.tz}) "
                       f"in ({dims[3]} = {sizes[3]}, {dims[4]} = {sizes[4]}, {dims[5]} = {sizes[5]}){attributions} {{")

    def _host_constant(self, value: int) -> str:
        name = self.names("size")
        self.host.append(f"{self.indent}{name} = arith.constant {value} : index")
        return name

    def emit(self, line: str) -> None:
        self.body.append(self.indent + "  " * self.depth + line)

    def emit_lines(self, lines: list[str]) -> None:
        """Statements copied from mlir-opt's output (their own indentation is kept: only nesting matters)."""
        self.body.extend(self.indent + "  " * self.depth + line.strip() for line in lines)

    def op(self, text: str, hint: str = "v") -> str:
        name = self.names(hint)
        self.emit(f"{name} = {text}")
        return name

    def const(self, value, type_: str = "index") -> str:
        """A constant defined at the top of the kernel body (so that every nested region can use it)."""
        key = (str(value), type_)
        if key not in self._constants:
            name = self.names("k")
            self._constants[key] = name
            self.body.insert(0, f"{self.indent}  {name} = arith.constant {value} : {type_}")
        return self._constants[key]

    def open(self, line: str) -> None:
        self.emit(line)
        self.depth += 1

    def close(self, line: str = "}") -> None:
        self.depth -= 1
        self.emit(line)

    def lines(self) -> list[str]:
        return self.host + [self.indent + self.header] + self.body + [f"{self.indent}  gpu.terminator",
                                                                       f"{self.indent}}}"]

    # ------------------------------------------------------------------------------------------ index helpers
    def delinearize(self, linear: str, trips: list[int]) -> list[str]:
        """Indices of `linear` in a row-major box of `trips` (innermost fastest); no bounds check."""
        out, rest = [None] * len(trips), linear
        for axis in reversed(range(len(trips))):
            if axis == 0:
                out[axis] = rest
            elif trips[axis] == 1:
                out[axis] = self.const(0)
            else:
                size = self.const(trips[axis])
                out[axis] = self.op(f"arith.remui {rest}, {size} : index", "pos")
                rest = self.op(f"arith.divui {rest}, {size} : index", "rest")
        return out

    def linear_thread(self) -> str:
        """blockIdx.x * blockDim.x + threadIdx.x for a 1-D launch."""
        base = self.op(f"arith.muli {self.bx}, {self.const(self.block[0])} : index", "base")
        return self.op(f"arith.addi {base}, {self.tx} : index", "linear")


# ------------------------------------------------------------------------------------------------- loop nests
@dataclasses.dataclass
class LoopNest:
    """parallel ivs/trips (empty for host statements), reduction ivs/trips (empty without), the innermost body."""
    ivs: list[str]
    trips: list[int]
    reduction_ivs: list[str]
    reduction_trips: list[int]
    body: list[str]

    @property
    def straight(self) -> bool:
        """No nested regions in the body (every statement one line)."""
        return not any(line.rstrip().endswith("{") or line.strip() == "}" for line in self.body)


def _bounds(match, constants: dict[str, int]) -> tuple[list[str], list[int]] | None:
    ivs, lows, highs, steps = ([s.strip() for s in group.split(",")] for group in match.groups())
    if any(constants.get(lo) != 0 or constants.get(st) != 1 for lo, st in zip(lows, steps)):
        return None
    if any(hi not in constants for hi in highs):
        return None
    return ivs, [constants[hi] for hi in highs]


def parse_nest(statement: list[str], constants: dict[str, int]) -> LoopNest | None:
    """The statement as a LoopNest (zero lower bounds, unit steps, constant trips), or None."""
    ivs, trips, body = [], [], statement
    match = _PARALLEL.match(statement[0])
    if match:
        bounds = _bounds(match, constants)
        if bounds is None or statement[-2].strip() != "scf.reduce":
            return None
        ivs, trips = bounds
        body = statement[1:-2]
    reduction_ivs, reduction_trips = [], []
    while len(body) >= 2 and _FOR.match(body[0]) and body[-1].strip() == "}":
        bounds = _bounds(_FOR.match(body[0]), constants)
        if bounds is None:
            return None
        reduction_ivs += bounds[0]
        reduction_trips += bounds[1]
        body = body[1:-1]
    if not ivs and not reduction_ivs:
        return None
    return LoopNest(ivs, trips, reduction_ivs, reduction_trips, body)


# ------------------------------------------------------------------------------------------------- reductions
@dataclasses.dataclass
class Reduction:
    """A reduction body with its accumulator ACC[index] made a loop-carried value."""
    buffer: str           # ACC
    index: str            # the index text of ACC[...]
    memref: str           # ACC's type
    element: str          # the element type
    combine_op: str       # e.g. arith.addf
    flags: str            # e.g. " fastmath<reassoc>"
    carried: str          # the name the body reads the running value by (the load's result)
    result: str           # the name of the combined value (yielded)
    body: list[str]       # the body without the accumulator's load and store

    def combine(self, kernel: Kernel, a: str, b: str) -> str:
        return kernel.op(f"{self.combine_op} {a}, {b}{self.flags} : {self.element}", "red")

    def identity(self, kernel: Kernel) -> str:
        value = _IDENTITY[self.combine_op]["f" if self.element.startswith(("f", "bf")) else "i"]
        if value in ("-inf", "inf"):
            value = _FLOAT_BITS[self.element][value == "inf"]
        elif value in ("min", "max"):
            bits = int(self.element[1:])
            value = str(-(1 << (bits - 1)) if value == "min" else (1 << (bits - 1)) - 1)
        return kernel.const(value, self.element)

    def finish(self, kernel: Kernel, value: str) -> None:
        """ACC[index] = ACC[index] COMBINE value (the accumulator's initial value counts once)."""
        old = kernel.op(f"memref.load {self.buffer}[{self.index}] : {self.memref}", "acc")
        kernel.emit(f"memref.store {self.combine(kernel, old, value)}, {self.buffer}[{self.index}] : {self.memref}")


def parse_reduction(nest: LoopNest) -> Reduction | None:
    """The body's single accumulator, when it is `load ACC; COMBINE; store ACC` with an associative COMBINE
    that gpu.shuffle can move (else None: the naive mapping keeps a serial loop per output)."""
    if not nest.reduction_ivs or not nest.straight:
        return None
    stores = [(i, _STORE.match(line)) for i, line in enumerate(nest.body) if "memref.store" in line]
    if len(stores) != 1 or stores[0][1] is None:
        return None
    store_at, store = stores[0]
    value, buffer, index, memref = store.groups()
    if any(re.search(is_ident(iv), index) for iv in nest.reduction_ivs):
        return None
    loads = [(i, _LOAD.match(line)) for i, line in enumerate(nest.body)]
    acc = [(i, m) for i, m in loads if m and m.group(2) == buffer and m.group(3) == index]
    if len(acc) != 1:
        return None
    load_at, carried = acc[0][0], acc[0][1].group(1)
    defining = [(i, _BINARY.match(line)) for i, line in enumerate(nest.body) if line.lstrip().startswith(value + " ")]
    if len(defining) != 1 or defining[0][1] is None:
        return None
    combine_at, binary = defining[0]
    result, op, lhs, rhs, flags, element = binary.groups()
    if op not in _IDENTITY or carried not in (lhs, rhs) or element not in SHUFFLE_TYPES:
        return None
    uses = sum(len(re.findall(is_ident(carried), line)) for line in nest.body)
    if uses != 2:  # its definition and the combine: the running value feeds nothing else
        return None
    other = rhs if carried == lhs else lhs
    body = [line for i, line in enumerate(nest.body) if i not in (store_at, load_at, combine_at)]
    combine_line = f"{result} = {op} {other}, {carried}{flags or ''} : {element}"
    body.append(combine_line)
    return Reduction(buffer, index, memref, element, op, flags or "", carried, result, body)


def partial_loop(kernel: Kernel, red: Reduction, nest: LoopNest, start: str, stride: str,
                 index_map: dict[str, str] | None = None) -> str:
    """A thread's partial result over the linearized reduction dimensions: linear indices start, start+stride,
    ... < the product of the reduction trips (a strided loop: neighbouring threads read neighbouring elements)."""
    total = 1
    for trip in nest.reduction_trips:
        total *= trip
    iv, carried = kernel.names("j"), kernel.names("part")
    result = kernel.names("partial")
    kernel.open(f"{result} = scf.for {iv} = {start} to {kernel.const(total)} step {stride} "
                f"iter_args({carried} = {red.identity(kernel)}) -> ({red.element}) {{")
    indices = kernel.delinearize(iv, nest.reduction_trips)
    mapping = dict(zip(nest.reduction_ivs, indices))
    mapping.update(index_map or {})
    mapping[red.carried] = carried
    kernel.emit_lines(rename(red.body, mapping))
    kernel.emit(f"scf.yield {rename([red.result], mapping)[0]} : {red.element}")
    kernel.close()
    return result


def warp_reduce(kernel: Kernel, red: Reduction, value: str) -> str:
    """Butterfly over the 32 lanes of each warp: every lane ends with its warp's result."""
    width = kernel.const(WARP, "i32")
    offset = WARP // 2
    while offset:
        shuffled, _ = kernel.names("shfl"), kernel.names("ok")
        kernel.emit(f"{shuffled}, {_} = gpu.shuffle xor {value}, {kernel.const(offset, 'i32')}, {width} : "
                    f"{red.element}")
        value = red.combine(kernel, value, shuffled)
        offset //= 2
    return value


def block_reduce(kernel: Kernel, red: Reduction, value: str, threads: int, scratch: str) -> str:
    """The block's combined value, in every thread. `scratch`: a workgroup memref<32xT>. Every thread of the
    block must reach this call (it holds barriers); `threads` must be a multiple of 32."""
    if threads % WARP:
        raise CompilerError(f"block_reduce needs a multiple of {WARP} threads, got {threads}")
    value = warp_reduce(kernel, red, value)
    warps = threads // WARP
    if warps == 1:
        return value
    lane = kernel.op(f"arith.remui {kernel.tx}, {kernel.const(WARP)} : index", "lane")
    warp = kernel.op(f"arith.divui {kernel.tx}, {kernel.const(WARP)} : index", "warp")
    first = kernel.op(f"arith.cmpi eq, {lane}, {kernel.const(0)} : index", "first")
    scratch_type = f"memref<{WARP}x{red.element}, #gpu.address_space<workgroup>>"
    kernel.open(f"scf.if {first} {{")
    kernel.emit(f"memref.store {value}, {scratch}[{warp}] : {scratch_type}")
    kernel.close()
    kernel.emit("gpu.barrier")
    valid = kernel.op(f"arith.cmpi ult, {lane}, {kernel.const(warps)} : index", "valid")
    slot = kernel.op(f"arith.minui {lane}, {kernel.const(warps - 1)} : index", "slot")
    loaded = kernel.op(f"memref.load {scratch}[{slot}] : {scratch_type}", "wpart")
    value = kernel.op(f"arith.select {valid}, {loaded}, {red.identity(kernel)} : {red.element}", "wsel")
    value = warp_reduce(kernel, red, value)
    kernel.emit("gpu.barrier")  # the scratch slots may be written again by the next block_reduce
    return value


def scratch_type(element: str) -> str:
    return f"memref<{WARP}x{element}, #gpu.address_space<workgroup>>"
