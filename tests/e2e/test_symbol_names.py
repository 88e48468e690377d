"""A tfc.function named like a C library function runs its own code: native symbols carry a tfc_ prefix."""
import numpy as np
import pytest

import tfc


@pytest.mark.parametrize("name", ["step", "exp", "time", "log"])
def test_function_named_like_a_libc_symbol(name):
    f = tfc.function(lambda x, w, b: tfc.matmul(x, w) + tfc.math.exp(b * 0.0) * b, name=name)  # calls libm exp
    x, w, b = np.ones((64, 4), np.float32), np.ones((4, 8), np.float32), np.ones((8,), np.float32)
    np.testing.assert_array_equal(f(x, w, b).numpy(), np.full((64, 8), 5.0, np.float32))
