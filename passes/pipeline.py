"""Named MLIR pass pipelines, as data. Each stage's output is printable (`ConcreteFunction.as_text(stage)`).

Every entry is (pass, why); the why is printed by `tfc-opt --print-pipeline`. Pass syntax is mlir-opt-22's.
"""
from __future__ import annotations

Pipeline = list[tuple[str, str]]

FUSION: Pipeline = [
    ("func.func(linalg-generalize-named-ops)", "named elementwise ops become generics so they can fuse"),
    ("func.func(linalg-fuse-elementwise-ops)", "producer/consumer elementwise generics become one loop nest"),
    # Before cse: once cse has merged identical tensor.empty ops (e.g. the inits of two reductions returned as
    # outputs 0 and 1), this pass made both write output 0's buffer and output 1 came back wrong.
    ("eliminate-empty-tensors", "results are built directly in the caller's output buffers"),
    ("canonicalize", ""),
    ("cse", ""),
]

BUFFERIZE: Pipeline = [
    ("one-shot-bufferize{bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map "
     "allow-return-allocs-from-loops}",
     "tensors -> memrefs; inputs are read-only (to_tensor restrict), outputs are the out-params; "
     "scf.while iter_args may be yielded as new buffers"),
    ("canonicalize", ""),
    ("cse", ""),
    ("func.func(promote-buffers-to-stack)", "small temporaries live on the stack, not the heap"),
    ("buffer-deallocation-pipeline", "frees the heap temporaries that remain"),
    ("canonicalize", ""),
]

LOWER_CPU: Pipeline = [
    ("func.func(convert-linalg-to-loops)", "LLVM's loop vectorizer handles the scalar loops at O3"),
    ("expand-strided-metadata", ""),
    ("lower-affine", ""),
    # must precede convert-scf-to-cf when allocas exist (alloca_scope needs a single block)
    ("finalize-memref-to-llvm", "before scf-to-cf: memref.alloca_scope must still have one block"),
    ("convert-scf-to-cf", ""),
    ("convert-math-to-llvm", ""),
    ("convert-math-to-libm", "math ops without an LLVM intrinsic (erf) become libm calls"),
    ("convert-to-llvm", ""),
    ("reconcile-unrealized-casts", ""),
]

# ------------------------------------------------------------------------------------------------ CUDA (NVVM)
# Between GPU_LOOPS and LOWER_NVVM runs tfc's own mapping pass (passes/gpu_launch.py): one gpu.launch per loop nest.
GPU_LOOPS: Pipeline = [
    ("eliminate-empty-tensors", "results are built directly in the caller's output buffers"),
    ("one-shot-bufferize{bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map}",
     "tensors -> memrefs; temporaries stay memref.alloc: the launch plan places them in the arena"),
    ("canonicalize", ""),
    ("cse", ""),
    ("func.func(convert-linalg-to-parallel-loops)", "parallel dimensions -> scf.parallel, mapped to threads next"),
    ("canonicalize", ""),
]

LOWER_NVVM: Pipeline = [
    ("gpu-launch-sink-index-computations", "constants move into kernels: launches take only buffers"),
    ("gpu-kernel-outlining", "each gpu.launch body becomes a gpu.func in its own gpu.module"),
    ("nvvm-attach-target{chip=CHIP features=FEATURES O=3}", "CHIP/FEATURES come from the Target (+ptx80 for sm_90)"),
    ("gpu.module(convert-nvgpu-to-nvvm, convert-vector-to-scf, lower-affine, expand-strided-metadata, "
     "convert-scf-to-cf, convert-gpu-to-nvvm{use-bare-ptr-memref-call-conv=true}, canonicalize, cse, "
     "reconcile-unrealized-casts)",
     "bare pointers: kernels take one pointer per static buffer, what the launch plan passes"),
]

TO_BITCODE: Pipeline = [
    ("gpu-module-to-binary{format=llvm}", "LLVM bitcode per kernel module; llvmlite links libdevice and emits PTX"),
]

PIPELINES: dict[str, Pipeline] = {"fusion": FUSION, "bufferize": BUFFERIZE, "lower-cpu": LOWER_CPU,
                                  "gpu-loops": GPU_LOOPS, "lower-nvvm": LOWER_NVVM, "to-bitcode": TO_BITCODE}

# The CPU compile: (stage name shown by as_text / TFC_DUMP_DIR, pipeline producing it).
CPU_STAGES: list[tuple[str, str]] = [("fused", "fusion"), ("bufferized", "bufferize"), ("llvm-dialect", "lower-cpu")]


def pass_string(names: list[str] | str, **substitutions: str) -> str:
    """The `--pass-pipeline=` argument for one or more named pipelines; `substitutions` fill upper-case
    placeholders such as CHIP (used by the target-dependent CUDA passes)."""
    if isinstance(names, str):
        names = [names]
    passes = [p for name in names for p, _ in PIPELINES[name]]
    text = f"builtin.module({', '.join(passes)})"
    for placeholder, value in substitutions.items():
        text = text.replace(placeholder, value)
    return text


def describe(name: str) -> str:
    """A readable listing of a named pipeline: one pass per line, with the reason for the unusual ones."""
    lines = [f"{name}:"]
    for pass_, why in PIPELINES[name]:
        lines.append(f"  {pass_}" + (f"    // {why}" if why else ""))
    return "\n".join(lines)
