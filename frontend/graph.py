"""Graphs of tfc ops: typed values, nodes with source locations, a verifier, and the MLIR printer.

A Graph prints as a `func.func` whose body is tfc ops in MLIR's generic syntax, each with the `loc("file":line:col)`
of the user's code that created it. `tfc.dialect.parser` reads that text back; `mlir-opt-22 --irdl-file` verifies it.
"""
from __future__ import annotations

import hashlib
import json
import math
import re
from typing import Iterable

import numpy as np

from . import dtypes as _dtypes
from .errors import Location

__all__ = ["TensorType", "Value", "Node", "Graph", "VerificationError", "verify_node", "print_graph", "clone_into",
           "clone_region"]


class TensorType:
    """Static type of a tensor: shape (ints, or None for a dimension known only at run time) and dtype.
    `shape=None` is an unknown RANK (`tensor<*xf32>`): reduce_retracing's trace for any rank, whose graph is
    specialized per rank before it compiles (frontend/specialize.py); only rules written for it see it."""

    __slots__ = ("shape", "dtype", "_hash")

    def __init__(self, shape: Iterable[int | None] | None, dtype: _dtypes.DType):
        unknown = shape is None or getattr(shape, "rank", 0) is None  # None, or TensorShape(None)
        self.shape = None if unknown else tuple(None if d is None else int(d) for d in shape)
        self.dtype = dtype
        self._hash = None  # computed once: types key the rule cache on every eager op

    @property
    def rank(self) -> int | None:
        return None if self.shape is None else len(self.shape)

    @property
    def is_static(self) -> bool:
        return self.shape is not None and None not in self.shape

    @property
    def num_elements(self) -> int | None:
        return math.prod(self.shape) if self.is_static else None

    def mlir(self, storage: bool = False) -> str:
        """`tensor<2x?xf32>` (`tensor<*xf32>` for an unknown rank); with storage=True the element type is the
        signless one linalg needs."""
        element = self.dtype.storage if storage else self.dtype.mlir
        if self.shape is None:
            return f"tensor<*x{element}>"
        dims = "".join(("?" if d is None else str(d)) + "x" for d in self.shape)
        return f"tensor<{dims}{element}>"

    def __eq__(self, other) -> bool:
        return isinstance(other, TensorType) and self.shape == other.shape and self.dtype == other.dtype

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash((self.shape, self.dtype.name))
        return self._hash

    def __repr__(self) -> str:
        return f"TensorType({self.shape}, {self.dtype.name})"


class Value:
    """An SSA value: a graph input (producer None) or result `index` of a node."""

    __slots__ = ("type", "producer", "index", "graph")

    def __init__(self, type: TensorType, graph: "Graph", producer: "Node | None" = None, index: int = 0):
        self.type = type
        self.graph = graph
        self.producer = producer
        self.index = index

    def __repr__(self) -> str:
        where = f"{self.producer.op.name}:{self.index}" if self.producer else "input"
        return f"<Value {where} {self.type.mlir()}>"


class Node:
    """One op application: `outputs = op(inputs, attrs)`, created at `loc` in the user's code.

    Control-flow ops (tfc.cond, tfc.while) own `regions`: Graphs whose inputs are the block arguments and
    whose outputs are what the region yields. A region may use values of the graphs enclosing it (as MLIR
    regions do), so a branch reads the tensors it needs without passing them as operands."""

    __slots__ = ("op", "inputs", "attrs", "outputs", "loc", "regions")

    def __init__(self, op, inputs: list[Value], attrs: dict, loc: Location | None, regions=()):
        self.op = op
        self.inputs = inputs
        self.attrs = attrs
        self.outputs: list[Value] = []
        self.loc = loc
        self.regions: list[Graph] = list(regions)


def _types(types: Iterable[TensorType]) -> str:
    return ", ".join(t.mlir() for t in types)


class VerificationError(ValueError):
    """A graph that breaks a rule. `node` is the offending node (None when the graph's returns are at fault) and
    `detail` the message without a location, for tools that point at their own position (tfc-opt points into the
    .mlir file it read)."""

    def __init__(self, detail: str, node: Node | None = None):
        self.detail = detail
        self.node = node
        where = f"{node.loc}: " if node is not None and node.loc is not None else ""
        super().__init__(where + detail)


