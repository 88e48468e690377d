"""Elementwise consumers fused into a kernel: matmul (or conv2d) + bias + activation computed block by block.

TensorFlow's grappler rewrites MatMul + BiasAdd + Relu into one `_FusedMatMul`; tfc does the same at lowering
time, for any elementwise consumers: `plan(em, node)` collects the elementwise nodes that consume the kernel's
result (directly or through each other) and whose other operands are ready before it, and the kernel applies
them to each finished block of C while it is in cache (`apply`), with the ops' own lowerings run on the block's
slices. The unfused result never reaches memory. Nodes taken into an epilogue are skipped when the lowering
reaches them (`Emitter.lowered`).

A set is fused only if exactly one of its values is used outside it (its last node's result), of the
accumulator's dtype (bool or integer intermediates are fine); side operands must broadcast into the block
(scalars, [N] or [1, N] rows like a bias, [M, 1] columns, [M, N] tensors).
"""
from __future__ import annotations

import math
import types

from tfc.graph import Graph, Node, TensorType

from .lowering import Emitter

_OUTPUT = None  # a use by the graph's return
_KERNELS = ("matmul", "conv2d")  # ops lowered to tfc's kernels, which plan epilogues of their own


def _uses(graph: Graph) -> dict[int, list]:
    """id(value) -> its consumers in `graph` and the regions nested in it (_OUTPUT for a return)."""
    uses: dict[int, list] = {}

    def walk(g: Graph, outermost: bool) -> None:
        for node in g.nodes:
            for value in node.inputs:
                uses.setdefault(id(value), []).append(node)
            for region in node.regions:
                walk(region, False)
        for value in g.outputs:  # a region's yield uses the value like an op would
            uses.setdefault(id(value), []).append(_OUTPUT if outermost else g)
    walk(graph, True)
    return uses


def _is_elementwise(node: Node, shape: tuple) -> bool:
    return (getattr(node.op.lowering, "op_class", None) == "elementwise" and not node.regions
            and len(node.outputs) == 1 and node.outputs[0].type.shape == shape)


def _broadcasts_into(type: TensorType, shape: tuple) -> bool:
    """A block of rows (the result's leading dimensions flattened: a convolution's pixels) and columns (its last
    dimension) can read slices of it: its last dimension is 1 or the result's, and its leading dimensions are
    all 1 or all the result's."""
    if type.rank > len(shape):
        return False
    if type.rank == 0:
        return True
    if type.shape[-1] not in (1, shape[-1]):
        return False
    lead = type.shape[:-1]
    return all(d == 1 for d in lead) or (type.rank == len(shape) and lead == tuple(shape[:-1]))


def plan(em: Emitter, node: Node, dtype) -> list[Node]:
    """The elementwise nodes to fuse into the kernel computing `node` (in graph order), or []."""
    graph = node.outputs[0].graph
    key = id(graph)
    if key not in em.uses:
        em.uses[key] = _uses(graph)
    uses = em.uses[key]
    result = node.outputs[0]
    shape = result.type.shape
    position = {id(n): i for i, n in enumerate(graph.nodes)}
    here = position[id(node)]
    inside, taken = {id(result)}, []
    for candidate in graph.nodes[here + 1:]:
        if not any(id(v) in inside for v in candidate.inputs) or not _is_elementwise(candidate, shape):
            continue
        side = [v for v in candidate.inputs if id(v) not in inside]
        if all(_side_operand_ready(em, v, position, here, shape) for v in side):
            taken.append(candidate)
            inside.add(id(candidate.outputs[0]))
    # The longest prefix whose only value used elsewhere is its last result.
    while taken:
        last = taken[-1].outputs[0]
        produced = [result] + [n.outputs[0] for n in taken]
        members = {id(n) for n in taken}
        escaping = [v for v in produced if any(u is _OUTPUT or id(u) not in members for u in uses.get(id(v), []))]
        if escaping == [last] and last.type.dtype == dtype:
            return taken
        taken.pop()
    return []


def _side_operand_ready(em: Emitter, value, position: dict, here: int, shape: tuple) -> bool:
    """Available at the kernel (see `_early`) and readable block by block."""
    if id(value) in em.values and em.values[id(value)] in em.unit_dims:
        return False  # a keepdims reduction read through its source: slicing would lose that view
    return _broadcasts_into(value.type, shape) and _early(value, position, here)


def _early(value, position: dict, here: int) -> bool:
    """Lowered before the kernel at position `here`: a graph input, an outer value, an earlier node's result,
    or the result of pure nodes after it that need neither the product nor anything else computed after it
    (`r[:, :1]`, a constant: `lower_early` emits those first), or a variable read with no assignment between
    the kernel and it (a layer's bias, read after its matmul; an optimizer's read of the weights)."""
    producer = value.producer
    if producer is None or id(producer) not in position or position[id(producer)] < here:
        return True
    if position[id(producer)] == here or producer.regions or producer.op.name in _KERNELS:
        return False  # the product itself; a kernel plans its own epilogue where it stands
    if producer.op.has_side_effects:
        between = value.graph.nodes[here + 1:position[id(producer)]]
        return producer.op.name == "read_variable" and not any(_may_write(n, producer.inputs[0]) for n in between)
    return all(_early(v, position, here) for v in producer.inputs)


