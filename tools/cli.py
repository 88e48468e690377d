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
    from tfc.passes.toolchain import openmp_library
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
    """Lists every op in the registry with its attributes, dtypes, targets and whether it accepts inputs of unknown
    rank (reduce_retracing's trace for any rank)."""
    from tfc.tools.op_table import known_gaps, op_table

    table = op_table()
    if as_json:
        click.echo(json.dumps(table, indent=1))
        return
    for row in table:
        targets = ", ".join(row["targets"]) or "none"
        attrs = ", ".join(f"{k}: {v}" for k, v in row["attrs"].items())
        rank = "any" if row["any_rank"] else "known"
        click.echo(f"tfc.{row['name']:<16} inputs={row['inputs']:<9} targets={targets:<9} rank={rank:<5} "
                   f"dtypes={','.join(row['dtypes'])}" + (f"  attrs: {attrs}" if attrs else ""))
    click.echo("\nknown gaps:")
    for name, reason in known_gaps().items():
        click.echo(f"  {name}: {reason}")


@main.command()
@click.argument("path", type=click.Path(exists=True))
def inspect(path):
    """Prints the entries, signatures, target and versions of a compiled library (a package folder written by
    `tfc compile`, a manifest, or a .so beside its manifest)."""
    from tfc.runtime.loader import load_manifest

    library, manifest = load_manifest(path)
    click.echo(f"library: {library}")
    if "package" in manifest:
        click.echo(f"package {manifest['package']['name']} (from {manifest['package']['source']})")
    target = manifest["target"]
    features = [f for f in target.get("features", "").split(",") if f.startswith("+")]
    click.echo(f"ABI version {manifest['abi_version']}; target {target.get('kind')} {target.get('triple')} "
               f"cpu {target.get('cpu') or 'generic'} ({len(features)} features enabled)")
    click.echo("versions: " + ", ".join(f"{k} {v}" for k, v in manifest["versions"].items()))
    click.echo(f"{len(manifest['entries'])} entr{'y' if len(manifest['entries']) == 1 else 'ies'}:")
    for entry in manifest["entries"]:
        args = ", ".join(f"{a['name']}: {a['dtype']}{a['shape']}" for a in entry["args"])
        results = ", ".join(f"{r['dtype']}{r['shape']}" for r in entry["results"])
        weights = entry.get("weights", [])
        extra = f", {len(weights)} weight(s)" if weights else ""
        updated = [spec["name"] for spec in entry["args"] + weights if spec.get("inout")]
        if updated:
            extra += f", updates {', '.join(updated)} in place"
        if entry.get("prints"):
            extra += f", {len(entry['prints'])} print site(s)"
        if entry.get("broadcasts"):  # run-time sizes checked before each call (runtime/broadcasts.py)
            extra += f", {len(entry['broadcasts'])} run-time broadcast check(s)"
        click.echo(f"  {entry.get('python_name', entry['name'])}({args}) -> ({results})    "
                   f"[symbol {entry['symbol']}{extra}]")


@main.command("compile")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("-f", "--function", "names", multiple=True, help="Compile only this function (repeatable).")
@click.option("--target", type=click.Choice(["cpu"]), default="cpu", show_default=True, help="Target kind.")
@click.option("--cpu", default=None, help="LLVM CPU name to compile for (e.g. x86-64-v3); default: this host.")
@click.option("-o", "--output", "out_dir", default=".", show_default=True, type=click.Path(file_okay=False),
              help="Folder to write the package into.")
def compile_command(file, names, target, cpu, out_dir):
    """Compiles the @tfc.functions of FILE that have an input_signature into one package, importable with
    numpy alone: `tfc compile model.py -o out` then `import model` with out/ on sys.path."""
    from tfc.errors import TfcError
    from tfc.passes.aot import compile_file

    bars = []

    def progress(name, done, total):  # one step per function traced and lowered; then the native compile
        if not bars:
            bars.append(click.progressbar(length=total + 1, label="compiling", file=sys.stderr,
                                          item_show_func=lambda item: item))
            bars[0].__enter__()
        bars[0].update(1, name if done < total else "native code (all functions)")

    try:
        report = compile_file(file, list(names) or None, out_dir, cpu, progress)
    except TfcError as error:
        raise click.ClickException(str(error)) from None
    finally:
        if bars:
            bars[0].update(1, "done")
            bars[0].__exit__(None, None, None)
    rows = [(r.name, r.signature, f"{r.seconds * 1e3:.1f} ms", _size(r.code_bytes)) for r in report.rows]
    header = ("function", "signature", "trace+lower", "code")
    widths = [max(len(row[i]) for row in rows + [header]) for i in range(4)]
    for row in [header] + rows:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    click.echo(f"native compile (all functions together): {report.native_seconds * 1e3:.0f} ms; "
               f"library {_size(report.library_bytes)}" +
               (f"; weights {_size(report.weights_bytes)}" if report.weights_bytes else ""))
    click.echo(f"wrote {report.package}")


def _size(n: int) -> str:
    return f"{n} B" if n < 10240 else f"{n / 1024:.0f} KiB"


@main.group()
def cache():
    """The on-disk compile cache (TFC_CACHE_DIR, default ~/.cache/tfc)."""


@cache.command("info")
def cache_info():
    """Prints the cache's location, number of entries and size."""
    from tfc.runtime import cache as compile_cache

    info = compile_cache.info()
    click.echo(f"location: {info['location']}\nentries:  {info['entries']}\nsize:     {_size(info['bytes'])}")


@cache.command("clear")
def cache_clear():
    """Removes every cache entry."""
    from tfc.runtime import cache as compile_cache

    click.echo(f"removed {compile_cache.clear()} entries from {compile_cache.cache_dir()}")


if __name__ == "__main__":
    main()
