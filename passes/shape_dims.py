"""Run-time sizes of a graph's outputs, as rules the runtime can evaluate before calling native code.

The runtime allocates every output (destination-passing style), so for an output of type `tensor<?x4xf32>` the
manifest must say how big `?` is from the arguments alone: each dimension is a constant or `[arg index, axis]`
(`runtime/loader.py::_result_shape`). This pass propagates symbolic dimensions through the graph. A dimension is
a monomial over the arguments' dynamic dimensions (so `reshape(x: ?x4, [-1])` is `4*d0` and reshaping that back
to `[-1, 4]` cancels to `d0`); an output dimension that does not simplify to a constant or a single argument
dimension cannot be described and compiling fails with a message naming it.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Callable

from tfc.errors import UnsupportedError
from tfc.graph import Graph, Node

__all__ = ["Dim", "result_dims", "propagate", "input_dims", "DIM_RULES"]


class Dim:
    """coefficient * prod(symbol ** power), a symbol being (argument index, axis)."""

    __slots__ = ("coef", "factors")

    def __init__(self, coef, factors=()):
        self.coef = Fraction(coef)
        self.factors = tuple(sorted((s, p) for s, p in factors if p))

    @classmethod
    def symbol(cls, arg: int, axis: int) -> "Dim":
        return cls(1, (((arg, axis), 1),))

    def __mul__(self, other: "Dim") -> "Dim":
        powers = dict(self.factors)
        for s, p in other.factors:
            powers[s] = powers.get(s, 0) + p
        return Dim(self.coef * other.coef, powers.items())

    def __truediv__(self, other: "Dim") -> "Dim":
        return self * Dim(1 / other.coef, [(s, -p) for s, p in other.factors])

    def __eq__(self, other) -> bool:
        return isinstance(other, Dim) and (self.coef, self.factors) == (other.coef, other.factors)

    def __hash__(self) -> int:
        return hash((self.coef, self.factors))

    def rule(self):
        """The manifest form: an int, [arg, axis], or None when neither."""
        if not self.factors and self.coef.denominator == 1:
            return int(self.coef)
        if self.coef == 1 and len(self.factors) == 1 and self.factors[0][1] == 1:
            return list(self.factors[0][0])
        return None

    def __repr__(self) -> str:
        terms = [str(self.coef)] if self.coef != 1 or not self.factors else []
        terms += [f"arg{a}.shape[{x}]" + (f"**{p}" if p != 1 else "") for (a, x), p in self.factors]
        return "*".join(terms)


Dims = list  # list[Dim | None] per value; None: unknown

DimRule = Callable[[Node, list[Dims]], list[Dims]]
DIM_RULES: dict[str, DimRule] = {}


def dim_rule(*names: str):
    def register(fn: DimRule) -> DimRule:
        for name in names:
            DIM_RULES[name] = fn
        return fn
    return register


def _static_or(type_dims, size):
    return Dim(size) if size is not None else None


def _broadcast_dims(shape: tuple, operands: list[tuple[tuple, Dims]]) -> Dims:
    """numpy broadcasting of the operands' (static shape, Dims) to `shape`, aligned from the right: a dynamic
    dim equals a non-1 operand dim there (the runtime checks that they agree, runtime/broadcasts.py), and is
    unknown when one of them is computed at run time (nothing before the call can say which size wins)."""
    dims = []
    for axis, size in enumerate(shape):
        if size is not None:
            dims.append(Dim(size))
            continue
        offsets = [(axis - (len(shape) - len(static)), static, operand_dims) for static, operand_dims in operands]
        sizes = [operand_dims[i] for i, static, operand_dims in offsets if i >= 0 and static[i] != 1]
        dims.append(sizes[0] if sizes and None not in sizes else None)
    return dims


def _broadcast(node: Node, inputs: list[Dims]) -> list[Dims]:
    operands = [(value.type.shape, dims) for value, dims in zip(node.inputs, inputs)]
    return [_broadcast_dims(out.type.shape, operands) for out in node.outputs]


@dim_rule("matmul")
def _matmul(node: Node, inputs: list[Dims]) -> list[Dims]:
    (a, b), (ta, tb) = inputs, [v.type for v in node.inputs]
    batch = _broadcast_dims(node.outputs[0].type.shape[:-2], [(ta.shape[:-2], a[:-2]), (tb.shape[:-2], b[:-2])])
    return [batch + [a[-2], b[-1]]]


@dim_rule("reduce_sum", "reduce_max", "reduce_min", "reduce_mean", "reduce_prod")
def _reduce(node: Node, inputs: list[Dims]) -> list[Dims]:
    axes, keep = node.attrs["axes"], node.attrs.get("keepdims", False)
    (x,) = inputs
    if keep:
        return [[Dim(1) if i in axes else d for i, d in enumerate(x)]]
    return [[d for i, d in enumerate(x) if i not in axes]]


@dim_rule("argmax", "argmin")
def _arg_reduce(node: Node, inputs: list[Dims]) -> list[Dims]:
    axis = node.attrs["axis"]
    return [[d for i, d in enumerate(inputs[0]) if i != axis]]


@dim_rule("transpose")
def _transpose(node: Node, inputs: list[Dims]) -> list[Dims]:
    return [[inputs[0][p] for p in node.attrs["perm"]]]


@dim_rule("reshape")
def _reshape(node: Node, inputs: list[Dims]) -> list[Dims]:
    (x,) = inputs
    target = node.attrs["shape"]
    if None not in target:
        return [[Dim(d) for d in target]]
    source = node.inputs[0].type.shape
    kept = [dims for d, dims in zip(source, x) if d != 1]
    if [d for d in source if d != 1] == [d for d in target if d != 1]:  # only size-1 axes inserted or removed
        found = iter(kept)
        return [[Dim(1) if d == 1 else next(found) for d in target]]
    if any(d is None for d in x) or list(target).count(None) > 1:
        return [[None if d is None else Dim(d) for d in target]]
    total = Dim(1)
    for d in x:
        total = total * d
    known = Dim(1)
    for d in target:
        if d is not None:
            known = known * Dim(d)
    return [[total / known if d is None else Dim(d) for d in target]]


@dim_rule("broadcast_like", "unbroadcast")
def _like(node: Node, inputs: list[Dims]) -> list[Dims]:
    return [inputs[1]]


@dim_rule("resize_rows")
def _resize_rows(node: Node, inputs: list[Dims]) -> list[Dims]:
    return [[None] + inputs[0][1:]]  # the row count is a run-time value


@dim_rule("cond")
def _cond(node: Node, inputs: list[Dims], env: dict) -> list[Dims]:
    branches = [_propagate(region, env) for region in node.regions]
    return [[a if a == b else None for a, b in zip(*dims)] for dims in zip(*branches)]


@dim_rule("while")
def _while(node: Node, inputs: list[Dims], env: dict) -> list[Dims]:
    cond, body = node.regions
    for value, dims in zip(body.inputs, inputs):
        env[id(value)] = dims
    yielded = _propagate(body, env)
    return [[a if a == b else None for a, b in zip(start, end)] for start, end in zip(inputs, yielded)]


_REGION_RULES = {"cond", "while"}


def _propagate(graph: Graph, env: dict) -> list[Dims]:
    """Fills `env` (id(value) -> Dims) for every node of `graph`; returns the dims of its outputs."""
    for node in graph.nodes:
        inputs = [env[id(v)] for v in node.inputs]
        name = node.op.name
        if name in _REGION_RULES:
            outs = DIM_RULES[name](node, inputs, env)
        elif name in DIM_RULES:
            outs = DIM_RULES[name](node, inputs)
        elif all(v.type.is_static for v in node.outputs):
            outs = [[Dim(d) for d in v.type.shape] for v in node.outputs]
        else:
            outs = _broadcast(node, inputs)  # the elementwise default: the right rule for most ops
        for value, dims in zip(node.outputs, outs):
            # A statically known size always wins over what the rule derived.
            env[id(value)] = [Dim(s) if s is not None else d for s, d in zip(value.type.shape, dims)]
    return [env[id(v)] for v in graph.outputs]


def propagate(graph: Graph, env: dict) -> list[Dims]:
    """The dims of `graph`'s outputs, given `env` (id(value) -> Dims) for its inputs and the outer values it uses.
    (frontend/traced_loops.py asks it whether a loop body keeps its loop variables' sizes.)"""
    return _propagate(graph, env)


def input_dims(graph: Graph) -> dict:
    """The env (id(value) -> Dims) of `graph`'s inputs: static sizes, and a symbol per run-time size."""
    return {id(value): [Dim(d) if d is not None else Dim.symbol(i, axis) for axis, d in enumerate(value.type.shape)]
            for i, value in enumerate(graph.inputs)}


def result_dims(graph: Graph, arg_names: list[str]) -> list[list | None]:
    """For each output: None when its shape is static, else the manifest's `dims` list."""
    outputs = _propagate(graph, input_dims(graph))
    rules = []
    for index, (value, dims) in enumerate(zip(graph.outputs, outputs)):
        if value.type.is_static:
            rules.append(None)
            continue
        rule = []
        for axis, dim in enumerate(dims):
            form = dim.rule() if dim is not None else None
            if form is None:
                how = f"it is {dim!r} (arguments: {', '.join(arg_names)})" if dim is not None else \
                    "it is computed at run time"
                raise UnsupportedError(
                    f"output {index} of {graph.name} has type {value.type.mlir()} and the size of its dimension "
                    f"{axis} cannot be known before the call: {how}; the runtime must allocate outputs from "
                    "argument sizes (a constant or one argument's dimension). Give that dimension a fixed size "
                    "in input_signature, or return a tensor whose sizes follow an argument's")
            rule.append(form)
        rules.append(rule)
    return rules
