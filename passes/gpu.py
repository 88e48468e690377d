"""Compiles a tfc Graph for an NVIDIA GPU: device code (PTX, plus a cubin when ptxas is installed) and a JSON
launch plan. No host code is compiled: `tfc.runtime.cuda` drives libcuda from the plan. No GPU is needed here.

    linalg MLIR (destination-passing, from lower_graph)
    -> fusion                      (pipeline "fusion", as for the CPU)
    -> gpu-kernels                 bufferize; contractions -> tiled gpu.launch (gpu_contraction.py)
    -> gpu-loops                   the other linalg ops -> scf.parallel
    -> gpu-mapped                  tfc pass (gpu_launch.py): one gpu.launch per loop nest or row group, by
                                   strategy (gpu_strategies.py: printed as the `strategies` stage)
    -> gpu-outlined                sink constants, outline kernels, NVVM target, gpu -> nvvm (pipeline "lower-nvvm")
       -> launch plan              read off the host function (gpu_plan.py)
    -> bitcode -> PTX -> cubin     gpu-module-to-binary{format=llvm}, llvmlite + libdevice, ptxas (gpu_codegen.py)

`compile_cuda(graph, name)` is the library entry point (also for AOT tools: `CudaArtifact.save(folder)` writes
NAME.ptx, NAME.cubin, NAME.plan.json and the manifest NAME.json that `tfc.runtime.cuda.load` reads).
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import sys
import threading
import time

from tfc import config
from tfc.errors import UnsupportedError
from tfc.graph import Graph, print_graph
from tfc.runtime import abi

from . import gpu_codegen, gpu_contraction, gpu_launch, gpu_plan, gpu_strategies, graph_passes, pipeline
from .mlir_tools import mlir_opt
from .target import Target, cuda

STAGES = ("tfc", "optimized", "linalg", "fused", "gpu-kernels", "gpu-loops", "gpu-mapped", "strategies", "gpu-outlined",
          "plan", "llvm", "ptx")


@dataclasses.dataclass
class CudaArtifact:
    """A graph compiled for CUDA: PTX, the cubin (None without ptxas), the launch plan and the manifest."""
    name: str
    ptx: str
    cubin: bytes | None
    plan: dict
    manifest: dict
    stages: dict[str, str]
    ptxas_report: str = ""
    strategies: list = dataclasses.field(default_factory=list)  # gpu_strategies.Strategy per launch, in order

    def save(self, folder: str) -> str:
        """Writes NAME.ptx, NAME.cubin (when assembled), NAME.plan.json and NAME.json; returns the manifest path."""
        os.makedirs(folder, exist_ok=True)
        files = {f"{self.name}.ptx": self.ptx.encode(), f"{self.name}.plan.json": abi.dumps(self.plan).encode()}
        if self.cubin is not None:
            files[f"{self.name}.cubin"] = self.cubin
        files[f"{self.name}.json"] = abi.dumps(self.manifest).encode()
        for file, data in files.items():  # atomic, so a concurrent loader never sees half a file
            tmp = os.path.join(folder, f"{file}.{os.getpid()}.tmp")
            with open(tmp, "wb") as f:
                f.write(data)
            os.replace(tmp, os.path.join(folder, file))
        return os.path.join(folder, f"{self.name}.json")

    def load(self):
        """A `tfc.runtime.cuda.CudaModule` running this artifact (needs libcuda, or the fake driver)."""
        from tfc.runtime import cuda as cuda_runtime
        return cuda_runtime.CudaModule(self.manifest, self.ptx, self.cubin, self.plan)


_MEMO: dict[str, CudaArtifact] = {}
_LOCK = threading.Lock()


def compile_cuda(graph: Graph, name: str, arg_names: list[str] | None = None, target: Target | None = None,
                 assemble: bool | None = None) -> CudaArtifact:
    """Compiles `graph` for `target` (default sm_90). `assemble`: run ptxas (default: when it is installed)."""
    from tfc.dialect import lower_graph
    from tfc.dialect.lowering import symbol_name

    from .driver import spec_json, strip_locations
    from .toolchain import toolchain_versions

    _refuse_state(graph, name)
    started = time.perf_counter()
    target = target or cuda()
    symbol = symbol_name(name)
    stages = {"tfc": print_graph(graph)}
    optimized = graph_passes.optimize(graph)
    stages["optimized"] = print_graph(optimized)
    stages["linalg"] = lower_graph(optimized, symbol)
    arg_names = arg_names or [f"arg{i}" for i in range(len(graph.inputs))]
    inputs = [spec_json(n, v.type) for n, v in zip(arg_names, optimized.inputs)]
    outputs = [spec_json(f"output{i}", v.type) for i, v in enumerate(optimized.outputs)]
    assemble = gpu_codegen.ptxas_available() if assemble is None else assemble
    key = hashlib.sha256("\0".join([stages["linalg"], json.dumps([inputs, outputs], sort_keys=True),
                                    pipeline.pass_string(["fusion", "gpu-bufferize", "gpu-loops", "gpu-outline",
                                                          "lower-nvvm", "to-bitcode"]),
                                    repr(target), str(assemble), gpu_strategies.fingerprint()]).encode()
                         ).hexdigest()
    with _LOCK:
        if key in _MEMO:
            return _MEMO[key]

    stages["fused"] = mlir_opt(stages["linalg"], pipeline.pass_string("fusion"), what=f"fusion ({name})")
    bufferized = mlir_opt(stages["fused"], pipeline.pass_string("gpu-bufferize"), what=f"gpu-bufferize ({name})")
    contractions: list[gpu_strategies.Strategy] = []
    stages["gpu-kernels"] = gpu_contraction.contractions_to_launch(strip_locations(bufferized), contractions)
    stages["gpu-loops"] = mlir_opt(stages["gpu-kernels"], pipeline.pass_string("gpu-loops"),
                                   what=f"gpu-loops ({name})")
    # The mapping pass reads statements line by line: locations would only get in its way.
    strategies: list[gpu_strategies.Strategy] = []
    stages["gpu-mapped"] = gpu_launch.parallel_to_launch(strip_locations(stages["gpu-loops"]), strategies,
                                                          contractions)
    stages["strategies"] = gpu_strategies.describe_all(strategies)
    outlined = mlir_opt(stages["gpu-mapped"], pipeline.pass_string("gpu-outline"), what=f"gpu-outline ({name})")
    outlined = mlir_opt(gpu_launch.mark_noalias(outlined), pipeline.pass_string("lower-nvvm", CHIP=target.cpu,
                                                                                FEATURES=target.features),
                        what=f"lower-nvvm ({name})")
    stages["gpu-outlined"] = outlined = name_kernels_after_modules(outlined)
    plan = gpu_plan.extract_plan(outlined, symbol, inputs, outputs)
    gpu_plan.attach_strategies(plan, strategies)
    stages["plan"] = abi.dumps(plan)
    binary = mlir_opt(outlined, pipeline.pass_string("to-bitcode"), what=f"to-bitcode ({name})")
    kernels = sorted({step["kernel"] for step in plan["steps"] if step["op"] == "launch"})
    if kernels:
        stages["llvm"], ptx = gpu_codegen.to_ptx(gpu_codegen.bitcode_blobs(binary), kernels, target)
    else:  # only copies (e.g. a reshape of an input): an empty but valid PTX module
        stages["llvm"], ptx = "", f"//\n.version {int(target.features.removeprefix('+ptx')) / 10:.1f}\n" \
                                  f".target {target.cpu}\n.address_size 64\n"
    stages["ptx"] = ptx
    cubin, report = gpu_codegen.assemble(ptx, target) if assemble else (None, "")

    entry = {"name": symbol, "kernels": kernels, "args": inputs, "results": outputs}
    manifest = abi.make_manifest(f"{symbol}.ptx", [entry], target.as_dict(), dict(toolchain_versions()))
    manifest.update({"plan": f"{symbol}.plan.json", "cubin": f"{symbol}.cubin" if cubin is not None else None})
    artifact = CudaArtifact(symbol, ptx, cubin, plan, manifest, stages, report, strategies)
    if config.timing():
        print(f"[tfc timing] {name} (cuda): {time.perf_counter() - started:.3f} s; kernel strategies:\n"
              + stages["strategies"].rstrip(), file=sys.stderr)
    if config.dump_dir():
        dump_stages(os.path.join(config.dump_dir(), f"{symbol}-cuda-{key[:8]}"), artifact)
    with _LOCK:
        _MEMO[key] = artifact
    return artifact


def _refuse_state(graph: Graph, name: str) -> None:
    """Variables and tfc.print need the CPU runtime (in-place buffers, the print hook): not on the GPU yet."""
    for node in graph.nodes:
        if node.op.name in ("print", "read_variable", "assign_variable"):
            what = "calls tfc.print" if node.op.name == "print" else "uses a tfc.Variable"
            raise UnsupportedError(f"{name}: the function {what}, which functions compiled for CUDA do not support "
                                   "yet (known gap cuda-state); run it on the CPU, or print / update the variable "
                                   "outside the CUDA function", location=node.loc)
        for region in node.regions:
            _refuse_state(region, name)


def name_kernels_after_modules(module: str) -> str:
    """Outlining names every kernel function after the host function (@f_kernel) inside uniquely named modules
    (@f_kernel, @f_kernel_0, ...). All kernels are linked into one PTX module, so each function takes its
    module's unique name."""
    launches = dict(re.findall(r"gpu\.launch_func\s+@([\w.$-]+)::@([\w.$-]+)", module))
    out, current = [], None
    for line in module.splitlines():
        match = re.match(r"\s*gpu\.module @([\w.$-]+)", line)
        if match:
            current = match.group(1)
        elif current in launches:
            line = line.replace(f"llvm.func @{launches[current]}(", f"llvm.func @{current}(")
        out.append(line)
    text = "\n".join(out) + "\n"
    for module_name, function in launches.items():
        text = text.replace(f"@{module_name}::@{function} ", f"@{module_name}::@{module_name} ")
    return text


def dump_stages(folder: str, artifact: CudaArtifact) -> None:
    """Numbered stage files, as the CPU driver writes them: 01-tfc.mlir ... 13-ptx.ptx, plus the cubin."""
    os.makedirs(folder, exist_ok=True)
    suffixes = {"plan": ".json", "llvm": ".ll", "ptx": ".ptx", "strategies": ".txt"}
    for number, stage in enumerate(STAGES, start=1):
        with open(os.path.join(folder, f"{number:02d}-{stage}{suffixes.get(stage, '.mlir')}"), "w") as f:
            f.write(artifact.stages.get(stage, ""))
    if artifact.cubin is not None:
        with open(os.path.join(folder, f"{len(STAGES) + 1:02d}-{artifact.name}.cubin"), "wb") as f:
            f.write(artifact.cubin)
