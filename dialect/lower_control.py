"""Control flow: tfc.cond -> scf.if, tfc.while -> scf.while, with tensors as results / iter_args.

One-shot bufferization turns the tensor iter_args into buffers (in place where it can). A yielded value whose
type is more static than the op's result type (a branch returning 2x3 where the other returns 2x?) gets a
tensor.cast, because scf requires exact types.
"""
from __future__ import annotations

from tfc.control_flow import cond_op, while_op
from tfc.graph import Graph, Node, TensorType

from .lower_variables import assigned_handles, current
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


def _region_body(em: Emitter, region: Graph, want: list[TensorType], handles=()) -> list[str]:
    """Lowers the region's nodes (one level deeper) and returns its yielded values cast to `want`, followed by
    the current values of the variables `handles` (which the region may assign)."""
    em.depth += 1
    lower_nodes(em, region.nodes)
    yielded = [_cast(em, em.values[id(v)], v.type, t) for v, t in zip(region.outputs, want)]
    yielded += [current(em, h) for h in handles]
    em.depth -= 1
    return yielded


def _scalar(em: Emitter, value: str, type: TensorType) -> str:
    return em.assign(f"tensor.extract {value}[] : {type.mlir(storage=True)}", "pred")


@lowers(cond_op)
def _cond(em: Emitter, node: Node, inputs: list[str]) -> list[str]:
    loc = em.loc
    pred = _scalar(em, inputs[0], node.inputs[0].type)
    handles = assigned_handles(node.regions)  # variables a branch assigns: extra results
    types = [v.type for v in node.outputs]
    all_types = types + [h.type for h in handles]
    lhs, names = _lhs(em, len(all_types), "if")
    then_region, else_region = node.regions
    em.emit(f"{lhs}scf.if {pred}" + (f" -> ({_types(all_types)})" if all_types else "") + " {")
    entry_state = dict(em.var_state)
    for i, region in enumerate((then_region, else_region)):
        em.var_state = dict(entry_state)
        yielded = _region_body(em, region, types, handles)
        if yielded:
            em.emit(f"  scf.yield {', '.join(yielded)} : {_types(all_types)}")
        em.emit("} else {" if i == 0 else f"}}{loc}")
    em.var_state = entry_state
    for handle, name in zip(handles, names[len(types):]):
        em.var_state[id(handle)] = name
    return names[:len(types)]


@lowers(while_op)
def _while(em: Emitter, node: Node, inputs: list[str]) -> list[str]:
    loc = em.loc
    types = [v.type for v in node.outputs]
    condition, body = node.regions
    handles = assigned_handles(node.regions)  # variables the loop assigns: extra iter_args
    all_types = types + [h.type for h in handles]
    inits = [_cast(em, value, v.type, t) for value, v, t in zip(inputs, node.inputs, types)]
    inits += [current(em, h) for h in handles]
    before = [em.fresh("w") for _ in all_types]
    lhs, names = _lhs(em, len(all_types), "while")
    bindings = ", ".join(f"{b} = {i}" for b, i in zip(before, inits))
    em.emit(f"{lhs}scf.while ({bindings}) : ({_types(all_types)}) -> ({_types(all_types)}) {{")
    for value, name in zip(condition.inputs, before):
        em.values[id(value)] = name
    entry_state = dict(em.var_state)
    for handle, name in zip(handles, before[len(types):]):
        em.var_state[id(handle)] = name
    em.depth += 1
    lower_nodes(em, condition.nodes)
    flag = condition.outputs[0]
    keep_going = _scalar(em, em.values[id(flag)], flag.type)
    forwarded = before[:len(types)] + [current(em, h) for h in handles]
    em.emit(f"scf.condition({keep_going}) {', '.join(forwarded)} : {_types(all_types)}")
    em.depth -= 1
    em.emit("} do {")
    after = [em.fresh("w") for _ in all_types]
    em.emit(f"^bb0({', '.join(f'{a}: {t.mlir(storage=True)}' for a, t in zip(after, all_types))}):")
    for value, name in zip(body.inputs, after):
        em.values[id(value)] = name
    for handle, name in zip(handles, after[len(types):]):
        em.var_state[id(handle)] = name
    yielded = _region_body(em, body, types, handles)
    em.emit(f"  scf.yield {', '.join(yielded)} : {_types(all_types)}")
    em.emit(f"}}{loc}")
    em.var_state = entry_state
    for handle, name in zip(handles, names[len(types):]):
        em.var_state[id(handle)] = name
    return names[:len(types)]
