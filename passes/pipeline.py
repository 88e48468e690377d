"""Named MLIR pass pipelines, as data. Each stage's output is printable (`ConcreteFunction.as_text(stage)`).

Every entry is (pass, why); the why is printed by `tfc-opt --print-pipeline`. Pass syntax is mlir-opt-22's.
"""
from __future__ import annotations

Pipeline = list[tuple[str, str]]

FUSION: Pipeline = [
    ("func.func(linalg-generalize-named-ops)", "named elementwise ops become generics so they can fuse"),
    ("func.func(linalg-fuse-elementwise-ops)", "producer/consumer elementwise generics become one loop nest"),
    ("canonicalize", ""),
    ("cse", ""),
]

BUFFERIZE: Pipeline = [
    ("eliminate-empty-tensors", "results are built directly in the caller's output buffers"),
    ("one-shot-bufferize{bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map}",
     "tensors -> memrefs; inputs are read-only (to_tensor restrict), outputs are the out-params"),
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

PIPELINES: dict[str, Pipeline] = {"fusion": FUSION, "bufferize": BUFFERIZE, "lower-cpu": LOWER_CPU}

# The CPU compile: (stage name shown by as_text / TFC_DUMP_DIR, pipeline producing it).
CPU_STAGES: list[tuple[str, str]] = [("fused", "fusion"), ("bufferized", "bufferize"), ("llvm-dialect", "lower-cpu")]


def pass_string(names: list[str] | str) -> str:
    """The `--pass-pipeline=` argument for one or more named pipelines."""
    if isinstance(names, str):
        names = [names]
    passes = [p for name in names for p, _ in PIPELINES[name]]
    return f"builtin.module({', '.join(passes)})"


def describe(name: str) -> str:
    """A readable listing of a named pipeline: one pass per line, with the reason for the unusual ones."""
    lines = [f"{name}:"]
    for pass_, why in PIPELINES[name]:
        lines.append(f"  {pass_}" + (f"    // {why}" if why else ""))
    return "\n".join(lines)
