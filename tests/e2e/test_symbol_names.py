"""A tfc.function named like a C library function runs its own code (the library binds its symbols locally)."""
import numpy as np
import pytest

import tfc


@pytest.mark.parametrize("name", ["step", "exp", "time"])
def test_function_named_like_a_libc_symbol(name):
    f = tfc.function(lambda x, w, b: tfc.matmul(x, w) + b, name=name)
    x, w, b = np.ones((64, 4), np.float32), np.ones((4, 8), np.float32), np.ones((8,), np.float32)
    np.testing.assert_array_equal(f(x, w, b).numpy(), np.full((64, 8), 5.0, np.float32))
