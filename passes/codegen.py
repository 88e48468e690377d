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
    tuning = llvm.create_pipeline_tuning_options(3)
    tuning.loop_vectorization = True
    tuning.slp_vectorization = True
    builder = llvm.create_pass_builder(machine, tuning)
    builder.getModulePassManager().run(module, builder)
    return str(module), machine.emit_object(module)
