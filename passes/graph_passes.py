"""Graph-level passes on the tfc dialect. Each is a pure function Graph -> Graph with a lit test of its own
(tests/lit/<pass>.mlir, run through `tfc-opt --<pass>`).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from tfc.core import constant_op
from tfc.graph import Graph, Node, Value

__all__ = ["dce", "cse", "fold", "simplify", "optimize", "PASSES"]

# Constant folding stops above this many result elements: folding must not bloat the IR with huge literals.
FOLD_LIMIT = 1 << 16

Rewrite = Callable[[Node, list[Value], Graph], "list[Value] | None"]


def _rebuild(graph: Graph, rewrite: Rewrite | None = None, keep: Callable[[Node], bool] | None = None,
             mapping: dict | None = None, parent: Graph | None = None) -> Graph:
    """Copies `graph` node by node, regions included. `rewrite(node, new_inputs, new_graph)` may return
    replacement values for the node's outputs (the node is then not copied; never asked for nodes with regions);
    `keep(node)` False drops the node. `mapping` (id(old value) -> new value) is shared with nested regions,
    which may use their enclosing graphs' values."""
    new = Graph(graph.name, parent)
    mapping = {} if mapping is None else mapping
    for value in graph.inputs:
        mapping[id(value)] = new.add_input(value.type)
    for node in graph.nodes:
        if keep is not None and not keep(node):
            continue
        inputs = [mapping[id(v)] for v in node.inputs]
        regions = [_rebuild(region, rewrite, keep, mapping, new) for region in node.regions]
        replacement = rewrite(node, inputs, new) if rewrite and not node.regions else None
        if replacement is None:
            copy = new.add_node(node.op, inputs, node.attrs, [v.type for v in node.outputs], node.loc, regions)
            replacement = copy.outputs
        for old, value in zip(node.outputs, replacement):
            mapping[id(old)] = value
    new.outputs = [mapping[id(v)] for v in graph.outputs]
    return new


def has_effects(node: Node) -> bool:
    """A node that must stay where it is: side-effecting op, or a region that holds one."""
    return node.op.has_side_effects or any(has_effects(n) for region in node.regions for n in region.nodes)


def dce(graph: Graph) -> Graph:
    """Dead-code elimination: drops nodes none of whose results reach an output and that have no effects.
    Inside a kept region everything reaching its yield is kept, and the outer values it uses become live."""
    needed: set[int] = set()

    def mark(g: Graph, live: set[int]) -> None:
        for node in reversed(g.nodes):
            if any(id(v) in live for v in node.outputs) or has_effects(node):
                needed.add(id(node))
                live.update(id(v) for v in node.inputs)
                for region in node.regions:
                    live.update(id(v) for v in region.outputs)
                    mark(region, live)

    mark(graph, {id(v) for v in graph.outputs})
    return _rebuild(graph, keep=lambda node: id(node) in needed)


def _freeze(value):
    if isinstance(value, np.ndarray) or isinstance(value, np.generic):
        array = np.asarray(value)
        return ("array", array.dtype.str, array.shape, array.tobytes())
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    if hasattr(value, "name") and hasattr(value, "np"):  # a DType
        return ("dtype", value.name)
    return value


def cse(graph: Graph) -> Graph:
    """Common-subexpression elimination: identical ops on identical inputs are computed once."""
    seen: dict[tuple, list[Value]] = {}

    def rewrite(node: Node, inputs: list[Value], new: Graph):
        if node.op.has_side_effects:
            return None
        # Keyed by the block too: a value computed inside a region does not dominate later outer ops.
        key = (id(new), node.op.name, tuple(map(id, inputs)), tuple(sorted((k, _freeze(v)) for k, v in node.attrs.items())),
               tuple(v.type for v in node.outputs))
        if key in seen:
            return seen[key]
        copy = new.add_node(node.op, inputs, node.attrs, [v.type for v in node.outputs], node.loc)
        seen[key] = copy.outputs
        return copy.outputs

    return _rebuild(graph, rewrite)


def _constant_value(value: Value):
    producer = value.producer
    if producer is not None and producer.op is constant_op:
        return np.asarray(producer.attrs["value"])
    return None


def fold(graph: Graph) -> Graph:
    """Constant folding: an op whose inputs are all constants becomes a constant (numpy computes it)."""
    def rewrite(node: Node, inputs: list[Value], new: Graph):
        if node.op is constant_op or not inputs or node.op.has_side_effects:
            return None
        constants = [_constant_value(v) for v in inputs]
        if any(c is None for c in constants):
            return None
        if any((v.type.num_elements or FOLD_LIMIT + 1) > FOLD_LIMIT for v in node.outputs):
            return None
        results = node.op.impl(*constants, **node.attrs)
        results = [results] if len(node.outputs) == 1 else list(results)
        return [new.add_node(constant_op, [], {"value": np.asarray(r, dtype=v.type.dtype.np)}, [v.type],
                             node.loc).outputs[0] for r, v in zip(results, node.outputs)]

    return _rebuild(graph, rewrite)


def _is_splat(value: Value, scalar) -> bool:
    array = _constant_value(value)
    return array is not None and array.size > 0 and bool(np.all(array == scalar))


def simplify(graph: Graph) -> Graph:
    """Algebraic identities that are exact in IEEE arithmetic: x*1, --x, identity transpose/reshape,
    reshape of a reshape. (x+0 is not rewritten: -0.0 + 0.0 is +0.0.)"""
    def rewrite(node: Node, inputs: list[Value], new: Graph):
        name, out = node.op.name, node.outputs[0].type if node.outputs else None
        if name == "multiply":
            for this, other in ((inputs[0], inputs[1]), (inputs[1], inputs[0])):
                if _is_splat(other, 1) and this.type == out:
                    return [this]
        if name == "negative" and inputs[0].producer is not None and inputs[0].producer.op.name == "negative":
            return [inputs[0].producer.inputs[0]]
        if name == "transpose" and list(node.attrs["perm"]) == list(range(len(node.attrs["perm"]))):
            return [inputs[0]]
        if name == "reshape":
            source = inputs[0]
            if source.producer is not None and source.producer.op.name == "reshape":
                source = source.producer.inputs[0]
            if source.type == out:
                return [source]
            if source is not inputs[0]:
                return new.add_node(node.op, [source], node.attrs, [out], node.loc).outputs
        return None

    return _rebuild(graph, rewrite)


PASSES: dict[str, Callable[[Graph], Graph]] = {"fold": fold, "simplify": simplify, "cse": cse, "dce": dce}


def optimize(graph: Graph) -> Graph:
    """The default graph pipeline: fold and simplify, share common subexpressions, then drop dead code."""
    for graph_pass in (fold, simplify, cse, dce):
        graph = graph_pass(graph)
    return graph
