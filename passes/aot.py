"""Ahead-of-time packages: `tfc compile model.py` -> an importable `model/` package that needs only numpy.

    model/__init__.py     two lines: pick a runtime (installed tfc's, else the bundled copy), install the functions
    model/model.so        every compiled function of model.py, one entry point each
    model/manifest.json   entries (argument/result specs, Python parameter and result structures), target CPU and
                          features, tfc and toolchain versions, ABI version
    model/weights.npz     arrays of the weight parameters (large captured constants, Variables' initial values)
    model/model.h         C prototypes of the entry points
    model/_tfc_runtime/   a copy of tfc.runtime (numpy + ctypes), used where tfc is not installed

Every path inside is relative, so the folder can be moved, copied or zipped into a wheel.
"""
from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import shutil
import struct
import sys
import tempfile
import time

import numpy as np

from tfc import nest
from tfc.errors import TfcValueError, UnsupportedError
from tfc.function import Function
from tfc.runtime import abi

from . import cheader, driver, toolchain
from .codegen import IMPL_PREFIX
from .target import Target, host

__all__ = ["compile_file", "compile_functions", "write_package", "CompiledRow", "PackageReport"]

INIT_TEMPLATE = '''"""{name}: compiled by tfc from {source}; import it with numpy alone.

{listing}
"""
try:  # tfc is installed: use its runtime, and return tfc tensors
    from tfc.runtime import package as _package
    from tfc import convert_to_tensor as _to_tensor
except ImportError:  # numpy only: the runtime copy shipped in this package; functions return numpy arrays
    from ._tfc_runtime import package as _package
    _to_tensor = None
_package.install(globals(), _to_tensor)
'''


@dataclasses.dataclass
class CompiledRow:
    name: str
    signature: str
    seconds: float      # tracing and lowering this function
    code_bytes: int     # its machine code in the library


@dataclasses.dataclass
class PackageReport:
    package: str        # the folder written
    rows: list[CompiledRow]
    native_seconds: float   # mlir-opt + mlir-translate + llvmlite + link, once for all functions
    library_bytes: int
    weights_bytes: int


def import_source(path: str):
    """Imports a Python file as a fresh module (its folder on sys.path while it runs, for its own imports)."""
    path = os.path.abspath(path)
    if not os.path.isfile(path):
        raise TfcValueError(f"{path}: no such file")
    stem = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(f"_tfc_compile_{stem}", path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, os.path.dirname(path))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(os.path.dirname(path))
    return module


def find_functions(module, names: list[str] | None, where: str) -> dict[str, Function]:
    """The module's tfc.functions with an input_signature, or exactly the named ones (each must have one)."""
    found = {n: v for n, v in vars(module).items() if isinstance(v, Function)}
    if not names:
        chosen = {n: f for n, f in found.items() if f.input_signature is not None}
        if not chosen:
            raise TfcValueError(f"{where} defines no @tfc.function with an input_signature (found: "
                                f"{', '.join(found) or 'no tfc.function at all'}); add input_signature=[tfc.TensorSpec"
                                f"(shape, dtype), ...] to the functions to compile")
        return chosen
    chosen = {}
    for name in names:
        if name not in found:
            raise TfcValueError(f"{where} has no @tfc.function named {name!r}; it has: {', '.join(found) or 'none'}")
        if found[name].input_signature is None:
            raise TfcValueError(f"{where}: function {name!r} has no input_signature, so its argument types are "
                                f"unknown; declare them: @tfc.function(input_signature=[tfc.TensorSpec([2, 3], "
                                f"tfc.float32), ...])")
        chosen[name] = found[name]
    return chosen


def _structure(value, leaf_index) -> dict:
    """The JSON structure of a signature or result: {"tensor": i}, {"tuple"|"list": [...]}, {"dict": {...}},
    {"const": value}. `leaf_index(leaf)` returns the flat index of a tensor leaf, or None for a constant."""
    if isinstance(value, dict):
        return {"dict": {str(k): _structure(v, leaf_index) for k, v in sorted(value.items(), key=lambda i: repr(i[0]))}}
    if isinstance(value, (tuple, list)):
        return {"tuple" if isinstance(value, tuple) else "list": [_structure(v, leaf_index) for v in value]}
    index = leaf_index(value)
    if index is not None:
        return {"tensor": index}
    try:
        json.dumps(value)
    except TypeError:
        raise TfcValueError(f"a compiled function can only return tensors, nested tuples/lists/dicts of them and "
                            f"JSON values; got {type(value).__name__}") from None
    return {"const": value}


