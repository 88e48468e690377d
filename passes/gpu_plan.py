"""The launch plan: what the host must do to run a compiled CUDA function, read off the outlined host function.

After kernel outlining the host function may only allocate, name constants, make views and launch kernels (tfc's
GPU mapping guarantees it); this module walks those statements and refuses anything else, naming the statement.
The plan is plain JSON, interpreted by `tfc.runtime.cuda` (which imports nothing from the compiler):

    {"format": "tfc-cuda-plan", "version": 1, "name": "f",
     "buffers": [{"name": "in0", "kind": "input"|"output"|"temp", "index": i, "shape": [...], "dtype": "float32",
                  "bytes": n, "offset": arena byte offset (temps and input staging slots)}],
     "arena_bytes": n,
     "steps": [{"op": "launch", "kernel": "f_kernel", "grid": [x, y, z], "block": [x, y, z], "shared_bytes": 0,
                "args": [{"buffer": "in0"} | {"index": 5}]},
               {"op": "copy", "src": "in0", "dst": "out0", "bytes": n}]}

Temporaries and the staging slots of numpy inputs share one arena (offsets fixed here, at compile time);
outputs are allocated per call because they escape as device-resident tensors.
"""
from __future__ import annotations

import re

from tfc.errors import CompilerError

PLAN_FORMAT = "tfc-cuda-plan"
PLAN_VERSION = 1
ARENA_ALIGNMENT = 256  # cuMemAlloc's own alignment; keeps every buffer 16-byte aligned for vector loads

_ELEMENT_BYTES = {"i1": 1, "i8": 1, "i16": 2, "i32": 4, "i64": 8, "f16": 2, "bf16": 2, "f32": 4, "f64": 8}
_MEMREF = re.compile(r"memref<((?:\d+x)*)(\w+)>")
_STATEMENT = re.compile(r"^\s*(?:(%[\w.$-]+) = )?([\w.]+)")
_LAUNCH = re.compile(r"gpu\.launch_func\s+@([\w.$-]+)::@([\w.$-]+)\s+blocks in \(([^)]*)\)\s+threads in \(([^)]*)\)"
                     r"(?:\s+dynamic_shared_memory_size\s+(%[\w.$-]+))?(?:\s+args\((.*)\))?\s*$")


def memref_shape(type_text: str) -> tuple[list[int], str]:
    match = _MEMREF.fullmatch(type_text.strip())
    if not match:
        raise CompilerError(f"launch plan: only static, identity-layout memrefs can be kernel arguments; got "
                            f"{type_text.strip()} (dynamic shapes are a known gap of the CUDA target)")
    dims = [int(d) for d in match.group(1).split("x") if d]
    return dims, match.group(2)


def _nbytes(shape: list[int], element: str) -> int:
    count = 1
    for d in shape:
        count *= d
    return count * _ELEMENT_BYTES[element]


