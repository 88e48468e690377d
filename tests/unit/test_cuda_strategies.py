"""The CUDA kernel strategies without a GPU (passes/gpu_strategies.py): which strategy each op class gets, what
the PTX then holds (ptxas -arch=sm_90 assembles it; `ptxas -v` reports registers, spills and shared memory),
and CPU models of each strategy's index math driven by the emitters' own parameters: every output element is
written exactly once and every load stays in bounds. Nothing here runs a kernel: the kernels are validated by
ptxas and these models only, not yet on hardware."""
import re
import shutil

import numpy as np
import pytest

import tfc
from tfc.passes import gpu, gpu_contraction, gpu_reduce, gpu_strategies

needs_ptxas = pytest.mark.skipif(shutil.which("ptxas") is None,
                                 reason="ptxas (CUDA toolkit) is not installed: PTX cannot be assembled here")


def compile_case(fn, *arrays, name="f"):
    concrete = tfc.function(fn).get_concrete_function(*arrays)
    return gpu.compile_cuda(concrete.graph, name, assemble=shutil.which("ptxas") is not None)


def kernel_report(artifact, kernel: str) -> dict:
    """ptxas -v's numbers for one kernel: registers, spill bytes, shared memory bytes."""
    section = artifact.ptxas_report.split(f"Compiling entry function '{kernel}'")[1].split("Compile time")[0]
    used = re.search(r"Used (\d+) registers.*?(?:, (\d+) bytes smem)?$", section, re.M)
    spills = [int(n) for n in re.findall(r"(\d+) bytes spill (?:stores|loads)", section)]
    return {"registers": int(used.group(1)), "spills": sum(spills), "smem": int(used.group(2) or 0)}


def strategies(artifact) -> list[str]:
    return [step["strategy"]["name"] for step in artifact.plan["steps"] if step["op"] == "launch"]


def ln(x):
    mean = tfc.reduce_mean(x, axis=-1, keepdims=True)
    centered = x - mean
    return centered / tfc.sqrt(tfc.reduce_mean(centered * centered, axis=-1, keepdims=True) + 1e-5)


# ------------------------------------------------------------------------------------------- PTX of each class
@needs_ptxas
def test_full_sum_is_a_two_launch_grid_reduction_with_shuffles():
    artifact = compile_case(lambda v: tfc.reduce_sum(v), np.zeros(1 << 26, np.float32), name="total")
    first, final = [s for s in artifact.plan["steps"] if s["op"] == "launch"]
    assert strategies(artifact) == ["grid-reduction", "grid-reduction"]
    assert first["grid"] == [gpu_strategies.GRID_PARTIALS, 1, 1] and first["block"] == [256, 1, 1]
    assert final["grid"] == [1, 1, 1] and final["block"] == [256, 1, 1]
    assert first["strategy"]["shared_bytes"] == 128  # one f32 slot per warp
    assert artifact.ptx.count("shfl.sync.bfly") == 20  # 2 kernels x 2 warp reductions x 5 butterfly steps
    assert "bar.sync" in artifact.ptx and "st.shared" in artifact.ptx and "malloc" not in artifact.ptx
    for step in (first, final):
        assert kernel_report(artifact, step["kernel"])["spills"] == 0


@needs_ptxas
def test_softmax_and_layer_norm_are_row_fused_blocks():
    softmax = compile_case(tfc.nn.softmax, np.zeros((4096, 1024), np.float32), name="softmax")
    (launch,) = softmax.plan["steps"]
    assert launch["strategy"]["name"] == "row-fused" and launch["grid"] == [4096, 1, 1]
    assert launch["strategy"]["params"]["phases"] == 6  # fill, max, exp, fill, sum, divide: one kernel
    assert softmax.ptx.count("shfl.sync.bfly") == 20 and softmax.ptx.count("bar.sync") >= 5
    assert kernel_report(softmax, launch["kernel"])["spills"] == 0
    norm = compile_case(ln, np.zeros((64, 1000), np.float32), name="ln")
    assert "row-fused" in strategies(norm) and "shfl.sync.bfly" in norm.ptx


@needs_ptxas
def test_row_reductions_over_other_axes_keep_the_naive_mapping():
    columns = compile_case(lambda v: tfc.reduce_sum(v, axis=0), np.zeros((1000, 64), np.float32), name="cols")
    assert strategies(columns) == ["naive"] or "row-fused" not in strategies(columns)
    short = compile_case(lambda v: tfc.reduce_sum(v, axis=-1), np.zeros((4096, 8), np.float32), name="short")
    assert "row-fused" not in strategies(short)  # 8 elements per row: a thread per row


