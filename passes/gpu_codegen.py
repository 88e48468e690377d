"""Kernel bitcode -> PTX (llvmlite, NVPTX backend) -> sm_XX cubin (ptxas, when installed).

    gpu-module-to-binary{format=llvm} bitcode, one blob per gpu.module
    -> llvmlite: link all kernels + libdevice (for __nv_expf & co.), internalize everything but the kernels, O3
    -> NVPTX target machine (cpu sm_90, +ptx80) -> PTX text -> `ptxas -arch=sm_90` -> cubin
"""
from __future__ import annotations

import functools
import glob
import os
import re
import shutil
import subprocess
import tempfile

from tfc.errors import CompilerError

from .mlir_tools import reproducer_dir
from .target import Target

LIBDEVICE = os.path.join("nvvm", "libdevice", "libdevice.10.bc")


@functools.lru_cache(maxsize=None)
def cuda_toolkit() -> str | None:
    """The CUDA toolkit root holding libdevice: $TFC_CUDA_PATH / $CUDA_HOME / $CUDA_PATH, then the folder of
    `ptxas` (following symlinks and one-line `exec` wrapper scripts), then /usr/local/cuda*."""
    candidates = [os.environ.get(v) for v in ("TFC_CUDA_PATH", "CUDA_HOME", "CUDA_PATH")]
    ptxas = shutil.which("ptxas")
    if ptxas:
        real = os.path.realpath(ptxas)
        candidates.append(os.path.dirname(os.path.dirname(real)))
        try:
            with open(real, "rb") as f:
                head = f.read(4096)
            wrapped = re.search(rb"exec\s+(\S+)/bin/ptxas", head)  # e.g. /usr/local/bin/ptxas -> cuda-13.0
            if wrapped:
                candidates.append(wrapped.group(1).decode())
        except OSError:
            pass
    candidates += sorted(glob.glob("/usr/local/cuda*"), reverse=True)
    for root in candidates:
        if root and os.path.isfile(os.path.join(root, LIBDEVICE)):
            return root
    return None


def decode_mlir_string(text: str) -> bytes:
    """The bytes of an MLIR string literal body (non-printable bytes are printed as \\XX)."""
    out, i = bytearray(), 0
    while i < len(text):
        if text[i] == "\\" and text[i + 1] == "\\":  # an escaped backslash
            out.append(0x5C)
            i += 2
        elif text[i] == "\\":
            out.append(int(text[i + 1:i + 3], 16))
            i += 3
        else:
            out.append(ord(text[i]))
            i += 1
    return bytes(out)


def bitcode_blobs(module: str) -> list[bytes]:
    """The `offload = "..."` bitcode of every gpu.binary in the module."""
    blobs = [decode_mlir_string(m) for m in re.findall(r'offload = "((?:[^"\\]|\\\\|\\[0-9A-Fa-f]{2})*)"', module)]
    if not blobs:
        raise CompilerError("gpu-module-to-binary produced no kernel bitcode")
    return blobs


@functools.lru_cache(maxsize=None)
def _target_machine(target: Target):
    import llvmlite.binding as llvm

    llvm.initialize_all_targets()
    llvm.initialize_all_asmprinters()
    return llvm.Target.from_triple(target.triple).create_target_machine(cpu=target.cpu, features=target.features,
                                                                         opt=3)


@functools.lru_cache(maxsize=None)
def _libdevice_bitcode() -> bytes | None:
    root = cuda_toolkit()
    if root is None:
        return None
    with open(os.path.join(root, LIBDEVICE), "rb") as f:
        return f.read()


def to_ptx(blobs: list[bytes], kernels: list[str], target: Target) -> tuple[str, str]:
    """(optimized LLVM IR, PTX) of the kernels: linked, libdevice resolved, non-kernels internal, O3."""
    import llvmlite.binding as llvm

    machine = _target_machine(target)
    module = llvm.parse_bitcode(blobs[0])
    for blob in blobs[1:]:
        module.link_in(llvm.parse_bitcode(blob))
    needs_libdevice = any(f.is_declaration and f.name.startswith("__nv_") for f in module.functions)
    if needs_libdevice:
        libdevice = _libdevice_bitcode()
        if libdevice is None:
            missing = sorted(f.name for f in module.functions if f.is_declaration and f.name.startswith("__nv_"))
            raise CompilerError(f"the kernels call {', '.join(missing)} from libdevice, but no CUDA toolkit was "
                                f"found (looked for {LIBDEVICE} under $TFC_CUDA_PATH, $CUDA_HOME, the folder of "
                                "ptxas and /usr/local/cuda*); set TFC_CUDA_PATH to the toolkit root")
        module.link_in(llvm.parse_bitcode(libdevice))
    kernel_names = set(kernels)
    for function in module.functions:
        if not function.is_declaration and function.name not in kernel_names:
            function.linkage = "internal"  # lets O3 inline libdevice and drop what is unused
    module.triple = target.triple
    module.data_layout = str(machine.target_data)
    try:
        module.verify()
    except RuntimeError as error:
        path = _save(str(module), ".ll")
        raise CompilerError(f"llvmlite rejected the kernel IR: {error}", reproducer=path,
                            command=f"llc -march=nvptx64 -mcpu={target.cpu} -mattr={target.features} {path}")
    tuning = llvm.create_pipeline_tuning_options(3)
    builder = llvm.create_pass_builder(machine, tuning)
    builder.getModulePassManager().run(module, builder)
    return str(module), machine.emit_assembly(module)


def _save(text: str, suffix: str) -> str:
    fd, path = tempfile.mkstemp(prefix="tfc-cuda-", suffix=suffix, dir=reproducer_dir())
    with os.fdopen(fd, "w") as f:
        f.write(text)
    return path


def ptxas_available() -> bool:
    return shutil.which("ptxas") is not None


def assemble(ptx: str, target: Target) -> tuple[bytes, str]:
    """(cubin, ptxas -v report) for the PTX; raises CompilerError with the saved PTX when ptxas rejects it."""
    ptxas = shutil.which("ptxas")
    if ptxas is None:
        raise CompilerError("ptxas was not found on PATH (install the CUDA toolkit to assemble cubins)")
    with tempfile.TemporaryDirectory(prefix="tfc-ptxas-") as folder:
        source, cubin = os.path.join(folder, "kernels.ptx"), os.path.join(folder, "kernels.cubin")
        with open(source, "w") as f:
            f.write(ptx)
        command = [ptxas, f"-arch={target.cpu}", "-v", "-o", cubin, source]
        proc = subprocess.run(command, capture_output=True, text=True)
        if proc.returncode:
            path = _save(ptx, ".ptx")
            raise CompilerError(f"ptxas rejected the generated PTX:\n{proc.stderr.strip()}", reproducer=path,
                                command=f"ptxas -arch={target.cpu} {path}")
        with open(cubin, "rb") as f:
            return f.read(), proc.stderr
