"""Compiles a tfc Graph to a native shared library plus manifest (an Artifact), stage by printable stage.

    tfc graph -> graph passes -> linalg MLIR -> mlir-opt (fusion, bufferization, llvm) -> mlir-translate
    -> llvmlite O3 -> object -> ld -shared -> .so

`TFC_DUMP_DIR=DIR` writes every stage as numbered files under DIR/<function>-<hash>/; `TFC_TIMING=1` prints the
time of each stage.
"""
from __future__ import annotations

import atexit
import concurrent.futures
import dataclasses
import functools
import hashlib
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from typing import Callable

from tfc import config
from tfc.errors import CompilerError
from tfc.graph import Graph, print_graph
from tfc.runtime import abi, cache
from tfc.runtime.loader import Module

from . import codegen, graph_passes, libm, pipeline, schedules, shape_dims
from .mlir_tools import mlir_opt, mlir_opt_to_llvmir, mlir_to_llvmir
from .target import Target, host, host_vector_bits, vector_bits
from .toolchain import compiler_sources_hash, link, openmp_library, toolchain_fingerprint, toolchain_versions

STAGES = ("tfc", "optimized", "linalg", "fused", "bufferized", "llvm-dialect", "llvm-unoptimized", "llvm")


@dataclasses.dataclass
class Artifact:
    """A compiled graph: the library on disk, its manifest, and the text of each stage that was kept."""
    library: str
    manifest: dict
    stages: dict[str, str]
    weights: dict = dataclasses.field(default_factory=dict)  # arrays of the entries' weight parameters, by name

    def load(self) -> Module:
        return Module(self.library, self.manifest, self.weights)


class LazyStages(dict):
    """Stage texts by name, where some are made on first read (`lazy`: name -> function returning the text)."""

    def __init__(self, lazy: dict):
        super().__init__()
        self._lazy = dict(lazy)

    def __missing__(self, stage: str) -> str:
        make = self._lazy.get(stage)  # get, not pop: two threads reading the same stage both find it
        if make is None:
            raise KeyError(stage)
        text = self[stage] = make()
        self._lazy.pop(stage, None)
        return text

    def __contains__(self, stage) -> bool:
        return dict.__contains__(self, stage) or stage in self._lazy

    def get(self, stage, default=None):
        return self[stage] if stage in self else default

    def only(self, names) -> "LazyStages":
        """These stages (made or still lazy) and no others."""
        kept = LazyStages({n: f for n, f in self._lazy.items() if n in names})
        kept.update({n: t for n, t in self.items() if n in names})
        return kept


def _joined_stage(functions: list, stage: str) -> str:
    return "\n".join(f.stages[stage] for f in functions)


def _build_dir() -> str:
    global _BUILD_DIR
    if _BUILD_DIR is None:
        _BUILD_DIR = tempfile.mkdtemp(prefix="tfc-build-")
        atexit.register(shutil.rmtree, _BUILD_DIR, True)
    return _BUILD_DIR


_BUILD_DIR: str | None = None
_MEMO: dict[str, Artifact] = {}
_LOCK = threading.Lock()
_VERSIONS_POOL = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="tfc-versions")
_TOOLS_POOL = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="tfc-mlir-tools")


class _Timer:
    def __init__(self, name: str):
        self.name, self.times = name, []

    def stage(self, label: str, start: float) -> float:
        now = time.perf_counter()
        self.times.append((label, now - start))
        return now

    def report(self) -> None:
        if config.timing():
            parts = ", ".join(f"{label} {seconds * 1e3:.1f} ms" for label, seconds in self.times)
            total = sum(s for _, s in self.times) * 1e3
            print(f"[tfc timing] {self.name}: {parts}; total {total:.1f} ms", file=sys.stderr)


def spec_json(name: str, type) -> dict:
    return {"name": name, "shape": list(type.shape), "dtype": type.dtype.name}


