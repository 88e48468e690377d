"""The on-disk compile cache: content-addressed native libraries, shared by every process of the user.

An entry is a folder `<root>/v1/<key[:2]>/<key>/` holding `module.so` and its manifest `module.json`; the manifest records
the library's sha256, so a truncated or corrupted entry is detected on lookup, removed and rebuilt. Entries are
built in a private temporary folder and published with one `os.rename` (atomic on POSIX): several processes
compiling the same function at once all succeed, the first rename wins and the others discard their copy.

The key is computed by the compiler (`tfc.passes.driver.compile_key`); this module only stores bytes. It lives in
the runtime because loading an entry needs nothing but the standard library.

- TFC_CACHE_DIR=DIR  where the cache lives (default: $XDG_CACHE_HOME/tfc, else ~/.cache/tfc)
- TFC_CACHE=0        compile without reading or writing the cache
"""
from __future__ import annotations

import hashlib
import json
import os

# shutil and tempfile (with what they import: ~4 ms) only where entries are written or removed: a cache hit,
# the first call of a new process, needs neither.

__all__ = ["cache_dir", "enabled", "lookup", "store", "info", "clear"]

LAYOUT = "v1"
LIBRARY = "module.so"
MANIFEST = "module.json"  # beside module.so, where `tfc.runtime.load("...../module.so")` looks


def cache_dir() -> str:
    explicit = os.environ.get("TFC_CACHE_DIR")
    if explicit:
        return os.path.abspath(os.path.expanduser(explicit))
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "tfc")


def enabled() -> bool:
    return os.environ.get("TFC_CACHE", "1") not in ("0", "")


def _entry_dir(key: str) -> str:
    return os.path.join(cache_dir(), LAYOUT, key[:2], key)


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def lookup(key: str) -> tuple[str, dict] | None:
    """(library path, manifest) of a valid entry, or None. A damaged entry is removed (and so gets rebuilt)."""
    folder = _entry_dir(key)
    if not os.path.isdir(folder):
        return None
    library = os.path.join(folder, LIBRARY)
    try:
        with open(os.path.join(folder, MANIFEST)) as f:
            manifest = json.load(f)
        if manifest.get("cache_key") == key and file_sha256(library) == manifest.get("library_sha256"):
            return library, manifest
    except (OSError, ValueError):
        pass
    _discard(folder)
    return None


def store(key: str, library: str, manifest: dict) -> tuple[str, dict]:
    """Publishes a copy of `library` with `manifest` under `key`; returns the cached (library path, manifest).
    When another process published the same key first, its (identical) entry is kept and returned."""
    import shutil
    import tempfile

    final = _entry_dir(key)
    parent = os.path.dirname(final)
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=f".{key[:16]}-", dir=parent)
    try:
        shutil.copyfile(library, os.path.join(staging, LIBRARY))
        manifest = dict(manifest, library=LIBRARY, cache_key=key,
                        library_sha256=file_sha256(os.path.join(staging, LIBRARY)))
        with open(os.path.join(staging, MANIFEST), "w") as f:
            json.dump(manifest, f, indent=1, sort_keys=True)
        try:
            os.rename(staging, final)  # atomic publish; fails if the folder exists (someone else won)
        except OSError:
            if lookup(key) is None:  # the existing entry was damaged and has just been removed: publish ours
                try:
                    os.rename(staging, final)
                except OSError:
                    pass  # a third process published first
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    found = lookup(key)
    if found is None:  # the cache folder vanished under us (`tfc cache clear`): use the private build
        return library, manifest
    return found


def _discard(folder: str) -> None:
    """Renames the folder away first (atomic), so no reader ever sees it half-deleted."""
    import shutil

    trash = f"{folder}.trash-{os.getpid()}-{os.urandom(4).hex()}"
    try:
        os.rename(folder, trash)
    except OSError:
        return
    shutil.rmtree(trash, ignore_errors=True)


def info() -> dict:
    """{"location", "entries", "bytes"} of the cache."""
    root = os.path.join(cache_dir(), LAYOUT)
    entries = size = 0
    for dirpath, _, filenames in os.walk(root):
        if os.path.basename(dirpath) and os.path.isfile(os.path.join(dirpath, MANIFEST)):
            entries += 1
        size += sum(os.path.getsize(os.path.join(dirpath, f)) for f in filenames
                    if os.path.exists(os.path.join(dirpath, f)))
    return {"location": cache_dir(), "entries": entries, "bytes": size}


def clear() -> int:
    """Removes every entry; returns how many there were."""
    count = info()["entries"]
    root = os.path.join(cache_dir(), LAYOUT)
    if os.path.isdir(root):
        _discard(root)
    return count