def verify_node(node: Node) -> None:
    """Checks that `node`'s result types are what its op's rule gives for its operands and attributes."""
    from .errors import RuleError

    if node.op.name == "constant":  # no rule: the value's own type is the result type
        return
    name = f"tfc.{node.op.name}"
    try:
        region_types = {"regions": node.regions} if node.regions else {}
        expected = node.op.infer(*(v.type for v in node.inputs), **node.attrs, **region_types)
    except RuleError as error:
        raise VerificationError(f"{name}: {error}", node) from None
    except (TypeError, ValueError) as error:  # operands or attributes the rule was not written for
        raise VerificationError(f"{name}: its rule rejects these operands and attributes: {error}", node) from None
    expected = [expected] if isinstance(expected, TensorType) else list(expected)
    got = [v.type for v in node.outputs]
    if expected != got:
        raise VerificationError(f"{name}: result types ({_types(got)}) do not match the op's rule, which gives "
                                f"({_types(expected)})", node)


class Graph:
    """A function body: typed inputs, nodes in program order, and the values it returns."""

    def __init__(self, name: str = "main", parent: "Graph | None" = None):
        self.name = name
        self.parent = parent  # the enclosing graph of a region; None for a function body
        # Function bodies only (see tfc.variables): (Variable, input Value) per variable the body uses, and the
        # variables created while tracing.
        self.captured_variables: list = []
        self.local_handles: list = []  # (Variable, Value): a gradient's local copies (variables.local_handles)
        self.created_variables: list = []
        # Run-time checks (frontend/checks.py): CheckSpecs while tracing, then (output index, message, location)
        # for the trailing outputs that hold them.
        self.checks: list = []
        self.output_checks: list = []
        self.inputs: list[Value] = []
        self.nodes: list[Node] = []
        self.outputs: list[Value] = []

    def encloses(self, other: "Graph") -> bool:
        """True when `other` is this graph or a region nested (at any depth) inside it."""
        while other is not None:
            if other is self:
                return True
            other = other.parent
        return False

    def add_input(self, type: TensorType) -> Value:
        value = Value(type, self)
        self.inputs.append(value)
        return value

    def add_node(self, op, inputs: list[Value], attrs: dict, out_types: list[TensorType],
                 loc: Location | None, regions=()) -> Node:
        node = Node(op, list(inputs), dict(attrs), loc, regions)
        node.outputs = [Value(t, self, node, i) for i, t in enumerate(out_types)]
        for region in node.regions:
            region.parent = self
        self.nodes.append(node)
        return node

    def verify(self, _outer: frozenset = frozenset()) -> None:
        """Checks SSA dominance (regions see the values defined before their op) and that every node's result
        types follow its op's rule; raises VerificationError (a ValueError)."""
        defined = set(_outer) | set(map(id, self.inputs))
        for node in self.nodes:
            for value in node.inputs:
                if id(value) not in defined:
                    raise VerificationError(f"tfc.{node.op.name} uses a value before it is defined", node)
            for region in node.regions:
                region.verify(frozenset(defined))
            verify_node(node)
            defined.update(map(id, node.outputs))
        for value in self.outputs:
            if id(value) not in defined:
                raise VerificationError(f"graph {self.name}: returns a value that is not defined in it")

    def __str__(self) -> str:
        return print_graph(self)


# ----------------------------------------------------------------------------------------------------- printing