@dataclasses.dataclass
class Lowered:
    """One graph ready for native compilation: its func.func (linalg) text, its manifest entry, the weights it
    takes after its arguments, and the printable stages so far."""
    name: str
    func: str
    entry: dict
    weights: dict
    stages: dict[str, str]
    graph: Graph | None = None  # the lowered graph: passes/schedules.py picks the codegen strategy from it
    # For a graph that assigns Variables: its func.func with every final value copied through a temporary, the
    # fallback when one-shot bufferization cannot update the buffers in place (dialect/lower_variables.py).
    safe_func: Callable[[], str] | None = None


def lower(graph: Graph, name: str, arg_names: list[str] | None = None, num_variables: int = 0,
          target: Target | None = None) -> Lowered:
    """Graph passes, weight hoisting and lowering to linalg: everything before MLIR tools run (cheap, and the
    input of the cache key). The last `num_variables` inputs are Variables' buffers: marked `variable` in the
    manifest, and `inout` when the graph assigns them. `target` (default: the host) sets the vector width of
    tfc's CPU kernels."""
    from tfc.dialect import lower_graph
    from tfc.dialect.lower_print import site_specs
    from tfc.dialect.lower_variables import state_inputs
    from tfc.dialect.lowering import native_name, symbol_name

    from .broadcast_sites import broadcast_sites
    from .weights import hoist_weights

    symbol = symbol_name(name)
    optimized = graph_passes.optimize(graph)
    # The tfc-level stages print every constant (megabytes for a model's weights): only when read.
    stages = LazyStages({"tfc": lambda: print_graph(graph), "optimized": lambda: print_graph(optimized)})
    lowered_graph, weight_names, weights = hoist_weights(optimized)
    bits = vector_bits(target) if target is not None else host_vector_bits()
    stages["linalg"] = lower_graph(lowered_graph, native_name(name), vector_bits=bits)
    arg_names = arg_names or [f"arg{i}" for i in range(len(graph.inputs))]
    num_args = len(graph.inputs)
    if len(arg_names) != num_args:  # a short manifest would make the runtime pass too few buffers: never
        raise ValueError(f"{name}: {len(arg_names)} argument names for a graph with {num_args} inputs")
    entry = {"name": symbol, "symbol": f"_mlir_ciface_{native_name(name)}",
             "args": [spec_json(n, v.type) for n, v in zip(arg_names, lowered_graph.inputs[:num_args])],
             "weights": [spec_json(w, v.type) for w, v in zip(weight_names, lowered_graph.inputs[num_args:])],
             "results": [spec_json(f"output{i}", v.type) for i, v in enumerate(lowered_graph.outputs)]}
    state = state_inputs(lowered_graph)
    for i, spec in enumerate(entry["args"]):
        if i >= num_args - num_variables:
            spec["variable"] = True
        if i in state:
            spec["inout"] = True  # the native code writes the Variable's new value into this buffer
    prints = site_specs(lowered_graph)
    if prints:  # the entry takes the runtime's print hook after its outputs (runtime/printing.py)
        entry["prints"] = prints
    if graph.output_checks:  # run-time checks the loader inspects after each call (frontend/checks.py)
        from tfc.checks import entry_checks
        entry["checks"] = entry_checks(graph)
    # Dynamic output sizes: how the runtime computes them from the arguments before the call.
    for result, dims in zip(entry["results"], shape_dims.result_dims(lowered_graph, arg_names + weight_names)):
        if dims is not None:
            result["dims"] = dims
    sites = broadcast_sites(lowered_graph)
    if sites:  # run-time sizes the code takes to be equal where it broadcasts: checked before each call
        entry["broadcasts"] = sites
    safe = functools.partial(lower_graph, lowered_graph, native_name(name), copy_state=True,
                             vector_bits=bits) if state else None
    return Lowered(symbol, stages["linalg"], entry, weights, stages, lowered_graph, safe)


def compile_graph(graph: Graph, name: str, arg_names: list[str] | None = None, target: Target | None = None,
                  keep_stages: bool = False, num_variables: int = 0) -> Artifact:
    """Compiles `graph` into a library whose entry point is `name`; memoized on the lowered IR and target, and
    cached on disk across processes (runtime/cache.py). See `lower` for `num_variables`."""
    timer = _Timer(name)
    start = time.perf_counter()
    lowered = lower(graph, name, arg_names, num_variables, target)
    timer.stage("lower", start)
    return compile_module([lowered], lowered.name, target, keep_stages, timer)


