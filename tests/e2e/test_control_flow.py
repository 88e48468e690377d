"""tfc.cond / tfc.while_loop: ops with regions in the tfc graph, scf.if / scf.while in native code, eager Python
as the oracle."""
import numpy as np
import pytest

import tfc
from tests.conftest import assert_same
from tests.filecheck import filecheck


def run_both(fn, *args):
    """(compiled result, eager result) of the same Python function."""
    compiled = tfc.function(fn)(*args)
    tfc.config.run_functions_eagerly(True)
    try:
        eager = tfc.function(fn)(*[tfc.constant(a) for a in args])
    finally:
        tfc.config.run_functions_eagerly(False)
    return compiled, eager


CASES = [
    ("cond picks a branch", lambda x: tfc.cond(tfc.reduce_sum(x) > 0.0, lambda: x * 2.0, lambda: x - 1.0),
     [(np.array([1.0, 2.0], np.float32),), (np.array([-1.0, -2.0], np.float32),)]),
    ("cond with structured outputs",
     lambda x: tfc.cond(tfc.reduce_sum(x) > 0.0, lambda: {"a": x, "b": (x + 1.0, 2)}, lambda: {"a": -x, "b": (x, 3)}),
     [(np.array([1.0], np.float32),), (np.array([-1.0], np.float32),)]),
    ("while counts", lambda n: tfc.while_loop(lambda i, s: i < n, lambda i, s: (i + 1, s + i), (0, 0)),
     [(np.int32(0),), (np.int32(10),)]),
    ("while keeps a list", lambda x: tfc.while_loop(lambda v: [tfc.reduce_sum(v[0]) < 100.0], lambda v: [[v[0] * 3.0]],
                                                    [[x]])[0] if False else
     tfc.while_loop(lambda v: tfc.reduce_sum(v) < 100.0, lambda v: [v * 3.0], [x]),
     [(np.array([1.0, 2.0], np.float32),)]),
    ("maximum_iterations", lambda x: tfc.while_loop(lambda v: tfc.reduce_sum(v) > -1.0, lambda v: (v + 1.0,), (x,),
                                                    maximum_iterations=5),
     [(np.zeros(3, np.float32),)]),
    ("nested cond in while",
     lambda n: tfc.while_loop(lambda i, a, b: i < n,
                              lambda i, a, b: (i + 1, tfc.cond(i < 3, lambda: a + 1.0, lambda: a * 2.0), b - 1),
                              (0, tfc.constant(0.0), tfc.constant(0, tfc.int64))),
     [(np.int32(6),)]),
]


@pytest.mark.parametrize("name,fn,calls", CASES, ids=[c[0] for c in CASES])
def test_control_flow_matches_eager(name, fn, calls):
    for args in calls:
        compiled, eager = run_both(fn, *args)
        assert tfc.nest.structure_key(compiled) == tfc.nest.structure_key(eager)
        for got, want in zip(tfc.nest.flatten(compiled), tfc.nest.flatten(eager)):
            if isinstance(want, tfc.Tensor):
                assert_same(got.numpy(), want.numpy())
            else:  # TensorFlow too: a traced cond returns Python values of its branches as tensors
                assert np.asarray(got) == np.asarray(want)


def test_cond_graph_has_regions():
    f = tfc.function(lambda x: tfc.cond(x > 0.0, lambda: x * 2.0, lambda: -x))
    concrete = f.get_concrete_function(tfc.TensorSpec([], tfc.float32))
    filecheck(concrete.as_text(), """
CHECK: %[[P:.*]] = "tfc.greater"(%arg0
CHECK: = "tfc.cond"(%[[P]]) ({
CHECK-NEXT: ^bb0():
CHECK: "tfc.multiply"(%arg0
CHECK: "tfc.yield"
CHECK-NEXT: }, {
CHECK: "tfc.negative"(%arg0
CHECK: "tfc.yield"
CHECK-NEXT: }) : (tensor<i1>) -> tensor<f32>
""")
    filecheck(concrete.as_text("linalg"), "CHECK: scf.if\nCHECK: scf.yield\nCHECK: } else {\nCHECK: scf.yield")


