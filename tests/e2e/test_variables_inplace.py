"""Compiled functions update each Variable in its own buffer (same numpy array, same address, every call), and get
the same results as running the body eagerly (the oracle) under aliasing: an update computed from the variable
itself, read-after-write and write-after-read, variables swapped, loops and branches, a variable passed as an
argument. Eager snapshots keep their values (copy-on-write)."""
import numpy as np
import pytest

import tfc

F32, I32 = np.float32, np.int32
SQUARE = np.arange(9, dtype=F32).reshape(3, 3)


def _transpose(vs):
    (v,) = vs
    v.assign(tfc.transpose(v))
    return v.read_value()


def _reverse(vs, x):
    (v,) = vs
    v.assign(v[::-1])
    v.assign_add(v[::-1] * x)


def _self_add(vs):
    (v,) = vs
    v.assign_add(v)
    return v * 1.0


def _read_write_order(vs, x):
    (v,) = vs
    old = v.read_value()
    v.assign(v * 2.0 + x)
    new = v.read_value()
    v.assign_sub(old)
    return old, new, v.read_value()


def _swap(vs, x):
    a, b = vs
    a_old = a.read_value()
    a.assign(b)
    b.assign(a_old)
    return a_old + x


def _chain(vs):
    a, b = vs
    a.assign(a + b)
    b.assign(b * a)   # the new a
    a.assign(tfc.transpose(b) - a)


def _loop(vs, x, n):
    v, total = vs
    for _ in tfc.range(n):
        v.assign(v[::-1] * 0.5 + x)
        total.assign_add(tfc.reduce_sum(v))
    return v.read_value()


def _branch(vs, x):
    (v,) = vs
    if tfc.reduce_sum(v) > 0.0:
        v.assign(-tfc.transpose(v))
    else:
        v.assign(v * 2.0 + x)
    return v.read_value()


def _while_loop_api(vs, n):
    counter, flags, acc = vs
    def body(i):
        counter.assign_add(1)
        flags.assign(tfc.logical_not(flags))
        acc.assign(acc * 1.5 + tfc.cast(counter.read_value(), tfc.float64))
        return [i + 1]
    tfc.while_loop(lambda i: i < n, body, [tfc.constant(0)])
    return counter.read_value()


CASES = {  # name: (body(variables, *args), initial values, calls)
    "transpose": (_transpose, [SQUARE], [(), (), ()]),
    "reverse": (_reverse, [np.arange(5, dtype=F32)], [(np.float32(2.0),), (np.float32(-1.0),)]),
    "assign_add-self": (_self_add, [np.arange(4, dtype=F32)], [(), ()]),
    "read-write-order": (_read_write_order, [np.array([1.0, -2.0], F32)], [(np.ones(2, F32),), (np.ones(2, F32),)]),
    "swap": (_swap, [np.array([1.0, 2.0], F32), np.array([3.0, 4.0], F32)], [(np.float32(1),), (np.float32(2),)]),
    "chain": (_chain, [SQUARE, np.eye(3, dtype=F32)], [(), ()]),
    "loop": (_loop, [np.arange(4, dtype=F32), np.array(0.0, F32)],
             [(np.ones(4, F32), np.array(3, I32)), (np.zeros(4, F32), np.array(0, I32)),
              (np.ones(4, F32), np.array(2, I32))]),
    "branch": (_branch, [SQUARE - 3.0], [(np.ones((3, 3), F32),)] * 4),
    "while_loop-api": (_while_loop_api, [np.array(0, I32), np.array([True, False]), np.array([1.0, 2.0])],
                       [(np.array(3, I32),), (np.array(2, I32),)]),
}


def _values(result):
    return [np.asarray(t) for t in (result if isinstance(result, (tuple, list)) else [result]) if t is not None]


@pytest.mark.parametrize("name", CASES)
def test_in_place_updates_match_eager(name):
    body, inits, calls = CASES[name]
    eager_vars = [tfc.Variable(np.array(v)) for v in inits]
    compiled_vars = [tfc.Variable(np.array(v)) for v in inits]
    compiled = tfc.function(body)  # the list of Variables is a Python argument (keyed by the Variables)
    addresses = [(id(v._array), v._array.ctypes.data) for v in compiled_vars]
    for step, args in enumerate(calls):
        expected = _values(body(eager_vars, *args))
        got = _values(compiled(compiled_vars, *args))
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            np.testing.assert_allclose(g, e, rtol=1e-6, err_msg=f"call {step}: result")
        for i, (c, e) in enumerate(zip(compiled_vars, eager_vars)):
            np.testing.assert_allclose(c.numpy(), e.numpy(), rtol=1e-6, err_msg=f"call {step}: variable {i}")
        assert [(id(v._array), v._array.ctypes.data) for v in compiled_vars] == addresses, "updated in place"
    assert compiled.experimental_get_tracing_count() == 1


