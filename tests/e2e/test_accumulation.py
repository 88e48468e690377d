"""Compiled reductions and contractions of 16-bit floats (bfloat16, float16) accumulate in float32 and round once,
like eager execution: rounding every step to 8 or 11 significant bits would stall long sums (a bfloat16 running sum
of 4096 values in [0, 1) stops growing near 256). Each case sums thousands of elements, checks compiled against
eager (within one 16-bit rounding: the float32 sums may be ordered differently) and that step-wise rounding would
have been visibly wrong."""
import ml_dtypes
import numpy as np
import pytest

import tfc

DTYPES = {"bfloat16": (tfc.bfloat16, ml_dtypes.bfloat16, 2.0 ** -7), "float16": (tfc.float16, np.float16, 2.0 ** -10)}


def _data(shape, np_dtype, seed=0):
    return np.random.default_rng(seed).random(shape, dtype=np.float32).astype(np_dtype)


def _stepwise_sum(values, np_dtype):
    """What a per-step rounded accumulation gives (the bug this file guards against)."""
    total = np_dtype(0)
    for v in np.asarray(values).ravel():
        total = np_dtype(np.float32(total) + np.float32(v))
    return np.float32(total)


def _check(fn, args, ulp, stepwise=None):
    eager = np.asarray(fn(*args).numpy(), np.float32)
    compiled = np.asarray(tfc.function(fn)(*args).numpy(), np.float32)
    assert compiled.dtype == eager.dtype and compiled.shape == eager.shape
    np.testing.assert_allclose(compiled, eager, rtol=ulp, atol=0)  # at most one rounding apart
    if stepwise is not None:  # the test could fail: per-step rounding is several roundings off
        assert abs(stepwise - eager.ravel()[0]) > 4 * ulp * abs(eager.ravel()[0])


@pytest.mark.parametrize("name", DTYPES)
def test_sums(name):
    dtype, np_dtype, ulp = DTYPES[name]
    x = _data((4096,), np_dtype)
    stepwise = _stepwise_sum(x, np_dtype)
    _check(lambda v: tfc.reduce_sum(v), [x], ulp, stepwise)
    _check(lambda v: tfc.reduce_sum(v, keepdims=True), [x], ulp, stepwise)
    rows = _data((3, 4096), np_dtype, 1)
    _check(lambda v: tfc.reduce_sum(v, axis=-1), [rows], ulp, _stepwise_sum(rows[0], np_dtype))
    _check(lambda v: tfc.reduce_mean(v, axis=-1, keepdims=True), [rows], ulp)
    _check(lambda v: tfc.reduce_sum(v, axis=0), [rows.T.copy()], ulp)
    _check(lambda v: tfc.reduce_max(v), [x], 0)


@pytest.mark.parametrize("name", DTYPES)
def test_contractions(name):
    dtype, np_dtype, ulp = DTYPES[name]
    a, b = _data((5, 4096), np_dtype, 2), _data((4096, 3), np_dtype, 3)
    stepwise = _stepwise_sum(a[0].astype(np.float32) * b[:, 0].astype(np.float32), np_dtype)
    _check(tfc.matmul, [a, b], ulp, stepwise)
    _check(tfc.matmul, [a[None].repeat(2, 0), b[None].repeat(2, 0)], ulp, stepwise)  # batched: a generic
    _check(lambda p, q: tfc.einsum("ik,kj->ij", p, q), [a, b], ulp, stepwise)


@pytest.mark.parametrize("name", DTYPES)
def test_cumsum(name):
    dtype, np_dtype, ulp = DTYPES[name]
    x = _data((4096,), np_dtype, 4)
    stepwise = _stepwise_sum(x, np_dtype)
    eager_last = np.float32(tfc.cumsum(x).numpy()[-1])
    assert abs(stepwise - eager_last) > 4 * ulp * eager_last
    _check(lambda v: tfc.cumsum(v), [x], ulp)
    _check(lambda v: tfc.cumsum(v, exclusive=True, reverse=True), [x], ulp)


@pytest.mark.parametrize("name", DTYPES)
def test_conv_and_average_pool(name):
    dtype, np_dtype, ulp = DTYPES[name]
    image = _data((1, 8, 8, 512), np_dtype, 5)       # 3*3*512 = 4608 products per output
    kernel = _data((3, 3, 512, 2), np_dtype, 6)
    stepwise = _stepwise_sum(image[0, :3, :3, :].astype(np.float32) * kernel[..., 0].astype(np.float32), np_dtype)
    _check(lambda p, q: tfc.nn.conv2d(p, q, 1, "VALID"), [image, kernel], ulp, stepwise)
    big = _data((1, 64, 64, 2), np_dtype, 7)
    _check(lambda p: tfc.nn.avg_pool2d(p, 64, 1, "VALID"), [big], ulp)
