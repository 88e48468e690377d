"""Row-wise kernels and the codegen choices behind their speed (docs/performance.md): softmax as
exp(x - max) * (1 / sum) under the rows schedule, NaN-propagating max/min reductions with the cheaper nsz
lowering, and 512-bit vectors on AVX-512 hosts. numpy is the oracle, special values included."""
import numpy as np
import pytest

import tfc
from tfc.passes import codegen, graph_passes, schedules
from tfc.passes.target import Target, host

from conftest import assert_same


def _strategy(fn, *args):
    concrete = tfc.function(fn).get_concrete_function(*args)
    chosen = schedules.choose(graph_passes.optimize(concrete.graph))
    return chosen.name if chosen else "generic"


def _np_softmax(x):
    x = x.astype(np.float64)
    with np.errstate(invalid="ignore"):
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        return (e / e.sum(axis=-1, keepdims=True)).astype(np.float32)


def _softmax(x):
    return tfc.nn.softmax(x, axis=-1)


@pytest.mark.parametrize("shape,strategy", [((512, 1024), "rows"), ((4099, 33), "rows"), ((1, 200_003), "rows"),
                                            ((3, 5), "generic")])
def test_row_softmax_with_special_rows(shape, strategy, monkeypatch):
    monkeypatch.delenv("TFC_NUM_THREADS", raising=False)
    rng = np.random.default_rng(11)
    x = rng.standard_normal(shape, dtype=np.float32) * 10
    last = shape[-1] - 1
    x[0, last] = np.nan                      # a NaN in the row's last (remainder) lane: the whole row is NaN
    if shape[0] > 2:
        x[1, last // 2] = np.inf             # +inf: inf - inf is NaN, the whole row is NaN as in numpy
        x[2, :] = -np.inf                    # every logit -inf: NaN (0/0) as in numpy
    assert _strategy(_softmax, x) == strategy
    got = tfc.function(_softmax)(x).numpy()
    expected = _np_softmax(x)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    assert_same(got, expected, rtol=4e-6)
    finite_rows = ~np.isnan(expected).any(axis=-1)
    assert np.allclose(got[finite_rows].sum(axis=-1, dtype=np.float64), 1, atol=1e-5)


def test_softmax_eager_matches_compiled():
    x = np.random.default_rng(12).standard_normal((1024, 257), dtype=np.float32)
    assert_same(tfc.function(_softmax)(x).numpy(), _softmax(tfc.constant(x)).numpy(), rtol=2e-6)


@pytest.mark.parametrize("name", ["reduce_max", "reduce_min"])
@pytest.mark.parametrize("shape", [(300, 1001), (4096, 64)])
def test_row_max_min_propagate_nan(name, shape):
    """NaN at the first, a middle and the last (vector remainder) column, and a row of signed zeros."""
    rng = np.random.default_rng(13)
    x = rng.standard_normal(shape, dtype=np.float32)
    for row, col in ((0, 0), (1, shape[1] // 2), (2, shape[1] - 1)):
        x[row, col] = np.nan
    x[3, :] = 0.0
    x[3, ::2] = -0.0
    reduce = getattr(tfc, name)
    fn = tfc.function(lambda v: reduce(v, axis=-1, keepdims=True) - v)  # rows schedule: reduction + elementwise
    assert _strategy(lambda v: reduce(v, axis=-1, keepdims=True) - v, x) == "rows"
    numpy_reduce = getattr(np, name[len("reduce_"):])
    expected = numpy_reduce(x, axis=-1, keepdims=True) - x
    got = fn(x).numpy()
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    np.testing.assert_array_equal(got, expected)  # max/min are exact; -0.0 == 0.0 compares equal


@pytest.mark.parametrize("name", ["reduce_max", "reduce_min"])
@pytest.mark.parametrize("position", [0, 777_777, 1_000_002])
def test_full_max_min_propagate_nan(name, position):
    x = np.random.default_rng(14).standard_normal(1_000_003, dtype=np.float32)
    reduce = getattr(tfc, name)
    assert _strategy(lambda v: reduce(v), x) == "full-reduction"
    fn = tfc.function(lambda v: reduce(v))
    assert float(fn(x).numpy()) == float(getattr(np, name[len("reduce_"):])(x))
    x[position] = np.nan
    assert np.isnan(fn(x).numpy())


def test_vector_width_tuning_only_touches_avx512_cpus():
    avx2 = Target("cpu", "x86_64-unknown-linux-gnu", "haswell", "+avx,+avx2,+fma,-avx512f")
    avx512 = Target("cpu", "x86_64-unknown-linux-gnu", "emeraldrapids", "+avx2,+avx512f,+avx512bw")
    assert codegen.tuned_features(avx2) == avx2.features
    assert codegen.tuned_features(avx512) == avx512.features + ",-prefer-256-bit"


@pytest.mark.skipif("+avx512f" not in host().features.split(","), reason="the host has no AVX-512")
def test_avx512_hosts_get_512_bit_vectors():
    x = np.linspace(-1, 1, 4096, dtype=np.float32)
    fn = tfc.function(lambda v: tfc.math.exp(v) * 2.0)
    assert_same(fn(x).numpy(), (np.exp(x.astype(np.float64)) * 2).astype(np.float32), rtol=2e-6)
    assert "<16 x float>" in fn.get_concrete_function(x).as_text("llvm")
