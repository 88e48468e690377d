"""For every registry op: numpy reference == eager == compiled (@tfc.function) == reloaded from disk."""
import numpy as np
import pytest

import tfc
from tfc.core import REGISTRY
from conftest import assert_same, make_input, tolerance

from op_cases import CASES, expand

PARAMS = [pytest.param(case, shapes, dtype, id=label) for case, shapes, dtype, label in expand()]


def _as_list(value):
    return list(value) if isinstance(value, (list, tuple)) else [value]


@pytest.mark.parametrize("case,shapes,dtype", PARAMS)
def test_eager_compiled_and_loaded_agree(case, shapes, dtype):
    """Cases may return several results (a list), which batches related checks into one compile."""
    rng = np.random.default_rng(abs(hash((case.id, shapes, dtype))) % 2**32)
    inputs = [make_input(s, dtype, rng, case.domain) for s in shapes]
    expected = [np.asarray(e) for e in _as_list(case.reference(*inputs))]

    eager = _as_list(case.fn(*(tfc.constant(x) for x in inputs)))
    compiled_fn = tfc.function(case.fn)
    compiled = _as_list(compiled_fn(*inputs))
    concrete = compiled_fn.get_concrete_function(*inputs)
    module = tfc.runtime.load(concrete._artifact.library)
    loaded = _as_list(module.entries[concrete._entry](*inputs))
    assert len(eager) == len(compiled) == len(loaded) == len(expected)
    for i, (want, e, c, l) in enumerate(zip(expected, eager, compiled, loaded)):
        rtol = tolerance(want.dtype.name) * 4 if tfc.dtypes.is_float_array(want.dtype) else 0
        if want.dtype == np.float16 or dtype == "float16":
            rtol = max(rtol, 4e-3)
        if want.dtype == tfc.bfloat16.np or dtype == "bfloat16":
            rtol = max(rtol, 1e-2)
        assert_same(e.numpy(), want, rtol=rtol, what=f"result {i}: eager vs numpy reference")
        assert_same(c.numpy(), e.numpy(), rtol=rtol, what=f"result {i}: compiled vs eager")
        assert_same(l, c.numpy(), rtol=0, what=f"result {i}: loaded vs compiled")


def test_every_op_has_an_e2e_case():
    # constants appear inside the traced cases; variable ops need a tfc.Variable (tests/e2e/test_variables.py),
    # print a captured stream (tests/e2e/test_print.py)
    covered = {case.op for case in CASES} | {"constant", "read_variable", "assign_variable", "print"}
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
