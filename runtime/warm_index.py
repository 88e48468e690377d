"""The warm-start index: traced graph -> compile-cache entry, so a new process's first call skips the compiler.

The compile cache (cache.py) is addressed by the *lowered* IR, which takes importing the compiler (tfc.passes,
tfc.dialect: ~20 ms) to compute. This index is addressed by what the frontend already has after tracing: the
printed tfc graph (constants as hashes of their bytes, source locations), the function and argument names, the
settings that change code generation (every TFC_* knob but the few that only say where files go or what to print,
CC), the host CPU, and the sources of tfc itself (names, sizes, modification times). A record maps that key to the cache entry written by a full compile.

A record is `<root>/v1/index/<key[:2]>/<key>.json`, written to a temporary file and published with os.replace
(atomic). It also names the tool files the compile used; their fingerprint (path, size, mtime: nothing is run or
loaded) must still match on lookup. A record that cannot be read or does not match is ignored and overwritten by
the next full compile. Stdlib only: a hit must not import the compiler nor llvmlite.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import sys

from . import cache
from .cpu import host_fingerprint

__all__ = ["index_key", "lookup", "record", "toolchain_fingerprint", "sources_hash"]

FORMAT = 1
# Knobs that never change the generated code (where the cache lives, timing output, where reproducers go).
_NEUTRAL_KNOBS = {"TFC_CACHE_DIR", "TFC_TIMING", "TFC_REPRO_DIR"}


def _settings() -> str:
    knobs = sorted((k, v) for k, v in os.environ.items() if k.startswith("TFC_") and k not in _NEUTRAL_KNOBS)
    return json.dumps([knobs, os.environ.get("CC", "")])


def index_key(graph_text: str, name: str, arg_names: list[str], folders: tuple[str, ...]) -> str:
    """`folders`: the tfc source folders (frontend, dialect, passes, runtime) whose code decides the result."""
    parts = [f"warm-index-v{FORMAT}", graph_text, name, json.dumps(arg_names), _settings(),
             "host:" + host_fingerprint(), sources_hash(folders)]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


@functools.lru_cache(maxsize=None)
def sources_hash(folders: tuple[str, ...]) -> str:
    """A hash of every .py file under `folders`: relative name, size and modification time (what Python's own
    bytecode cache trusts). Reading and hashing the ~600 KB of sources cost ~6 ms of each new process's first
    call; their stat() costs well under 1 ms."""
    digest = hashlib.sha256()
    for folder in folders:
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            for file in sorted(filenames):
                if file.endswith(".py"):
                    path = os.path.join(dirpath, file)
                    stat = os.stat(path)
                    digest.update(f"{path[len(folder):]}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    return digest.hexdigest()


@functools.lru_cache(maxsize=None)
def toolchain_fingerprint(tools: tuple[str, ...]) -> str:
    """Identifies the installed tools without running or importing them (a warm start must stay cheap): path,
    size and mtime of each binary (a name is looked up on PATH, then in LLVM 22's folder) and of llvmlite's
    LLVM library, found on sys.path by hand (even importlib's find_spec would consult import hooks)."""
    files = [_which(tool) or _which(tool, "/usr/lib/llvm-22/bin") or tool for tool in tools]
    binding = next((os.path.join(p, "llvmlite", "binding") for p in sys.path
                    if os.path.isdir(os.path.join(p or ".", "llvmlite", "binding"))), None)
    if binding:
        files += sorted(os.path.join(binding, f) for f in os.listdir(binding) if f.startswith("libllvmlite"))
    parts = []
    for path in files:
        try:
            stat = os.stat(os.path.realpath(path))
            parts.append(f"{os.path.realpath(path)}:{stat.st_size}:{stat.st_mtime_ns}")
        except OSError:
            parts.append(f"{path}:missing")
    return "|".join(parts)


def _which(name: str, path: str | None = None) -> str | None:
    """shutil.which for a lookup: importing shutil (with fnmatch, bz2, lzma) costs ~3 ms of a cached first call."""
    if os.sep in name:
        return name if os.path.isfile(name) and os.access(name, os.X_OK) else None
    for folder in (path or os.environ.get("PATH", os.defpath)).split(os.pathsep):
        candidate = os.path.join(folder, name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def _record_path(key: str) -> str:
    return os.path.join(cache.cache_dir(), cache.LAYOUT, "index", key[:2], f"{key}.json")


def lookup(key: str) -> tuple[str, dict, dict] | None:
    """(library path, manifest, record) of the cache entry indexed under `key`, or None (no record, a damaged or
    stale one, or a damaged cache entry)."""
    try:
        with open(_record_path(key)) as f:
            rec = json.load(f)
        if rec.get("format") != FORMAT or rec.get("key") != key:
            return None
        if rec["toolchain"] != toolchain_fingerprint(tuple(rec["tools"])):
            return None
        found = cache.lookup(rec["entry"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if found is None:
        return None
    return found[0], found[1], rec


def record(key: str, entry: str, tools: tuple[str, ...], extra: dict) -> None:
    """Publishes the record `key` -> cache entry `entry` (atomically; errors are ignored: the index is an
    optimization). `extra`: what the frontend needs back on a hit (e.g. where the weights come from)."""
    path = _record_path(key)
    rec = dict(extra, format=FORMAT, key=key, entry=entry, tools=list(tools),
               toolchain=toolchain_fingerprint(tuple(tools)))
    import tempfile

    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{key[:16]}-", suffix=".tmp", dir=os.path.dirname(path))
        try:
            with os.fdopen(fd, "w") as f:
                json.dump(rec, f, sort_keys=True)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        pass