def print_graph(graph: Graph, *, debug_info: bool = True, digest_constants: bool = False) -> str:
    """The graph as MLIR: a func.func of generic-syntax tfc ops, each with the user's source location.
    Ops with regions print them in generic form: `"tfc.while"(%a) ({ ^bb0(%b0: T): ... "tfc.yield"(%x) ...})`.
    digest_constants: dense attributes print as a hash of their bytes (for cache keys, not MLIR tools)."""
    names: dict[int, str] = {}
    for i, value in enumerate(graph.inputs):
        names[id(value)] = f"%arg{i}"
    params = ", ".join(f"%arg{i}: {v.type.mlir()}" for i, v in enumerate(graph.inputs))
    results = _types(v.type for v in graph.outputs)
    lines = [f"func.func @{print_symbol(graph.name)}({params}) -> ({results}) {{"]
    _print_nodes(graph, names, lines, "  ", debug_info, [0, 0], digest_dense if digest_constants else print_dense)
    returned = ", ".join(names[id(v)] for v in graph.outputs)
    returned_types = _types(v.type for v in graph.outputs)
    lines.append(f"  func.return {returned} : {returned_types}" if graph.outputs else "  func.return")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _print_nodes(graph: Graph, names: dict, lines: list, indent: str, debug_info: bool, counters: list,
                 dense) -> None:
    """Appends one line per node (and its regions); counters = [next value number, next block number], shared
    by the whole function so names are unique across regions (MLIR forbids shadowing). `dense` prints dense
    attributes."""
    for node in graph.nodes:
        number = counters[0]
        counters[0] += 1
        if len(node.outputs) == 1:
            names[id(node.outputs[0])] = f"%{number}"
            lhs = f"%{number} = "
        elif node.outputs:
            for i, value in enumerate(node.outputs):
                names[id(value)] = f"%{number}#{i}"
            lhs = f"%{number}:{len(node.outputs)} = "
        else:
            lhs = ""
        operands = ", ".join(names[id(v)] for v in node.inputs)
        attrs = _print_attrs(node, dense)
        in_types = _types(v.type for v in node.inputs)
        out_types = _types(v.type for v in node.outputs)
        if len(node.outputs) != 1:
            out_types = f"({out_types})"
        loc = f" {print_location(node.loc)}" if debug_info else ""
        head = f"{indent}{lhs}\"tfc.{node.op.name}\"({operands})"
        if not node.regions:
            lines.append(f"{head}{attrs} : ({in_types}) -> {out_types}{loc}")
            continue
        lines.append(f"{head} ({{")
        for r, region in enumerate(node.regions):
            block = counters[1]
            counters[1] += 1
            for i, value in enumerate(region.inputs):
                names[id(value)] = f"%b{block}_{i}"
            args = ", ".join(f"%b{block}_{i}: {v.type.mlir()}" for i, v in enumerate(region.inputs))
            lines.append(f"{indent}^bb0({args}):")
            _print_nodes(region, names, lines, indent + "  ", debug_info, counters, dense)
            yielded = ", ".join(names[id(v)] for v in region.outputs)
            yield_types = _types(v.type for v in region.outputs)
            lines.append(f"{indent}  \"tfc.yield\"({yielded}) : ({yield_types}) -> ()")
            lines.append(f"{indent}}}, {{" if r + 1 < len(node.regions) else f"{indent}}}){attrs} : ({in_types}) -> "
                         f"{out_types}{loc}")


def clone_region(region: Graph, parent: Graph, mapping: dict) -> Graph:
    """A copy of `region` (block arguments, nodes, yields) for a node of `parent`; see clone_into."""
    copy = Graph(region.name, parent)
    for value in region.inputs:
        mapping[id(value)] = copy.add_input(value.type)
    clone_into(region, copy, mapping)
    copy.outputs = [mapping[id(v)] for v in region.outputs]
    return copy


def clone_into(source: Graph, target: Graph, mapping: dict) -> None:
    """Copies `source`'s nodes (with their regions) to the end of `target`. `mapping` maps id(source value) to
    the target value to use for it; it must hold source's inputs (and any outer values its regions use), and
    gains an entry for every copied result."""
    for node in source.nodes:
        regions = [clone_region(region, target, mapping) for region in node.regions]
        new = target.add_node(node.op, [mapping[id(v)] for v in node.inputs], node.attrs,
                              [v.type for v in node.outputs], node.loc, regions)
        for old, value in zip(node.outputs, new.outputs):
            mapping[id(old)] = value


def print_location(loc: Location | None) -> str:
    if loc is None:
        return "loc(unknown)"
    return f"loc({_quote(loc.file)}:{loc.line}:{loc.col})"


