"""tfc's own GPU mapping pass, on mlir-opt's printed text: every top-level loop nest of the host function becomes
one `gpu.launch`; what is left on the host is only allocation, constants, views and copies.

Input: a bufferized function after `convert-linalg-to-parallel-loops` (one `scf.parallel` per linalg op over its
parallel dimensions, `scf.for` inside for reduction dimensions; ops with no parallel dimension -- full reductions,
0-d elementwise -- stay as plain host statements).

Why not upstream `scf-parallel-loop-tiling` + `gpu-map-parallel-loops`: tiling takes ONE list of tile sizes for
every loop, applied from the outermost dimension, so a rank-1 and a rank-3 loop cannot both get 256 threads on
their innermost (coalesced) dimension, and host statements without a parallel loop would stay on the host. Here
each `scf.parallel` is linearized: thread t of block b handles linear index b*B+t (innermost dimension fastest,
so neighbouring threads touch neighbouring addresses), delinearized with constant divisors. Runs of host
statements (full reductions, 0-d ops) become single-thread launches, so nothing computes on the host.

Kept on the host (they compute nothing): arith.constant, memref.alloc/get_global, memref views
(reshape/expand_shape/collapse_shape), memref.copy (a device-to-device copy step of the launch plan), return.
"""
from __future__ import annotations

import math
import re

from tfc.errors import CompilerError

from . import gpu_elementwise, gpu_reduce
from .gpu_ir import Kernel, Names, parse_nest
from .gpu_strategies import THREADS_PER_BLOCK, Strategy

HOST_OPS = ("arith.constant", "memref.alloc", "memref.get_global", "memref.reshape", "memref.expand_shape",
            "memref.collapse_shape", "memref.copy", "return")
_INDENT = "    "  # mlir-opt prints a function body's top-level statements at this indentation

_TOP_CONSTANT = re.compile(r"^\s*(%[\w.$-]+) = arith\.constant ")
_PARALLEL = re.compile(r"^\s*scf\.parallel \(([^)]*)\) = \(([^)]*)\) to \(([^)]*)\) step \(([^)]*)\) \{$")
_INDEX_CONSTANT = re.compile(r"^\s*(%[\w.$-]+) = arith\.constant (-?\d+) : index")
_OP_NAME = re.compile(r"^\s*(?:%[\w.$-]+(?::\d+)? = )?\"?([\w.]+)")
_DEFINED = re.compile(r"^\s*(%[\w.$-]+)(?::\d+)? =")


def split_function(module: str) -> tuple[list[str], list[list[str]], list[str]]:
    """(lines before the body, top-level statements as line groups, lines after) of the module's one func."""
    lines = module.splitlines()
    starts = [i for i, line in enumerate(lines) if line.lstrip().startswith("func.func @")]
    if len(starts) != 1:
        raise CompilerError(f"GPU mapping expects exactly one host function, found {len(starts)}")
    start = starts[0]
    end = next(i for i in range(start + 1, len(lines)) if lines[i] == "  }" or lines[i].startswith("  } loc("))
    statements: list[list[str]] = []
    for line in lines[start + 1:end]:
        continues = not line.startswith(_INDENT) or line.startswith((_INDENT + " ", _INDENT + "}", _INDENT + "^"))
        if continues and statements:
            statements[-1].append(line)
        else:
            statements.append([line])
    return lines[:start + 1], statements, lines[end:]


def op_name(statement: list[str]) -> str:
    match = _OP_NAME.match(statement[0])
    return match.group(1) if match else ""


def _uses(statement: list[str]) -> set[str]:
    return set(re.findall(r"%[\w.$-]+", "\n".join(statement)))


