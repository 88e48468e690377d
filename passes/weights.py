"""Large constants become weights: parameters of the compiled function whose values travel beside the code.

A captured 4 MB tensor printed as an MLIR literal makes the IR huge, slows mlir-opt and LLVM, bloats the .so and
puts the values in the cache key (a changed value would recompile). As a weight it is one more memref argument;
the runtime passes the array on every call, AOT packages store it in `weights.npz`, and the compiled code (and its
cache entry) is shared by every value of the same shape.

Hook for Variables: a captured variable should become a weight whatever its size (its value may change between
calls); `is_weight` is the one place that decides.
"""
from __future__ import annotations

import hashlib
import os

import numpy as np

from tfc.core import constant_op
from tfc.graph import Graph

# Constants with more elements than this become weights (TFC_WEIGHT_THRESHOLD overrides it). Below it the
# literal is small and lets LLVM fold it into the code.
DEFAULT_THRESHOLD = 1024


def threshold() -> int:
    return int(os.environ.get("TFC_WEIGHT_THRESHOLD", DEFAULT_THRESHOLD))


def is_weight(node, limit: int) -> bool:
    return node.op is constant_op and np.asarray(node.attrs["value"]).size > limit


def weight_name(array: np.ndarray) -> str:
    """Content-addressed, so functions of one package capturing the same tensor share one stored array."""
    digest = hashlib.sha256(array.dtype.str.encode() + str(array.shape).encode() + array.tobytes()).hexdigest()
    return f"w_{digest[:20]}"


def hoist_weights(graph: Graph, limit: int | None = None) -> tuple[Graph, list[str], dict[str, np.ndarray]]:
    """The graph with each large constant replaced by a new trailing input; the weight name of each new input
    (in order); and the arrays by name."""
    limit = threshold() if limit is None else limit
    hoisted = [node for node in graph.nodes if is_weight(node, limit)]
    if not hoisted:
        return graph, [], {}
    names, arrays = [], {}
    new = Graph(graph.name)
    mapping = {id(v): new.add_input(v.type) for v in graph.inputs}
    for node in hoisted:
        array = np.ascontiguousarray(node.attrs["value"])
        names.append(weight_name(array))
        arrays.setdefault(names[-1], array)
        mapping[id(node.outputs[0])] = new.add_input(node.outputs[0].type)
    skip = set(map(id, hoisted))
    for node in graph.nodes:
        if id(node) in skip:
            continue
        copy = new.add_node(node.op, [mapping[id(v)] for v in node.inputs], node.attrs,
                            [v.type for v in node.outputs], node.loc)
        mapping.update({id(old): value for old, value in zip(node.outputs, copy.outputs)})
    new.outputs = [mapping[id(v)] for v in graph.outputs]
    return new, names, arrays
