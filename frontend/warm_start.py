"""A concrete function's first call in a new process, without the compiler when the compile cache already holds it.

`load(graph, name, names)` looks the traced graph up in the warm index (runtime/warm_index.py) and loads the
cached library through the runtime: tfc.passes, tfc.dialect and llvmlite stay unimported. `remember(...)`, after
a full compile, records the index entry. Large constants are weights (passes/weights.py): parameters of the
compiled code whose arrays are passed at each call, so a record says which of the graph's constant nodes holds
each weight (the key covers the constants' values, so the same nodes hold the same arrays on a hit).
"""
from __future__ import annotations

import functools
import importlib.util
import os

import numpy as np

from . import config
from .graph import Graph, print_graph


def _usable(keep_stages: bool) -> bool:
    from tfc.runtime import cache
    return not keep_stages and cache.enabled() and not config.dump_dir()


@functools.lru_cache(maxsize=None)
def _source_folders() -> tuple[str, ...]:
    """tfc's own sources (the frontend, and the compiler's folders found without importing them)."""
    folders = [os.path.dirname(os.path.abspath(__file__))]
    for package in ("tfc.dialect", "tfc.passes", "tfc.runtime"):
        spec = importlib.util.find_spec(package)
        folders += list(spec.submodule_search_locations or []) if spec else [package + ":missing"]
    return tuple(dict.fromkeys(folders))  # an installed tfc nests the compiler inside the frontend's folder


def _key(graph: Graph, name: str, names: list[str]) -> str | None:
    from tfc.runtime import warm_index
    try:
        text = print_graph(graph, digest_constants=True) + "\n" + repr(graph.output_checks)
    except Exception:  # a graph the printer cannot show: the full compile path decides
        return None
    return warm_index.index_key(text, name, names, _source_folders())


def load(graph: Graph, name: str, names: list[str], keep_stages: bool = False):
    """(key, Module or None): the loaded library on an index hit; the key to `remember` otherwise."""
    if not _usable(keep_stages):
        return None, None
    from tfc.runtime import warm_index
    from tfc.runtime.loader import Module

    key = _key(graph, name, names)
    if key is None:
        return None, None
    found = warm_index.lookup(key)
    if found is None:
        return key, None
    library, manifest, rec = found
    try:
        weights = {weight: np.ascontiguousarray(graph.nodes[index].attrs["value"])
                   for weight, index in rec["weights"].items()}
        return key, Module(library, manifest, weights)
    except (KeyError, IndexError, TypeError, AttributeError):
        return key, None  # a record that does not fit this graph: compile, and overwrite it


def remember(key: str | None, graph: Graph, artifact) -> None:
    """Records `key` -> the artifact's cache entry, when every weight is one of the graph's own constants."""
    entry = artifact.manifest.get("cache_key")
    if key is None or entry is None:
        return
    from tfc.passes import toolchain
    from tfc.runtime import warm_index

    where = {}
    for weight, array in artifact.weights.items():
        index = next((i for i, node in enumerate(graph.nodes) if node.op.name == "constant"
                      and _same(node.attrs.get("value"), array)), None)
        if index is None:  # a weight the graph passes made (folded constants): no fast path for this one
            return
        where[weight] = index
    warm_index.record(key, entry, toolchain.warm_index_tools(), {"weights": where})


def _same(value, array: np.ndarray) -> bool:
    value = np.asarray(value)
    return value.dtype == array.dtype and value.shape == array.shape and np.array_equal(value, array)