def compile_module(functions: list[Lowered], name: str, target: Target | None = None, keep_stages: bool = False,
                   timer: "_Timer | None" = None) -> Artifact:
    """Compiles several lowered graphs into ONE library (one func.func each in one MLIR module, one mlir-opt,
    one mlir-translate, one llvmlite and one link run). `target=None` is the host."""
    timer = timer or _Timer(name)
    start = time.perf_counter()
    # The CPU build calls libm for the ops whose polynomial approximation is not accurate enough (passes/libm.py).
    linalg = libm.route_inaccurate_ops("\n".join(f.func for f in functions))
    entries = [f.entry for f in functions]
    weights = {k: v for f in functions for k, v in f.weights.items()}
    stages = LazyStages({stage: functools.partial(_joined_stage, functions, stage) for stage in ("tfc", "optimized")})
    stages["linalg"] = linalg
    # Codegen strategy: a schedule when the module holds one function it applies to (the transform script acts
    # on the whole module), threads from TFC_NUM_THREADS (serial when libomp is missing).
    threads = config.num_threads() if openmp_library() else 1
    graph = functions[0].graph if len(functions) == 1 else None
    schedule = schedules.choose(graph, threads) if graph is not None else None
    # tfc's own kernels (dialect/matmul_kernel.py) are parallel loops already: they need the forall lowering.
    kernels = "scf.forall" in linalg
    cpu_stages = pipeline.cpu_stages(schedule, threads, kernels)
    codegen_plan = (pipeline.pass_string([p for _, ps in cpu_stages for p in ps], THREADS=str(threads))
                    + "\0" + (schedule.text if schedule else ""))
    key = compile_key(linalg, entries, target, codegen_plan)
    dump_dir = config.dump_dir()
    with _LOCK:
        memo = _MEMO.get(key)
    if memo is not None and (not keep_stages or "llvm" in memo.stages) and not dump_dir:
        return dataclasses.replace(memo, weights=weights)
    if not keep_stages and not dump_dir:
        found = cache.lookup(key) if cache.enabled() else None
        if found is not None:
            timer.stage("cache hit", start)
            timer.report()
            artifact = Artifact(found[0], found[1], stages, weights)
            with _LOCK:
                _MEMO[key] = artifact
            return artifact

    params = {"SCHEDULE": _schedule_file(schedule), "THREADS": str(threads)}
    # The MLIR tools run while this thread imports llvmlite and probes the host CPU (~30 ms on a first compile;
    # the tools' thread only waits on their pipes). Started first: a thread started later (importing) held the
    # GIL for ~20 ms before the tools' thread could hand them their input.
    mlir = _TOOLS_POOL.submit(_mlir_stages, stages, cpu_stages, params, name, keep_stages or dump_dir, timer, start)
    # The manifest's versions may need `mlir-opt-22 --version` (a process start, ~30-130 ms) on the first compile
    # with a new toolchain (passes/toolchain.py): asked in a thread, it overlaps the compile.
    versions = _VERSIONS_POOL.submit(toolchain_versions)
    target = target or host()
    try:
        # The first run is the one already under way; a rerun (Variables copied, see _in_place_or_copied)
        # runs the stages again here.
        runs = iter([mlir.result])
        start = _in_place_or_copied(stages, functions, lambda: next(runs, lambda: _mlir_stages(
            stages, cpu_stages, params, name, keep_stages or dump_dir, timer, start))())
    except CompilerError as error:
        if schedule is None:
            raise
        # A schedule that fails on a graph it was chosen for must not fail the user's function: the generic
        # path compiles every graph. (The failure is a tfc bug worth reporting; TFC_TIMING shows it.)
        if config.timing():
            print(f"[tfc timing] {name}: the {schedule.name} schedule failed, using the generic path: "
                  f"{str(error).splitlines()[0]}", file=sys.stderr)
        schedule, cpu_stages = None, pipeline.cpu_stages(None, threads, kernels)
        start = _in_place_or_copied(stages, functions, lambda: _mlir_stages(
            stages, cpu_stages, params, name, keep_stages or dump_dir, timer, start))
    stages["llvm"], obj = codegen.optimize(stages["llvm-unoptimized"], target)
    start = timer.stage("llvmlite", start)

    out_dir = os.path.join(_build_dir(), key[:16])
    os.makedirs(out_dir, exist_ok=True)
    needs = ["libomp.so"] if "__kmpc_" in stages["llvm-unoptimized"] else []
    library = link(obj, os.path.join(out_dir, f"{name}.so"), needs)
    start = timer.stage("link", start)
    if schedule is not None:
        timer.name += f" [{schedule.name} schedule]"

    manifest = abi.make_manifest(os.path.basename(library), entries, target.as_dict(), dict(versions.result()))
    if needs:
        manifest["needs"] = needs  # the loader names a missing one clearly (runtime/loader.py)
    write_manifest(library, manifest)
    if dump_dir:
        dump_stages(os.path.join(dump_dir, f"{name}-{key[:8]}"), stages, obj, library, manifest)
    if cache.enabled():
        library, manifest = cache.store(key, library, manifest)
        timer.stage("cache store", start)
    timer.report()
    artifact = Artifact(library, manifest, stages if keep_stages or dump_dir else stages.only(
        ("tfc", "optimized", "linalg")), weights)
    with _LOCK:
        _MEMO[key] = artifact
    return artifact


