"""tfc.print -> a call from native code into the runtime's print hook, each time the op executes.

A function with print sites takes one more parameter, `%print_hook: !llvm.ptr` (a C function pointer
`void (int64_t site, const int64_t *values)`, runtime/printing.py). At entry it allocates one stack buffer of
i64 words, large enough for the biggest site; each print stores there, per tensor, MLIR's strided metadata
(aligned pointer, offset, sizes, strides) read off `bufferization.to_buffer ... read_only` with a fully dynamic
strided layout, so a tensor of any layout prints without a copy, and calls the hook with its site number. Sites
are numbered in the order `print_nodes` walks the graph (regions included); the manifest lists them in that
order (`site_specs`).
"""
from __future__ import annotations

from tfc.graph import Graph, Node, TensorType
from tfc.printing import print_op

from .lowering import Emitter, lowers

HOOK = "%print_hook"


def print_nodes(graph: Graph) -> list[Node]:
    """Every tfc.print of `graph` and its regions, in program (pre-)order: the site numbers."""
    found = []
    for node in graph.nodes:
        if node.op is print_op:
            found.append(node)
        for region in node.regions:
            found.extend(print_nodes(region))
    return found


def _words(node: Node) -> int:
    return sum(2 + 2 * v.type.rank for v in node.inputs)


def site_specs(graph: Graph) -> list[dict]:
    """The manifest's description of each print site: what the runtime needs to decode and format it."""
    return [{"template": node.attrs["template"], "stream": node.attrs["stream"],
             "summarize": int(node.attrs["summarize"]),
             "values": [{"dtype": v.type.dtype.name, "rank": v.type.rank} for v in node.inputs]}
            for node in print_nodes(graph)]


def prologue(em: Emitter, graph: Graph) -> list[str]:
    """Sets up the graph's print sites (the word buffer and its address, emitted at function entry); returns
    the extra parameter, or nothing when the graph does not print."""
    nodes = print_nodes(graph)
    if not nodes:
        return []
    size = max(1, max(_words(node) for node in nodes))
    buffer = em.assign(f"memref.alloca() : memref<{size}xi64>", "pack")
    address = em.assign(f"memref.extract_aligned_pointer_as_index {buffer} : memref<{size}xi64> -> index", "pack")
    address = em.assign(f"arith.index_cast {address} : index to i64", "pack")
    em.print_sites = {id(node): i for i, node in enumerate(nodes)}
    em.print_buffer = (buffer, size, em.assign(f"llvm.inttoptr {address} : i64 to !llvm.ptr", "pack"))
    return [f"{HOOK}: !llvm.ptr"]


def _strided(type: TensorType) -> str:
    dims = "".join(("?" if d is None else str(d)) + "x" for d in type.shape)
    strides = ", ".join("?" for _ in type.shape)
    return f"memref<{dims}{type.dtype.storage}, strided<[{strides}], offset: ?>>"


def _metadata(em: Emitter, tensor: str, type: TensorType) -> list[str]:
    """[aligned pointer, offset, sizes..., strides...] of `tensor`'s buffer, as i64 values."""
    layout = _strided(type)
    buffer = em.assign(f"bufferization.to_buffer {tensor} read_only : {type.mlir(storage=True)} to {layout}", "buf")
    name, count = em.fresh("meta"), 2 + 2 * type.rank
    element = type.dtype.storage
    em.emit(f"{name}:{count} = memref.extract_strided_metadata {buffer} : {layout} -> memref<{element}>, "
            f"{', '.join(['index'] * (count - 1))}{em.loc}")
    pointer = em.assign(f"memref.extract_aligned_pointer_as_index {name}#0 : memref<{element}> -> index", "ptr")
    return [em.assign(f"arith.index_cast {index} : index to i64", "word")
            for index in [pointer] + [f"{name}#{i}" for i in range(1, count)]]


@lowers(print_op)
def _print(em: Emitter, node: Node, inputs: list[str]) -> list[str]:
    buffer, size, address = em.print_buffer
    words = [word for value, tensor in zip(node.inputs, inputs) for word in _metadata(em, tensor, value.type)]
    for position, word in enumerate(words):
        em.emit(f"memref.store {word}, {buffer}[{em.index(position)}] : memref<{size}xi64>{em.loc}")
    site = em.assign(f"arith.constant {em.print_sites[id(node)]} : i64", "site")
    em.emit(f"llvm.call {HOOK}({site}, {address}) : !llvm.ptr, (i64, !llvm.ptr) -> (){em.loc}")
    return []
