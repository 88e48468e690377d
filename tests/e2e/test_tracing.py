"""Tracing and retracing: TensorFlow's trace keys (table-driven), methods, reduce_retracing, nested functions,
and tfc's retracing explanations and warning."""
import dataclasses
import warnings

import numpy as np
import pytest

import tfc
from tfc.retracing import RetracingWarning


def f32(*shape):
    return np.ones(shape, np.float32)


@dataclasses.dataclass
class Config:  # equal by value but, like any object, keyed by identity
    scale: float


SHARED_CONFIG = Config(2.0)

# (rule, calls as (args, kwargs), expected tracing count after all calls)
TRACE_RULES = [
    ("same shape and dtype share a trace", [((f32(3),), {}), ((f32(3),), {})], 1),
    ("tensor and ndarray of one shape/dtype share", [((f32(3),), {}), ((tfc.constant([1.0, 2.0, 3.0]),), {})], 1),
    ("a new shape retraces", [((f32(3),), {}), ((f32(4),), {})], 2),
    ("a new dtype retraces", [((f32(3),), {}), ((np.ones(3, np.float64),), {})], 2),
    ("a new rank retraces", [((f32(3),), {}), ((f32(3, 1),), {})], 2),
    ("Python values by equality: 2 == 2.0 == True*2", [((f32(3), 2), {}), ((f32(3), 2.0), {})], 1),
    ("1, 1.0 and True share a trace", [((f32(3), 1), {}), ((f32(3), 1.0), {}), ((f32(3), True), {})], 1),
    ("a new Python value retraces", [((f32(3), 2), {}), ((f32(3), 3), {})], 2),
    ("keyword and positional spellings share", [((f32(3), 2), {}), ((), {"x": f32(3), "scale": 2})], 1),
    ("an explicit default equals the default", [((f32(3),), {}), ((f32(3), 1), {})], 1),
    ("nested tuples: same structure shares", [(((f32(2), f32(2)),), {}), (((f32(2), f32(2)),), {})], 1),
    ("nested structure change retraces", [(((f32(2), f32(2)),), {}), (((f32(2), (f32(2),)),), {})], 2),
    ("dict keys are part of the key", [(({"a": f32(2)},), {}), (({"b": f32(2)},), {})], 2),
    ("tuple vs list retraces", [(((f32(2),),), {}), (([f32(2)],), {})], 2),
    ("objects by identity", [((f32(2), Config(2.0)), {}), ((f32(2), Config(2.0)), {})], 2),
    ("the same object shares", [((f32(2), SHARED_CONFIG), {}), ((f32(2), SHARED_CONFIG), {})], 1),
    ("strings by value", [((f32(2), "relu"), {}), ((f32(2), "relu"), {}), ((f32(2), "gelu"), {})], 2),
    ("None is a value", [((f32(2), None), {}), ((f32(2), None), {})], 1),
]


def _generic(x, scale=1):
    leaves = tfc.nest.flatten(x)
    total = leaves[0]
    for leaf in leaves[1:]:
        total = total + leaf
    if isinstance(scale, Config):
        scale = scale.scale
    if isinstance(scale, (int, float)) and not isinstance(scale, bool):
        total = total * float(scale)
    return total


@pytest.mark.parametrize("rule,calls,expected", TRACE_RULES, ids=[r[0] for r in TRACE_RULES])
def test_trace_rule(rule, calls, expected):
    f = tfc.function(_generic)
    for args, kwargs in calls:
        result = f(*args, **kwargs)
        eager = _generic(*args, **kwargs)
        np.testing.assert_allclose(np.asarray(result), np.asarray(eager))
    assert f.experimental_get_tracing_count() == expected, f.explain_retracing()


def test_method_keys_self_by_identity_and_exposes_the_function():
    class Model:
        def __init__(self, scale):
            self.scale = scale

        @tfc.function
        def call(self, x):
            return x * self.scale

    a, b = Model(2.0), Model(3.0)
    assert a.call(f32(2)).numpy().tolist() == [2, 2] and b.call(f32(2)).numpy().tolist() == [3, 3]
    a.call(f32(2))
    assert a.call.experimental_get_tracing_count() == 2 == Model.call.experimental_get_tracing_count()
    concrete = a.call.get_concrete_function(tfc.TensorSpec([2], tfc.float32))
    assert concrete(f32(2)).numpy().tolist() == [2, 2]
    assert a.call.experimental_get_tracing_count() == 2, "get_concrete_function reuses the existing trace"
    assert "<Model object at" in Model.call.explain_retracing()


