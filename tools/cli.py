"""`tfc`: the command-line interface. Each command is a thin wrapper over one library call."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tfc")
def main():
    """tfc: compile TensorFlow-style Python tensor programs to native code."""


def _check_tools() -> tuple[list[tuple[str, str, str]], list[str]]:
    """[(name, version or '-', status)], [problems]. Required: MLIR 22 tools, llvmlite on LLVM 22, FileCheck, cc."""
    from tfc.passes.mlir_tools import tool_version

    rows, problems = [], []

    def tool(name: str, required: bool, hint: str):
        version = tool_version(name)
        if version is None:
            rows.append((name, "-", "missing" if required else "absent (optional)"))
            if required:
                problems.append(f"{name} not found: {hint}")
        else:
            rows.append((name, version, "ok"))
        return version

    mlir = tool("mlir-opt-22", True, "apt-get install mlir-22-tools")
    tool("mlir-translate-22", True, "apt-get install mlir-22-tools")
    tool("FileCheck", True, "apt-get install llvm-22-tools (it lives in /usr/lib/llvm-22/bin)")
    try:
        import llvmlite
        import llvmlite.binding as llvm
        llvm_version = ".".join(map(str, llvm.llvm_version_info))
        rows.append(("llvmlite", f"{llvmlite.__version__} (LLVM {llvm_version})", "ok"))
        mlir_major = _major(mlir)
        if mlir_major is not None and llvm.llvm_version_info[0] != mlir_major:
            problems.append(f"llvmlite's LLVM is {llvm_version} but the MLIR tools are LLVM {mlir_major}: their IR "
                            f"formats differ; install the llvmlite release built on LLVM {mlir_major}")
    except ImportError:
        rows.append(("llvmlite", "-", "missing"))
        problems.append("llvmlite is not installed: pip install llvmlite==0.50.0")
    from tfc.passes.driver import openmp_library
    libomp = openmp_library()
    # Optional: without it compiled kernels run on one thread (the driver compiles them serial).
    rows.append(("libomp", libomp or "apt-get install libomp-22-dev for multithreaded kernels (now: one thread)",
                 "ok" if libomp else "absent (optional)"))
    cc = shutil.which("cc")
    cc_version = subprocess.run([cc, "--version"], capture_output=True, text=True).stdout.splitlines()[0] if cc else "-"
    rows.append(("cc", cc_version, "ok" if cc else "missing"))
    if not cc:
        problems.append("no C compiler (cc) to link shared libraries: apt-get install gcc")
    tool("ptxas", False, "")
    return rows, problems


def _major(version_line: str | None) -> int | None:
    import re
    match = re.search(r"version (\d+)\.", version_line or "")
    return int(match.group(1)) if match else None


@main.command()
def doctor():
    """Checks the toolchain tfc needs and prints each tool's version."""
    rows, problems = _check_tools()
    width = max(len(r[0]) for r in rows)
    for name, version, status in rows:
        click.echo(f"{name:<{width}}  {status:<18} {version}")
    if problems:
        click.echo("\nproblems:", err=True)
        for problem in problems:
            click.echo(f"  - {problem}", err=True)
        sys.exit(1)
    click.echo("\nall required tools found")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def ops(as_json):
    """Lists every op in the registry with its attributes, dtypes and targets."""
    from tfc.tools.op_table import op_table

    table = op_table()
    if as_json:
        click.echo(json.dumps(table, indent=1))
        return
    for row in table:
        targets = ", ".join(row["targets"]) or "none"
        attrs = ", ".join(f"{k}: {v}" for k, v in row["attrs"].items())
        click.echo(f"tfc.{row['name']:<16} inputs={row['inputs']:<9} targets={targets:<5} "
                   f"dtypes={','.join(row['dtypes'])}" + (f"  attrs: {attrs}" if attrs else ""))


@main.command()
@click.argument("path", type=click.Path(exists=True))
def inspect(path):
    """Prints the entries, signatures, target and versions of a compiled library (manifest or .so)."""
    from tfc.runtime.loader import load_manifest

    library, manifest = load_manifest(path)
    click.echo(f"library: {library}")
    click.echo(f"ABI version {manifest['abi_version']}; target {manifest['target']}")
    click.echo("versions: " + ", ".join(f"{k} {v}" for k, v in manifest["versions"].items()))
    for entry in manifest["entries"]:
        args = ", ".join(f"{a['name']}: {a['dtype']}{a['shape']}" for a in entry["args"])
        results = ", ".join(f"{r['dtype']}{r['shape']}" for r in entry["results"])
        click.echo(f"  {entry['name']}({args}) -> ({results})    [symbol {entry['symbol']}]")


if __name__ == "__main__":
    main()
