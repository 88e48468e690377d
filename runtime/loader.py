"""Loads a compiled library (a `.so` plus its manifest) and calls its entry points on numpy arrays.

Every argument is checked against the manifest (count, dtype, rank, each fixed dimension, and the run-time
sizes the code takes to be equal where it broadcasts: runtime/broadcasts.py) BEFORE native code runs, and made
C-contiguous and aligned, so nothing a caller passes can crash the process. Outputs are allocated
here and passed in. Weights (large constants and captured values the compiler kept out of the code) follow the
arguments: the manifest entry lists them by name, the Module holds their arrays.

An argument or weight marked "inout" is a Variable's buffer that the code updates in place: it is passed as it
is (never converted or copied, which would lose the update), so it must already be a writable, C-contiguous,
aligned array of the exact dtype and shape. An entry with "prints" takes the print hook (runtime/printing.py)
as its last parameter.
"""
from __future__ import annotations

import ctypes
import json
import os
import threading

import numpy as np

from . import abi
from .broadcasts import SizeChecks
from .cpu import check_target
from .printing import PrintHook
from .errors import InvalidArgumentError, Location, SignatureMismatchError, TfcValueError, caller_location
from .static_call import make_dynamic_call, make_static_call

__all__ = ["Executable", "CheckedExecutable", "Module", "load", "load_manifest"]


class _PerThread(threading.local):
    call = None     # this thread's static-shape call (runtime/static_call.py), made on its first call
    dynamic = None  # ... or its call with run-time sizes