def test_million_iterations_run_natively():
    traced = []

    def body(i, acc):
        traced.append(1)
        return i + 1, acc + 1.0

    f = tfc.function(lambda n: tfc.while_loop(lambda i, acc: i < n, body, (0, tfc.constant(0.0, tfc.float64))))
    i, acc = f(np.int32(1_000_000))
    assert int(i) == 1_000_000 and float(acc) == 1e6
    assert traced == [1], "the Python body ran once, at trace time"
    text = f.get_concrete_function(np.int32(1)).as_text()
    assert '"tfc.while"' in text
    assert "scf.while" in f.get_concrete_function(np.int32(1)).as_text("linalg")


def test_shape_invariants_make_dims_dynamic():
    def grow(x):
        return tfc.while_loop(lambda v: tfc.reduce_sum(v) < 10.0,
                              lambda v: (tfc.reshape(tfc.transpose(tfc.reshape(v, [1, -1])), [-1]) + 1.0,),
                              (x,), shape_invariants=(tfc.TensorShape([None]),))[0]

    f = tfc.function(grow)
    assert '"tfc.while"' in f.get_concrete_function(np.zeros(2, np.float32)).as_text()
    assert "tensor<?xf32>" in f.get_concrete_function(np.zeros(2, np.float32)).as_text()
    # The body keeps the size (a reshape round trip), which the manifest's dimension rules can tell.
    assert_same(f(np.zeros(2, np.float32)).numpy(), np.full(2, 5, np.float32))


def test_while_with_fixed_size_result_despite_invariant():
    f = tfc.function(lambda x: tfc.while_loop(lambda v: tfc.reduce_sum(v) < 10.0, lambda v: v + 1.0, x,
                                              shape_invariants=tfc.TensorShape([None])))
    assert_same(f(np.zeros(3, np.float32)).numpy(), np.full(3, 4, np.float32))


ERRORS = [
    ("dtype change", lambda x: tfc.while_loop(lambda v: tfc.reduce_sum(v) < 1.0, lambda v: (tfc.cast(v, tfc.float64),),
                                              (x,)), TypeError, "keeps its dtype"),
    ("shape change", lambda x: tfc.while_loop(lambda v: tfc.reduce_sum(v) < 1.0,
                                              lambda v: (tfc.reshape(v, [1, -1]),), (x,)), ValueError,
     "shape_invariants"),
    ("branch dtypes", lambda x: tfc.cond(tfc.reduce_sum(x) > 0.0, lambda: x, lambda: tfc.cast(x, tfc.float64)),
     TypeError, "different dtype or rank"),
    ("branch structures", lambda x: tfc.cond(tfc.reduce_sum(x) > 0.0, lambda: (x, x), lambda: x), ValueError,
     "different structures"),
    ("non-bool predicate", lambda x: tfc.cond(tfc.reduce_sum(x), lambda: x, lambda: x), TypeError,
     "scalar bool"),
]


@pytest.mark.parametrize("name,fn,error,message", ERRORS, ids=[e[0] for e in ERRORS])
def test_control_flow_errors_name_the_line(name, fn, error, message):
    with pytest.raises(error, match=message) as info:
        tfc.function(fn)(np.zeros(2, np.float32))
    assert __file__ in str(info.value)


def test_two_same_shaped_reductions_returned_are_distinct():
    # Regression: eliminate-empty-tensors after cse made both reductions write output 0's buffer.
    f = tfc.function(lambda x: (tfc.reduce_sum(x), tfc.reduce_sum(x * 2.0)))
    a, b = f(np.ones(4, np.float32))
    assert float(a) == 4 and float(b) == 8


RANGE_CASES = [(0, None, 1), (7, None, 1), (1, 7, 3), (10, 2, -3), (2, 2, 1)]


@pytest.mark.parametrize("start,limit,delta", RANGE_CASES)
def test_range_matches_python(start, limit, delta):
    f = tfc.function(lambda n: tfc.reduce_sum(tfc.range(n, limit, delta) if limit is not None else tfc.range(n)))
    expected = sum(range(start, limit, delta)) if limit is not None else sum(range(start))
    assert int(f(np.int32(start))) == expected
    assert tfc.range(start, limit, delta).numpy().tolist() == list(range(start, limit, delta) if limit is not None
                                                                    else range(start))
