"""Reads the tfc dialect's MLIR text, as `tfc.graph.print_graph` prints it, back into Graphs.

    func.func @f(%arg0: tensor<3xf32>) -> (tensor<3xf32>) {
      %0 = "tfc.exp"(%arg0) : (tensor<3xf32>) -> tensor<3xf32> loc("model.py":4:11)
      func.return %0 : tensor<3xf32>
    }

Also accepted: several functions in one text, an enclosing `module { ... }`, `//` comments and blank lines,
`loc(unknown)` or no location at all, multi-result ops (`%3:2 = ...`, used as `%3#1`), `return` for `func.return`.
Splitting a file at `// -----` is the caller's job (tfc-opt's --split-input-file); pass `first_line` so that
messages keep the file's line numbers.

Every error is a ParseError (a tfc.errors.TfcValueError) naming `file:line:col` of the text and saying what was
expected and what was found. The graph verifier checks each op as soon as it is read (its op's rule must give the
result types written) and the whole function at the end; its complaints point at the op's position in the text.
For every graph g: `print_graph(parse_graph(print_graph(g))) == print_graph(g)`.
"""
from __future__ import annotations

import difflib
import re

import tfc  # noqa: F401  (importing tfc registers every op)
from tfc import dtypes
from tfc.core import REGISTRY, Op, constant_op
from tfc.errors import Location
from tfc.graph import Graph, TensorType, Value, VerificationError, verify_node

from .attributes import SYNTAX, parse_attribute, parse_tensor_type
from .cursor import STRING, Cursor, ParseError

__all__ = ["parse_module", "parse_graph", "ParseError"]

_SYMBOL = re.compile(r"@(?:([A-Za-z_][\w$.]*)|\"((?:[^\"\\\n]|\\.)*)\")")
_VALUE_NAME = re.compile(r"%([\w$.-]+)")
_VALUE_USE = re.compile(r"%([\w$.-]+)(?:#(\d+))?")
_RESULT_COUNT = re.compile(r"\d+")
_ATTRIBUTE_NAME = re.compile(r"[A-Za-z_][\w$.]*")
_LINE_NUMBER = re.compile(r"\d+")


def parse_module(text: str, filename: str = "<input>", *, first_line: int = 1) -> list[Graph]:
    """Every `func.func` in `text`, in order, each verified."""
    cur = Cursor(text, filename, first_line)
    graphs: list[Graph] = []
    seen: set[str] = set()
    while not cur.at_end():
        if cur.accept("module"):
            cur.try_match(_SYMBOL)
            cur.expect("{", "'{' opening the module")
            while not cur.accept("}"):
                _add_function(cur, graphs, seen)
            parse_location(cur)
        else:
            _add_function(cur, graphs, seen)
    return graphs


def parse_graph(text: str, filename: str = "<input>") -> Graph:
    """The one function in `text`."""
    graphs = parse_module(text, filename)
    if len(graphs) != 1:
        raise ParseError(f"expected exactly one func.func, found {len(graphs)}", Location(filename, 1, 1))
    return graphs[0]


def parse_types(cur: Cursor) -> list[TensorType]:
    """`(tensor<...>, ...)`, `()` or a single tensor type."""
    if cur.accept("("):
        return cur.comma_list(lambda: parse_tensor_type(cur), ")")
    return [parse_tensor_type(cur)]


def _add_function(cur: Cursor, graphs: list[Graph], seen: set[str]) -> None:
    pos = cur.skip()
    graph = _FunctionParser(cur).parse()
    if graph.name in seen:
        raise cur.error(f"redefinition of function @{graph.name}", pos)
    seen.add(graph.name)
    graphs.append(graph)


def parse_location(cur: Cursor) -> Location | None:
    """An optional `loc("file":line:col)` or `loc(unknown)`; None for unknown or absent."""
    if not cur.accept("loc("):
        return None
    if cur.accept("unknown"):
        location = None
    else:
        file = cur.string('"file":line:col or unknown inside loc(...)')
        cur.expect(":", "':' and a line number")
        line = int(cur.match(_LINE_NUMBER, "a line number").group())
        cur.expect(":", "':' and a column number")
        location = Location(file, line, int(cur.match(_LINE_NUMBER, "a column number").group()))
    cur.expect(")", "')' closing loc(...); tfc reads only loc(\"file\":line:col) and loc(unknown)")
    return location


def lookup_op(cur: Cursor, name: str, pos: int) -> Op:
    """The registered op `tfc.<name>`; the error lists the known ops and suggests the closest."""
    short = name[4:] if name.startswith("tfc.") else None
    if short in REGISTRY:
        return REGISTRY[short]
    close = difflib.get_close_matches(short or name, REGISTRY, n=1)
    hint = f" (did you mean 'tfc.{close[0]}'?)" if close else ""
    raise cur.error(f"unknown op '{name}'{hint}; known ops: {', '.join(f'tfc.{n}' for n in sorted(REGISTRY))}", pos)


