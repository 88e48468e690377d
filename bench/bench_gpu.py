"""GPU benchmarks (H100 goals from issue 8): W1 at 4M and 64M elements and row softmax 4096x1024 and a sum of 64M
as % of HBM bandwidth, matmul 4096^3 fp32 against torch.matmul (TF32 off: % of cuBLAS), per-call overhead of a
1-kernel function. Medians over repeats, timed with a device synchronize around each batch. Each line names the
kernel strategies its function compiled to (passes/gpu_strategies.py).

    python bench/bench_gpu.py [--hbm-gbs GBS] [--quick]

The HBM bandwidth comes from --hbm-gbs, else from the driver's device name (H100 SXM 3350 GB/s, H100 PCIe 2000,
H200 4800, A100 2039 for 80GB SXM), else 3350. Exits 2 ("not applicable") where no GPU/libcuda is present
(compiling needs none: see tests/e2e/test_cuda_* and tests/unit/test_cuda_strategies.py).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np


def timed(fn, synchronize, repeat=7, number=5) -> float:
    """Median seconds per call over `repeat` batches of `number` calls."""
    fn()
    synchronize()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        synchronize()
        samples.append((time.perf_counter() - start) / number)
    return statistics.median(samples)


# (substring of the driver's device name, HBM GB/s from the data sheet); the first match wins
BANDWIDTHS = [("H100 PCIe", 2000.0), ("H100 NVL", 3900.0), ("H100", 3350.0), ("H200", 4800.0), ("GH200", 4000.0),
              ("A100-PCIE-40GB", 1555.0), ("A100", 2039.0), ("L40S", 864.0), ("L4", 300.0)]


def hbm_bandwidth(product: str) -> float | None:
    return next((gbs for key, gbs in BANDWIDTHS if key in product), None)


def strategy_names(function, *args) -> str:
    """The kernel strategies `function` compiled to for `args`, e.g. "row-fused" or "grid-reduction x2"."""
    from tfc.passes import gpu
    artifact = gpu.compile_cuda(function.get_concrete_function(*args).graph, "bench", assemble=False)
    names = [s.name for s in artifact.strategies]
    return ", ".join(f"{n} x{names.count(n)}" if names.count(n) > 1 else n for n in dict.fromkeys(names))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hbm-gbs", type=float, default=None, help="HBM bandwidth of the GPU in GB/s "
                        "(default: from the device name; H100 SXM: 3350)")
    parser.add_argument("--quick", action="store_true", help="smaller sizes (smoke test)")
    args = parser.parse_args()

    import tfc
    from tfc.runtime import cuda
    try:
        dev = cuda.device()
    except cuda.CudaError as error:
        print(f"bench_gpu: no GPU here ({error}); nothing measured. Run it on a machine with an NVIDIA GPU.")
        return 2
    product = dev.product_name
    hbm = args.hbm_gbs or hbm_bandwidth(product) or 3350.0
    print(f"device: {product}, compute capability {dev.compute_capability}, HBM {hbm:.0f} GB/s"
          f"{'' if args.hbm_gbs or hbm_bandwidth(product) else ' (assumed: unknown device name)'}")
    sync = dev.synchronize

    def bandwidth(label: str, fn, nbytes: int, strategy: str) -> None:
        seconds = timed(fn, sync)
        gbs = nbytes / seconds / 1e9
        print(f"{label:<30} {seconds * 1e6:10.1f} us  {gbs:8.0f} GB/s  {100 * gbs / hbm:5.1f}% of HBM  [{strategy}]")

    w1 = tfc.function(lambda a, b: tfc.math.exp((a + b) * b), target="cuda")
    for n in ((1 << 20,) if args.quick else (4 << 20, 64 << 20)):
        a = tfc.constant(np.random.rand(n).astype(np.float32)).gpu()
        b = tfc.constant(np.random.rand(n).astype(np.float32)).gpu()
        w1(a, b)
        bandwidth(f"W1 exp((a+b)*b) n={n >> 20}M", lambda: w1(a, b), 3 * 4 * n, strategy_names(w1, a, b))

    rows, cols = (256, 1024) if args.quick else (4096, 1024)
    softmax = tfc.function(tfc.nn.softmax, target="cuda")
    x = tfc.constant(np.random.rand(rows, cols).astype(np.float32)).gpu()
    bandwidth(f"row softmax {rows}x{cols}", lambda: softmax(x), 2 * 4 * rows * cols, strategy_names(softmax, x))

    n = (1 << 20) if args.quick else (64 << 20)
    total = tfc.function(lambda v: tfc.reduce_sum(v), target="cuda")
    v = tfc.constant(np.random.rand(n).astype(np.float32)).gpu()
    bandwidth(f"sum of {n >> 20}M", lambda: total(v), 4 * n, strategy_names(total, v))

    size = 512 if args.quick else 4096
    matmul = tfc.function(tfc.matmul, target="cuda")
    ma = tfc.constant(np.random.rand(size, size).astype(np.float32)).gpu()
    mb = tfc.constant(np.random.rand(size, size).astype(np.float32)).gpu()
    seconds = timed(lambda: matmul(ma, mb), sync, repeat=3, number=1)
    tflops = 2 * size ** 3 / seconds / 1e12
    line = (f"matmul {size}^3 fp32 [{strategy_names(matmul, ma, mb)}] {seconds * 1e3:10.2f} ms  "
            f"{tflops:8.2f} TFLOP/s")
    try:
        import torch
    except ImportError:
        torch = None
    if torch is None:
        line += "  (torch not installed: no cuBLAS comparison)"
    elif not torch.cuda.is_available():
        line += "  (torch has no CUDA here: no cuBLAS comparison)"
    else:
        torch.backends.cuda.matmul.allow_tf32 = False  # cuBLAS in true fp32, as tfc's kernel
        torch.backends.cudnn.allow_tf32 = False
        ta, tb = torch.rand(size, size, device="cuda"), torch.rand(size, size, device="cuda")
        torch_seconds = timed(lambda: torch.matmul(ta, tb), torch.cuda.synchronize, repeat=3, number=3)
        line += (f"  torch {2 * size ** 3 / torch_seconds / 1e12:.2f} TFLOP/s -> {100 * torch_seconds / seconds:.1f}%"
                 " of cuBLAS")
    print(line)

    tiny = tfc.function(lambda s: s + 1.0, target="cuda")
    s = tfc.constant(np.zeros(1, np.float32)).gpu()
    seconds = timed(lambda: tiny(s), sync, repeat=7, number=200)
    print(f"per-call overhead, 1 kernel          {seconds * 1e6:10.1f} us  (Python + launch, device tensors)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
