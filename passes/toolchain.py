"""The tools around a compile, seen from the driver: their fingerprints (cache and warm-index keys), the versions a
manifest records, LLVM's OpenMP runtime, and the linker that makes the shared library.

A first compile pays for everything here that runs a process or imports a large module, so each answer is found
without doing so where it can: fingerprints are file metadata (path, size, mtime), mlir-opt's version comes from
the cache folder or the package database before the tool is asked, and tfc's version is its `__version__`.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
import threading

from tfc.errors import CompilerError
from tfc.runtime import cache, warm_index

from .mlir_tools import MLIR_OPT, MLIR_TRANSLATE, find_tool, tool_version

OPENMP_DIR = "/usr/lib/llvm-22/lib"  # libomp-22-dev: libomp.so (its __kmpc_* ABI matches mlir-translate-22's)
# The Debian package that installs MLIR_OPT under /usr/lib/llvm-22 (the README's setup installs it).
MLIR_PACKAGE = ("mlir-22-tools", "/usr/lib/llvm-22/")
DPKG_STATUS = "/var/lib/dpkg/status"


def toolchain_fingerprint() -> str:
    """Identifies the installed tools without running or importing them (runtime/warm_index.py)."""
    return warm_index.toolchain_fingerprint((MLIR_OPT, MLIR_TRANSLATE, os.environ.get("CC", "cc"), _linker_name()))


def warm_index_tools() -> tuple[str, ...]:
    """The files a warm-index record re-checks on lookup: the tools of the cache key, and libomp, whose presence
    decides whether kernels are threaded."""
    return (MLIR_OPT, MLIR_TRANSLATE, os.environ.get("CC", "cc"), _linker_name(),
            os.path.join(OPENMP_DIR, "libomp.so"))


@functools.lru_cache(maxsize=None)
def compiler_sources_hash() -> str:
    """tfc's compiler sources (passes/, dialect/) by name, size and modification time, what Python's bytecode
    cache trusts (as the warm index does): editing the compiler invalidates the cache. Reading and hashing the
    files' ~400 KB took 1.5-5 ms of each new process's first compile."""
    import tfc.dialect

    return warm_index.sources_hash((os.path.dirname(__file__), os.path.dirname(tfc.dialect.__file__)))


@functools.lru_cache(maxsize=None)
def openmp_library() -> str | None:
    """LLVM's OpenMP runtime (libomp-22-dev), or None when it is not installed."""
    path = os.path.join(OPENMP_DIR, "libomp.so")
    return path if os.path.exists(path) else None


def openmp_files() -> tuple[str, str, str | None]:
    """(the runtime's file, the name libraries ask for (its soname, libomp.so.5), its Debian copyright file or
    None): what an ahead-of-time package ships so that it loads where only numpy is installed."""
    link_name = openmp_library()
    if link_name is None:
        raise CompilerError(f"no OpenMP runtime at {OPENMP_DIR}/libomp.so to ship (Debian: libomp-22-dev)")
    soname = os.path.basename(os.readlink(link_name)) if os.path.islink(link_name) else "libomp.so.5"
    real = os.path.realpath(link_name)
    version = re.search(r"/llvm-(\d+)/", real)  # /usr/lib/llvm-19/lib/libomp.so.5 is Debian's libomp5-19
    notice = f"/usr/share/doc/libomp5-{version.group(1)}/copyright" if version else None
    return real, soname, notice if notice and os.path.exists(notice) else None


# ------------------------------------------------------------------------------------------------------ link
@functools.lru_cache(maxsize=None)
def _linker_name() -> str:
    """gold where installed (binutils ships it beside ld): it links a kernel library in ~4 ms where ld.bfd takes
    ~9 (medians of 15, W1's object); otherwise ld."""
    return "ld.gold" if shutil.which("ld.gold") else "ld"


