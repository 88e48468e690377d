"""For every registry op: numpy reference == eager == compiled (@tfc.function) == reloaded from disk."""
import numpy as np
import pytest

import tfc
from tfc.core import REGISTRY
from conftest import assert_same, make_input, tolerance

from op_cases import CASES, expand

PARAMS = [pytest.param(case, shapes, dtype, id=label) for case, shapes, dtype, label in expand()]


@pytest.mark.parametrize("case,shapes,dtype", PARAMS)
def test_eager_compiled_and_loaded_agree(case, shapes, dtype):
    rng = np.random.default_rng(abs(hash((case.id, shapes, dtype))) % 2**32)
    inputs = [make_input(s, dtype, rng, case.domain) for s in shapes]
    expected = case.reference(*inputs)
    rtol = max(tolerance(expected.dtype.name) * 4, 0) if expected.dtype.kind == "f" else 0

    eager = case.fn(*(tfc.constant(x) for x in inputs))
    assert_same(eager.numpy(), expected, rtol=rtol)

    compiled_fn = tfc.function(case.fn)
    compiled = compiled_fn(*inputs)
    assert_same(compiled.numpy(), eager.numpy(), rtol=rtol)

    concrete = compiled_fn.get_concrete_function(*inputs)
    module = tfc.runtime.load(concrete._artifact.library)
    (loaded,) = module.entries[concrete._entry](*inputs)
    assert_same(loaded, compiled.numpy(), rtol=0)


def test_every_op_has_an_e2e_case():
    # constants appear inside the traced cases; variable ops need a tfc.Variable (tests/e2e/test_variables.py)
    covered = {case.op for case in CASES} | {"constant", "read_variable", "assign_variable"}
    missing = sorted(set(REGISTRY) - covered)
    assert not missing, f"ops without an e2e case in tests/e2e/op_cases.py: {missing}"


def test_constants_captured_in_a_trace_are_compiled():
    weights = tfc.constant(np.arange(6, dtype=np.float32).reshape(2, 3))

    @tfc.function
    def f(x):
        return tfc.matmul(x, weights) + tfc.constant([1.0, -0.0, np.inf])

    x = np.ones((4, 2), np.float32)
    assert_same(f(x).numpy(), x @ weights.numpy() + np.array([1.0, -0.0, np.inf], np.float32))
    assert "tfc.constant" in f.get_concrete_function(x).as_text()
