"""Variables: `tfc.read_variable` is the variable's current value, `tfc.assign_variable` replaces it.

The emitter keeps each variable's current SSA tensor in `em.var_state` (handle id -> name), starting from its
input buffer; control flow (lower_control.py) threads the state through scf.if results and scf.while iter_args
when a region assigns the variable. Program order is the order nodes are lowered in.
"""
from __future__ import annotations

from tfc.graph import Graph, Node
from tfc.variables import assign_variable_op, read_variable_op

from .lowering import Emitter, lowers


def current(em: Emitter, handle) -> str:
    return em.var_state.get(id(handle), em.values[id(handle)])


@lowers(read_variable_op)
def _read(em: Emitter, node: Node, inputs: list[str]) -> str:
    return current(em, node.inputs[0])


@lowers(assign_variable_op)
def _assign(em: Emitter, node: Node, inputs: list[str]) -> list[str]:
    em.var_state[id(node.inputs[0])] = inputs[1]
    return []


def assigned_handles(regions: list[Graph]) -> list:
    """The handles (graph Values) defined outside `regions` that an assign_variable inside them writes, in
    first-seen order. A handle defined inside (a gradient's local copy of a Variable, variables.local_handles)
    lives and dies there: nothing to thread out."""
    found: dict[int, object] = {}
    outside = regions[0].parent if regions else None

    def walk(graph: Graph) -> None:
        for node in graph.nodes:
            if node.op is assign_variable_op and node.inputs[0].graph.encloses(outside):
                found.setdefault(id(node.inputs[0]), node.inputs[0])
            for region in node.regions:
                walk(region)
    for region in regions:
        walk(region)
    return list(found.values())
