"""tfc.Variable eagerly and in compiled code (updates persist, program order, loops and branches)."""
import numpy as np
import pytest

import tfc
from tfc.passes import graph_passes


def test_eager_variable_api():
    v = tfc.Variable([1.0, 2.0], name="weights")
    assert v.shape == (2,) and v.dtype == tfc.float32 and v.name == "weights:0" and v.trainable
    assert v.assign([3.0, 4.0]) is v and v.numpy().tolist() == [3, 4]
    v.assign_add([1.0, 1.0])
    v.assign_sub(np.array([0.5, 0.5], np.float32))
    assert v.read_value().numpy().tolist() == [3.5, 4.5]
    assert (v * 2).numpy().tolist() == [7, 9] and (1.0 + v).numpy().tolist() == [4.5, 5.5]
    assert tfc.Variable(3, trainable=False).numpy() == np.int32(3)
    assert tfc.Variable(np.zeros(2), dtype=tfc.float32).dtype == tfc.float32
    snapshot = v.read_value()
    v.assign([0.0, 0.0])
    assert snapshot.numpy().tolist() == [3.5, 4.5], "a read is a snapshot"


@pytest.mark.parametrize("bad,error,message", [([1.0, 2.0, 3.0], ValueError, r"value has shape \(3,\), expected \(2,\)"),
                                               (tfc.constant([1, 2]), TypeError, r"value has dtype int32")])
def test_eager_assign_checks_shape_and_dtype(bad, error, message):
    v = tfc.Variable([1.0, 2.0])
    with pytest.raises(error, match=message):
        v.assign(bad)


def test_compiled_updates_persist_across_calls():
    v = tfc.Variable(np.zeros(3, np.float32))

    @tfc.function
    def accumulate(x):
        v.assign_add(x)
        return v.read_value() * 2.0

    for step in range(1, 4):
        out = accumulate(np.ones(3, np.float32))
        assert out.numpy().tolist() == [2.0 * step] * 3
    assert v.numpy().tolist() == [3, 3, 3] and accumulate.experimental_get_tracing_count() == 1


def test_program_order_of_reads_and_writes():
    v = tfc.Variable(1.0)

    @tfc.function
    def f():
        before = v.read_value()
        v.assign(v * 10.0)
        middle = v.read_value()
        v.assign_add(1.0)
        return before, middle, v.read_value()

    assert [float(t) for t in f()] == [1.0, 10.0, 11.0]
    assert [float(t) for t in f()] == [11.0, 110.0, 111.0]
    text = f.get_concrete_function().as_text()
    assert text.count('"tfc.assign_variable"') == 2
    optimized = graph_passes.optimize(f.get_concrete_function().graph)
    names = [n.op.name for n in optimized.nodes]
    assert names.count("read_variable") >= 3 and names.count("assign_variable") == 2, "cse/dce keep effects"


def test_variables_updated_inside_loops_and_branches():
    total = tfc.Variable(0.0)
    hits = tfc.Variable(0)

    @tfc.function
    def count_positive(x, n):
        i = tfc.constant(0)
        while i < n:
            total.assign_add(tfc.reduce_sum(x))
            if total > 5.0:
                hits.assign_add(1)
            i = i + 1

    count_positive(np.ones(2, np.float32), np.int32(4))   # totals 2, 4, 6, 8
    assert float(total.numpy()) == 8.0 and int(hits.numpy()) == 2
    count_positive(np.ones(2, np.float32), np.int32(1))
    assert float(total.numpy()) == 10.0 and int(hits.numpy()) == 3
    text = count_positive.get_concrete_function(np.ones(2, np.float32), np.int32(1)).as_text()
    assert '"tfc.while"' in text and '"tfc.cond"' in text


def test_variable_created_on_first_trace_only():
    class Counter:
        def __init__(self):
            self.v = None

        @tfc.function
        def __call__(self, x):
            if self.v is None:
                self.v = tfc.Variable(np.zeros(2, np.float32))
            self.v.assign_add(x)
            return self.v.read_value()

    counter = Counter()
    counter(np.ones(2, np.float32))
    assert counter(np.ones(2, np.float32)).numpy().tolist() == [2, 2]

    @tfc.function
    def makes_one_each_trace(x):
        tfc.Variable(0.0)
        return x + 1.0

    makes_one_each_trace(np.ones(1, np.float32))
    with pytest.raises(ValueError, match="created a tfc.Variable in a trace other than its first"):
        makes_one_each_trace(np.ones(2, np.float32))


def test_nested_function_updates_the_callers_variable():
    v = tfc.Variable(0)

    @tfc.function
    def bump():
        v.assign_add(1)
        return v.read_value()

    @tfc.function
    def twice():
        bump()
        return bump()

    assert int(twice()) == 2 and int(v.numpy()) == 2
    assert int(bump()) == 3
