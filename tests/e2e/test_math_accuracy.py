"""Compiled transcendentals (polynomial approximations, passes/pipeline.py LOWER_CPU) stay within 2x of numpy's
own float32 error, measured against float64 over each function's domain.

Generic: every unary floating op of the registry whose lowering is elementwise is checked; ops missing from
DOMAINS get DEFAULT_DOMAIN (restricted to where the float64 result is finite). Add an entry when an op's
interesting range differs.
"""
import numpy as np
import pytest

import tfc
import tfc.dialect  # noqa: F401  (registers the lowerings, whose op_class selects the ops under test)
from tfc.core import REGISTRY
from tfc.graph import TensorType

DEFAULT_DOMAIN = (-20.0, 20.0)
DOMAINS = {  # (low, high) sampled densely, plus special regions
    "exp": (-87.0, 88.0), "expm1": (-20.0, 20.0), "log": (1e-30, 1e30), "log1p": (-0.999, 1e6),
    "log2": (1e-30, 1e30), "log10": (1e-30, 1e30), "sqrt": (0.0, 1e30), "rsqrt": (1e-30, 1e30),
    "tanh": (-20.0, 20.0), "sin": (-100.0, 100.0), "cos": (-100.0, 100.0), "tan": (-1.5, 1.5),
    "atan": (-1e4, 1e4), "asin": (-1.0, 1.0), "acos": (-1.0, 1.0), "erf": (-6.0, 6.0),
    "sinh": (-80.0, 80.0), "cosh": (-80.0, 80.0), "negative": (-1e30, 1e30),
}
N = 1 << 18  # large enough that the elementwise schedule (OpenMP chunks) is the path under test


def _unary_float_ops():
    for name, op in sorted(REGISTRY.items()):
        if op.num_inputs == 1 and not op.attrs and getattr(op.lowering, "op_class", None) == "elementwise":
            try:
                result = op.infer(TensorType((4,), tfc.float32))
            except Exception:  # not defined on float32 (logical_not, bitwise ops)
                continue
            if getattr(result, "dtype", None) == tfc.float32:  # float results (not is_nan & co.)
                yield name


def _samples(name):
    low, high = DOMAINS.get(name, DEFAULT_DOMAIN)
    if low > 0 and high / low > 1e3:  # log-spaced over wide positive ranges, subnormals included
        x = np.concatenate([np.geomspace(low, high, N - 4096), np.geomspace(1.4e-45, 1e-37, 4096)])
    else:
        x = np.linspace(low, high, N)
        x = np.concatenate([x[: N - 4096], np.linspace(-1e-3, 1e-3, 4096)]) if low < 0 < high else x
    return x.astype(np.float32)


def _max_relative_error(got, exact, x):
    finite = np.isfinite(exact) & (np.abs(exact) < np.finfo(np.float32).max)
    floor = np.maximum(np.abs(exact), np.finfo(np.float32).tiny)
    return float(np.max(np.abs(got[finite].astype(np.float64) - exact[finite]) / floor[finite]))


def test_the_transcendentals_are_checked():
    assert {"exp", "log", "tanh", "sqrt"} <= set(_unary_float_ops())


@pytest.mark.parametrize("name", list(_unary_float_ops()))
def test_compiled_transcendental_within_twice_numpy_error(name):
    op = REGISTRY[name]
    x = _samples(name)
    exact = op.impl(x.astype(np.float64))
    numpy_error = _max_relative_error(op.impl(x), exact, x)
    api = getattr(tfc.math, name, None) or getattr(tfc, name)
    got = tfc.function(lambda t: api(t))(x).numpy()
    ours = _max_relative_error(got, exact, x)
    eps = np.finfo(np.float32).eps
    assert ours <= 2 * numpy_error + eps, f"{name}: max rel. error {ours:.3g} vs numpy's {numpy_error:.3g}"
