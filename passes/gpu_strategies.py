"""The GPU kernel strategy of each launch, as data you can print (the CUDA counterpart of passes/schedules.py).

`gpu_launch.parallel_to_launch` and `gpu_contraction.contractions_to_launch` choose one Strategy per gpu.launch
they write; the compile keeps them in order (`CudaArtifact.strategies`), prints them with TFC_TIMING=1, dumps
them as the `strategies` stage and copies each into its launch step of the plan (`step["strategy"]`).

Strategies, by op class (parameters below; kernels in gpu_reduce.py, gpu_elementwise.py, gpu_contraction.py):
- naive:          any loop nest; thread = one element of the linearized parallel dimensions, 256 per block,
                  reductions a serial loop per thread (the fallback for everything not listed below).
- serial:         host statements with no parallel dimension that are not a recognized reduction: 1 thread.
- elementwise-v4: a fused elementwise loop nest whose innermost size is a multiple of 4 (or rank 1, with a
                  scalar tail): each thread loads/stores 4 consecutive elements as one 16-byte vector
                  (`ld.global.nc.v4` / `st.global.v4`), 256 threads per block.
- row-fused:      consecutive loop nests over the same rows with at least one reduction over the innermost axis
                  (softmax, layer-norm, reduce_* over the last axis): one block per row runs every nest as a
                  phase separated by barriers; reductions are strided partials, then warp shuffles and one
                  workgroup slot per warp.
- grid-reduction: a reduction over every element (a sum of 64M): GRID_PARTIALS blocks write one partial each,
                  a second one-block launch combines them in a fixed order (deterministic); small ones: one block.
- tiled-matmul:   contractions (matmul, batched matmul, conv2d as implicit GEMM): BM x BN block tiles, BK-deep
                  workgroup tiles of A and B, TM x TN outputs per thread accumulated with FMA.

All of them are validated by `ptxas -arch=sm_90` and CPU models of their index math, not yet on a GPU.
"""
from __future__ import annotations

import dataclasses

THREADS_PER_BLOCK = 256      # naive, elementwise, reductions
VECTOR = 4                   # elements per 16-byte f32 vector of the elementwise strategy
ROW_MIN_REDUCTION = 32       # below this many elements per row a thread per row (naive) is better
GRID_PARTIALS = 1024         # at most this many blocks (partials) in a grid reduction (H100: 132 SMs x 8 blocks)
GRID_ELEMENTS_PER_THREAD = 16  # fewer blocks than that many elements per thread would idle threads


def threads_for(work: int) -> int:
    """Threads per block for `work` elements per block: a multiple of 32 (whole warps), at most 256."""
    return min(THREADS_PER_BLOCK, max(32, -(-work // 32) * 32))


@dataclasses.dataclass(frozen=True)
class Strategy:
    name: str                          # naive, serial, elementwise-v4, row-fused, grid-reduction, tiled-matmul
    op_class: str                      # elementwise, row-reduction, full-reduction, contraction, other
    grid: tuple[int, int, int]
    block: tuple[int, int, int]
    shared_bytes: int = 0              # static workgroup memory of the kernel
    params: tuple[tuple[str, int], ...] = ()

    def as_dict(self) -> dict:
        return {"name": self.name, "op_class": self.op_class, "grid": list(self.grid), "block": list(self.block),
                "shared_bytes": self.shared_bytes, "params": dict(self.params)}

    def describe(self) -> str:
        params = " ".join(f"{k}={v}" for k, v in self.params)
        grid = "x".join(map(str, self.grid))
        block = "x".join(map(str, self.block))
        return (f"{self.name:<15} {self.op_class:<14} grid {grid:<12} block {block:<10} smem {self.shared_bytes:>6} B"
                + (f"  {params}" if params else ""))


def fingerprint() -> str:
    """Every tunable above, for the in-process compile memo."""
    return repr([(k, v) for k, v in sorted(globals().items()) if k.isupper() and isinstance(v, int)])


def describe_all(strategies: list[Strategy]) -> str:
    """One line per launch, in launch order (the `strategies` stage)."""
    return "\n".join(f"launch {i}: {s.describe()}" for i, s in enumerate(strategies)) + "\n"