class Executable:
    """One native entry point. Call it with arrays (or anything numpy converts); returns a list of arrays."""

    def __init__(self, library: ctypes.CDLL, entry: dict, weights: dict | None = None):
        self.name = entry["name"]
        self.entry = entry
        self.args = entry["args"]
        self.results = entry["results"]
        self._arg_dtypes = [abi.numpy_dtype(a["dtype"]) for a in self.args]
        self._result_dtypes = [abi.numpy_dtype(r["dtype"]) for r in self.results]
        self._weights = [_weight_array(w, weights or {}, self.name) for w in entry.get("weights", [])]
        self._weight_descriptors = [abi.descriptor(w) for w in self._weights]
        self._fn = getattr(library, entry["symbol"])
        self._fn.restype = None
        self._fn.argtypes = None  # every argument is a byref(descriptor): no per-call conversion
        self._library = library  # keeps the .so loaded while this entry exists
        # The fast path (all shapes static, runtime/static_call.py): descriptors are built once per thread and only
        # their data pointers change per call; the checks are a dtype and a shape comparison per argument.
        self._static = all(None not in spec["shape"] for spec in self.args + self.results)
        self._arg_shapes = [tuple(a["shape"]) for a in self.args]
        self._result_shapes = [tuple(r["shape"]) for r in self.results]
        self._per_thread = _PerThread()  # per-thread descriptors: concurrent calls never share them
        self._arity = len(self.args)
        self._inout = [bool(a.get("inout")) for a in self.args]
        # A Variable's array is never remembered between calls (`last` below): a Variable copies its array before
        # an update when something else references it (frontend/variables.py), and this must not count.
        self._remember = [not a.get("variable") and not a.get("inout") for a in self.args]
        self._hook = PrintHook(entry["prints"], abi.numpy_dtype) if entry.get("prints") else None
        # Run-time sizes the code takes to be equal where it broadcasts (runtime/broadcasts.py)
        self._sizes = SizeChecks(entry["broadcasts"], self.args) if entry.get("broadcasts") else None
        self._tail = (self._hook.pointer,) if self._hook is not None else ()  # after the outputs

    def __call__(self, *values) -> list[np.ndarray]:
        if self._static and len(values) == self._arity:
            return self.call_static(values)
        if len(values) != len(self.args):
            names = ", ".join(a["name"] for a in self.args)
            raise SignatureMismatchError(f"{self.name}() takes {len(self.args)} tensor argument(s) ({names}), "
                               f"got {len(values)}", location=caller_location())
        call = self._per_thread.dynamic
        if call is None:
            call = self._per_thread.dynamic = make_dynamic_call(
                self._fn, [len(a["shape"]) for a in self.args], [len(r["shape"]) for r in self.results],
                self._result_dtypes, self._weight_descriptors, self._prepare,
                lambda i, arrays: self._result_shape(self.results[i], arrays), self._tail,
                self._hook.raise_pending if self._hook is not None else None,
                self._sizes.check if self._sizes is not None else None)
        return call(values)

    def call_static(self, values) -> list[np.ndarray]:
        """Calls a static-shape entry with a sequence of exactly `len(self.args)` values."""
        call = self._per_thread.call
        if call is None:
            call = self._per_thread.call = make_static_call(
                self._fn, self._arg_shapes, self._arg_dtypes, self._result_shapes, self._result_dtypes,
                self._weight_descriptors, self._prepare, self._inout, self._remember, self._tail,
                self._hook.raise_pending if self._hook is not None else None)
        return call(values)

    def _prepare(self, index: int, value) -> np.ndarray:
        spec, dtype = self.args[index], self._arg_dtypes[index]
        if self._inout[index]:
            return _inout_array(value, spec, dtype, self.name)
        array = value if isinstance(value, np.ndarray) else np.asarray(value)  # tfc Tensors convert too
        if array.dtype != dtype:
            array = self._convert(spec, dtype, value, array)
        shape = spec["shape"]
        if array.ndim != len(shape) or any(s is not None and s != d for s, d in zip(shape, array.shape)):
            expected = "(" + ", ".join("None" if s is None else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"
            raise SignatureMismatchError(f"{self.name}(): argument {spec['name']!r} has shape {tuple(array.shape)}, "
                                f"expected {expected}", location=caller_location())
        if not (array.flags.c_contiguous and array.flags.aligned):
            array = np.require(array, dtype, ["C_CONTIGUOUS", "ALIGNED"])
        return array

    def _convert(self, spec: dict, dtype: np.dtype, value, array: np.ndarray) -> np.ndarray:
        """Same dtype in another byte order, or a Python scalar/list of a compatible kind: convert. Else refuse."""
        if array.dtype.kind == dtype.kind and array.dtype.itemsize == dtype.itemsize:
            return array.astype(dtype)
        python_value = not isinstance(value, np.ndarray) and not hasattr(value, "dtype")
        if python_value and array.dtype.kind in "biuf" and not (array.dtype.kind == "f" and dtype.kind in "iub"):
            return array.astype(dtype)
        got = getattr(getattr(value, "dtype", None), "name", None) or array.dtype.name
        raise SignatureMismatchError(f"{self.name}(): argument {spec['name']!r} has dtype {got}, expected {spec['dtype']}",
                           location=caller_location())

    @staticmethod
    def _result_shape(result: dict, arrays: list[np.ndarray]) -> tuple[int, ...]:
        shape = result["shape"]
        if None in shape:
            dims = result.get("dims")  # [[arg index, axis] | int] for each dimension
            if dims is None:
                raise TfcValueError("this entry returns a dynamic shape but its manifest gives no rule for it")
            return tuple(d if isinstance(d, int) else arrays[d[0]].shape[d[1]] for d in dims)
        return tuple(shape)

    def __repr__(self) -> str:
        args = ", ".join(f"{a['name']}: {a['dtype']}{a['shape']}" for a in self.args)
        return f"<tfc compiled {self.name}({args})>"


def _inout_array(value, spec: dict, dtype: np.dtype, entry: str) -> np.ndarray:
    """A buffer the code updates in place, exactly as the manifest describes it (a converted copy would take the
    update instead of it)."""
    shape = tuple(spec["shape"])
    if not (isinstance(value, np.ndarray) and value.dtype == dtype and value.shape == shape
            and value.flags.c_contiguous and value.flags.aligned and value.flags.writeable):
        got = (f"{type(value).__name__} {getattr(value, 'dtype', '')}{list(getattr(value, 'shape', ()))}"
               if isinstance(value, np.ndarray) else type(value).__name__)
        raise TfcValueError(f"{entry}(): {spec['name']!r} is a Variable's buffer that the code updates in place: "
                            f"expected a writable, C-contiguous, aligned numpy array of dtype {spec['dtype']} and "
                            f"shape {shape}, got {got}", location=caller_location())
    return value


def _weight_array(spec: dict, weights: dict, entry: str) -> np.ndarray:
    """The array for one weight parameter, checked against its spec (a wrong weights file must not crash)."""
    if spec["name"] not in weights:
        raise TfcValueError(f"{entry}(): weight {spec['name']!r} is missing from the module's weights")
    array = np.require(weights[spec["name"]], abi.numpy_dtype(spec["dtype"]), ["C_CONTIGUOUS", "ALIGNED"])
    if list(array.shape) != list(spec["shape"]) or array.dtype != abi.numpy_dtype(spec["dtype"]):
        raise TfcValueError(f"{entry}(): weight {spec['name']!r} has shape {array.shape} and dtype {array.dtype}, "
                            f"expected {tuple(spec['shape'])} and {spec['dtype']}")
    return array


class CheckedExecutable(Executable):
    """An entry whose trailing results are run-time checks (bool scalars, frontend/checks.py): after the call, a
    false one raises InvalidArgumentError with its message and the user's line; the checks are not returned."""

    def __init__(self, library: ctypes.CDLL, entry: dict, weights: dict | None = None):
        super().__init__(library, entry, weights)
        self._checks = [(c["result"], c["message"], Location(c["file"], c["line"]) if c["file"] else None)
                        for c in entry["checks"]]
        self._visible = min(index for index, _, _ in self._checks)

    def __call__(self, *values) -> list[np.ndarray]:
        outputs = super().__call__(*values)
        for index, message, location in self._checks:
            if not outputs[index]:
                raise InvalidArgumentError(message, location=location)
        return outputs[:self._visible]


def _shared_state(manifest: dict, weights: dict) -> dict:
    """The module's weights, with each Variable buffer that an entry updates in place ("inout") made writable,
    contiguous and aligned ONCE here, so every entry of the module updates and reads the same array."""
    weights = dict(weights)
    for entry in manifest["entries"]:
        for spec in entry.get("weights", []):
            if spec.get("inout") and spec["name"] in weights:
                weights[spec["name"]] = np.require(weights[spec["name"]], abi.numpy_dtype(spec["dtype"]),
                                                   ["C_CONTIGUOUS", "ALIGNED", "WRITEABLE", "OWNDATA"])
    return weights


def executable(library: ctypes.CDLL, entry: dict, weights: dict | None = None) -> Executable:
    """The entry point `entry` of `library`: checked when the manifest lists run-time checks for it."""
    return (CheckedExecutable if entry.get("checks") else Executable)(library, entry, weights)


class Module:
    """A loaded library: one attribute per entry point, plus the manifest (and the weights its entries take)."""

    def __init__(self, library_path: str, manifest: dict, weights: dict | None = None):
        if manifest.get("format") != abi.MANIFEST_FORMAT:
            raise TfcValueError(f"{library_path}: not a tfc manifest")
        if manifest.get("abi_version") not in abi.READABLE_ABI_VERSIONS:
            raise TfcValueError(f"{library_path} was built for tfc ABI version {manifest.get('abi_version')}, but "
                                f"this runtime speaks version {abi.ABI_VERSION}: recompile it with this tfc")
        check_target(manifest.get("target", {}), library_path)
        self.manifest = manifest
        self.path = library_path
        try:
            self._library = ctypes.CDLL(os.path.abspath(library_path))
        except OSError as error:
            missing = [n for n in manifest.get("needs", []) if n.split(".so")[0] in str(error)]
            if missing:
                raise TfcValueError(
                    f"{library_path} needs {', '.join(missing)} (an OpenMP runtime: it was compiled with threads), "
                    f"which the dynamic loader cannot find: {error}. Install libomp (Debian: libomp-22-dev), ship "
                    f"it beside the library, or recompile with TFC_NUM_THREADS=1") from None
            raise
        self.weights = _shared_state(manifest, weights or {})
        self.entries = {e["name"]: executable(self._library, e, self.weights) for e in manifest["entries"]}

    def __getattr__(self, name: str) -> Executable:
        entries = self.__dict__.get("entries", {})
        if name in entries:
            return entries[name]
        raise AttributeError(f"compiled module has no entry {name!r}; it has: {', '.join(entries) or 'none'}")

    def __dir__(self):
        return list(self.entries) + ["manifest", "path", "entries", "weights"]


def load_manifest(path: str) -> tuple[str, dict]:
    """(library path, manifest) from a manifest file, a folder holding `manifest.json`, or a `.so` beside one."""
    if os.path.isdir(path):
        path = os.path.join(path, "manifest.json")
    library = None
    if path.endswith(".so"):  # the library named is the one loaded, even if it was renamed with its manifest
        library, path = os.path.abspath(path), path[:-3] + ".json"
    with open(path) as f:
        manifest = json.load(f)
    return library or os.path.join(os.path.dirname(os.path.abspath(path)), manifest["library"]), manifest


def load(path: str):
    """Loads a compiled tfc library; see `load_manifest` for what `path` may be. A package written by
    `tfc compile` (a folder with `__init__.py`) is imported, and the same module object as `import NAME` returned."""
    if os.path.isfile(os.path.join(path, "__init__.py")):
        from .package import import_package
        return import_package(path)
    library, manifest = load_manifest(path)
    return Module(library, manifest)