def _python_entry(name: str, function: Function, concrete) -> dict:
    """The Python-facing part of a manifest entry: parameter and result structures, name, docstring."""
    import inspect

    counter = iter(range(len(concrete.inputs)))
    params = [{"name": p, "structure": _structure(spec, lambda leaf: next(counter))}
              for p, spec in zip(inspect.signature(function.python_function).parameters, function.input_signature)]
    # Results are the tensor leaves in nest.flatten order, which _structure follows (dict keys sorted alike).
    is_tensor = iter(concrete._output_is_tensor)
    order = iter(range(len(concrete.graph.outputs)))
    outputs = _structure(concrete.structured_outputs, lambda leaf: next(order) if next(is_tensor) else None)
    return {"python_name": name, "params": params, "outputs": outputs, "result_names": _result_paths(outputs),
            "doc": inspect.getdoc(function.python_function) or ""}


def _result_paths(structure: dict, path: str = "result") -> list[str]:
    """Readable names of the results by flat index: result, result[0], result['sum'], ..."""
    if "tensor" in structure:
        return [path]
    if "const" in structure:
        return []
    if "dict" in structure:
        return [p for k, sub in structure["dict"].items() for p in _result_paths(sub, f"{path}[{k!r}]")]
    items = structure.get("tuple", structure.get("list"))
    return [p for i, sub in enumerate(items) for p in _result_paths(sub, f"{path}[{i}]")]


def _lower_with_variables(concrete, name: str, target: Target | None = None):
    """Lowers one traced function. The Variables it uses become weights of the package: their values at compile
    time are saved in weights.npz and the loaded module holds one array per Variable, passed at every call; a
    function that assigns a Variable updates that array in place, so the package keeps its state from call to
    call (shared by all its functions, readable as `NAME.variables`). tfc.print prints from the package as it
    does from a tfc.function."""
    variables = concrete._variables
    names = [f"variable:{v._unique_name}" for v in variables]
    low = driver.lower(concrete.graph, name, concrete.arg_names + names, num_variables=len(variables),
                       target=target)
    if variables:
        # The variables are the last graph inputs, just before the hoisted weights: moving their specs from
        # the end of "args" to the front of "weights" keeps the native parameter order.
        count = len(concrete.arg_names)
        low.entry["weights"] = low.entry["args"][count:] + low.entry["weights"]
        low.entry["args"] = low.entry["args"][:count]
        low.weights = {**{n: np.array(v._array) for n, v in zip(names, variables)}, **low.weights}
    return low


def compile_functions(functions: dict[str, Function], target: Target | None = None, progress=None):
    """Traces and lowers each function (calling `progress(name, done, total)` after each), then compiles them all
    into one library. Returns (artifact, Python-facing entry parts by symbol, (signature, seconds) by symbol)."""
    lowered, python_entries, timings = [], {}, {}
    for name, function in functions.items():
        start = time.perf_counter()
        concrete = function.get_concrete_function()
        if concrete._specializations is not None:
            raise UnsupportedError(f"{name}: its input_signature leaves a rank unknown (TensorSpec(shape=None)); an "
                                   "ahead-of-time package needs every argument's rank: give it, with None sizes")
        low = _lower_with_variables(concrete, name, target)
        if low.name in python_entries:
            raise TfcValueError(f"two functions compile to the entry point {low.name!r}; rename one")
        python_entries[low.name] = _python_entry(name, function, concrete)
        timings[low.name] = (concrete.pretty_printed_signature(), time.perf_counter() - start)
        lowered.append(low)
        if progress:
            progress(name, len(lowered), len(functions))
    artifact = driver.compile_module(lowered, "module", target)
    return artifact, python_entries, timings


def compile_file(path: str, names: list[str] | None = None, out_dir: str = ".", cpu: str | None = None,
                 progress=None) -> PackageReport:
    """`tfc compile`: compiles the functions of the Python file `path` into the package OUT_DIR/<file stem>/."""
    module = import_source(path)
    functions = find_functions(module, names, path)
    target = Target("cpu", host().triple, cpu, "") if cpu else None
    start = time.perf_counter()
    artifact, python_entries, timings = compile_functions(functions, target, progress)
    lowering_seconds = sum(seconds for _, seconds in timings.values())
    native_seconds = time.perf_counter() - start - lowering_seconds
    package_name = os.path.splitext(os.path.basename(path))[0]
    folder = write_package(artifact, python_entries, out_dir, package_name, os.path.basename(path))
    library = os.path.join(folder, f"{package_name}.so")
    sizes = symbol_sizes(library)
    rows = [CompiledRow(python_entries[e["name"]]["python_name"], timings[e["name"]][0], timings[e["name"]][1],
                        sizes.get(IMPL_PREFIX + e["name"], 0) + sizes.get(e["symbol"], 0))
            for e in artifact.manifest["entries"]]
    weights = os.path.join(folder, "weights.npz")
    return PackageReport(folder, rows, native_seconds, os.path.getsize(library),
                         os.path.getsize(weights) if os.path.exists(weights) else 0)


