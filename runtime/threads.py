"""tfc's threads and numpy's share the cores: each pool's idle workers go to sleep within about a millisecond.

A numpy + tfc process has two thread pools: LLVM's OpenMP runtime (tfc's parallel kernels) and OpenBLAS
(numpy's matmuls). After each call both keep their workers spinning before they sleep: libomp for
KMP_BLOCKTIME = 200 ms, OpenBLAS for 2^28 cycles (~0.1 s). On a 2-core machine, 100 ms of idle Python after
one tfc call cost 100 ms of CPU (a core spinning), after one numpy matmul 190 ms; and a pool that spins takes a
core from the other pool's next call: a 256x784x512 tfc matmul interleaved with numpy's took 3.1 ms (median)
instead of 1.1 ms alone.

So, unless the user set them, tfc sets at import:
- KMP_BLOCKTIME=1 (ms): the parallel loops of one compiled call start microseconds apart and still find the
  workers awake; between calls they sleep (idle CPU after a call: 100 -> 1 ms).
- OPENBLAS_THREAD_TIMEOUT=20 (2^20 cycles, ~0.4 ms): the same for numpy's BLAS workers (190 -> 1.6 ms). OpenBLAS
  reads it once, when numpy is imported, so it is set only if numpy is not imported yet (`import tfc` first);
  otherwise it would change nothing here and only reach child processes.
libomp reads KMP_BLOCKTIME when its first parallel region starts, after tfc's first compiled library loads.
"""
from __future__ import annotations

import os
import sys

OPENMP_BLOCKTIME_MS = "1"
OPENBLAS_TIMEOUT_LOG2_CYCLES = "20"


def share_cores() -> dict[str, str]:
    """Sets the defaults above where the user has not; returns the ones it set."""
    chosen = {"KMP_BLOCKTIME": OPENMP_BLOCKTIME_MS}
    if "numpy" not in sys.modules:
        chosen["OPENBLAS_THREAD_TIMEOUT"] = OPENBLAS_TIMEOUT_LOG2_CYCLES
    set_here = {name: value for name, value in chosen.items() if name not in os.environ}
    os.environ.update(set_here)
    return set_here


SET_AT_IMPORT = share_cores()
