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

import re

from tfc.errors import CompilerError

THREADS_PER_BLOCK = 256

HOST_OPS = ("arith.constant", "memref.alloc", "memref.get_global", "memref.reshape", "memref.expand_shape",
            "memref.collapse_shape", "memref.copy", "return")
_INDENT = "    "  # mlir-opt prints a function body's top-level statements at this indentation

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
        continues = not line.startswith(_INDENT) or line.startswith(_INDENT + " ") or line.startswith(_INDENT + "}")
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


class _Names:
    """Fresh SSA names that cannot clash with mlir-opt's (%0, %arg1, %c64, %alloc_0 ...)."""

    def __init__(self):
        self.count = 0

    def __call__(self, hint: str) -> str:
        self.count += 1
        return f"%tfc_{hint}{self.count}"


def parallel_to_launch(module: str) -> str:
    """The module with every top-level scf.parallel and every run of host computation turned into gpu.launch."""
    head, statements, tail = split_function(module)
    constants = {}
    for statement in statements:
        match = _INDEX_CONSTANT.match(statement[0])
        if match:
            constants[match.group(1)] = int(match.group(2))
    names = _Names()
    hoisted, body, run = [], [], []

    def flush_run():
        if run:
            body.extend(_serial_launch(run, names))
            run.clear()

    for statement in statements:
        name = op_name(statement)
        if name in ("arith.constant", "memref.alloc", "memref.get_global"):
            hoisted.extend(statement)  # no operands but constants: safe to define before any launch
        elif name in HOST_OPS:
            flush_run()
            body.extend(statement)
        elif name == "scf.parallel":
            flush_run()
            body.extend(_parallel_launch(statement, constants, names))
        else:
            run.append(statement)
    flush_run()
    _check_no_value_crosses_launches(body)
    return "\n".join(head + hoisted + body + tail) + "\n"


def _launch_header(names: _Names, grid: int, block: int) -> tuple[list[str], str]:
    """Constant lines, then (the gpu.launch line, the linear thread index SSA name) for a 1-D launch."""
    one, g, b = names("one"), names("grid"), names("block")
    bx, by, bz, tx, ty, tz = (names(n) for n in ("bx", "by", "bz", "tx", "ty", "tz"))
    gx, gy, gz, sx, sy, sz = (names(n) for n in ("gx", "gy", "gz", "sx", "sy", "sz"))
    lines = [f"{_INDENT}{one} = arith.constant 1 : index", f"{_INDENT}{g} = arith.constant {grid} : index",
             f"{_INDENT}{b} = arith.constant {block} : index",
             f"{_INDENT}gpu.launch blocks({bx}, {by}, {bz}) in ({gx} = {g}, {gy} = {one}, {gz} = {one}) "
             f"threads({tx}, {ty}, {tz}) in ({sx} = {b}, {sy} = {one}, {sz} = {one}) {{"]
    base, linear = names("base"), names("linear")
    lines += [f"{_INDENT}  {base} = arith.muli {bx}, {sx} : index",
              f"{_INDENT}  {linear} = arith.addi {base}, {tx} : index"]
    return lines, linear


def _parallel_launch(statement: list[str], constants: dict[str, int], names: _Names) -> list[str]:
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
    total = 1
    for trip in trips:
        total *= trip
    if total == 0:
        return []  # an empty tensor: nothing to launch
    inner = statement[1:-1]
    if inner and inner[-1].strip() != "scf.reduce":
        raise CompilerError(f"GPU mapping: scf.parallel with reductions is not supported: {inner[-1].strip()}")
    inner = inner[:-1]
    block = min(THREADS_PER_BLOCK, total)
    grid = -(-total // block)
    lines, linear = _launch_header(names, grid, block)
    total_name, inside = names("total"), names("inside")
    lines += [f"{_INDENT}  {total_name} = arith.constant {total} : index",
              f"{_INDENT}  {inside} = arith.cmpi ult, {linear}, {total_name} : index",
              f"{_INDENT}  scf.if {inside} {{"]
    rest = linear
    for axis in reversed(range(len(ivs))):  # innermost dimension varies fastest between neighbouring threads
        lo, _, st = bounds[axis]
        size = names("size")
        lines.append(f"{_INDENT}    {size} = arith.constant {trips[axis]} : index")
        if axis == 0:
            position = rest  # already < size: the bounds check above guarantees it
        else:
            position, quotient = names("pos"), names("rest")
            lines += [f"{_INDENT}    {position} = arith.remui {rest}, {size} : index",
                      f"{_INDENT}    {quotient} = arith.divui {rest}, {size} : index"]
            rest = quotient
        scaled = position
        if st != 1:
            scaled = names("scaled")
            lines += [f"{_INDENT}    {scaled}_k = arith.constant {st} : index",
                      f"{_INDENT}    {scaled} = arith.muli {position}, {scaled}_k : index"]
        low = names("low")
        lines += [f"{_INDENT}    {low} = arith.constant {lo} : index",
                  f"{_INDENT}    {ivs[axis]} = arith.addi {scaled}, {low} : index"]
    lines += ["  " + line for line in inner]
    lines += [f"{_INDENT}  }}", f"{_INDENT}  gpu.terminator", f"{_INDENT}}}"]
    return lines


def _serial_launch(run: list[list[str]], names: _Names) -> list[str]:
    """Host statements with no parallel dimension (a full reduction, a 0-d op) as a one-thread kernel."""
    lines, _ = _launch_header(names, 1, 1)
    lines = lines[:-2]  # no thread index needed
    for statement in run:
        lines += ["  " + line for line in statement]
    lines += [f"{_INDENT}  gpu.terminator", f"{_INDENT}}}"]
    return lines


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
