"""LLVM IR -> optimized LLVM IR -> object code, through llvmlite (whose LLVM is 22, like the MLIR tools)."""
from __future__ import annotations

import functools

from tfc.errors import CompilerError

from . import allocator
from .mlir_tools import reproducer_dir
from .target import Target


def tuned_features(target: Target) -> str:
    """The target's features plus tfc's tuning choices for code generation.

    AVX-512 CPUs get 512-bit vectors: LLVM's tuning for Intel server cores (skylake-avx512 up to emeraldrapids)
    sets `prefer-256-bit`, so its vectorizers emit ymm code although zmm registers exist (the AVX-512 clock
    penalty it guards against is small on recent cores). Measured on an Emerald Rapids, one thread, same IR:
    layer-norm 4096x1024 3.8 -> 1.9 ms, row softmax 6.6 -> 4.7 ms, W1 elementwise 6.2 -> 5.7 ms, a memory-bound
    sum unchanged (docs/performance.md). Explicit wide vectors (the matmul schedule's) were zmm already."""
    features = target.features
    if target.kind == "cpu" and "+avx512f" in features.split(","):
        features += ",-prefer-256-bit"
    return features


@functools.lru_cache(maxsize=None)
def _target_machine(target: Target):
    import llvmlite.binding as llvm

    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()
    return llvm.Target.from_triple(target.triple).create_target_machine(
        cpu=target.cpu, features=tuned_features(target), opt=3, reloc="pic", codemodel="default")


IMPL_PREFIX = "__tfc_impl_"


def hide_wrapped_functions(module) -> None:
    """Only the `_mlir_ciface_*` wrappers are the library's interface. The functions they wrap are named after
    the user's Python function, which may be any C library name (a denylist cannot hold them all): a function
    named `step` was called in place of ours through glibc's `step` (symbol interposition). Renamed and made
    internal, they can neither be interposed nor catch the code's own libc/libm calls."""
    for function in module.functions:
        if not function.is_declaration and not function.name.startswith("_mlir_ciface_"):
            function.name = IMPL_PREFIX + function.name
            function.linkage = "internal"


def optimize(llvm_ir: str, target: Target) -> tuple[str, bytes]:
    """Parses, verifies and optimizes (O3, loop + SLP vectorization) the module; returns (IR text, object)."""
    import llvmlite.binding as llvm

    machine = _target_machine(target)
    try:
        module = llvm.parse_assembly(llvm_ir)
        module.verify()
    except RuntimeError as error:
        import os
        import tempfile
        fd, path = tempfile.mkstemp(prefix="llvmlite-", suffix=".ll", dir=reproducer_dir())
        with os.fdopen(fd, "w") as f:
            f.write(llvm_ir)
        raise CompilerError(f"llvmlite rejected the LLVM IR: {error}", reproducer=path,
                            command=f"python -c \"import llvmlite.binding as l; "
                                    f"l.parse_assembly(open('{path}').read()).verify()\"") from None
    module.triple = target.triple
    module.data_layout = str(machine.target_data)
    if allocator.needed(llvm_ir):
        allocator.link_into(module)
    hide_wrapped_functions(module)
    tuning = llvm.create_pipeline_tuning_options(3)
    tuning.loop_vectorization = True
    tuning.slp_vectorization = True
    builder = llvm.create_pass_builder(machine, tuning)
    builder.getModulePassManager().run(module, builder)
    return str(module), machine.emit_object(module)