@needs_ptxas
def test_matmul_is_tiled_with_shared_memory_and_fma_without_spills():
    a = np.zeros((4096, 4096), np.float32)
    artifact = compile_case(tfc.matmul, a, a, name="mm")
    (launch,) = artifact.plan["steps"]
    tile = gpu_contraction.LARGE
    assert launch["strategy"]["name"] == "tiled-matmul" and launch["grid"] == [4096 // tile.bn, 4096 // tile.bm, 1]
    assert launch["block"] == [tile.threads, 1, 1]
    report = kernel_report(artifact, launch["kernel"])
    assert report == {"registers": report["registers"], "spills": 0, "smem": tile.shared_bytes}
    assert artifact.ptx.count("fma.rn.f32") == tile.bk * tile.tm * tile.tn  # the unrolled k slice
    assert "ld.shared.v4" in artifact.ptx and "bar.sync" in artifact.ptx
    assert "malloc" not in artifact.ptx and "mma" not in artifact.ptx  # fp32 FMA, no tensor cores / TF32
    assert ".shared .align 16" in artifact.ptx  # the tiles' vector reads need it


@needs_ptxas
@pytest.mark.parametrize("shapes,kwargs,mnkb", [
    (((100, 70), (70, 50)), {}, (100, 50, 70, 1)),
    (((70, 100), (50, 70)), {"transpose_a": True, "transpose_b": True}, (100, 50, 70, 1)),
    (((3, 33, 17), (3, 17, 5)), {}, (33, 5, 17, 3)),
    (((3, 33, 17), (17, 5)), {}, (99, 5, 17, 1)),  # a shared B: the batch axis is part of M
])
def test_matmul_remainders_transposes_and_batches_use_the_tiled_kernel(shapes, kwargs, mnkb):
    arrays = [np.zeros(s, np.float32) for s in shapes]
    artifact = compile_case(lambda a, b: tfc.matmul(a, b, **kwargs), *arrays, name="mm")
    launches = [s for s in artifact.plan["steps"] if s["op"] == "launch"]
    assert [s["strategy"]["name"] for s in launches] == ["tiled-matmul"]
    params = launches[0]["strategy"]["params"]
    assert (params["M"], params["N"], params["K"], params["batch"]) == mnkb


@needs_ptxas
def test_conv2d_is_an_implicit_gemm_on_the_tiled_kernel():
    x, w = np.zeros((2, 16, 16, 8), np.float32), np.zeros((3, 3, 8, 16), np.float32)
    artifact = compile_case(lambda a, b: tfc.nn.conv2d(a, b, 1, "SAME"), x, w, name="conv")
    (launch,) = [s for s in artifact.plan["steps"] if s["op"] == "launch"]
    params = launch["strategy"]["params"]
    assert launch["strategy"]["name"] == "tiled-matmul"
    assert (params["M"], params["N"], params["K"]) == (2 * 16 * 16, 16, 3 * 3 * 8)
    assert not [b for b in artifact.plan["buffers"] if b["kind"] == "temp"]  # no im2col buffer


@needs_ptxas
@pytest.mark.parametrize("n,remainder", [(1 << 22, 0), (1001, 1)])
def test_elementwise_is_vectorized_with_a_scalar_tail(n, remainder):
    x = np.zeros(n, np.float32)
    artifact = compile_case(lambda a, b: tfc.math.exp((a + b) * b), x, x, name="w1")
    (launch,) = artifact.plan["steps"]
    assert launch["strategy"]["name"] == "elementwise-v4"
    assert launch["strategy"]["params"]["remainder"] == remainder
    assert len(re.findall(r"ld\.global\.nc\.v4\.(?:b|f)32", artifact.ptx)) == 2
    assert len(re.findall(r"st\.global\.v4\.(?:b|f)32", artifact.ptx)) == 1


@needs_ptxas
def test_vectorized_rows_with_a_broadcast_operand():
    artifact = compile_case(lambda a, b: a + b, np.zeros((64, 1000), np.float32), np.zeros(1000, np.float32))
    assert strategies(artifact) == ["elementwise-v4"]
    assert len(re.findall(r"ld\.global\.nc\.v4", artifact.ptx)) == 2


def test_rows_that_do_not_divide_into_vectors_stay_naive():
    artifact = gpu.compile_cuda(tfc.function(lambda a: a * 2.0).get_concrete_function(
        np.zeros((5, 7), np.float32)).graph, "odd", assemble=False)
    assert strategies(artifact) == ["naive"]


def test_strategies_are_a_printed_stage():
    artifact = gpu.compile_cuda(tfc.function(lambda v: tfc.reduce_max(v, axis=-1)).get_concrete_function(
        np.zeros((16, 256), np.float32)).graph, "rowmax", assemble=False)
    assert artifact.stages["strategies"].startswith("launch 0: row-fused")
    assert [s.name for s in artifact.strategies] == ["row-fused"]


def test_tfc_timing_prints_each_launch_strategy(monkeypatch, capsys):
    monkeypatch.setenv("TFC_TIMING", "1")
    gpu.compile_cuda(tfc.function(lambda v: tfc.reduce_sum(v)).get_concrete_function(
        np.zeros(123457, np.float32)).graph, "timed", assemble=False)
    err = capsys.readouterr().err
    assert "[tfc timing] timed (cuda)" in err
    assert "launch 0: grid-reduction" in err and "launch 1: grid-reduction" in err and "partials=" in err


# ------------------------------------------------------------------------------------- CPU models of the math
@pytest.mark.parametrize("m,n,k", [(128, 128, 8), (1000, 500, 300), (33, 5, 17), (1, 200, 1), (4096, 130, 9)])
def test_matmul_tiling_covers_each_output_once_and_loads_in_bounds(m, n, k):
    """The emitter's tile arithmetic (gpu_contraction._stage and _store), replayed with numpy."""
    t = gpu_contraction.choose_tile(m, n)
    written = np.zeros((m, n), np.int64)
    threads = np.arange(t.threads)
    ty, tx = threads // (t.bn // t.tn), threads % (t.bn // t.tn)
    for by in range(-(-m // t.bm)):
        for bx in range(-(-n // t.bn)):
            m0, n0 = by * t.bm, bx * t.bn
            for slice_ in range(-(-k // t.bk)):
                k0 = slice_ * t.bk
                for extent, origin, limit, k_fastest in ((t.bm, m0, m, True), (t.bn, n0, n, False)):
                    fast = t.bk if k_fastest else extent
                    first, lane = threads // fast, threads % fast
                    kk0, along0 = (lane, first) if k_fastest else (first, lane)
                    cells = np.zeros((t.bk, extent), np.int64)
                    for step in range(extent * t.bk // t.threads):
                        advance = step * (t.threads // fast)
                        kk = kk0 if k_fastest else kk0 + advance
                        along = along0 + advance if k_fastest else along0
                        o, kg = origin + along, k0 + kk
                        o_safe, k_safe = np.minimum(o, limit - 1), np.minimum(kg, k - 1)
                        assert (o_safe >= 0).all() and (o_safe < limit).all() and (k_safe < k).all()
                        np.add.at(cells, (kk, along), 1)
                    assert (cells == 1).all()  # every tile cell written once per slice, none outside
            for i in range(t.tm):
                r = m0 + ty * t.tm + i
                for j in range(t.tn):
                    c = n0 + tx * t.tn + j
                    keep = (r < m) & (c < n)
                    np.add.at(written, (r[keep], c[keep]), 1)
    assert (written == 1).all()


@pytest.mark.parametrize("total", [1, 31, 4096, 4097, 300 * 1001, 1 << 26])
def test_grid_reduction_visits_each_element_once(total):
    blocks, threads = gpu_reduce.grid_blocks(total)
    assert threads % 32 == 0 and 1 <= blocks <= gpu_strategies.GRID_PARTIALS
    if total > 1 << 22:  # the model below is O(total): check big sizes by their closed form
        assert blocks == gpu_strategies.GRID_PARTIALS
        return
    visits = np.zeros(total, np.int64)
    stride = blocks * threads
    for start in range(stride):
        np.add.at(visits, np.arange(start, total, stride), 1)
    assert (visits == 1).all()


@pytest.mark.parametrize("row", [32, 100, 1000, 1024, 5000])
def test_row_phases_cover_each_row_element_once(row):
    threads = gpu_strategies.threads_for(row)
    assert threads % 32 == 0 and threads <= 256
    visits = np.zeros(row, np.int64)
    for t in range(threads):
        np.add.at(visits, np.arange(t, row, threads), 1)
    assert (visits == 1).all()


@pytest.mark.parametrize("shape", [(1001,), (4,), (64, 1000), (3, 5, 8)])
def test_vector_groups_cover_each_element_once(shape):
    vector = gpu_strategies.VECTOR
    inner = shape[-1]
    groups_per_row = -(-inner // vector)
    groups = int(np.prod(shape[:-1])) * groups_per_row
    block = gpu_strategies.threads_for(groups)
    grid = -(-groups // block)
    visits = np.zeros(shape, np.int64).reshape(-1, inner)
    for linear in range(grid * block):
        if linear >= groups:
            continue
        row, group = divmod(linear, groups_per_row)
        base = group * vector
        assert base % vector == 0 and (row * inner + base) % vector == (0 if inner % vector == 0 else base % vector)
        lanes = [base + lane for lane in range(vector) if base + lane < inner]
        assert len(lanes) == vector or len(shape) == 1  # partial groups only in rank 1 (the scalar tail)
        visits[row, lanes] += 1
    assert (visits == 1).all()
