"""Lowering a tfc Graph to linalg/tensor/arith/math MLIR text, in destination-passing style.

The emitted function takes every input AND every output as a memref; the body works on tensors and ends with
`bufferization.materialize_in_destination` of each result into its output memref. After one-shot bufferization
the results are computed straight into the caller's buffers: no malloc, no copy (duplicated outputs and inputs
returned unchanged become one memcpy each). Inputs are read-only (`to_tensor ... restrict`), except the buffers of
the Variables the function assigns, which it updates in place (lower_variables.py).

One lowering per op, registered against the op object with `@lowers(op)`; `tests/unit/test_registry.py` fails on
any op without one.
"""
from __future__ import annotations

import math
import re
from typing import Callable

from tfc import core
from tfc.graph import Graph, Node, TensorType, print_dense, print_location, scalar_literal

__all__ = ["lowers", "lower_graph", "lower_nodes", "Emitter", "symbol_name"]


def lowers(*ops):
    """Registers the decorated function as the lowering of each op (an Op or an API function with `.op`)."""
    def register(fn: Callable):
        for op in ops:
            op = getattr(op, "op", op)
            if op.lowering is not None:
                raise ValueError(f"tfc.{op.name} has two lowerings")
            op.lowering = fn
        return fn
    return register


def memref_type(type: TensorType) -> str:
    return "memref<" + "".join(("?" if d is None else str(d)) + "x" for d in type.shape) + type.dtype.storage + ">"


class Emitter:
    """Accumulates the body of one func.func: fresh SSA names, common snippets (empty tensors, constants)."""

    def __init__(self, vector_bits: int = 0):
        self.lines: list[str] = []
        # The CPU's vector register width in bits: tfc's own CPU kernels (dialect/matmul_kernel.py) are emitted
        # for it; 0 keeps every op on its plain linalg lowering (the GPU path, tfc-opt --lower).
        self.vector_bits = vector_bits
        self._count = 0
        self.loc = ""
        self.depth = 0  # nesting of regions (scf.if / scf.while bodies), for indentation only
        self.values: dict[int, str] = {}  # id(graph Value) -> SSA name, for the whole function (regions see it)
        self.var_state: dict[int, str] = {}  # id(variable handle) -> its current value (lower_variables.py)
        self.print_sites: dict[int, int] = {}  # id(tfc.print node) -> its site number (lower_print.py)
        self.print_buffer: tuple | None = None  # (buffer, its size in words, its address as !llvm.ptr)
        # value -> (source value, source type, inserted axes) for values that are `source` with size-1 axes
        # inserted (keepdims reductions); elementwise lowerings read the source directly.
        self.unit_dims: dict[str, tuple[str, TensorType, list[int]]] = {}
        self.lowered: set[int] = set()  # id(node) of nodes already emitted by another's lowering (epilogue.py)
        self.uses: dict[int, dict] = {}  # id(graph) -> its use lists, computed when a kernel plans an epilogue
        # (value, axis) -> an index value holding that size, where the lowering knows it (a kernel's block):
        # `dim` returns it instead of a tensor.dim, which would count as a use of the producer and stop
        # linalg-fuse-elementwise-ops from fusing it into its consumer.
        self.known_dims: dict[tuple[str, int], str] = {}
        # value -> (flat value, its type, reassociation) for values that are an expand_shape of a kernel's flat
        # result (conv2d's [pixels, channels] as NHWC): a graph output holding one is materialized as the flat
        # value into a collapsed view of the output buffer, so the kernel writes the output in place (empty-
        # tensor elimination does not see through expand_shape).
        self.reshaped: dict[str, tuple[str, TensorType, str]] = {}

    def fresh(self, hint: str = "v") -> str:
        self._count += 1
        return f"%{hint}{self._count}"

    def emit(self, text: str) -> None:
        self.lines.append("    " + "  " * self.depth + text)

    def assign(self, rhs: str, hint: str = "v") -> str:
        """Emits `%new = rhs` (with the current node's location) and returns `%new`."""
        name = self.fresh(hint)
        self.emit(f"{name} = {rhs}{self.loc}")
        return name

    def index(self, value: int) -> str:
        return self.assign(f"arith.constant {value} : index", "c")

    def scalar(self, value, dtype) -> str:
        """A scalar arith.constant of `dtype`'s storage type."""
        if dtype.is_bool:  # `arith.constant true : i1` does not parse; the integer form does
            return self.assign(f"arith.constant {int(bool(value))} : i1", "cst")
        return self.assign(f"arith.constant {scalar_literal(value, dtype)} : {dtype.storage}", "cst")

    def dim(self, value: str, type: TensorType, axis: int) -> str:
        """The size of `axis` of `value` as an index (a constant when static)."""
        if type.shape[axis] is not None:
            return self.index(type.shape[axis])
        if (value, axis) in self.known_dims:
            return self.known_dims[(value, axis)]
        return self.assign(f"tensor.dim {value}, {self.index(axis)} : {type.mlir(storage=True)}", "dim")

    def empty(self, type: TensorType, sizes: list[str] | None = None) -> str:
        """tensor.empty of `type`; `sizes` gives an index value for each dynamic dimension, in order."""
        dynamic = sizes or []
        return self.assign(f"tensor.empty({', '.join(dynamic)}) : {type.mlir(storage=True)}", "init")

    def fill(self, type: TensorType, value, sizes: list[str] | None = None) -> str:
        init = self.empty(type, sizes)
        scalar = self.scalar(value, type.dtype)
        return self.assign(f"linalg.fill ins({scalar} : {type.dtype.storage}) outs({init} : {type.mlir(storage=True)})"
                           f" -> {type.mlir(storage=True)}", "fill")

    def reshape(self, value: str, source: TensorType, target: TensorType, sizes: list[str] | None = None) -> str:
        """tensor.reshape with a constant (static) or computed (dynamic) shape operand. `sizes` gives an index
        value per dynamic target dimension; without it, one dynamic dimension is the element count divided by
        the product of the others (a reshape's -1)."""
        if target.is_static:
            dims = ", ".join(str(d) for d in target.shape)
            shape = self.assign(f"arith.constant dense<[{dims}]> : tensor<{target.rank}xindex>" if target.rank
                                else "arith.constant dense<> : tensor<0xindex>", "shape")
        else:
            if sizes is None:
                sizes = [self._inferred_size(value, source, target)]
            given = iter(sizes)
            elements = [self.index(d) if d is not None else next(given) for d in target.shape]
            shape = self.assign(f"tensor.from_elements {', '.join(elements)} : tensor<{target.rank}xindex>", "shape")
        return self.assign(f"tensor.reshape {value}({shape}) : ({source.mlir(storage=True)}, "
                           f"tensor<{target.rank}xindex>) -> {target.mlir(storage=True)}", "reshape")

    def _inferred_size(self, value: str, source: TensorType, target: TensorType) -> str:
        if target.shape.count(None) != 1:
            raise NotImplementedError(f"reshape to {target.mlir()}: only one dimension may be computed at run time")
        total = self.index(1)
        for axis in range(source.rank):
            total = self.assign(f"arith.muli {total}, {self.dim(value, source, axis)} : index", "n")
        known = self.index(math.prod(d for d in target.shape if d is not None))
        return self.assign(f"arith.divui {total}, {known} : index", "n")