def test_structured_outputs_keep_their_structure():
    @tfc.function
    def f(x):
        return {"pair": (x, x + 1), "nested": [x * 2, {"none": None, "int": 3}], "flag": True}

    out = f(f32(2))
    assert set(out) == {"pair", "nested", "flag"} and isinstance(out["pair"], tuple)
    assert out["pair"][1].numpy().tolist() == [2, 2] and out["nested"][0].numpy().tolist() == [2, 2]
    assert out["nested"][1] == {"none": None, "int": 3} and out["flag"] is True


def test_reduce_retracing_relaxes_like_tensorflow():
    @tfc.function(reduce_retracing=True)
    def f(x):
        return x * 2

    f(f32(2, 3))
    assert f.experimental_get_tracing_count() == 1
    f(f32(2, 4))                                   # (2,3) then (2,4): retrace as (2, None)
    assert f.experimental_get_tracing_count() == 2
    out = f(f32(2, 7))                             # reuses (2, None)
    assert out.shape == (2, 7) and f.experimental_get_tracing_count() == 2
    f(f32(5, 7))                                   # (None, None)
    assert f.experimental_get_tracing_count() == 3
    np.testing.assert_array_equal(f(f32(9, 1)).numpy(), np.full((9, 1), 2, np.float32))
    assert f.experimental_get_tracing_count() == 3
    text = f.get_concrete_function(tfc.TensorSpec([None, None], tfc.float32)).as_text()
    assert "tensor<?x?xf32>" in text
    explanation = f.explain_retracing()
    assert "x: float32[2, 3] -> float32[2, None]" in explanation
    assert "reduce_retracing" in explanation


def test_reduce_retracing_keeps_python_values_exact():
    @tfc.function(reduce_retracing=True)
    def f(x, n):
        return x * float(n)

    f(f32(2), 1)
    f(f32(3), 1)
    f(f32(4), 2)
    assert f.experimental_get_tracing_count() == 3
    assert f(f32(5), 2).numpy().tolist() == [2] * 5


def test_nested_function_shares_traces_with_direct_calls():
    @tfc.function
    def inner(x):
        return x * 3

    @tfc.function
    def outer(x):
        return inner(x) + 1

    assert outer(f32(2)).numpy().tolist() == [4, 4]
    assert inner.experimental_get_tracing_count() == 1, "traced while outer traced"
    assert inner(f32(2)).numpy().tolist() == [3, 3]
    assert inner.experimental_get_tracing_count() == 1, "the direct call reuses the nested trace"
    assert '"tfc.multiply"' in outer.get_concrete_function(f32(2)).as_text()


def test_explain_retracing_names_argument_change_and_call_site():
    @tfc.function
    def f(x, mode):
        return x + 1 if mode == "a" else x - 1

    f(f32(2), "a")
    f(f32(3), "a")
    line = f32.__code__.co_firstlineno  # any int; the real check is the file name below
    f(f32(3), "b")
    text = f.explain_retracing()
    assert text.startswith("f: 3 trace(s)")
    assert "trace 1 at" in text and "first call" in text
    assert "x: float32[2] -> float32[3]" in text
    assert "mode: Python 'a' (str) -> Python 'b' (str)" in text
    assert f"{__file__}:" in text and line


def test_warns_after_five_retraces_naming_the_argument():
    @tfc.function
    def f(x, step):
        return x * 1.0

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for step in range(5):
            f(f32(2), step)
        assert not [w for w in caught if issubclass(w.category, RetracingWarning)]
        f(f32(2), 5)
    (warning,) = [w for w in caught if issubclass(w.category, RetracingWarning)]
    message = str(warning.message)
    assert "traced 6 times" in message and "'step'" in message
    assert "input_signature" in message and "reduce_retracing" in message
    assert warning.filename == __file__


def test_run_functions_eagerly_keeps_the_count():
    @tfc.function
    def f(x):
        assert tfc.executing_eagerly()
        return x + 1

    tfc.config.run_functions_eagerly(True)
    try:
        assert f(tfc.constant([1.0, 1.0])).numpy().tolist() == [2, 2]
    finally:
        tfc.config.run_functions_eagerly(False)
    assert f.experimental_get_tracing_count() == 0 and "not traced yet" in f.explain_retracing()


@pytest.mark.parametrize("name", ["step", "time", "index", "exp"])
def test_functions_named_like_c_library_symbols_run(name):
    # The wrapped native function is renamed and internal: a Python function named `step` once called glibc's.
    def body(x, n):
        return tfc.while_loop(lambda i, v: i < n, lambda i, v: (i + 1, v * 2.0), (0, x))[1]

    body.__name__ = name
    f = tfc.function(body)
    assert f(np.ones(2, np.float32), np.int32(3)).numpy().tolist() == [8, 8]
