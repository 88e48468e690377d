"""The loader of packages written by `tfc compile`: their `__init__.py` is two lines that call `install` here.

A package folder holds NAME.so, manifest.json (entries with their Python parameter and result structures, target,
versions, ABI), weights.npz (when an entry takes weights), NAME.h, and a copy of this runtime (`_tfc_runtime/`)
used where tfc itself is not installed. Nothing here traces, compiles or imports the compiler.

State: the Variables the compiled functions use are weights (their values at compile time in weights.npz). The
loaded module holds one array per Variable, shared by every function; functions that assign a Variable update
its array in place, so the state persists from call to call. `NAME.variables` maps each Variable's unique name
(its name and a number, as in weights.npz) to its live array: read it, or write into it with `[...] =`.
"""
from __future__ import annotations

import importlib.util
import json
import os
import sys

import numpy as np

from .errors import SignatureMismatchError, caller_location
from .loader import Executable, Module

__all__ = ["install", "import_package", "CompiledFunction"]

MANIFEST = "manifest.json"
WEIGHTS = "weights.npz"


class Options:
    """Module-level options of a compiled package (`NAME.set_options(return_numpy=True)`)."""

    def __init__(self, to_tensor):
        self.to_tensor = to_tensor
        self.return_numpy = to_tensor is None


class CompiledFunction:
    """A compiled entry called like the original Python function: same parameters (positional or keyword),
    same nesting of tensors, same result structure. Takes numpy arrays or tfc tensors; returns tfc tensors when
    tfc is importable (numpy arrays otherwise, or with `return_numpy=True`)."""

    def __init__(self, executable: Executable, entry: dict, options: Options):
        self.executable = executable
        self.entry = entry
        self._options = options
        self._params = entry.get("params") or [{"name": a["name"], "structure": {"tensor": i}}
                                               for i, a in enumerate(entry["args"])]
        self._outputs = entry.get("outputs") or {"tuple": [{"tensor": i} for i in range(len(entry["results"]))]}
        self.__name__ = self.__qualname__ = entry.get("python_name", entry["name"])
        self.__doc__ = entry.get("doc") or ""

    def __call__(self, *args, **kwargs):
        leaves: list = [None] * len(self.entry["args"])
        for param, value in zip(self._params, self._bind(args, kwargs)):
            _flatten(param["structure"], value, param["name"], leaves, self.__name__)
        results = self.executable(*leaves)
        options = self._options
        if not options.return_numpy:
            results = [options.to_tensor(r) for r in results]
        return _pack(self._outputs, results)

    def _bind(self, args, kwargs) -> list:
        names = [p["name"] for p in self._params]
        if len(args) > len(names):
            raise SignatureMismatchError(f"{self.__name__}() takes {len(names)} argument(s) ({', '.join(names)}), "
                                         f"got {len(args)}", location=caller_location())
        values = dict(zip(names, args))
        for key, value in kwargs.items():
            if key not in names or key in values:
                problem = "unexpected" if key not in names else "repeated"
                raise SignatureMismatchError(f"{self.__name__}(): {problem} argument {key!r}",
                                             location=caller_location())
            values[key] = value
        missing = [n for n in names if n not in values]
        if missing:
            raise SignatureMismatchError(f"{self.__name__}() is missing argument(s): {', '.join(missing)}",
                                         location=caller_location())
        return [values[n] for n in names]

    @property
    def signature(self) -> str:
        args = ", ".join(f"{a['name']}: {a['dtype']}{_shape(a['shape'])}" for a in self.entry["args"])
        results = ", ".join(f"{r['dtype']}{_shape(r['shape'])}" for r in self.entry["results"])
        return f"{self.__name__}({args}) -> ({results})"

    def __repr__(self) -> str:
        return f"<tfc compiled function {self.signature}>"


def _shape(shape) -> str:
    return "[" + ", ".join("?" if d is None else str(d) for d in shape) + "]"


def _flatten(structure: dict, value, path: str, leaves: list, function: str) -> None:
    """Puts each tensor of `value` at its flat index, following the manifest's structure of one parameter."""
    if "tensor" in structure:
        leaves[structure["tensor"]] = value
        return
    if "dict" in structure:
        items = structure["dict"]
        if isinstance(value, dict) and set(value) == set(items):
            for key, sub in items.items():
                _flatten(sub, value[key], f"{path}[{key!r}]", leaves, function)
            return
        expected = "a dict with keys " + ", ".join(map(repr, items))
    else:
        items = structure.get("tuple", structure.get("list"))
        if isinstance(value, (tuple, list)) and len(value) == len(items):
            for i, sub in enumerate(items):
                _flatten(sub, value[i], f"{path}[{i}]", leaves, function)
            return
        expected = f"a sequence of {len(items)} item(s)"
    raise SignatureMismatchError(f"{function}(): argument {path!r} should be {expected}, got "
                                 f"{type(value).__name__}", location=caller_location())


def _pack(structure: dict, results: list):
    if "tensor" in structure:
        return results[structure["tensor"]]
    if "const" in structure:
        return structure["const"]
    if "dict" in structure:
        return {k: _pack(s, results) for k, s in structure["dict"].items()}
    kind = "tuple" if "tuple" in structure else "list"
    items = [_pack(s, results) for s in structure[kind]]
    return tuple(items) if kind == "tuple" else items


def install(namespace: dict, to_tensor=None) -> Module:
    """Loads the package whose `__init__.py` globals are `namespace` and defines its functions there."""
    folder = os.path.dirname(os.path.abspath(namespace["__file__"]))
    with open(os.path.join(folder, MANIFEST)) as f:
        manifest = json.load(f)
    weights = {}
    weights_path = os.path.join(folder, WEIGHTS)
    if os.path.exists(weights_path):
        with np.load(weights_path, allow_pickle=False) as stored:
            weights = {name: stored[name] for name in stored.files}
    module = Module(os.path.join(folder, manifest["library"]), manifest, weights)
    options = Options(to_tensor)
    functions = {entry.get("python_name", entry["name"]): CompiledFunction(module.entries[entry["name"]], entry,
                                                                           options)
                 for entry in manifest["entries"]}

    def set_options(*, return_numpy: bool | None = None) -> None:
        """return_numpy=True: every function returns numpy arrays (tfc tensors are the default when tfc is
        importable)."""
        if return_numpy is not None:
            options.return_numpy = bool(return_numpy) or to_tensor is None

    variables = {spec["name"].removeprefix("variable:"): module.weights[spec["name"]]
                 for entry in manifest["entries"] for spec in entry.get("weights", []) if spec.get("variable")}
    namespace.update(functions)
    namespace.update(manifest=manifest, set_options=set_options, compiled_module=module, variables=variables,
                     __all__=[*functions, "set_options", "manifest", "variables"])
    return module


def import_package(path: str):
    """Imports the package folder `path` (as `import NAME` would, NAME being the folder's name) and returns the
    module object; an already imported package from the same folder is returned as is."""
    folder = os.path.abspath(path)
    name = os.path.basename(folder.rstrip(os.sep))
    init = os.path.join(folder, "__init__.py")
    existing = sys.modules.get(name)
    if existing is not None and os.path.abspath(getattr(existing, "__file__", "") or "") == init:
        return existing
    spec = importlib.util.spec_from_file_location(name, init, submodule_search_locations=[folder])
    module = importlib.util.module_from_spec(spec)
    if existing is None:
        sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        if sys.modules.get(name) is module:
            del sys.modules[name]
        raise
    return module
