"""Is this host able to run a library compiled for a given target? Checked before the library is loaded, because
running an instruction the CPU lacks kills the process with SIGILL instead of raising."""
from __future__ import annotations

import functools
import platform

from .errors import TfcError

__all__ = ["IncompatibleTargetError", "check_target", "host_cpu_flags", "host_fingerprint"]

# LLVM feature name -> /proc/cpuinfo flag, for the x86 features code generation actually uses. Features missing
# here are not checked (LLVM lists ~150; most never change which instructions get emitted for tfc's kernels).
LLVM_TO_CPUINFO = {
    "sse2": "sse2", "sse3": "pni", "ssse3": "ssse3", "sse4.1": "sse4_1", "sse4.2": "sse4_2", "popcnt": "popcnt",
    "avx": "avx", "avx2": "avx2", "fma": "fma", "f16c": "f16c", "bmi": "bmi1", "bmi2": "bmi2", "lzcnt": "abm",
    "movbe": "movbe", "avx512f": "avx512f", "avx512dq": "avx512dq", "avx512bw": "avx512bw",
    "avx512vl": "avx512vl", "avx512cd": "avx512cd", "avx512vnni": "avx512_vnni", "avx512bf16": "avx512_bf16",
    "avx512vbmi": "avx512vbmi", "avx512vbmi2": "avx512_vbmi2", "avx512ifma": "avx512ifma",
    "avx512fp16": "avx512_fp16", "avx512bitalg": "avx512_bitalg", "avx512vpopcntdq": "avx512_vpopcntdq",
    "amx-tile": "amx_tile", "amx-bf16": "amx_bf16", "amx-int8": "amx_int8", "avxvnni": "avx_vnni",
}

# The architecture part of an LLVM triple -> the names platform.machine() gives for it.
_ARCH_NAMES = {"x86_64": {"x86_64", "amd64"}, "aarch64": {"aarch64", "arm64"}, "arm64": {"aarch64", "arm64"}}


class IncompatibleTargetError(TfcError):
    """A compiled library was built for another CPU or architecture than this host's."""


@functools.lru_cache(maxsize=None)
def host_cpu_flags() -> frozenset[str] | None:
    """The `flags` of /proc/cpuinfo (None where there is no such file: then features are not checked)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith(("flags", "Features")):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return None


@functools.lru_cache(maxsize=None)
def host_fingerprint() -> str:
    """A cheap stand-in for LLVM's host target in cache keys (no llvmlite needed): machine, CPU model, flags."""
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith(("model name", "cpu model", "CPU part")):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{platform.machine()}|{model}|{' '.join(sorted(host_cpu_flags() or ()))}"


def required_features(features: str) -> list[str]:
    """The enabled (+name) LLVM features of a comma-separated feature string."""
    return [f[1:] for f in features.split(",") if f.startswith("+")]


def check_target(target: dict, where: str, flags: frozenset[str] | None = None) -> None:
    """Raises IncompatibleTargetError when this host cannot run code built for `target` (a manifest's target)."""
    if target.get("kind", "cpu") != "cpu":
        return
    arch = (target.get("triple") or "").split("-")[0]
    machine = platform.machine().lower()
    if arch and arch in _ARCH_NAMES and machine not in _ARCH_NAMES[arch]:
        raise IncompatibleTargetError(f"{where} was compiled for {arch} ({target.get('triple')}) but this machine "
                                      f"is {machine}: compile it again on (or for) this machine")
    flags = host_cpu_flags() if flags is None else flags
    if flags is None or not arch.startswith("x86"):
        return
    missing = [f for f in required_features(target.get("features", ""))
               if f in LLVM_TO_CPUINFO and LLVM_TO_CPUINFO[f] not in flags]
    if missing:
        raise IncompatibleTargetError(
            f"{where} was compiled for CPU {target.get('cpu')!r} with features this CPU lacks: "
            f"{', '.join('+' + m for m in missing)}; running it would crash with an illegal instruction. Compile it "
            f"for a baseline CPU (`tfc compile --cpu x86-64-v2`) or on this machine")
