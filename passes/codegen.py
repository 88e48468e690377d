"""LLVM IR -> optimized LLVM IR -> object code, through llvmlite (whose LLVM is 22, like the MLIR tools)."""
from __future__ import annotations

import functools

from tfc.errors import CompilerError

from .mlir_tools import reproducer_dir
from .target import Target


@functools.lru_cache(maxsize=None)
def _target_machine(target: Target):
    import llvmlite.binding as llvm

    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()
    return llvm.Target.from_triple(target.triple).create_target_machine(
        cpu=target.cpu, features=target.features, opt=3, reloc="pic", codemodel="default")


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
    hide_wrapped_functions(module)
    tuning = llvm.create_pipeline_tuning_options(3)
    tuning.loop_vectorization = True
    tuning.slp_vectorization = True
    builder = llvm.create_pass_builder(machine, tuning)
    builder.getModulePassManager().run(module, builder)
    return str(module), machine.emit_object(module)
