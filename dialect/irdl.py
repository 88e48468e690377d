"""The tfc dialect declared in IRDL, GENERATED from the op registry, so mlir-opt-22 can verify tfc IR:

    mlir-opt-22 --irdl-file=dialect/tfc.irdl.mlir model.mlir

`tfc.irdl.mlir` beside this file is the committed output of `generate_irdl()`; a unit test fails when it is stale
(regenerate with `tfc-opt --emit-irdl > dialect/tfc.irdl.mlir`). IRDL checks operand, result and attribute counts
and kinds; the shape and dtype rules stay in Python (`Graph.verify`).

Two facts about IRDL in mlir-opt-22 (measured) shape the output:
- a constraint SSA value is a variable: every operand that uses it must have the SAME type. So each operand and
  result gets its own `irdl.base "!builtin.tensor"`. A variadic operand group uses one constraint, so its members
  must share one type (IRDL has no way to say otherwise).
- there is no `#builtin.bool`: a bool attribute is an i1 IntegerAttr, matched as `irdl.any_of(true, false)`.
"""
from __future__ import annotations

import inspect
from pathlib import Path

import tfc  # noqa: F401  (importing tfc registers every op)
from tfc.core import REGISTRY, Op

__all__ = ["generate_irdl", "IRDL_FILE"]

IRDL_FILE = Path(__file__).with_name("tfc.irdl.mlir")

_HEADER = """\
// The tfc dialect in IRDL. GENERATED from tfc.core.REGISTRY by `tfc-opt --emit-irdl`: do not edit.
// Use: mlir-opt-22 --irdl-file=tfc.irdl.mlir input.mlir
"""

# Attribute kind -> the builtin attribute base it must have (the tightest that mlir-opt-22 accepts).
_ATTRIBUTE_BASES = {
    "int": "#builtin.integer",
    "ints": "#builtin.dense_array",
    "shape": "#builtin.dense_array",
    "float": "#builtin.float",
    "dtype": "#builtin.type",
    "dense": "#builtin.dense_int_or_fp_elements",
    "str": "#builtin.string",
}


def operand_names(op: Op) -> list[str]:
    """Operand names from the op's rule (`infer(x, y)` -> x, y); `input<i>` when the rule's signature is opaque.
    A variadic op has one group, named after the rule's `*args`."""
    params = list(inspect.signature(op.infer).parameters.values())
    if op.num_inputs is None:
        return [next((p.name for p in params if p.kind is p.VAR_POSITIONAL), "inputs")]
    positional = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(positional) == op.num_inputs:
        return positional
    return [f"input{i}" for i in range(op.num_inputs)]


def result_names(op: Op) -> list[str]:
    # Ops declare no result count yet; every registered op has one result (a multi-result op must set
    # `num_outputs` on its Op before it can be declared here).
    count = getattr(op, "num_outputs", 1)
    return ["output"] if count == 1 else [f"output{i}" for i in range(count)]


def attribute_constraint(kind: str, var: str) -> list[str]:
    """Lines defining the constraint `%var` for an attribute of `kind`."""
    if kind == "bool":
        return [f"%{var}_true = irdl.is true", f"%{var}_false = irdl.is false",
                f"%{var} = irdl.any_of(%{var}_true, %{var}_false)"]
    return [f'%{var} = irdl.base "{_ATTRIBUTE_BASES[kind]}"']


def operation_irdl(op: Op) -> list[str]:
    """`irdl.operation @name { ... }` for one op: a tensor constraint per operand and per result."""
    doc = op.doc.strip().splitlines()[0] if op.doc.strip() else ""
    lines = [f"// tfc.{op.name}: {doc}" if doc else f"// tfc.{op.name}", f"irdl.operation @{op.name} {{"]
    body: list[str] = []
    operands = operand_names(op)
    results = result_names(op)
    for name in operands + results:
        body.append(f'%t_{name} = irdl.base "!builtin.tensor"')
    for name, kind in op.attrs.items():
        body += attribute_constraint(kind, f"a_{name}")
    variadic = "variadic " if op.num_inputs is None else ""
    body.append(f"irdl.operands({', '.join(f'{n}: {variadic}%t_{n}' for n in operands)})")
    body.append(f"irdl.results({', '.join(f'{n}: %t_{n}' for n in results)})")
    if op.attrs:
        body.append("irdl.attributes {" + ", ".join(f'"{n}" = %a_{n}' for n in op.attrs) + "}")
    return lines + [f"  {line}" for line in body] + ["}"]


def generate_irdl(registry: dict[str, Op] | None = None) -> str:
    """The IRDL declaration of every op in `registry` (default: tfc's), in name order so the output is stable."""
    registry = REGISTRY if registry is None else registry
    lines = ["irdl.dialect @tfc {"]
    for name in sorted(registry):
        lines += [f"  {line}" for line in operation_irdl(registry[name])]
    lines.append("}")
    return _HEADER + "\n".join(lines) + "\n"