def _may_write(node: Node, handle) -> bool:
    """Whether `node` may change the variable `handle` (an assignment to another variable cannot)."""
    if node.op.name == "assign_variable":
        return node.inputs[0] is handle
    return node.op.has_side_effects and node.op.name != "read_variable"


def destination(em: Emitter, nodes: list[Node]):
    """The variable read (a side operand) that the fused result is assigned back to, or None: an optimizer's
    `w.assign(w - lr * dW)` fused into dW's matmul. The kernel then builds its result in the variable's own
    buffer and reads each block's slice of `w` from its output (see `apply`): reading `w` while writing the
    buffer it lives in was a conflict that bufferization resolved by copying the variable in and out (5 MB per
    step of the MLP training benchmark)."""
    last = nodes[-1].outputs[0]
    targets = {id(u.inputs[0]) for u in em.uses[id(last.graph)].get(id(last), [])
               if isinstance(u, Node) and u.op.name == "assign_variable" and u.inputs[1] is last}
    for value in (v for node in nodes for v in node.inputs):
        producer = value.producer
        if (producer is not None and producer.op.name == "read_variable" and id(producer.inputs[0]) in targets
                and value.type == last.type):
            return value
    return None


def apply(em: Emitter, matmul: Node, nodes: list[Node], block: str, offsets: tuple[str, str],
          sizes: tuple[str, str], read_from: dict[int, str] | None = None) -> str:
    """Emits `nodes` on one block of the kernel's result (`block`, tensor<?x?>, at `offsets` with `sizes`) and
    returns the last node's value for that block. read_from: id(side operand) -> the tensor to slice instead
    of its value (the kernel's output, when it is built in that operand's buffer: `destination`)."""
    block_type = TensorType((None, None), matmul.outputs[0].type.dtype)
    local = {id(matmul.outputs[0]): (block, block_type)}
    loc = em.loc

    def known(value: str) -> None:
        em.known_dims[(value, 0)], em.known_dims[(value, 1)] = sizes
    known(block)
    for node in nodes:
        operands = [local[id(v)] if id(v) in local else _slice(em, v, offsets, sizes, (read_from or {}).get(id(v)))
                    for v in node.inputs]
        out = TensorType((None, None), node.outputs[0].type.dtype)
        view = types.SimpleNamespace(op=node.op, attrs=node.attrs, loc=node.loc, regions=[],
                                     inputs=[types.SimpleNamespace(type=t) for _, t in operands],
                                     outputs=[types.SimpleNamespace(type=out)])
        em.loc = f" {_location(node)}" if node.loc else ""
        result = node.op.lowering(em, view, [v for v, _ in operands])
        known(result)
        local[id(node.outputs[0])] = (result, out)
    em.loc = loc
    return local[id(nodes[-1].outputs[0])][0]


def _location(node: Node) -> str:
    from tfc.graph import print_location
    return print_location(node.loc)


def _slice(em: Emitter, value, offsets: tuple[str, str], sizes: tuple[str, str],
           name: str | None = None) -> tuple[str, TensorType]:
    """The part of a side operand (or of `name`, a tensor of its type) that lines up with the block (broadcast
    dimensions stay whole); operands of rank > 2 are first seen as [rows, columns]."""
    name, type = name or em.values[id(value)], value.type
    if type.rank == 0:
        return name, type
    if type.rank > 2:
        rows = 1 if all(d == 1 for d in type.shape[:-1]) else math.prod(type.shape[:-1])
        flat = TensorType((rows, type.shape[-1]), type.dtype)
        groups = f"[{list(range(type.rank - 1))}, [{type.rank - 1}]]"
        name = em.assign(f"tensor.collapse_shape {name} {groups} : {type.mlir(storage=True)} into "
                         f"{flat.mlir(storage=True)}", "flat")
        type = flat
    axes = range(2 - type.rank, 2)  # the block's axes the operand's dimensions face
    starts, lengths, shape = [], [], []
    for d, axis in zip(type.shape, axes):
        broadcast = d == 1
        starts.append("0" if broadcast else offsets[axis])
        lengths.append("1" if broadcast else sizes[axis])
        shape.append(1 if broadcast else None)
    sliced = TensorType(shape, type.dtype)
    ones = ", ".join("1" for _ in shape)
    return em.assign(f"tensor.extract_slice {name}[{', '.join(starts)}] [{', '.join(lengths)}] [{ones}] : "
                     f"{type.mlir(storage=True)} to {sliced.mlir(storage=True)}", "side"), sliced


def lower_early(em: Emitter, matmul: Node, nodes: list[Node]) -> None:
    """Lowers the side operands of the fused nodes that come later in the graph (see `_early`), producers first,
    marking them lowered."""
    from .lowering import lower_nodes

    chain = {id(matmul)} | {id(n) for n in nodes}

    def visit(value) -> None:
        producer = value.producer
        if id(value) in em.values or producer is None or id(producer) in em.lowered or id(producer) in chain:
            return
        for operand in producer.inputs:
            visit(operand)
        lower_nodes(em, [producer])
        em.lowered.add(id(producer))
    loc = em.loc
    for node in nodes:
        for value in node.inputs:
            visit(value)
    em.loc = loc
