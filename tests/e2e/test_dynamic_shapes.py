"""input_signature with None dimensions: one trace, one native library, many sizes (eager numpy is the oracle)."""
import numpy as np
import pytest

import tfc
from tests.conftest import assert_same

S = tfc.TensorSpec

# (name, python function, input_signature, argument shapes per call: a list of calls)
DYNAMIC_CASES = [
    ("elementwise", lambda x, y: tfc.math.exp(x) * y + 1.0, [S([None, 4]), S([None, 4])],
     [[(1, 4), (1, 4)], [(3, 4), (3, 4)], [(17, 4), (17, 4)]]),
    ("broadcast row", lambda x, b: x - b, [S([None, None]), S([None])], [[(2, 3), (3,)], [(5, 7), (7,)]]),
    ("matmul", lambda a, b: tfc.matmul(a, b), [S([None, 3]), S([3, None])], [[(2, 3), (3, 5)], [(9, 3), (3, 1)]]),
    ("reduce rows", lambda x: tfc.reduce_sum(x, axis=1), [S([None, 4])], [[(1, 4)], [(6, 4)]]),
    ("reduce keepdims", lambda x: tfc.reduce_sum(x, axis=0, keepdims=True) + x,
     [S([None, None])], [[(2, 3)], [(4, 1)]]),
    ("transpose", lambda x: tfc.transpose(x) * 2.0, [S([None, 3])], [[(2, 3)], [(8, 3)]]),
    ("reshape -1 round trip", lambda x: tfc.reshape(tfc.reshape(x, [-1]) * 2.0, [-1, 4]), [S([None, 4])],
     [[(2, 4)], [(5, 4)]]),
    ("reshape split", lambda x: tfc.reshape(x, [-1, 2, 2]), [S([None, 4])], [[(3, 4)]]),
    ("reduce to scalar", lambda x: tfc.reduce_sum(x * x), [S([None])], [[(0,)], [(1,)], [(100,)]]),
    ("mean of run-time sizes", lambda x: tfc.reduce_mean(x) + tfc.reduce_mean(x, axis=0), [S([None, None])],
     [[(3, 2)], [(1, 5)], [(0, 4)]]),
    ("integer mean", lambda x: tfc.reduce_mean(tfc.cast(x * 10.0, tfc.int32), axis=1), [S([None, None])],
     [[(3, 2)], [(2, 0)]]),
    ("argmax drops its axis", lambda x: tfc.argmax(x, axis=-1), [S([None, None])], [[(3, 2)], [(2, 5)]]),
    ("zeros_like", lambda x: tfc.zeros_like(x) + tfc.ones_like(x, dtype=tfc.float32), [S([None, 3])],
     [[(2, 3)], [(5, 3)]]),
    ("mean over run-time rows", lambda x: [tfc.reduce_mean(x, axis=0), tfc.reduce_mean(tfc.cast(x * 10, tfc.int32))],
     [S([None, 3])], [[(1, 3)], [(7, 3)]]),
    ("run-time shape", lambda x: tfc.cast(tfc.shape(x), tfc.float32) * 2.0 + tfc.reduce_sum(x),
     [S([None, None])], [[(2, 3)], [(5, 1)]]),
    ("expand_dims and squeeze",
     lambda x: tfc.squeeze(tfc.expand_dims(x, 0) + 1.0, 0) * tfc.squeeze(tfc.expand_dims(x, 2)),
     [S([None, None])], [[(2, 3)], [(1, 4)]]),
]


@pytest.mark.parametrize("name,fn,signature,calls", DYNAMIC_CASES, ids=[c[0] for c in DYNAMIC_CASES])
def test_dynamic_signature_compiles_once(name, fn, signature, calls, rng):
    f = tfc.function(fn, input_signature=signature)
    libraries = set()
    for shapes in calls:
        args = [rng.uniform(-1, 1, size=s).astype(np.float32) for s in shapes]
        expected = fn(*[tfc.constant(a) for a in args])
        got = f(*args)
        for g, e in zip(*[r if isinstance(r, list) else [r] for r in (got, expected)]):
            assert_same(g.numpy(), e.numpy(), rtol=1e-5)
        libraries.add(f.get_concrete_function()._artifact.library)
    assert f.experimental_get_tracing_count() == 1 and len(libraries) == 1


def test_dynamic_sizes_reach_mlir():
    f = tfc.function(lambda x: x * 2.0, input_signature=[S([None, 4])])
    concrete = f.get_concrete_function()
    assert "tensor<?x4xf32>" in concrete.as_text("tfc")
    linalg = concrete.as_text("linalg")
    assert "memref<?x4xf32>" in linalg and "tensor.dim" in linalg
    dims = concrete._artifact.manifest["entries"][0]["results"][0]["dims"]
    assert dims == [[0, 0], 4]


def test_loaded_library_allocates_dynamic_outputs(tmp_path):
    f = tfc.function(lambda x: tfc.transpose(x), input_signature=[S([None, 3])])
    concrete = f.get_concrete_function()
    concrete(np.zeros((1, 3), np.float32))
    module = tfc.runtime.load(concrete._artifact.library)
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    (out,) = module.entries[concrete._entry](x)
    assert_same(out, x.T)


def test_output_size_not_expressible_is_a_clear_error():
    f = tfc.function(lambda x: tfc.reshape(x, [-1]), input_signature=[S([None, 4])])
    with pytest.raises(tfc.errors.UnsupportedError, match=r"dimension 0 cannot be known before the call: it is "
                                                          r"4\*arg0.shape\[0\]"):
        f(np.zeros((2, 4), np.float32))


def test_signature_violations_name_the_argument():
    f = tfc.function(lambda x: x + 1.0, input_signature=[S([None, 4], tfc.float32, name="x")])
    with pytest.raises(TypeError, match=r"argument 'x' with shape \(2, 3\) does not match"):
        f(np.zeros((2, 3), np.float32))
    with pytest.raises(TypeError, match="has dtype float64, expected float32"):
        f(tfc.constant(np.zeros((2, 4))))
    with pytest.raises(TypeError):
        f(np.zeros((2, 4, 1), np.float32))
    assert f(np.zeros((2, 4))).dtype == tfc.float32  # numpy arrays are cast to the spec's dtype


def test_signature_function_called_inside_another_trace():
    inner = tfc.function(lambda x: tfc.reduce_sum(x, axis=-1, keepdims=True), input_signature=[S([None, 3])])
    outer = tfc.function(lambda x: inner(x) * 2.0)
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    assert_same(outer(x).numpy(), x.sum(axis=-1, keepdims=True) * 2.0)
    assert "tensor<2x1xf32>" in outer.get_concrete_function(x).as_text()  # re-inferred for the caller's sizes
    assert inner.experimental_get_tracing_count() == 1