def _align(n: int) -> int:
    return -(-n // ARENA_ALIGNMENT) * ARENA_ALIGNMENT


def host_function(module: str) -> tuple[list[str], list[str]]:
    """(the host function's parameter memref types, its top-level statements), from the outlined module."""
    from .driver import strip_locations

    lines = strip_locations(module).splitlines()
    for i, line in enumerate(lines):
        if line.lstrip().startswith("func.func @"):
            params = re.findall(r"%arg\d+: (memref<[^>]*>)", line)
            body = []
            for statement in lines[i + 1:]:
                if statement == "  }":
                    return params, body
                body.append(statement)
    raise CompilerError("launch plan: the outlined module has no host function")


def extract_plan(module: str, name: str, inputs: list[dict], outputs: list[dict]) -> dict:
    """The launch plan of the outlined module; `inputs`/`outputs` are the manifest specs (name, shape, dtype)."""
    params, statements = host_function(module)
    if len(params) != len(inputs) + len(outputs):
        raise CompilerError(f"launch plan: host function has {len(params)} parameters, expected "
                            f"{len(inputs)} inputs + {len(outputs)} outputs")
    buffers, by_value, offset = [], {}, 0
    for kind, specs in (("input", inputs), ("output", outputs)):
        for index, spec in enumerate(specs):
            shape, element = memref_shape(params[len(buffers)])
            buffer = {"name": f"{'in' if kind == 'input' else 'out'}{index}", "kind": kind, "index": index,
                      "shape": shape, "dtype": spec["dtype"], "bytes": _nbytes(shape, element)}
            if kind == "input":  # the staging slot a numpy argument is copied into
                buffer["offset"] = offset
                offset += _align(buffer["bytes"])
            by_value[f"%arg{len(buffers)}"] = buffer["name"]
            buffers.append(buffer)
    constants: dict[str, int] = {}
    steps = []
    for statement in statements:
        match = _STATEMENT.match(statement)
        result, op = (match.group(1), match.group(2)) if match else (None, "")
        if op == "arith.constant":
            value = re.match(r".*= arith\.constant (-?\d+) : index", statement)
            if value:
                constants[result] = int(value.group(1))
        elif op == "memref.alloc":
            shape, element = memref_shape(statement.rsplit(":", 1)[1])
            temp = {"name": f"tmp{sum(b['kind'] == 'temp' for b in buffers)}", "kind": "temp", "shape": shape,
                    "dtype": element, "bytes": _nbytes(shape, element), "offset": offset}
            offset += _align(temp["bytes"])
            by_value[result] = temp["name"]
            buffers.append(temp)
        elif op in ("memref.reshape", "memref.expand_shape", "memref.collapse_shape"):
            source = re.search(rf"{re.escape(op)} (%[\w.$-]+)", statement).group(1)
            by_value[result] = _buffer(by_value, source, statement)  # a view: same bytes, same pointer
        elif op == "memref.copy":
            src, dst = re.search(r"memref\.copy (%[\w.$-]+), (%[\w.$-]+)", statement).groups()
            src, dst = _buffer(by_value, src, statement), _buffer(by_value, dst, statement)
            size = next(b["bytes"] for b in buffers if b["name"] == dst)
            if size:
                steps.append({"op": "copy", "src": src, "dst": dst, "bytes": size})
        elif op == "gpu.launch_func":
            steps.append(_launch_step(statement, constants, by_value))
        elif op in ("memref.get_global", "return"):
            continue  # get_global only feeds memref.reshape's shape operand
        else:
            raise CompilerError(f"launch plan: the host function may only allocate, make views, copy and launch "
                                f"kernels; found `{statement.strip()}`")
    return {"format": PLAN_FORMAT, "version": PLAN_VERSION, "name": name, "buffers": buffers,
            "arena_bytes": offset, "steps": steps}


def attach_strategies(plan: dict, strategies: list) -> None:
    """Copies each launch's Strategy (gpu_strategies.py) into its step, in launch order; the runtime ignores
    it, people and tests read it."""
    launches = [step for step in plan["steps"] if step["op"] == "launch"]
    if len(launches) != len(strategies):
        raise CompilerError(f"launch plan: {len(launches)} launches but {len(strategies)} kernel strategies")
    for step, strategy in zip(launches, strategies):
        if [step["grid"], step["block"]] != [list(strategy.grid), list(strategy.block)]:
            raise CompilerError(f"launch plan: {step['kernel']} launches {step['grid']} x {step['block']}, its "
                                f"strategy {strategy.name} planned {list(strategy.grid)} x {list(strategy.block)}")
        step["strategy"] = strategy.as_dict()


def _buffer(by_value: dict, value: str, statement: str) -> str:
    if value not in by_value:
        raise CompilerError(f"launch plan: {value} is not a known buffer in `{statement.strip()}`")
    return by_value[value]


def _launch_step(statement: str, constants: dict, by_value: dict) -> dict:
    match = _LAUNCH.search(statement.strip())
    if not match:
        raise CompilerError(f"launch plan: cannot read `{statement.strip()}`")
    module, kernel, grid, block, shared, args = match.groups()

    def sizes(text: str) -> list[int]:
        values = [v.strip() for v in text.split(",")]
        missing = [v for v in values if v not in constants]
        if missing:
            raise CompilerError(f"launch plan: launch size {missing[0]} is not a constant (dynamic shapes are a "
                                "known gap of the CUDA target)")
        return [constants[v] for v in values]

    arguments = []
    for value, type_text in re.findall(r"(%[\w.$-]+) : ([^,]+(?:<[^>]*>)?)", args or ""):
        if type_text.strip() == "index":
            if value not in constants:
                raise CompilerError(f"launch plan: kernel argument {value} is not a constant")
            arguments.append({"index": constants[value]})
        else:
            memref_shape(type_text)  # checks: static, identity layout
            arguments.append({"buffer": _buffer(by_value, value, statement)})
    return {"op": "launch", "kernel": module, "grid": sizes(grid), "block": sizes(block),
            "shared_bytes": constants.get(shared, 0) if shared else 0, "args": arguments}
