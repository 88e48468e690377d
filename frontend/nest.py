"""Nested structures (tuples, lists, dicts, namedtuples) flattened to leaves and rebuilt, as tf.nest does."""
from __future__ import annotations


def _is_namedtuple(value) -> bool:
    return isinstance(value, tuple) and hasattr(value, "_fields")


def flatten_with_paths(structure, path: str = "") -> list[tuple[str, object]]:
    """[(path, leaf)] in a deterministic order (dicts by sorted key), e.g. ('x[0]', leaf), ("y['a']", leaf)."""
    if isinstance(structure, dict):
        return [item for key in sorted(structure, key=repr)
                for item in flatten_with_paths(structure[key], f"{path}[{key!r}]")]
    if isinstance(structure, (list, tuple)):
        return [item for i, v in enumerate(structure) for item in flatten_with_paths(v, f"{path}[{i}]")]
    return [(path, structure)]


def flatten(structure) -> list:
    return [leaf for _, leaf in flatten_with_paths(structure)]


def structure_key(structure):
    """A hashable description of the nesting (not the leaves), for trace cache keys."""
    if isinstance(structure, dict):
        return ("dict", tuple((key, structure_key(structure[key])) for key in sorted(structure, key=repr)))
    if isinstance(structure, (list, tuple)):
        return (type(structure).__name__, tuple(structure_key(v) for v in structure))
    return None


def pack_sequence_as(structure, leaves: list):
    """Rebuilds `structure` with its leaves replaced, in `flatten` order."""
    return _pack(structure, iter(leaves))


def _pack(structure, leaves):
    # A module-level recursion, not a closure: a self-referencing closure would form a reference cycle holding
    # the leaves (e.g. large result arrays) until the cyclic garbage collector happens to run.
    if isinstance(structure, dict):
        rebuilt = {key: _pack(structure[key], leaves) for key in sorted(structure, key=repr)}
        return type(structure)((key, rebuilt[key]) for key in structure)
    if _is_namedtuple(structure):
        return type(structure)(*(_pack(v, leaves) for v in structure))
    if isinstance(structure, (list, tuple)):
        return type(structure)([_pack(v, leaves) for v in structure])
    return next(leaves)


def map_structure(fn, structure):
    return pack_sequence_as(structure, [fn(leaf) for leaf in flatten(structure)])