def write_package(artifact, python_entries: dict, out_dir: str, name: str, source: str) -> str:
    """Writes the package folder (built beside it, then swapped in) and returns its path."""
    if not name.isidentifier():
        raise TfcValueError(f"{source}: {name!r} is not a valid Python module name; rename the file")
    os.makedirs(out_dir, exist_ok=True)
    final = os.path.join(os.path.abspath(out_dir), name)
    staging = tempfile.mkdtemp(prefix=f".{name}-", dir=out_dir)
    os.chmod(staging, 0o755)  # mkdtemp makes it private; a package is meant to be shared and shipped
    try:
        shutil.copyfile(artifact.library, os.path.join(staging, f"{name}.so"))
        manifest = {k: v for k, v in artifact.manifest.items() if k not in ("cache_key", "library_sha256")}
        manifest["library"] = f"{name}.so"
        manifest["entries"] = [dict(e, **python_entries[e["name"]]) for e in artifact.manifest["entries"]]
        manifest["package"] = {"name": name, "source": source}
        with open(os.path.join(staging, "manifest.json"), "w") as f:
            f.write(abi.dumps(manifest))
        if artifact.weights:
            np.savez(os.path.join(staging, "weights.npz"), **artifact.weights)
        with open(os.path.join(staging, f"{name}.h"), "w") as f:
            f.write(cheader.header(name, manifest))
        listing = "\n".join(_listing(e) for e in manifest["entries"])
        with open(os.path.join(staging, "__init__.py"), "w") as f:
            f.write(INIT_TEMPLATE.format(name=name, source=source, listing=listing))
        _copy_runtime(os.path.join(staging, "_tfc_runtime"))
        if "libomp.so" in manifest.get("needs", []):
            _copy_openmp(staging)
        if os.path.isdir(final):
            shutil.rmtree(final)
        os.rename(staging, final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return final


def _listing(entry: dict) -> str:
    args = ", ".join(f"{a['name']}: {a['dtype']}{a['shape']}" for a in entry["args"])
    results = ", ".join(f"{r['dtype']}{r['shape']}" for r in entry["results"])
    return f"    {entry['python_name']}({args}) -> ({results})"


def _copy_runtime(destination: str) -> None:
    """The runtime's own files (numpy + ctypes + stdlib): the package imports with numpy alone."""
    import tfc.runtime

    source = os.path.dirname(tfc.runtime.__file__)
    os.makedirs(destination)
    for file in sorted(os.listdir(source)):
        if file.endswith(".py"):
            shutil.copyfile(os.path.join(source, file), os.path.join(destination, file))


def _copy_openmp(destination: str) -> None:
    """The OpenMP runtime a threaded library needs, beside it (its run path starts with $ORIGIN), with its
    copyright notice: the package loads where only numpy is installed."""
    library, soname, notice = toolchain.openmp_files()
    shutil.copyfile(library, os.path.join(destination, soname))
    if notice:
        shutil.copyfile(notice, os.path.join(destination, f"{soname}.copyright"))


def symbol_sizes(library: str) -> dict[str, int]:
    """{symbol: size in bytes} from an ELF64 library's symbol tables (empty for other formats)."""
    with open(library, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:  # 64-bit little-endian only
        return {}
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    sizes = {}
    for _, kind, _, _, offset, size, link, _, _, entsize in sections:
        if kind not in (2, 11) or not entsize:  # SHT_SYMTAB, SHT_DYNSYM
            continue
        strtab_offset = sections[link][4]
        for i in range(size // entsize):
            name_offset, _, _, _, _, sym_size = struct.unpack_from("<IBBHQQ", data, offset + i * entsize)
            end = data.index(b"\0", strtab_offset + name_offset)
            sizes[data[strtab_offset + name_offset:end].decode()] = sym_size
    return sizes

