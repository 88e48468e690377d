"""Named MLIR pass pipelines, as data. Each stage's output is printable (`ConcreteFunction.as_text(stage)`).

Every entry is (pass, why); the why is printed by `tfc-opt --print-pipeline`. Pass syntax is mlir-opt-22's.
"""
from __future__ import annotations

Pipeline = list[tuple[str, str]]

# Elementwise fusion that keeps named ops (linalg.matmul) for the matmul schedule to match.
FUSE_ELEMENTWISE: Pipeline = [
    ("func.func(linalg-fuse-elementwise-ops)", "producer/consumer elementwise generics become one loop nest"),
    # Before cse: once cse has merged identical tensor.empty ops (e.g. the inits of two reductions returned as
    # outputs 0 and 1), this pass made both write output 0's buffer and output 1 came back wrong.
    ("eliminate-empty-tensors", "results are built directly in the caller's output buffers"),
    ("canonicalize", ""),
    ("cse", ""),
]

FUSION: Pipeline = [
    ("func.func(linalg-generalize-named-ops)", "named elementwise ops become generics so they can fuse"),
] + FUSE_ELEMENTWISE

# Applies the per-function schedule of passes/schedules.py (SCHEDULE is its file): tiling into scf.forall
# (threads), register tiles, vectorized contractions.
SCHEDULE: Pipeline = [
    ("transform-preload-library{transform-library-paths=SCHEDULE}", "loads the schedule chosen for this graph"),
    ("transform-interpreter", "runs its @__transform_main on the module"),
    ("canonicalize", ""),
    ("cse", ""),
]

ONE_SHOT: Pipeline = [
    ("eliminate-empty-tensors", "results are built directly in the caller's output buffers"),
    ("one-shot-bufferize{bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map "
     "allow-return-allocs-from-loops unknown-type-conversion=identity-layout-map}",
     "tensors -> memrefs; inputs are read-only (to_tensor restrict), outputs are the out-params; "
     "scf.while iter_args may be yielded as new buffers; scf.if/while results get identity layouts (a strided "
     "result would be copied out through MLIR's C runtime, memrefCopy, which tfc does not link)"),
    ("canonicalize", ""),
    ("cse", ""),
]

TEMPORARIES: Pipeline = [
    # 16 KB (default 1 KB): a rows schedule's per-row temporary (4 KB at 1024 f32 columns, up to 4096 columns)
    # was a malloc+free per row. Allocas inside a parallel loop are scoped per iteration (alloca_scope); libomp
    # worker stacks are megabytes, so 16 KB per live temporary is safe.
    ("func.func(promote-buffers-to-stack{max-alloc-size-in-bytes=16384})",
     "temporaries up to 16 KB live on the stack, not the heap"),
    ("buffer-deallocation-pipeline", "frees the heap temporaries that remain"),
    ("canonicalize", ""),
]

BUFFERIZE: Pipeline = ONE_SHOT + TEMPORARIES

# scf.forall (from a schedule) -> OpenMP worksharing loop; THREADS = 0 lets libomp pick (all cores).
PARALLEL: Pipeline = [
    ("scf-forall-to-parallel", "schedules tile parallel work as scf.forall"),
    ("convert-scf-to-openmp{num-threads=THREADS}", "omp.parallel + omp.wsloop; links libomp"),
]

# OpenMP's default (static) schedule gives each thread an equal share of a parallel loop's iterations up front,
# so a thread whose core is busy (numpy's OpenBLAS workers spin for a while after each of its calls; another
# process) paces the whole kernel: a 1024^3 matmul interleaved with numpy's took 33 ms instead of 18. Guided
# scheduling hands out shrinking chunks on demand (a few dozen per loop, even for the thousands of rows of a row
# schedule): the free core takes the larger part. convert-scf-to-openmp has no schedule option, so the clause is
# added to its omp.wsloop ops in the llvm-dialect text before translation (`schedule_threads`).
OMP_SCHEDULE = "guided"


def schedule_threads(llvm_dialect: str) -> str:
    """The llvm-dialect module with OMP_SCHEDULE on every omp.wsloop (see above)."""
    return llvm_dialect.replace("omp.wsloop {", f"omp.wsloop schedule({OMP_SCHEDULE}) {{")


# TFC_NUM_THREADS=1: the same tiles run in order on the calling thread (deterministic, no libomp). Runs between
# bufferization and the temporaries' placement: the loop's per-iteration temporaries (a row of a row schedule)
# are hoisted out of the now serial loop before they become allocas (an alloca inside a plain loop grows the
# stack every iteration; OpenMP's lowering scopes them instead) or get their frees.
SERIAL: Pipeline = [
    ("scf-forall-to-for", "single-thread mode: the forall becomes a plain loop"),
    ("func.func(buffer-loop-hoisting)", "one temporary for all iterations, allocated before the loop"),
]