def parallel_to_launch(module: str, strategies: list[Strategy] | None = None,
                       launched: list[Strategy] = ()) -> str:
    """The module with every top-level scf.parallel and every run of host computation turned into gpu.launch.
    The Strategy of each launch, in order, is appended to `strategies` (gpu_strategies.py); `launched`: the
    strategies of the gpu.launch statements already in the module (gpu_contraction.py), in order."""
    launched = list(launched)
    head, statements, tail = split_function(module)
    constants = {}
    for statement in statements:
        match = _INDEX_CONSTANT.match(statement[0])
        if match:
            constants[match.group(1)] = int(match.group(2))
    viewed = _viewed(statements)
    top_level = {m.group(1) for s in statements for m in [_TOP_CONSTANT.match(s[0])] if m}
    strategies = [] if strategies is None else strategies
    names = Names()
    hoisted, body, run = [], [], []

    def flush_run():
        if run:
            body.extend(_serial_launch(run, names))
            strategies.append(Strategy("serial", "other", (1, 1, 1), (1, 1, 1)))
            run.clear()

    at = 0
    while at < len(statements):
        statement = statements[at]
        at += 1
        name = op_name(statement)
        if name in ("arith.constant", "memref.alloc", "memref.get_global"):
            hoisted.extend(statement)  # no operands but constants: safe to define before any launch
        elif name == "gpu.launch":  # a contraction kernel (gpu_contraction.py): its strategy is already listed
            flush_run()
            body.extend(statement)
            strategies.append(launched.pop(0))
        elif name in HOST_OPS:
            flush_run()
            body.extend(statement)
        elif name == "scf.parallel":
            flush_run()
            group = gpu_reduce.row_group(statements, at - 1, constants, viewed)
            if group:
                phases, span = group
                lines, strategy = gpu_reduce.row_fused(phases, names)
                for skipped in statements[at:at - 1 + span]:
                    if op_name(skipped) != "scf.parallel":
                        hoisted.extend(skipped)  # an allocation or a constant between the phases
                at += span - 1
            else:
                lines, strategy = _parallel_launch(statement, constants, names)
            body.extend(lines)
            if strategy:
                strategies.append(strategy)
        elif gpu_reduce.full_reduction(statement, constants):
            nest, red = gpu_reduce.full_reduction(statement, constants)
            # the accumulator's initial store just before the loop moves into the last launch of the reduction
            init = [run.pop()] if run and _stores_constant_into(run[-1], red.buffer, top_level) else []
            flush_run()
            allocs, lines, reduction_strategies = gpu_reduce.grid_reduction(nest, red, init, names)
            hoisted.extend(allocs)
            body.extend(lines)
            strategies.extend(reduction_strategies)
        else:
            run.append(statement)
    flush_run()
    _check_no_value_crosses_launches(body)
    return "\n".join(head + hoisted + body + tail) + "\n"


def _viewed(statements: list[list[str]]) -> set[str]:
    """Buffers that have views (either end of a reshape/expand_shape/collapse_shape)."""
    out = set()
    for statement in statements:
        match = re.match(r"\s*(%[\w.$-]+) = memref\.(?:reshape|expand_shape|collapse_shape) (%[\w.$-]+)",
                         statement[0])
        if match:
            out.update(match.groups())
    return out


def _stores_constant_into(statement: list[str], buffer: str, top_level: set[str]) -> bool:
    """`memref.store %cst, BUFFER[%c0, ...]` with top-level constants only: an accumulator's initial value."""
    match = re.fullmatch(r"\s*memref\.store (%[\w.$-]+), (%[\w.$-]+)\[([^\]]*)\] : \S+", statement[0])
    if len(statement) != 1 or not match or match.group(2) != buffer:
        return False
    operands = [match.group(1)] + [i.strip() for i in match.group(3).split(",") if i.strip()]
    return all(o in top_level for o in operands)


