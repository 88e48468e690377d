"""Compilation targets. A Target is frozen and hashable: it is part of every cache key and manifest."""
from __future__ import annotations

import dataclasses
import functools


@dataclasses.dataclass(frozen=True)
class Target:
    kind: str = "cpu"       # "cpu" (later: "cuda")
    triple: str = ""
    cpu: str = ""
    features: str = ""

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


@functools.lru_cache(maxsize=None)
def host() -> Target:
    """The machine we run on: its triple, CPU name and features, as LLVM sees them."""
    import llvmlite.binding as llvm

    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()
    return Target("cpu", llvm.get_process_triple(), llvm.get_host_cpu_name(),
                  llvm.get_host_cpu_features().flatten())
