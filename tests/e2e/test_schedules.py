"""The shapes the codegen schedules (passes/schedules.py) special-case, compiled and compared with numpy:
parallel elementwise chunks with remainders, 1-row and tiny (serial) kernels, and shapes that must fall back to
the generic path. Each case also asserts which strategy was chosen, so losing a special case fails here.
(Matmuls are tfc's own kernel, not a schedule: tests/e2e/test_matmul_kernel.py.)"""
import numpy as np
import pytest

import tfc
from tfc.passes import graph_passes, schedules

from conftest import assert_same


def _chain(a, b):
    return tfc.math.exp((a + b) * b) + tfc.math.tanh(a) * 0.5


def _np_chain(a, b):
    return np.exp((a + b) * b) + np.tanh(a) * np.float32(0.5)


def _strategy(fn, *args):
    concrete = tfc.function(fn).get_concrete_function(*args)
    chosen = schedules.choose(graph_passes.optimize(concrete.graph))
    return chosen.name if chosen else "generic"


@pytest.mark.parametrize("shape,strategy", [((1 << 22,), "elementwise"), (((1 << 17) + 3,), "elementwise"),
                                            ((1023, 131), "elementwise"), ((1, 200_003), "elementwise"),
                                            ((7,), "generic"), ((3, 5), "generic")])
def test_elementwise_chain(shape, strategy):
    rng = np.random.default_rng(1)
    a, b = (rng.random(shape, dtype=np.float32) for _ in range(2))
    assert _strategy(_chain, a, b) == strategy
    assert_same(tfc.function(_chain)(a, b).numpy(), _np_chain(a, b), rtol=2e-6)


def _layer_norm(x, scale):
    cols = x.shape[-1]
    centered = x - tfc.reduce_sum(x, axis=-1, keepdims=True) * (1.0 / cols)
    variance = tfc.reduce_sum(centered * centered, axis=-1, keepdims=True) * (1.0 / cols)
    return centered / tfc.math.sqrt(variance + 1e-5) * scale


def _np_layer_norm(x, scale):
    x = x.astype(np.float64)
    centered = x - x.mean(axis=-1, keepdims=True)
    return (centered / np.sqrt((centered * centered).mean(axis=-1, keepdims=True) + 1e-5) * scale).astype(np.float32)


@pytest.mark.parametrize("shape,strategy", [((512, 1024), "rows"), ((4099, 33), "rows"), ((1, 200_003), "rows"),
                                            ((200_003, 1), "rows"), ((3, 5), "generic")])
def test_row_wise_layer_norm(shape, strategy, monkeypatch):
    monkeypatch.delenv("TFC_NUM_THREADS", raising=False)
    rng = np.random.default_rng(5)
    x = rng.standard_normal(shape, dtype=np.float32)
    scale = rng.random(shape[-1:], dtype=np.float32)
    assert _strategy(_layer_norm, x, scale) == strategy
    assert_same(tfc.function(_layer_norm)(x, scale).numpy(), _np_layer_norm(x, scale), rtol=2e-4)


def test_row_sums_without_keepdims_take_the_generic_path():
    x = np.random.default_rng(6).random((1024, 256), dtype=np.float32)
    row_sums = lambda v: tfc.reduce_sum(v * 2.0, axis=-1)  # noqa: E731
    assert _strategy(row_sums, x) == "generic"  # the output has no columns: not a row-tiled graph
    assert_same(tfc.function(row_sums)(x).numpy(), (x.astype(np.float64) * 2).sum(-1).astype(np.float32), rtol=1e-5)


def test_single_thread_rows_hoist_the_row_temporary(monkeypatch):
    """Serial mode: the row temporary is allocated once before the loop, not once per row (stack/heap churn)."""
    monkeypatch.setenv("TFC_NUM_THREADS", "1")
    x = np.random.default_rng(6).random((8192, 64), dtype=np.float32)
    fn = tfc.function(_layer_norm)
    assert_same(fn(x, x[0]).numpy(), _np_layer_norm(x, x[0]), rtol=2e-4)
    concrete = fn.get_concrete_function(x, x[0])
    bufferized = concrete.as_text("bufferized")
    loop = bufferized.index("scf.for")
    assert "memref.alloc" in bufferized[:loop] and "memref.alloc" not in bufferized[loop:]


def test_single_thread_mode_gives_the_same_bits(monkeypatch):
    rng = np.random.default_rng(4)
    a, b = (rng.random((1 << 18,), dtype=np.float32) for _ in range(2))
    parallel = tfc.function(_chain)(a, b).numpy()
    monkeypatch.setenv("TFC_NUM_THREADS", "1")
    fn = tfc.function(_chain)
    serial = fn(a, b).numpy()
    assert fn.get_concrete_function(a, b)._artifact.manifest.get("needs", []) == []  # no libomp in serial mode
    np.testing.assert_array_equal(serial, parallel)


def test_a_failing_schedule_falls_back_to_the_generic_path(monkeypatch, capsys):
    broken = schedules.Schedule("broken", schedules._module("\n    transform.no_such_op %root : !transform.any_op"))
    monkeypatch.setattr(schedules, "choose", lambda graph, threads=0: broken)
    monkeypatch.setenv("TFC_TIMING", "1")
    a = np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4)
    assert_same(tfc.function(_chain)(a, a).numpy(), _np_chain(a, a), rtol=2e-6)
    assert "the broken schedule failed, using the generic path" in capsys.readouterr().err