def _parallel_launch(statement: list[str], constants: dict[str, int], names: Names
                     ) -> tuple[list[str], Strategy | None]:
    """The naive mapping (or the vectorized elementwise one): see the module docstring."""
    match = _PARALLEL.match(statement[0])
    if not match:
        raise CompilerError(f"GPU mapping: unexpected scf.parallel form: {statement[0].strip()}")
    ivs, lows, highs, steps = ([s.strip() for s in group.split(",")] for group in match.groups())
    try:
        bounds = [(constants[lo], constants[hi], constants[st]) for lo, hi, st in zip(lows, highs, steps)]
    except KeyError as missing:
        raise CompilerError(f"GPU mapping: loop bound {missing} is not a constant; the CUDA target needs static "
                            "shapes (dynamic dimensions are a known gap)") from None
    trips = [max(0, -(-(hi - lo) // st)) for lo, hi, st in bounds]
    total = math.prod(trips)
    if total == 0:
        return [], None  # an empty tensor: nothing to launch
    inner = statement[1:-1]
    if inner and inner[-1].strip() != "scf.reduce":
        raise CompilerError(f"GPU mapping: scf.parallel with reductions is not supported: {inner[-1].strip()}")
    inner = inner[:-1]
    nest = parse_nest(statement, constants)
    if nest is not None and not nest.reduction_ivs:
        vectorized = gpu_elementwise.vectorized(nest, names)
        if vectorized:
            return vectorized
    block = min(THREADS_PER_BLOCK, total)
    grid = -(-total // block)
    kernel = Kernel(names, (grid, 1, 1), (block, 1, 1))
    linear = kernel.linear_thread()
    inside = kernel.op(f"arith.cmpi ult, {linear}, {kernel.const(total)} : index", "inside")
    kernel.open(f"scf.if {inside} {{")
    positions = kernel.delinearize(linear, trips)  # innermost dimension fastest between neighbouring threads
    for iv, position, (lo, _, st) in zip(ivs, positions, bounds):
        scaled = position if st == 1 else kernel.op(f"arith.muli {position}, {kernel.const(st)} : index", "scaled")
        kernel.emit(f"{iv} = arith.addi {scaled}, {kernel.const(lo)} : index")
    kernel.emit_lines(inner)
    kernel.close()
    kind = "other" if nest is None or nest.reduction_ivs else "elementwise"
    return kernel.lines(), Strategy("naive", kind, kernel.grid, kernel.block)


def _serial_launch(run: list[list[str]], names: Names) -> list[str]:
    """Host statements with no parallel dimension (a full reduction, a 0-d op) as a one-thread kernel."""
    kernel = Kernel(names, (1, 1, 1), (1, 1, 1))
    for statement in run:
        kernel.emit_lines(statement)
    return kernel.lines()


def _check_no_value_crosses_launches(body: list[str]) -> None:
    """A scalar computed inside one launch cannot be used by another: say so instead of emitting bad IR.
    (mlir-opt reuses region-local names such as %arg3 in every loop, so the latest definition counts.)"""
    depth, owner_of, launch = 0, {}, 0
    for line in body:
        if depth == 0 and line.strip().startswith("gpu.launch "):
            launch += 1
        if depth > 0:
            defined = set(re.findall(r"(%[\w.$-]+)(?::\d+)? =", line))
            defined |= set(re.findall(r"(%[\w.$-]+): ", line))  # block arguments
            for use in set(re.findall(r"%[\w.$-]+", line)) - defined:
                if owner_of.get(use, launch) != launch:
                    raise CompilerError(f"GPU mapping: {use} is computed in one kernel and used in another")
            owner_of.update(dict.fromkeys(defined, launch))
        depth += line.count("{") - line.count("}")


def mark_noalias(outlined: str) -> str:
    """Marks the memref arguments of each outlined kernel `{llvm.noalias, llvm.align = 16}` when no two of its
    arguments are views of one buffer (else nothing: noalias would let the backend read a written buffer through
    the non-coherent cache). 16 bytes hold: every buffer starts 256-byte aligned (arena offsets, cuMemAlloc)
    and views keep the offset 0. With both, vector loads become `ld.global.nc.v4`. Workgroup buffers get
    `llvm.align = 16` too (else `.shared .align 4`, and the tiles' `ld.shared.v4` would be misaligned)."""
    root: dict[str, str] = {}
    for source_line in outlined.splitlines():
        view = re.match(r"\s*(%[\w.$-]+) = memref\.(?:reshape|expand_shape|collapse_shape) (%[\w.$-]+)",
                        source_line)
        if view:
            root[view.group(1)] = root.get(view.group(2), view.group(2))
    safe = set()
    for module, args in re.findall(r"gpu\.launch_func\s+@([\w.$-]+)::@[\w.$-]+.*?args\((.*)\)", outlined):
        buffers = [root.get(v, v) for v, t in re.findall(r"(%[\w.$-]+) : (memref<[^>]*>)", args)]
        if len(set(buffers)) == len(buffers):
            safe.add(module)
    out, current = [], None
    for line in outlined.splitlines():
        match = re.match(r"\s*gpu\.module @([\w.$-]+)", line)
        if match:
            current = match.group(1)
        elif line.lstrip().startswith("gpu.func @"):
            head, rest = line.split("(", 1)
            params, tail = _balanced(rest)
            if current in safe:
                params = re.sub(r"(%[\w.$-]+: memref<[^>]*>)", r"\1 {llvm.noalias, llvm.align = 16 : i64}", params)
            tail = re.sub(r"(%[\w.$-]+ : memref<[^>]*#gpu\.address_space<workgroup>>)", r"\1 {llvm.align = 16 : i64}",
                          tail)
            line = f"{head}({params}){tail}"
        out.append(line)
    return "\n".join(out) + "\n"


def _balanced(text: str) -> tuple[str, str]:
    """(text up to the parenthesis closing an already open one, the rest after it)."""
    depth = 1
    for i, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            return text[:i], text[i + 1:]
    raise CompilerError(f"GPU mapping: unbalanced parentheses in `{text.strip()}`")
