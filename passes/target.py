"""Compilation targets. A Target is frozen and hashable: it is part of every cache key and manifest."""
from __future__ import annotations

import dataclasses
import functools


@dataclasses.dataclass(frozen=True)
class Target:
    kind: str = "cpu"       # "cpu" or "cuda"
    triple: str = ""
    cpu: str = ""
    features: str = ""

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)

    @property
    def sm(self) -> int:
        """The CUDA compute capability as an int (90 for sm_90); only for cuda targets."""
        return int(self.cpu.removeprefix("sm_").rstrip("a"))


def cuda(sm: int = 90, ptx: int = 80) -> Target:
    """An NVIDIA GPU through NVVM: PTX `ptx/10` for `sm_<sm>` (sm_90 = H100). The PTX version must be new enough
    for the chip: LLVM's default (+ptx60) aborts the process for sm_90."""
    return Target("cuda", "nvptx64-nvidia-cuda", f"sm_{sm}", f"+ptx{ptx}")


def parse(text: str) -> Target:
    """"cpu" (the host), "cuda" (sm_90), or "cuda:sm_80" style spellings, as accepted by `tfc.function(target=)`."""
    kind, _, chip = text.partition(":")
    if kind == "cpu" and not chip:
        return host()
    if kind in ("cuda", "gpu"):
        return cuda(int(chip.removeprefix("sm_"))) if chip else cuda()
    raise ValueError(f"unknown target {text!r}; expected 'cpu', 'cuda' or 'cuda:sm_NN'")


@functools.lru_cache(maxsize=None)
def host() -> Target:
    """The machine we run on: its triple, CPU name and features, as LLVM sees them."""
    import llvmlite.binding as llvm

    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()
    return Target("cpu", llvm.get_process_triple(), llvm.get_host_cpu_name(),
                  llvm.get_host_cpu_features().flatten())


# LLVM CPU names whose widest vector registers are known without their feature list (`tfc compile --cpu NAME`
# gives a name only). Anything else defaults to 256 (AVX2-class): vector width changes speed, never results.
_CPU_VECTOR_BITS = {"x86-64": 128, "x86-64-v2": 128, "x86-64-v3": 256, "x86-64-v4": 512,
                    "skylake-avx512": 512, "cascadelake": 512, "cooperlake": 512, "icelake-server": 512,
                    "icelake-client": 512, "tigerlake": 512, "sapphirerapids": 512, "emeraldrapids": 512,
                    "graniterapids": 512, "znver4": 512, "znver5": 512, "haswell": 256, "broadwell": 256,
                    "skylake": 256, "alderlake": 256, "znver2": 256, "znver3": 256}


def host_vector_bits() -> int:
    """`vector_bits(host())` from the kernel's CPU flags, without llvmlite: importing it and probing the host
    take ~30 ms of a first compile, which the driver overlaps with the MLIR tools instead of lowering after it.
    A width that disagreed with LLVM's would change speed only (LLVM splits vectors wider than the CPU's)."""
    import platform

    from tfc.runtime.cpu import host_cpu_flags

    flags = host_cpu_flags()
    if flags is None:
        return vector_bits(host())
    if platform.machine().lower() not in ("x86_64", "amd64", "i686", "i386"):
        return 128  # vector_bits of any non-x86 feature list (NEON, ...)
    return 512 if "avx512f" in flags else 256 if "avx" in flags or "avx2" in flags else 128


def vector_bits(target: Target) -> int:
    """The width of the target CPU's vector registers in bits, for tfc's own kernels; 0 for non-CPU targets."""
    if target.kind != "cpu":
        return 0
    features = set(target.features.split(","))
    if features != {""}:
        if "+avx512f" in features:
            return 512
        if "+avx2" in features or "+avx" in features:
            return 256
        return 128
    return _CPU_VECTOR_BITS.get(target.cpu, 256)
