"""Variables: `tfc.read_variable` is the variable's current value, `tfc.assign_variable` replaces it.

The emitter keeps each variable's current SSA tensor in `em.var_state` (handle id -> name), starting from its
input buffer; control flow (lower_control.py) threads the state through scf.if results and scf.while iter_args
when a region assigns the variable. Program order is the order nodes are lowered in.

An assigned variable's buffer is a writable function argument (`to_tensor %inK restrict writable`), and the
function ends by writing each final value into it: `materialize_in_destination %final in %entry` (tensor
destination: one-shot bufferization must do it in place, so its analysis decides around it which computations
may reuse the variable's buffer and which go through a temporary: v.assign(v * 2) is computed in place,
v.assign(transpose(v)) into a temporary then copied), followed by a memref-destination copy of that result into
%inK, which keeps the write alive through canonicalization and folds away after bufferization (it copies the
buffer onto itself). The function's results are materialized before these writes, so returning a value read
before an update is no conflict. Where the analysis cannot avoid one (a.assign(b) with b.assign(a) needs a's old
value after a is written), it refuses the module; the driver then recompiles with `copy_state`, which copies
every final value to a fresh tensor before the first write.
"""
from __future__ import annotations

from tfc.graph import Graph, Node, Value
from tfc.variables import assign_variable_op, read_variable_op

from .lowering import Emitter, lowers, memref_type


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
    lives and dies there: nothing to thread out. For a function body (no enclosing graph) every assigned handle
    is returned; `state_inputs` keeps the function's inputs among them."""
    found: dict[int, object] = {}
    outside = regions[0].parent if regions else None

    def walk(graph: Graph) -> None:
        for node in graph.nodes:
            if node.op is assign_variable_op and (outside is None or node.inputs[0].graph.encloses(outside)):
                found.setdefault(id(node.inputs[0]), node.inputs[0])
            for region in node.regions:
                walk(region)
    for region in regions:
        walk(region)
    return list(found.values())


def state_inputs(graph: Graph) -> dict[int, Value]:
    """{input index: handle} of the variables `graph` assigns (their buffers are updated in place)."""
    assigned = {id(handle) for handle in assigned_handles([graph])}
    return {i: value for i, value in enumerate(graph.inputs) if id(value) in assigned}


def write_state(em: Emitter, graph: Graph, state: dict[int, Value], copy_state: bool) -> None:
    """Writes each assigned variable's final value into its buffer (see the module's docstring)."""
    writes = []
    for i, handle in state.items():
        entry, final = em.values[id(handle)], current(em, handle)
        if final == entry:  # assigned its own value
            continue
        type = handle.type.mlir(storage=True)
        if copy_state:
            final = em.assign(f"bufferization.alloc_tensor() copy({final}) : {type}", "state")
        writes.append((i, handle, entry, final, type))
    for i, handle, entry, final, type in writes:
        written = em.assign(f"bufferization.materialize_in_destination {final} in {entry} : ({type}, {type}) -> "
                            f"{type}", "state")
        em.emit(f"bufferization.materialize_in_destination {written} in writable %in{i} : ({type}, "
                f"{memref_type(handle.type)}) -> ()")
