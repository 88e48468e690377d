"""The on-disk compile cache: cross-process hits that skip MLIR and LLVM, concurrent writers, damaged entries."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from click.testing import CliRunner

import tfc
from tfc.passes import driver
from tfc.runtime import cache
from tfc.tools.cli import main

PROGRAM = textwrap.dedent("""
    import sys, numpy as np, tfc

    @tfc.function(input_signature=[tfc.TensorSpec([4], tfc.float32)])
    def poly(x):
        return x * x + tfc.exp(x) * SALT

    print(poly(np.arange(4, dtype=np.float32)).numpy().tolist())
""")


def _program(salt: float, forbid_tools: bool = False) -> str:
    """The same source lines either way (locations are part of the IR, so of the key)."""
    guard = textwrap.dedent(f"""
        import subprocess
        class Blocker:  # a cache hit must not load llvmlite nor run mlir-opt, mlir-translate or cc
            def find_spec(self, name, path=None, target=None):
                if name == "llvmlite" or name.startswith("llvmlite."):
                    raise ImportError("blocked: " + name)
        def no_tools(*args, **kwargs):
            raise AssertionError(f"ran {{args[0]}}")
        if {forbid_tools}:
            sys.meta_path.insert(0, Blocker())
            subprocess.Popen = no_tools
    """)
    return PROGRAM.replace("import sys, numpy as np, tfc\n", "import sys, numpy as np, tfc\n" + guard).replace(
        "SALT", repr(salt))


def _run(code: str, cache_dir) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code], env=dict(os.environ, TFC_CACHE_DIR=str(cache_dir)),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _expected(salt):
    x = np.arange(4, dtype=np.float32)
    return (x * x + np.exp(x) * np.float32(salt)).tolist()


def test_second_process_loads_from_the_cache_without_mlir_or_llvm(tmp_path):
    first = _run(_program(0.25), tmp_path).communicate()
    assert first[1] == "", first[1]
    out, err = _run(_program(0.25, forbid_tools=True), tmp_path).communicate()
    assert err == "", err
    np.testing.assert_allclose(eval(out), _expected(0.25), rtol=1e-6)


def test_four_processes_compiling_at_once_all_succeed_and_leave_one_entry(tmp_path, monkeypatch):
    procs = [_run(_program(0.5), tmp_path) for _ in range(4)]
    results = [p.communicate() for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in results]
    for out, _ in results:
        np.testing.assert_allclose(eval(out), _expected(0.5), rtol=1e-6)
    monkeypatch.setenv("TFC_CACHE_DIR", str(tmp_path))
    assert cache.info()["entries"] == 1
    leftovers = [name for _, dirs, files in os.walk(tmp_path) for name in dirs + files
                 if name.startswith(".") or "trash" in name]
    assert leftovers == []


def _damage(path, size):
    """A truncated copy replaces the file (truncating it in place would SIGBUS this process, which has the
    library mapped: the cache itself never writes into a published file)."""
    with open(path, "rb") as f:
        data = f.read(size)
    with open(path + ".tmp", "wb") as f:
        f.write(data)
    os.replace(path + ".tmp", path)


@pytest.mark.parametrize("damage", ["truncate library", "garble manifest"])
def test_a_damaged_entry_is_detected_and_rebuilt(tmp_path, monkeypatch, damage):
    monkeypatch.setenv("TFC_CACHE_DIR", str(tmp_path))
    scale = 1.5 if damage.startswith("truncate") else 2.5

    def build():
        @tfc.function(input_signature=[tfc.TensorSpec([3], tfc.float32)])
        def f(x):
            return x * scale
        driver._MEMO.clear()  # as in a new process: only the disk cache remains
        return f

    build()(np.ones(3, np.float32))
    (entry,) = [root for root, _, files in os.walk(tmp_path) if cache.LIBRARY in files]
    victim = os.path.join(entry, cache.LIBRARY if damage.startswith("truncate") else cache.MANIFEST)
    _damage(victim, os.path.getsize(victim) // 2)
    key = os.path.basename(entry)
    assert cache.lookup(key) is None and not os.path.exists(entry)  # detected, removed
    build()(np.ones(3, np.float32))  # (the entry was already removed: this rebuilds it)
    _damage(victim, 10)
    result = build()(np.ones(3, np.float32))  # lookup inside compile detects the damage and rebuilds
    np.testing.assert_allclose(result.numpy(), [scale] * 3)
    assert cache.lookup(key) is not None


def test_the_key_covers_ir_target_and_compiler_sources(monkeypatch):
    base = driver.compile_key("func", [], None)
    assert driver.compile_key("func2", [], None) != base
    assert driver.compile_key("func", [], driver.Target("cpu", "x86_64-unknown-linux-gnu", "x86-64", "")) != base
    monkeypatch.setattr(driver, "compiler_sources_hash", lambda: "edited")
    assert driver.compile_key("func", [], None) != base


def test_cli_cache_info_and_clear(tmp_path, monkeypatch):
    monkeypatch.setenv("TFC_CACHE_DIR", str(tmp_path / "c"))

    @tfc.function(input_signature=[tfc.TensorSpec([2], tfc.int32)])
    def g(x):
        return x - 7
    driver._MEMO.clear()
    g(np.ones(2, np.int32))
    runner = CliRunner()
    out = runner.invoke(main, ["cache", "info"]).output
    assert f"location: {tmp_path / 'c'}" in out and "entries:  1" in out
    assert "removed 1 entries" in runner.invoke(main, ["cache", "clear"]).output
    assert "entries:  0" in runner.invoke(main, ["cache", "info"]).output


def test_default_location_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv("TFC_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.cache_dir() == str(tmp_path / "tfc")


def test_mlir_opt_version_is_asked_once_per_toolchain(tmp_path, monkeypatch):
    """`mlir-opt-22 --version` (a process start) runs once; later processes read the answer from the cache folder,
    and a cache that is switched off asks every time. (Here the package database does not know the tool.)"""
    from tfc.passes import mlir_tools, toolchain

    asked = []
    monkeypatch.setattr(toolchain, "tool_version", lambda tool: asked.append(tool) or "MLIR version 22.test")
    monkeypatch.setattr(toolchain, "DPKG_STATUS", str(tmp_path / "no-dpkg-status"))
    monkeypatch.setenv("TFC_CACHE_DIR", str(tmp_path))
    assert toolchain.mlir_opt_version() == toolchain.mlir_opt_version() == "MLIR version 22.test"
    assert asked == [mlir_tools.MLIR_OPT]
    monkeypatch.setenv("TFC_CACHE", "0")
    toolchain.mlir_opt_version()
    assert len(asked) == 2


def test_mlir_opt_version_from_the_package_database(tmp_path, monkeypatch):
    """Debian's tool: dpkg's status names the installed package's version, and no process runs."""
    from tfc.passes import toolchain

    status = tmp_path / "status"
    status.write_text("Package: mlir-22-tools\nStatus: deinstall ok config-files\nVersion: 1:21\n\n"
                      "Package: libfoo\nStatus: install ok installed\nVersion: 2\n")
    monkeypatch.setattr(toolchain, "DPKG_STATUS", str(status))
    monkeypatch.setattr(toolchain, "find_tool", lambda tool: "/usr/lib/llvm-22/bin/mlir-opt")
    monkeypatch.setattr(toolchain.os.path, "realpath", lambda path: path)
    assert toolchain._packaged_version() is None  # not installed
    status.write_text("Package: libfoo\nStatus: install ok installed\nVersion: 2\n\nPackage: mlir-22-tools\n"
                      "Status: install ok installed\nDepends: libmlir-22 (= 1:22.1.8-1)\nVersion: 1:22.1.8-1\n")
    assert toolchain._packaged_version() == "mlir-22-tools 1:22.1.8-1 (Debian package)"
    monkeypatch.setattr(toolchain, "find_tool", lambda tool: "/opt/my-llvm/bin/mlir-opt")
    assert toolchain._packaged_version() is None  # someone else's build: the tool is asked