def print_symbol(name: str) -> str:
    """A symbol name as MLIR spells it: bare when it is an identifier, else quoted (`@"<lambda>"`)."""
    return name if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_$.]*", name) else _quote(name)


def _quote(text: str) -> str:
    """An MLIR string literal. Control characters become `\\XX` escapes: MLIR strings cannot span lines."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\{ord(m.group()):02X}", escaped) + '"'


def _print_attrs(node: Node, dense) -> str:
    if not node.attrs:
        return ""
    items = []
    for name, value in node.attrs.items():
        kind = node.op.attrs.get(name)
        if kind is None:
            raise ValueError(f"tfc.{node.op.name} has no attribute {name!r}")
        if value is None:  # decided per rank (an unknown-rank graph: e.g. `axes` of a reduction over all axes)
            items.append(name)
        elif kind == "dense":
            items.append(f"{name} = {dense(np.asarray(value), node.outputs[0].type)}")
        else:
            items.append(f"{name} = {print_attr(kind, value)}")
    return " {" + ", ".join(items) + "}"


def print_attr(kind: str, value) -> str:
    if kind == "int":
        return f"{int(value)} : i64"
    if kind in ("ints", "shape"):
        values = [-1 if v is None else int(v) for v in value]
        return f"array<i64: {', '.join(map(str, values))}>" if values else "array<i64>"
    if kind == "bool":
        return "true" if value else "false"
    if kind == "float":
        return f"{print_float(float(value), 'f64')} : f64"
    if kind == "dtype":
        return _dtypes.as_dtype(value).mlir
    if kind == "str":
        return _quote(str(value))
    raise ValueError(f"cannot print attribute kind {kind!r}")


def print_float(value: float, mlir_type: str) -> str:
    """A float literal MLIR parses back exactly: shortest repr, or the bit pattern for inf/nan."""
    if math.isfinite(value):
        mantissa, e, exponent = repr(value).partition("e")
        if "." not in mantissa:  # MLIR needs the point: `1e-05` does not parse, `1.0e-05` does
            mantissa += ".0"
        return mantissa + e + exponent
    bits = np.array(value, dtype=np.float64).view(np.uint64).item()
    if mlir_type != "f64":
        np_type = _dtypes.from_mlir(mlir_type).np
        bits = np.array(value, dtype=np_type).view(f"u{np_type.itemsize}").item()
    return f"0x{bits:X}"


def print_dense(array: np.ndarray, type: TensorType, storage: bool = False) -> str:
    """`dense<...> : tensor<...>`: a splat as a literal, anything else as exact little-endian hex bytes."""
    tensor_type = type.mlir(storage=storage)
    flat = np.ascontiguousarray(array, dtype=type.dtype.np).reshape(-1)
    if flat.size == 0:
        return f"dense<> : {tensor_type}"
    raw = flat.view(np.uint8).reshape(flat.size, -1)
    if (raw == raw[0]).all():  # bitwise, so -0.0 and NaN payloads survive
        return f"dense<{scalar_literal(flat[0], type.dtype)}> : {tensor_type}"
    if type.dtype.is_bool:  # MLIR's hex form packs i1 differently; the list form is unambiguous
        return f"dense<{json.dumps(flat.reshape(type.shape).tolist())}> : {tensor_type}"
    data = flat.astype(flat.dtype.newbyteorder("<"), copy=False).tobytes()
    return f'dense<"0x{data.hex().upper()}"> : {tensor_type}'


def digest_dense(array: np.ndarray, type: TensorType) -> str:
    """A dense attribute as the sha256 of its bytes: a cache key needs the content, not a printable form (a
    1.6 MB weight hashes in ~1 ms; printing it as hex and hashing that took ~10)."""
    flat = np.ascontiguousarray(array, dtype=type.dtype.np).reshape(-1).view(np.uint8)
    return f"dense_sha256<{hashlib.sha256(flat).hexdigest()}> : {type.mlir()}"


def scalar_literal(value, dtype: _dtypes.DType) -> str:
    if dtype.is_bool:
        return "true" if value else "false"
    if dtype.is_floating:
        return print_float(float(value), dtype.mlir)
    return str(int(value))