def _assign_add(vs, x):
    vs[0].assign_add(x)


def _bufferized(body, inits, *args):
    variables = [tfc.Variable(np.array(v)) for v in inits]
    return tfc.function(body).get_concrete_function(variables, *args).as_text("bufferized")


def test_an_elementwise_update_is_computed_in_the_variables_buffer():
    text = _bufferized(_assign_add, [np.zeros(4, F32)], np.ones(4, F32))
    assert "memref.alloc" not in text and "memref.copy" not in text
    assert "outs(%arg1 : memref<4xf32>)" in text  # the variable's buffer (argument 1) is the generic's output


def _transpose_only(vs):
    vs[0].assign(tfc.transpose(vs[0]))


def test_a_transpose_goes_through_a_temporary():
    text = _bufferized(_transpose_only, [SQUARE])
    assert "memref.alloc" in text and "memref.copy %alloc" in text and ", %arg0 : memref<3x3xf32>" in text


def test_a_swap_is_copied_through_temporaries():
    a, b = tfc.Variable([1.0, 2.0]), tfc.Variable([3.0, 4.0])
    concrete = tfc.function(_swap).get_concrete_function([a, b], np.float32(0))
    assert "bufferization.alloc_tensor() copy(" in concrete.as_text("linalg")  # the copy_state fallback


def test_eager_snapshots_keep_their_values():
    v = tfc.Variable(np.arange(3, dtype=F32))

    @tfc.function
    def step(x, n):
        for _ in tfc.range(n):
            v.assign(v[::-1] + x)
        return x * 1.0

    snapshot = v.read_value()          # shares the Variable's array until the next write
    view = tfc.reshape(v, [3, 1])      # eager reshape: a view of it
    passed = step(snapshot, np.array(2, I32))  # the argument is the Variable's own array: the update must not see it
    np.testing.assert_array_equal(snapshot.numpy(), [0, 1, 2])
    np.testing.assert_array_equal(view.numpy().ravel(), [0, 1, 2])
    np.testing.assert_array_equal(passed.numpy(), [0, 1, 2])
    np.testing.assert_array_equal(v.numpy(), [2, 3, 4])  # [2, 1, 0] + [0, 1, 2], then [2, 2, 2] + [0, 1, 2]
    del snapshot, view, passed
    address = v._array.ctypes.data
    step(np.zeros(3, F32), np.array(1, I32))
    assert v._array.ctypes.data == address, "no reader left: in place again"


def test_eager_assign_writes_in_place_and_keeps_snapshots():
    v = tfc.Variable([1.0, 2.0])
    address = v._array.ctypes.data
    v.assign([3.0, 4.0])
    v.assign_add([1.0, 1.0])
    assert v._array.ctypes.data == address and v.numpy().tolist() == [4, 5]
    snapshot = v.read_value()
    v.assign_sub([1.0, 1.0])
    assert snapshot.numpy().tolist() == [4, 5] and v.numpy().tolist() == [3, 4]


def test_a_variable_passed_as_an_argument_is_updated_in_place():
    v = tfc.Variable(SQUARE)

    @tfc.function
    def twist(var, n):
        for _ in tfc.range(n):
            var.assign(tfc.transpose(var) + 1.0)

    address = v._array.ctypes.data
    twist(v, np.array(3, I32))
    expected = SQUARE
    for _ in range(3):
        expected = expected.T + 1.0
    np.testing.assert_array_equal(v.numpy(), expected)
    assert v._array.ctypes.data == address


def test_a_state_buffer_that_would_need_a_copy_is_refused_by_the_runtime():
    v = tfc.Variable(np.zeros(3, F32))
    concrete = tfc.function(lambda x: v.assign_add(x) and None).get_concrete_function(np.ones(3, F32))
    concrete(np.ones(3, F32))
    module = tfc.runtime.load(concrete._module.path)
    (entry,) = module.entries.values()
    state = np.zeros(3, F32)
    entry(np.ones(3, F32), state)
    assert state.tolist() == [1, 1, 1]
    read_only = np.zeros(3, F32)
    read_only.flags.writeable = False
    for bad in (np.zeros(3, np.float64), np.zeros(6, F32)[::2], [0.0, 0.0, 0.0], read_only):
        with pytest.raises(ValueError, match="updates in place: expected a writable, C-contiguous"):
            entry(np.ones(3, F32), bad)