class _FunctionParser:
    """Parses one func.func: its signature, its ops in order (each checked against its types) and its return."""

    def __init__(self, cur: Cursor):
        self.cur = cur
        self.values: dict[str, list[Value]] = {}  # name without % -> the values it defines (several: `%3:2`)
        self.node_positions: dict[int, int] = {}  # id(node) -> where its op name starts, for verifier errors
        self.return_pos = 0

    def parse(self) -> Graph:
        cur = self.cur
        cur.expect("func.func", "'func.func'")
        symbol = cur.match(_SYMBOL, "a function name like @f")
        graph = Graph(symbol.group(1) or symbol.group(2))
        cur.expect("(", "'(' opening the parameter list")
        cur.comma_list(lambda: self.parse_parameter(graph), ")")
        result_types = parse_types(cur) if cur.accept("->") else []
        cur.expect("{", "'{' opening the function body")
        while not (cur.peek("func.return") or cur.peek("return")):
            if cur.at_end() or cur.peek("}"):
                raise cur.error(f"expected an op or func.return, found {cur.found()}")
            self.parse_op(graph)
        self.parse_return(graph, result_types)
        cur.expect("}", "'}' closing the function body (nothing may follow func.return)")
        parse_location(cur)
        self.verify(graph.verify)  # each op was checked as it was read; this adds the graph-wide rules
        return graph

    # -------------------------------------------------------------------------------------------- signature
    def parse_parameter(self, graph: Graph) -> None:
        pos = self.cur.skip()
        name = self.cur.match(_VALUE_NAME, "a parameter like %arg0: tensor<2xf32>").group(1)
        self.cur.expect(":", "':' and the parameter's type")
        self.define(name, [graph.add_input(parse_tensor_type(self.cur))], pos)
        parse_location(self.cur)

    # ---------------------------------------------------------------------------------------------------- ops
    def parse_op(self, graph: Graph) -> None:
        cur = self.cur
        result_name, result_count, result_pos = self.parse_result_binding()
        op_pos = cur.skip()
        op = lookup_op(cur, cur.match(STRING, 'an op like "tfc.add"(...)').group(1), op_pos)
        cur.expect("(", "'(' opening the operand list")
        uses = cur.comma_list(self.parse_use, ")")
        attrs = self.parse_attributes(op) if cur.peek("{") else {}
        cur.expect(":", "':' and the op's type, like (tensor<2xf32>) -> tensor<2xf32>")
        types_pos = cur.skip()
        if not cur.peek("("):
            raise cur.error(f"expected '(' opening the operand types, found {cur.found()}")
        operand_types = parse_types(cur)
        cur.expect("->", "'->' and the result type(s)")
        result_types = parse_types(cur)
        loc = parse_location(cur)
        inputs = self.check_operands(op, uses, operand_types, op_pos, types_pos)
        self.check_attributes(op, attrs, result_types, op_pos)
        if result_count != len(result_types):
            raise cur.error(f"the op has {len(result_types)} result type(s) but {result_count} result name(s) "
                            f"are bound", result_pos if result_count else op_pos)
        node = graph.add_node(op, inputs, attrs, result_types, loc)
        self.node_positions[id(node)] = op_pos
        self.verify(lambda: verify_node(node))  # now, so that its users' errors do not come first
        if result_name is not None:
            self.define(result_name, node.outputs, result_pos)

    def parse_result_binding(self) -> tuple[str | None, int, int]:
        """`%3 =` -> ("3", 1, pos); `%3:2 =` -> ("3", 2, pos); no binding -> (None, 0, pos)."""
        cur = self.cur
        pos = cur.skip()
        match = cur.try_match(_VALUE_NAME)
        if match is None:
            return None, 0, pos
        count = int(cur.match(_RESULT_COUNT, "a result count").group()) if cur.accept(":") else 1
        cur.expect("=", "'=' after the result name")
        return match.group(1), count, pos

    def parse_use(self) -> tuple[Value, int]:
        pos = self.cur.skip()
        match = self.cur.match(_VALUE_USE, "a value like %0 or %arg0")
        return self.lookup(match.group(1), match.group(2), pos), pos

    def parse_attributes(self, op: Op) -> dict:
        cur = self.cur
        cur.expect("{")
        attrs: dict = {}

        def parse_one() -> None:
            pos = cur.skip()
            match = cur.try_match(STRING) or cur.match(_ATTRIBUTE_NAME, "an attribute name")
            name = match.group(1) if match.re is STRING else match.group()
            if name not in op.attrs:
                known = ", ".join(f"{n} ({k})" for n, k in op.attrs.items()) or "none"
                raise cur.error(f"tfc.{op.name} has no attribute '{name}'; its attributes: {known}", pos)
            if name in attrs:
                raise cur.error(f"attribute '{name}' is given twice", pos)
            cur.expect("=", f"'=' and the value of attribute '{name}'")
            attrs[name] = parse_attribute(cur, op.attrs[name], f"attribute '{name}' of tfc.{op.name}")

        cur.comma_list(parse_one, "}")
        return attrs

    # ---------------------------------------------------------------------------------------------- checks
    def check_operands(self, op: Op, uses: list[tuple[Value, int]], types: list[TensorType], op_pos: int,
                       types_pos: int) -> list[Value]:
        cur = self.cur
        if op.num_inputs is not None and len(uses) != op.num_inputs:
            raise cur.error(f"tfc.{op.name} takes {op.num_inputs} operand(s), got {len(uses)}", op_pos)
        if len(types) != len(uses):
            raise cur.error(f"type mismatch: {len(uses)} operand(s) but {len(types)} operand type(s)", types_pos)
        for i, ((value, pos), declared) in enumerate(zip(uses, types)):
            if value.type != declared:
                raise cur.error(f"type mismatch: operand {i} has type {value.type.mlir()} but the op's signature "
                                f"says {declared.mlir()}", pos)
        return [value for value, _ in uses]

    def check_attributes(self, op: Op, attrs: dict, result_types: list[TensorType], op_pos: int) -> None:
        missing = [f"'{n}' ({SYNTAX[k]})" for n, k in op.attrs.items() if n not in attrs]
        if missing:
            raise self.cur.error(f"tfc.{op.name} needs attribute(s) {', '.join(missing)}", op_pos)
        if op is constant_op:  # constants have no rule: the literal's own type must be the result type
            value = attrs["value"]
            value_type = TensorType(value.shape, dtypes.as_dtype(value.dtype))
            if [value_type] != result_types:
                raise self.cur.error(f"type mismatch: tfc.constant's value is {value_type.mlir()} but its result "
                                     f"type is {', '.join(t.mlir() for t in result_types) or 'missing'}", op_pos)

    def verify(self, check) -> None:
        """Runs a Graph verifier check, pointing its complaint at the offending op's position in the text."""
        try:
            check()
        except VerificationError as error:
            pos = self.node_positions.get(id(error.node), self.return_pos)
            raise self.cur.error(error.detail, pos) from None

    # ------------------------------------------------------------------------------------------------ return
    def parse_return(self, graph: Graph, result_types: list[TensorType]) -> None:
        cur = self.cur
        self.return_pos = cur.skip()
        if not cur.accept("func.return"):
            cur.expect("return")
        uses = []
        if not (cur.peek("}") or cur.peek("loc(")):
            uses = cur.comma_list(self.parse_use, ":")
        declared = self.parse_return_types(len(uses))
        parse_location(cur)
        if len(uses) != len(result_types):
            raise cur.error(f"func.return returns {len(uses)} value(s) but the function's type has "
                            f"{len(result_types)} result(s)", self.return_pos)
        for i, ((value, pos), written, expected) in enumerate(zip(uses, declared, result_types)):
            if not value.type == written == expected:
                raise cur.error(f"type mismatch: returned value {i} has type {value.type.mlir()}, written as "
                                f"{written.mlir()}; the function returns {expected.mlir()}", pos)
        graph.outputs = [value for value, _ in uses]

    def parse_return_types(self, count: int) -> list[TensorType]:
        types = [parse_tensor_type(self.cur)] if count else []
        while len(types) < count:
            self.cur.expect(",", f"',' and {count - len(types)} more return type(s)")
            types.append(parse_tensor_type(self.cur))
        return types

    # ------------------------------------------------------------------------------------------------ values
    def define(self, name: str, values: list[Value], pos: int) -> None:
        if name in self.values:
            raise self.cur.error(f"redefinition of value %{name}", pos)
        self.values[name] = values

    def lookup(self, name: str, index: str | None, pos: int) -> Value:
        if name not in self.values:
            raise self.cur.error(f"use of undefined value %{name}", pos)
        values = self.values[name]
        if index is None and len(values) != 1:
            raise self.cur.error(f"%{name} names {len(values)} results; use one of %{name}#0 .. "
                                 f"%{name}#{len(values) - 1}", pos)
        i = int(index or 0)
        if i >= len(values):
            raise self.cur.error(f"%{name}#{i} does not exist: %{name} has {len(values)} result(s)", pos)
        return values[i]