LOWER_CPU: Pipeline = [
    ("func.func(convert-linalg-to-loops)", "LLVM's loop vectorizer handles the scalar loops at O3"),
    # Transcendentals as FMA polynomials (vectorizable) instead of scalar libm calls. The test pass is the only
    # entry point in MLIR 22. expand-ops is restricted with ops=: unrestricted it also splits math.fma into
    # mulf+addf, undoing the polynomials' FMAs. The second polyapprox handles what expand-ops produced.
    ("func.func(test-math-polynomial-approximation)", "exp/log/tanh/erf/sin/... become vector-friendly polynomials"),
    ("func.func(math-expand-ops{ops=sinh,cosh,tan,asinh,acosh,atanh,exp2,powf,fpowi,rsqrt})",
     "the ops polyapprox leaves, rewritten in terms of ops it covers"),
    ("func.func(test-math-polynomial-approximation)", "approximates what expand-ops introduced"),
    ("convert-vector-to-scf", "schedules leave vector transfers"),
    ("convert-vector-to-llvm{vector-contract-lowering=outerproduct}",
     "contractions as broadcast+FMA (llvmintr aborts LLVM's x86 backend)"),
    ("fold-memref-alias-ops", ""),
    ("expand-strided-metadata", ""),
    ("lower-affine", ""),
    # must precede convert-scf-to-cf when allocas exist (alloca_scope needs a single block)
    ("finalize-memref-to-llvm{use-generic-functions=true}",
     "before scf-to-cf: memref.alloca_scope must still have one block; heap temporaries through tfc's "
     "allocator, which keeps large blocks for the next call (passes/allocator.py)"),
    ("convert-scf-to-cf", ""),
    ("convert-math-to-llvm", ""),
    ("convert-math-to-libm", "math ops without an LLVM intrinsic (erf) become libm calls"),
    ("convert-to-llvm", ""),
    ("reconcile-unrealized-casts", ""),
]

# ------------------------------------------------------------------------------------------------ CUDA (NVVM)
# Between GPU_LOOPS and LOWER_NVVM runs tfc's own mapping pass (passes/gpu_launch.py): one gpu.launch per loop nest.
GPU_BUFFERIZE: Pipeline = [
    ("eliminate-empty-tensors", "results are built directly in the caller's output buffers"),
    ("one-shot-bufferize{bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map}",
     "tensors -> memrefs; temporaries stay memref.alloc: the launch plan places them in the arena"),
    ("canonicalize", ""),
    ("cse", ""),
]
# Between GPU_BUFFERIZE and GPU_LOOPS tfc writes contractions as tiled kernels (passes/gpu_contraction.py).
GPU_LOOPS: Pipeline = [
    ("func.func(convert-linalg-to-parallel-loops)", "parallel dimensions -> scf.parallel, mapped to threads next"),
    ("canonicalize", ""),
]

GPU_OUTLINE: Pipeline = [
    ("gpu-launch-sink-index-computations", "constants move into kernels: launches take only buffers"),
    ("gpu-kernel-outlining", "each gpu.launch body becomes a gpu.func in its own gpu.module"),
]
# Between GPU_OUTLINE and LOWER_NVVM tfc marks kernel arguments noalias + 16-byte aligned (gpu_launch.mark_noalias).
LOWER_NVVM: Pipeline = [
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
                                  "fuse-elementwise": FUSE_ELEMENTWISE, "schedule": SCHEDULE,
                                  "parallel": PARALLEL, "serial": SERIAL, "one-shot": ONE_SHOT,
                                  "temporaries": TEMPORARIES,
                                  "gpu-bufferize": GPU_BUFFERIZE, "gpu-loops": GPU_LOOPS,
                                  "gpu-outline": GPU_OUTLINE,
                                  "lower-nvvm": LOWER_NVVM, "to-bitcode": TO_BITCODE}

# The CPU compile: (stage name shown by as_text / TFC_DUMP_DIR, pipeline producing it).
CPU_STAGES: list[tuple[str, str]] = [("fused", "fusion"), ("bufferized", "bufferize"), ("llvm-dialect", "lower-cpu")]


def cpu_stages(schedule=None, threads: int = 0, kernels: bool = False) -> list[tuple[str, list[str]]]:
    """The CPU compile for one function: (stage, named pipelines) in order. `schedule` is a passes.schedules
    Schedule or None (generic path); `threads` is TFC_NUM_THREADS (0: all cores, 1: serial); `kernels`: the
    lowered code already holds parallel loops (scf.forall of tfc's own kernels)."""
    fused = ["fusion"]
    if schedule is not None:
        fused.append("schedule")
    foralls = schedule is not None or kernels
    serial = foralls and threads == 1
    bufferize = ["one-shot", "serial", "temporaries"] if serial else ["bufferize"]
    lower = (["parallel"] if foralls and not serial else []) + ["lower-cpu"]
    return [("fused", fused), ("bufferized", bufferize), ("llvm-dialect", lower)]


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
