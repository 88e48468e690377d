"""Shared test helpers: deterministic inputs per dtype and the eager/compiled/loaded comparison."""
import numpy as np
import pytest

import tfc


def make_input(shape, dtype, rng, domain="any"):
    """Random values of `dtype` in a range every op accepts: positive for log/sqrt, small integers."""
    dtype = tfc.as_dtype(dtype)
    if dtype.is_bool:
        return rng.random(shape) < 0.5
    if dtype.is_integer:
        low = 1 if domain == "positive" else (0 if dtype.kind == "u" else -5)
        return rng.integers(low, 6, size=shape).astype(dtype.np)
    if domain == "positive":
        return rng.uniform(0.1, 3.0, size=shape).astype(dtype.np)
    return rng.uniform(-2.0, 2.0, size=shape).astype(dtype.np)


def tolerance(dtype):
    dtype = tfc.as_dtype(dtype)
    # bfloat16 keeps 8 significant bits: one rounding is up to 2**-9 = 2e-3 relative.
    return {"float16": 2e-3, "bfloat16": 2.5e-3, "float32": 2e-6, "float64": 1e-12}.get(dtype.name, 0)


def assert_same(got, expected, dtype=None, rtol=None, what=""):
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.shape == expected.shape, f"{what}: shape {got.shape} != {expected.shape}"
    assert got.dtype == expected.dtype, f"{what}: dtype {got.dtype} != {expected.dtype}"
    if tfc.dtypes.is_float_array(got.dtype):
        tol = rtol if rtol is not None else max(tolerance(got.dtype.name) * 4, 0)
        if got.dtype == tfc.bfloat16.np:  # numpy's comparisons have no bfloat16 loops; float32 holds it exactly
            got, expected = got.astype(np.float32), expected.astype(np.float32)
        np.testing.assert_allclose(got, expected, rtol=tol, atol=tol, equal_nan=True, err_msg=what)
    else:
        np.testing.assert_array_equal(got, expected, err_msg=what)


@pytest.fixture(scope="session", autouse=True)
def private_compile_cache(tmp_path_factory):
    """The suite never reads the user's compile cache: a warm cache must not hide compiler failures. One fresh
    cache per session (subprocesses inherit it); tests of the cache itself point TFC_CACHE_DIR elsewhere."""
    import os

    saved = os.environ.get("TFC_CACHE_DIR")
    os.environ["TFC_CACHE_DIR"] = str(tmp_path_factory.mktemp("tfc-cache"))
    yield
    if saved is None:
        os.environ.pop("TFC_CACHE_DIR", None)
    else:
        os.environ["TFC_CACHE_DIR"] = saved


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def central_differences(objective, arrays, eps=1e-6):
    """d objective / d each element of each array by central differences (objective: list of arrays -> float)."""
    grads = []
    for i, array in enumerate(arrays):
        grad = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            plus = [a.copy() for a in arrays]
            minus = [a.copy() for a in arrays]
            plus[i][index] += eps
            minus[i][index] -= eps
            grad[index] = (objective(plus) - objective(minus)) / (2 * eps)
        grads.append(grad)
    return grads


def tape_gradients(f, *xs):
    """The tape's gradients of sum(f(*xs)) with respect to each x (zeros where unconnected: a loop that runs 0
    times eagerly leaves a source unconnected, where the compiled loop's gradient is zeros)."""
    with tfc.GradientTape() as tape:
        tape.watch(xs)
        y = tfc.reduce_sum(f(*xs))
    return tape.gradient(y, list(xs), unconnected_gradients=tfc.UnconnectedGradients.ZERO)


def check_gradients(f, arrays, compiled=None, eps=1e-6):
    """Eager tape == central differences of sum(f) (float64), and, when given, compiled == eager. `compiled`
    takes the arrays and returns the gradients; returns the eager gradients (numpy)."""
    eager = tape_gradients(f, *[tfc.constant(a) for a in arrays])
    expected = central_differences(lambda xs: float(np.sum(f(*[tfc.constant(x) for x in xs]).numpy())), arrays, eps)
    for got, want in zip(eager, expected):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-6, atol=1e-7)
    if compiled is not None:
        for got, want in zip(compiled(*arrays), eager):
            np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-12)
    return [g.numpy() for g in eager]