FULL_REDUCTIONS = [  # (shape, expected strategy)
    ((1 << 22,), "full-reduction"),
    ((1_000_003,), "full-reduction"),      # 64 chunks do not divide it: a shorter last chunk
    ((300, 1001), "full-reduction"),       # rank 2: chunks of rows, 300 = 4*64 + 44
    ((64, 3000), "full-reduction"),        # exactly one row per chunk
    ((2048, 64, 3), "full-reduction"),     # rank 3, odd innermost axis
    ((63, 5000), "generic"),               # fewer rows than chunks
    ((1000,), "generic"),                  # tiny: serial
]


@pytest.mark.parametrize("shape,strategy", FULL_REDUCTIONS)
@pytest.mark.parametrize("name", ["reduce_sum", "reduce_max", "reduce_min", "reduce_prod"])
def test_full_reduction(shape, strategy, name):
    rng = np.random.default_rng(7)
    x = rng.standard_normal(shape, dtype=np.float32)
    if name == "reduce_prod":  # factors whose product is exact: signs and a few 2s
        x = rng.choice(np.array([1, 1, 1, -1], np.float32), shape)
        x.flat[rng.integers(0, x.size, 20)] = 2  # the product is +-2**k, exact
    reduce = getattr(tfc, name)
    fn = tfc.function(lambda v: reduce(v))
    assert _strategy(lambda v: reduce(v), x) == strategy
    expected = getattr(np, name[len("reduce_"):])(x.astype(np.float64))
    if name == "reduce_sum":
        # A sum of a million N(0,1) values is ~1 out of terms totalling ~8e5 in magnitude: float32 rounding in any
        # summation order is ~1e-3 of the result, so bound the error by the terms' magnitude instead (1e-7 of
        # sum|x|, ~200x the rounding seen; a dropped element or chunk is far larger).
        got = fn(x).numpy()
        assert got.dtype == np.float32 and abs(float(got) - expected) <= 1e-7 * np.abs(x).astype(np.float64).sum()
    else:
        assert_same(fn(x).numpy(), np.float32(expected), rtol=1e-4 if name == "reduce_prod" else 0)
    if strategy != "generic":  # the schedule really ran: partial results combined by a linalg.reduce
        assert "linalg.reduce" in fn.get_concrete_function(x).as_text("fused")


def test_full_reduction_of_booleans_and_ints():
    rng = np.random.default_rng(8)
    flags = rng.random((1 << 18,)) < 0.999999
    ints = rng.integers(-1000, 1000, (1 << 18) + 5, dtype=np.int32)
    assert _strategy(lambda v: tfc.reduce_all(v), flags) == "full-reduction"
    assert bool(tfc.function(lambda v: tfc.reduce_all(v))(flags).numpy()) == bool(flags.all())
    assert bool(tfc.function(lambda v: tfc.reduce_any(v))(~flags).numpy()) == bool((~flags).any())
    assert int(tfc.function(lambda v: tfc.reduce_sum(v))(ints).numpy()) == int(ints.sum(dtype=np.int32))


def test_full_reductions_that_keep_the_generic_path():
    x = np.random.default_rng(9).random((1 << 18,), dtype=np.float32)
    keep = lambda v: tfc.reduce_sum(v, keepdims=True)  # noqa: E731  (a reshape follows the reduction)
    mean = lambda v: tfc.reduce_mean(v)  # noqa: E731  (a division follows the reduction)
    assert _strategy(keep, x) == "generic" and _strategy(mean, x) == "generic"
    assert_same(tfc.function(keep)(x).numpy(), x.astype(np.float64).sum(keepdims=True).astype(np.float32), rtol=1e-5)
    assert_same(tfc.function(mean)(x).numpy(), np.float32(x.astype(np.float64).mean()), rtol=1e-5)


def test_single_thread_full_reduction_gives_the_same_bits(monkeypatch):
    x = np.random.default_rng(10).standard_normal((1 << 20) + 7, dtype=np.float32)
    parallel = tfc.function(lambda v: tfc.reduce_sum(v))(x).numpy()
    monkeypatch.setenv("TFC_NUM_THREADS", "1")
    np.testing.assert_array_equal(tfc.function(lambda v: tfc.reduce_sum(v))(x).numpy(), parallel)


def test_parallel_loops_are_scheduled_on_demand(monkeypatch):
    """Every OpenMP loop gets guided scheduling (passes/pipeline.py: a core busy with something else must not pace
    the kernel), and the results keep the bits of the one-thread build."""
    x = np.random.default_rng(11).random((512, 1024), dtype=np.float32)
    softmax = tfc.function(lambda v: tfc.nn.softmax(v))
    concrete = softmax.get_concrete_function(x)
    assert "omp.wsloop schedule(guided)" in concrete.as_text("llvm-dialect")
    assert "__kmpc_dispatch_init" in concrete.as_text("llvm-unoptimized")
    threaded = softmax(x).numpy()
    monkeypatch.setenv("TFC_NUM_THREADS", "1")
    assert np.array_equal(tfc.function(lambda v: tfc.nn.softmax(v))(x).numpy(), threaded)