def compile_key(linalg: str, entries: list[dict], target: Target | None, codegen_plan: str | None = None) -> str:
    """The content address of a compiled module: its lowered IR and manifest entries (int8 and uint8 lower to
    the same signless code but differ in the manifest), the pipeline, the target (the host's CPU fingerprint
    when None: no llvmlite needed to compute it), the tools, and tfc's own compiler sources. `codegen_plan`:
    the pipeline and schedule chosen for this module (default: the generic CPU pipeline)."""
    from tfc.runtime.cpu import host_fingerprint

    parts = [linalg, json.dumps(entries, sort_keys=True),
             codegen_plan if codegen_plan is not None else pipeline.pass_string([p for _, p in pipeline.CPU_STAGES]),
             repr(target) if target is not None else "host:" + host_fingerprint(),
             toolchain_fingerprint(), compiler_sources_hash()]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _mlir_stages(stages: dict, cpu_stages, params: dict, name: str, keep: bool, timer: _Timer, start: float):
    """linalg -> llvm dialect (mlir-opt, stage by stage when kept) -> LLVM IR (mlir-translate), into `stages`.
    Raises CompilerError when the result would need MLIR's C runtime (`memrefCopy` for strided copies), which
    tfc does not ship: such a library could not be loaded."""
    threaded = any("parallel" in pipes for _, pipes in cpu_stages)  # OpenMP loops: their schedule is set
    if keep:
        text = stages["linalg"]
        for stage, pipes in cpu_stages:
            text = stages[stage] = mlir_opt(text, pipeline.pass_string(pipes, **params), what=f"{stage} ({name})")
            start = timer.stage(stage, start)
        if threaded:
            text = stages["llvm-dialect"] = pipeline.schedule_threads(text)
        stages["llvm-unoptimized"] = mlir_to_llvmir(text)
        start = timer.stage("translate", start)
    else:
        all_pipes = [p for _, pipes in cpu_stages for p in pipes]
        # One mlir-opt piped into mlir-translate (passes/mlir_tools.py), without locations: they never reach the
        # LLVM IR (no debug info is emitted). The llvm-dialect stage is not kept on this path: as_text asks for
        # a stage-by-stage compile (above).
        stages["llvm-unoptimized"] = mlir_opt_to_llvmir(stages["linalg"], pipeline.pass_string(all_pipes, **params),
                                                        what=f"compile ({name})",
                                                        rewrite=pipeline.schedule_threads if threaded else None)
        start = timer.stage("mlir-opt + translate", start)
    if "@memrefCopy(" in stages["llvm-unoptimized"]:
        raise CompilerError(f"{name}: the lowered code copies a strided buffer through MLIR's C runtime "
                            "(memrefCopy), which tfc does not link")
    return start


