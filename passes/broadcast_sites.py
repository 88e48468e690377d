"""The broadcasting sites of a graph: where its code takes sizes known only at run time to be equal.

An elementwise op's code broadcasts only the dimensions whose size is static 1 (dialect/lower_elementwise.py);
matmul's batch dimensions, broadcast_to, broadcast_like and unbroadcast alike. A run-time size meeting another
size there is read as if they were equal, which TensorFlow does not promise: 1 broadcasts, and other sizes that
differ raise. Each node where that can happen becomes a site of the manifest entry, with its operands' shapes as
forms of the arguments' sizes (passes/shape_dims.py); the runtime checks them before every call
(runtime/broadcasts.py, where the forms are described).
"""
from __future__ import annotations

from tfc.graph import Graph, Node, Value
from tfc.runtime.broadcasts import canonical, checked_members, site_groups

from .shape_dims import Dim, input_dims, propagate

__all__ = ["broadcast_sites"]


def broadcast_sites(graph: Graph) -> list[dict]:
    """The manifest's "broadcasts" list for `graph` (the graph that is lowered), in program order."""
    env = input_dims(graph)
    propagate(graph, env)
    sites: list[dict] = []
    _collect(graph, env, sites, set())
    return sites


def _collect(graph: Graph, env: dict, sites: list, seen: set) -> None:
    for node in graph.nodes:
        if node.op.name == "while":
            # The loop variables' dims over every iteration (the node's results), where propagate followed the
            # body from the initial values only.
            for region in node.regions:
                for inner, outer in zip(region.inputs, node.outputs):
                    env[id(inner)] = env[id(outer)]
                propagate(region, env)
        for region in node.regions:
            _collect(region, env, sites, seen)
        site = _site(node, env)
        if site is None:
            continue
        key = repr((site["op"], site["kind"], site["operands"]))
        if key not in seen:
            seen.add(key)
            sites.append(site)


def _operands(node: Node) -> tuple[str, list[Value]] | None:
    """(kind, the values whose shapes broadcast) for the nodes whose code broadcasts by static sizes."""
    name = node.op.name
    if name == "matmul":
        return "matmul", list(node.inputs)
    if name == "broadcast_to":
        return "broadcast", [node.inputs[0], node.outputs[0]]  # the target shape: the result's, static
    if name in ("broadcast_like", "unbroadcast"):
        return "broadcast", list(node.inputs)
    if getattr(node.op.lowering, "op_class", None) == "elementwise" and len(node.inputs) > 1:
        return "broadcast", list(node.inputs)
    return None


def _site(node: Node, env: dict) -> dict | None:
    found = _operands(node)
    if found is None:
        return None
    kind, values = found
    operands = [_forms(value, env) for value in values]
    canonical_operands = [[canonical(f) for f in shape] for shape in operands]
    if not any(checked_members(group_kind, [canonical_operands[o][axis] for o, axis in members])
               for group_kind, members in site_groups(kind, canonical_operands)):
        return None  # nothing the runtime can compare (sizes computed while the code runs are not checked)
    loc = node.loc
    return {"op": node.op.name, "kind": kind, "file": loc.file if loc else "", "line": loc.line if loc else 0,
            "operands": operands}


def _forms(value: Value, env: dict) -> list:
    """Each dimension of `value`: its static size, or how to compute its run-time size (None: unknown)."""
    dims = env.get(id(value)) or [None] * value.type.rank
    return [size if size is not None else _run_time(dim) for size, dim in zip(value.type.shape, dims)]


def _run_time(dim: Dim | None):
    if dim is None:
        return None
    rule = dim.rule()
    if isinstance(rule, list):
        return rule
    return {"scale": [dim.coef.numerator, dim.coef.denominator],
            "product": [[arg, axis, power] for (arg, axis), power in dim.factors]}