def link(obj: bytes, library: str, needs: list[str] = ()) -> str:
    """Links an object file into a shared library. needs=["libomp.so"] links LLVM's OpenMP runtime (the IR that
    convert-scf-to-openmp produces calls __kmpc_*; GCC's libgomp lacks them).

    The linker runs directly: `cc -shared` takes ~40 ms (driver + collect2 + crt files, a fifth of the
    first-call budget). libm is named by file (`-l:libm.so.6`: the `-lm` linker script costs ~5 ms more), so
    a C program or a bare dlopen finds expf & co. Without a linker, or with CC set, the C compiler links."""
    obj_path = library[:-3] + ".o"
    with open(obj_path, "wb") as f:
        f.write(obj)
    tmp = f"{library}.{os.getpid()}.tmp"
    ld = shutil.which(_linker_name())
    if ld is not None and "CC" not in os.environ:
        command = [ld, "-shared", "-o", tmp, obj_path, "-l:libm.so.6"]
        if "libomp.so" in needs:  # $ORIGIN first: an ahead-of-time package ships libomp beside its library
            command += [f"-L{OPENMP_DIR}", "-lomp", "-rpath", "$ORIGIN", "-rpath", OPENMP_DIR]
    else:
        cc = shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc") or shutil.which("clang")
        if cc is None:
            raise CompilerError("no linker (ld) or C compiler (cc) found to link the shared library; install gcc")
        command = [cc, "-shared", "-o", tmp, obj_path, "-lm"]
        if "libomp.so" in needs:
            command += [f"-L{OPENMP_DIR}", "-lomp", "-Wl,-rpath,$ORIGIN", f"-Wl,-rpath,{OPENMP_DIR}"]
    proc = subprocess.run(command, capture_output=True, text=True)
    if proc.returncode:
        raise CompilerError(f"linking failed: {proc.stderr.strip()}", reproducer=obj_path,
                            command=" ".join(command).replace(tmp, library))
    os.replace(tmp, library)  # atomic: a concurrent loader never sees a half-written library
    return library


# -------------------------------------------------------------------------------------------------- versions
@functools.lru_cache(maxsize=None)
def toolchain_versions() -> dict:
    """Versions recorded in every manifest."""
    import llvmlite
    import llvmlite.binding as llvm

    from tfc import __version__

    return {"mlir-opt": mlir_opt_version(), "llvmlite": llvmlite.__version__,
            "llvm": ".".join(map(str, llvm.llvm_version_info)), "tfc": __version__}


def mlir_opt_version() -> str | None:
    """`mlir-opt-22 --version` is a process start (~30 ms of CPU, on a 2-core machine competing with the first
    compile: an empty cache's first W1 call took ~80 ms longer with it): the answer is kept in the compile
    cache's folder under the tools' fingerprint (path, size, mtime), and where the cache has none yet and the
    tool is Debian's, the package database names its version (~1 ms). Only then is the tool asked."""
    if not cache.enabled():
        return _packaged_version() or tool_version(MLIR_OPT)
    fingerprint = hashlib.sha256(warm_index.toolchain_fingerprint((MLIR_OPT,)).encode()).hexdigest()[:32]
    path = os.path.join(cache.cache_dir(), cache.LAYOUT, "tools", f"mlir-opt-{fingerprint}.json")
    try:
        with open(path) as f:
            return json.load(f)["version"]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    version = _packaged_version() or tool_version(MLIR_OPT)
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
        with open(tmp, "w") as f:
            json.dump({"version": version}, f)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only cache folder: ask again next time
    return version


def _packaged_version() -> str | None:
    """'mlir-22-tools 1:22.1.8-1~deb12u1 (Debian package)' when MLIR_OPT is the file Debian's package installs
    and dpkg's status lists that package as installed; None otherwise (another build on PATH, no dpkg)."""
    package, prefix = MLIR_PACKAGE
    try:
        if not os.path.realpath(find_tool(MLIR_OPT)).startswith(prefix):
            return None
        with open(DPKG_STATUS, "rb") as f:
            status = f.read()
    except (OSError, CompilerError):
        return None
    status = b"\n" + status
    start = status.find(f"\nPackage: {package}\n".encode())
    end = status.find(b"\n\n", start + 1)
    if start < 0:
        return None
    fields = dict(line.split(": ", 1) for line in status[start + 1:end if end > 0 else None].decode(
        errors="replace").splitlines() if ": " in line and not line.startswith(" "))
    if "installed" not in fields.get("Status", "").split() or "Version" not in fields:
        return None
    return f"{package} {fields['Version']} (Debian package)"