def _in_place_or_copied(stages: dict, functions: list[Lowered], run: Callable[[], float]) -> float:
    """`run()` (the MLIR stages). When one-shot bufferization refuses to update Variables in place ("cannot
    avoid RaW conflict": a final value still needs another variable's old buffer when it is written), the
    functions that assign Variables are lowered again with every final value copied through a temporary, and
    run again (dialect/lower_variables.py)."""
    try:
        return run()
    except CompilerError as error:
        if "cannot avoid RaW conflict" not in str(error) or not any(f.safe_func for f in functions):
            raise
        # Recovered: drop the traceback. The first run's Future keeps this exception, and its traceback would
        # keep the calling frames alive in a cycle - the caller's argument list among them, holding Variables'
        # arrays: an extra reference that made the next call copy a Variable instead of updating it in place.
        error.__traceback__ = None
        stages["linalg"] = libm.route_inaccurate_ops("\n".join(f.safe_func() if f.safe_func else f.func
                                                               for f in functions))
        return run()


def _schedule_file(schedule) -> str:
    """The schedule's text as a file (content-addressed in the build folder) for transform-preload-library."""
    if schedule is None:
        return ""
    path = os.path.join(_build_dir(), f"schedule-{hashlib.sha256(schedule.text.encode()).hexdigest()[:16]}.mlir")
    if not os.path.exists(path):
        tmp = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
        with open(tmp, "w") as f:
            f.write(schedule.text)
        os.replace(tmp, path)
    return path


def dump_stages(folder: str, stages: dict[str, str], obj: bytes, library: str, manifest: dict) -> None:
    """Writes each stage as a numbered file: 01-tfc.mlir ... 08-llvm.ll, 09-<name>.o, 10-<name>.so (+ .json)."""
    os.makedirs(folder, exist_ok=True)
    number = 0
    for number, stage in enumerate(STAGES, start=1):
        suffix = ".ll" if stage.startswith("llvm") and stage != "llvm-dialect" else ".mlir"
        with open(os.path.join(folder, f"{number:02d}-{stage}{suffix}"), "w") as f:
            f.write(stages[stage])
    base = os.path.basename(library)[:-3]
    with open(os.path.join(folder, f"{number + 1:02d}-{base}.o"), "wb") as f:
        f.write(obj)
    dumped = os.path.join(folder, f"{number + 2:02d}-{base}.so")
    shutil.copy(library, dumped)
    write_manifest(dumped, dict(manifest, library=os.path.basename(dumped)))


def write_manifest(library: str, manifest: dict) -> None:
    """The manifest goes beside the library as NAME.json: `tfc.runtime.load(NAME.so)` finds it there."""
    tmp = f"{library[:-3]}.json.{os.getpid()}.tmp"
    with open(tmp, "w") as f:
        f.write(abi.dumps(manifest))
    os.replace(tmp, library[:-3] + ".json")


def strip_locations(mlir: str) -> str:
    """MLIR text without `loc(...)` annotations and `#locN = ...` alias lines, for reading."""
    out, i, n = [], 0, len(mlir)
    while i < n:
        j = mlir.find(" loc(", i)
        if j < 0:
            out.append(mlir[i:])
            break
        out.append(mlir[i:j])
        depth, k, quoted = 0, j + 4, False
        while k < n:  # skip the balanced parenthesis group, minding quoted file names
            c = mlir[k]
            if c == '"' and mlir[k - 1] != "\\":
                quoted = not quoted
            elif not quoted and c == "(":
                depth += 1
            elif not quoted and c == ")":
                depth -= 1
                if depth == 0:
                    break
            k += 1
        i = k + 1
    return "\n".join(line for line in "".join(out).splitlines() if not line.startswith("#loc")) + "\n"