def lower_nodes(em: Emitter, nodes) -> None:
    """Emits each node's lowering in order, recording its results in `em.values` (regions call this too)."""
    for node in nodes:
        if id(node) in em.lowered:
            continue
        em.loc = f" {print_location(node.loc)}" if node.loc else ""
        lowering = node.op.lowering
        if lowering is None:
            raise NotImplementedError(f"tfc.{node.op.name} has no lowering")
        results = lowering(em, node, [em.values[id(v)] for v in node.inputs])
        results = [results] if isinstance(results, str) else (results or [])
        for value, result in zip(node.outputs, results):
            em.values[id(value)] = result


def symbol_name(name: str) -> str:
    """A valid, readable identifier for a Python function name (the entry's name in manifests)."""
    cleaned = re.sub(r"\W", "_", name)
    return cleaned if re.match(r"[A-Za-z_]", cleaned) else f"f_{cleaned}"


def native_name(name: str) -> str:
    """The compiled function's symbol: always prefixed, so no user name (`step`, `erf`, `main`) can collide with
    a C library function that the code calls or that the dynamic linker resolves first."""
    return f"tfc_{symbol_name(name)}"


def lower_graph(graph: Graph, name: str | None = None, copy_state: bool = False, vector_bits: int = 0) -> str:
    """The graph as a destination-passing func.func over memrefs, with linalg/tensor/arith/math inside.

    Parameters: one memref per input (a Variable's buffer among them, writable when the graph assigns it), one
    per output, then `%print_hook` when the graph prints (lower_print.py). `copy_state`: write each assigned
    Variable's final value through a temporary (lower_variables.write_state). `vector_bits`: the target CPU's
    vector width, for tfc's own kernels (0: plain linalg everywhere)."""
    from .lower_print import prologue
    from .lower_variables import state_inputs, write_state

    name = symbol_name(name or graph.name)
    em = Emitter(vector_bits)
    values = em.values
    params = []
    state = state_inputs(graph)
    for i, value in enumerate(graph.inputs):
        params.append(f"%in{i}: {memref_type(value.type)}")
        writable = " writable" if i in state else ""
        values[id(value)] = em.assign(f"bufferization.to_tensor %in{i} restrict{writable} : {memref_type(value.type)}"
                                      f" to {value.type.mlir(storage=True)}", "arg")
    for i, value in enumerate(graph.outputs):
        params.append(f"%out{i}: {memref_type(value.type)}")
    params += prologue(em, graph)
    lower_nodes(em, graph.nodes)
    em.loc = ""
    for i, value in enumerate(graph.outputs):  # before the Variables' writes: a result may be a value they replace
        result, type, destination = values[id(value)], value.type, f"%out{i}"
        if result in em.reshaped:
            result, type, groups = em.reshaped[result]
            destination = em.assign(f"memref.collapse_shape %out{i} {groups} : {memref_type(value.type)} into "
                                    f"{memref_type(type)}", "view")
        em.emit(f"bufferization.materialize_in_destination {result} in restrict writable {destination} : "
                f"({type.mlir(storage=True)}, {memref_type(type)}) -> ()")
    write_state(em, graph, state, copy_state)
    body = "\n".join(em.lines)
    return (f"func.func @{name}({', '.join(params)}) attributes {{llvm.emit_c_interface}} {{\n{body}\n"
            f"    return\n}}\n")


@lowers(core.constant_op)
def _lower_constant(em: Emitter, node: Node, inputs: list[str]) -> str:
    type = node.outputs[0].type
    return em.assign(f"arith.constant {print_dense(node.attrs['value'], type, storage=True)}", "const")
