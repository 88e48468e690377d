"""Control flow: tfc.cond -> scf.if, tfc.while -> scf.while, with tensors as results / iter_args.

One-shot bufferization turns the tensor iter_args into buffers (in place where it can). A yielded value whose
type is more static than the op's result type (a branch returning 2x3 where the other returns 2x?) gets a
tensor.cast, because scf requires exact types.
"""
from __future__ import annotations

from tfc.control_flow import cond_op, while_op
from tfc.graph import Graph, Node, TensorType

from .lowering import Emitter, lower_nodes, lowers


def _cast(em: Emitter, value: str, have: TensorType, want: TensorType) -> str:
    if have == want:
        return value
    return em.assign(f"tensor.cast {value} : {have.mlir(storage=True)} to {want.mlir(storage=True)}", "cast")


def _types(types: list[TensorType]) -> str:
    return ", ".join(t.mlir(storage=True) for t in types)


def _lhs(em: Emitter, count: int, hint: str) -> tuple[str, list[str]]:
    """`%name:count = ` and the names of the results (`%name#i`, or `%name` for one)."""
    if count == 0:
        return "", []
    name = em.fresh(hint)
    if count == 1:
        return f"{name} = ", [name]
    return f"{name}:{count} = ", [f"{name}#{i}" for i in range(count)]


def _region_body(em: Emitter, region: Graph, want: list[TensorType]) -> list[str]:
    """Lowers the region's nodes (one level deeper) and returns its yielded values cast to `want`."""
    em.depth += 1
    lower_nodes(em, region.nodes)
    yielded = [_cast(em, em.values[id(v)], v.type, t) for v, t in zip(region.outputs, want)]
    em.depth -= 1
    return yielded


def _scalar(em: Emitter, value: str, type: TensorType) -> str:
    return em.assign(f"tensor.extract {value}[] : {type.mlir(storage=True)}", "pred")


@lowers(cond_op)
def _cond(em: Emitter, node: Node, inputs: list[str]) -> list[str]:
    loc = em.loc
    pred = _scalar(em, inputs[0], node.inputs[0].type)
    types = [v.type for v in node.outputs]
    lhs, names = _lhs(em, len(types), "if")
    then_region, else_region = node.regions
    em.emit(f"{lhs}scf.if {pred}" + (f" -> ({_types(types)})" if types else "") + " {")
    for i, region in enumerate((then_region, else_region)):
        yielded = _region_body(em, region, types)
        if yielded:
            em.emit(f"  scf.yield {', '.join(yielded)} : {_types(types)}")
        em.emit("} else {" if i == 0 else f"}}{loc}")
    return names


@lowers(while_op)
def _while(em: Emitter, node: Node, inputs: list[str]) -> list[str]:
    loc = em.loc
    types = [v.type for v in node.outputs]
    condition, body = node.regions
    inits = [_cast(em, value, v.type, t) for value, v, t in zip(inputs, node.inputs, types)]
    before = [em.fresh("w") for _ in types]
    lhs, names = _lhs(em, len(types), "while")
    bindings = ", ".join(f"{b} = {i}" for b, i in zip(before, inits))
    em.emit(f"{lhs}scf.while ({bindings}) : ({_types(types)}) -> ({_types(types)}) {{")
    for value, name in zip(condition.inputs, before):
        em.values[id(value)] = name
    em.depth += 1
    lower_nodes(em, condition.nodes)
    flag = condition.outputs[0]
    keep_going = _scalar(em, em.values[id(flag)], flag.type)
    em.emit(f"scf.condition({keep_going}) {', '.join(before)} : {_types(types)}")
    em.depth -= 1
    em.emit("} do {")
    after = [em.fresh("w") for _ in types]
    em.emit(f"^bb0({', '.join(f'{a}: {t.mlir(storage=True)}' for a, t in zip(after, types))}):")
    for value, name in zip(body.inputs, after):
        em.values[id(value)] = name
    yielded = _region_body(em, body, types)
    em.emit(f"  scf.yield {', '.join(yielded)} : {_types(types)}")
    em.emit(f"}}{loc}")
    return names
