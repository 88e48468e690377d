"""tfc.function end to end: TensorFlow's tracing behaviour, stage texts, dumps, structured values."""
import gc
import os

import numpy as np
import pytest

import tfc
from conftest import assert_same


def test_seed_example_traces_once_and_prints_once(capsys):
    @tfc.function
    def add_and_multiply(x, y, z):
        print("tracing")
        return (x + y) * z

    x, y, z = tfc.constant(2.0), tfc.constant(3.0), tfc.constant(4.0)
    first = add_and_multiply(x, y, z)
    assert first.numpy() == np.float32(20.0) and first.dtype == tfc.float32
    assert capsys.readouterr().out == "tracing\n"
    second = add_and_multiply(x, y, z * 2)
    assert second.numpy() == np.float32(40.0)
    assert capsys.readouterr().out == ""
    assert add_and_multiply.experimental_get_tracing_count() == 1
    graph_text = add_and_multiply.get_concrete_function(x, y, z).as_text()
    assert '"tfc.add"' in graph_text and '"tfc.multiply"' in graph_text
    assert f'loc("{__file__}"' in graph_text


def test_retracing_rules():
    @tfc.function
    def f(x, scale):
        return x * scale

    f(np.ones(3, np.float32), 2)
    f(tfc.constant([1.0, 2.0, 3.0]), 2)           # tensors and arrays of one shape/dtype share a trace
    f(np.ones(3, np.float32), 2.0)               # Python values compare by equality: 2 == 2.0
    assert f.experimental_get_tracing_count() == 1
    f(np.ones(4, np.float32), 2)                 # new shape
    f(np.ones(4, np.float64), 2)                 # new dtype
    f(np.ones(4, np.float64), 3)                 # new Python value
    assert f.experimental_get_tracing_count() == 4
    f(x=np.ones(4, np.float64), scale=3)         # keyword spelling of the same call
    assert f.experimental_get_tracing_count() == 4


def test_executing_eagerly_inside_and_outside():
    seen = []

    @tfc.function
    def f(x):
        seen.append(tfc.executing_eagerly())
        return x + 1

    assert tfc.executing_eagerly()
    f(tfc.constant(1))
    assert seen == [False]


def test_run_functions_eagerly_runs_python_every_call():
    calls = []

    @tfc.function
    def f(x):
        calls.append(tfc.executing_eagerly())
        return x * 2

    tfc.config.run_functions_eagerly(True)
    try:
        assert f(tfc.constant(3)).numpy() == 6 and f(tfc.constant(3)).numpy() == 6
    finally:
        tfc.config.run_functions_eagerly(False)
    assert calls == [True, True] and f.experimental_get_tracing_count() == 0


def test_get_concrete_function_with_specs_and_reuse():
    @tfc.function
    def f(x):
        return tfc.reduce_sum(x * x)

    concrete = f.get_concrete_function(tfc.TensorSpec([3], tfc.float32))
    assert f.experimental_get_tracing_count() == 1
    assert concrete(np.array([1, 2, 3], np.float32)).numpy() == 14
    assert f(np.array([1, 2, 3], np.float32)).numpy() == 14
    assert f.experimental_get_tracing_count() == 1
    assert concrete.inputs == [tfc.TensorSpec([3], tfc.float32)]


def test_input_signature_fixes_the_trace():
    @tfc.function(input_signature=[tfc.TensorSpec([2], tfc.float32)])
    def f(x):
        return x + 1

    assert f([1, 2]).numpy().tolist() == [2, 3]      # Python lists are cast to the spec's dtype
    with pytest.raises(TypeError, match="does not match input_signature"):
        f(np.ones(3, np.float32))
    assert f.experimental_get_tracing_count() == 1


def test_structured_inputs_and_outputs():
    @tfc.function
    def f(pair, table, flag=True):
        a, b = pair
        return {"sum": a + table["w"], "list": [b, None, 3], "flag": flag}

    out = f((np.ones(2, np.float32), np.zeros(2, np.int32)), {"w": np.full(2, 2, np.float32)})
    assert out["sum"].numpy().tolist() == [3, 3]
    assert out["list"][0].dtype == tfc.int32 and out["list"][1] is None and out["list"][2] == 3
    assert out["flag"] is True


def test_every_stage_prints():
    @tfc.function
    def f(a, b):
        return tfc.math.exp(a + b) * b

    a = np.ones((2, 3), np.float32)
    concrete = f.get_concrete_function(a, a)
    assert '"tfc.exp"' in concrete.as_text("tfc")
    assert "linalg.generic" in concrete.as_text("linalg")
    fused = concrete.as_text("fused")
    assert fused.count("linalg.generic") == 1, "the three elementwise ops should fuse into one generic"
    bufferized = concrete.as_text("bufferized")
    assert "memref.alloc" not in bufferized and "bufferization.to_tensor" not in bufferized
    assert "llvm.func" in concrete.as_text("llvm-dialect")
    llvm_ir = concrete.as_text("llvm")
    assert "define void @_mlir_ciface_tfc_f" in llvm_ir and "loc(" not in concrete.as_text("fused")


def test_dump_dir_writes_numbered_stages(tmp_path, monkeypatch):
    monkeypatch.setenv("TFC_DUMP_DIR", str(tmp_path))

    @tfc.function
    def dumped(x):
        return x * 2 + 1

    assert dumped(np.arange(4, dtype=np.int64)).numpy().tolist() == [1, 3, 5, 7]
    (folder,) = os.listdir(tmp_path)
    files = sorted(os.listdir(tmp_path / folder))
    assert files[:8] == ["01-tfc.mlir", "02-optimized.mlir", "03-linalg.mlir", "04-fused.mlir",
                         "05-bufferized.mlir", "06-llvm-dialect.mlir", "07-llvm-unoptimized.ll", "08-llvm.ll"]
    assert "09-dumped.o" in files and "10-dumped.so" in files and "10-dumped.json" in files
    module = tfc.runtime.load(str(tmp_path / folder / "10-dumped.so"))
    (result,) = module.dumped(np.arange(4, dtype=np.int64))
    assert result.tolist() == [1, 3, 5, 7]


def test_non_contiguous_inputs_are_handled():
    @tfc.function
    def f(x, y):
        return tfc.matmul(x, y) + 1

    base = np.random.default_rng(0).random((6, 8), dtype=np.float32)
    strided, transposed, fortran = base[::2, ::2], base.T[:4, :3], np.asfortranarray(base[:4, :4])
    for x in (strided, fortran):
        np.testing.assert_allclose(f(x, transposed).numpy(), x @ transposed + 1, rtol=1e-5)
    reversed_ = base[::-1, ::-1][:3, :4]
    np.testing.assert_allclose(f(reversed_, transposed).numpy(), reversed_ @ transposed + 1, rtol=1e-5)


def test_outputs_that_alias_inputs_or_repeat():
    @tfc.function
    def f(x):
        y = x * 2
        return x, y, y

    x = np.arange(3, dtype=np.float32)
    a, b, c = f(x)
    assert a.numpy().tolist() == [0, 1, 2] and b.numpy().tolist() == c.numpy().tolist() == [0, 2, 4]
    b.numpy()[0] = 99  # outputs are distinct buffers
    assert c.numpy()[0] == 0 and x[0] == 0


def test_calls_leave_no_reference_cycles():
    @tfc.function
    def f(x):
        return {"y": x + 1, "z": [x]}

    x = np.ones(4, np.float32)
    f(x)
    gc.collect()
    gc.disable()
    try:
        for _ in range(3):
            f(x)
        assert gc.collect() == 0, "results must be freed by reference counting (large outputs otherwise pile up)"
    finally:
        gc.enable()


@pytest.mark.parametrize("name", ["step", "exp", "main", "erf", "free"])
def test_functions_named_like_c_library_symbols(name):
    # A compiled `step` once called libc's step(), and `exp` called itself: native symbols are namespaced.
    f = tfc.function(lambda x, w: tfc.math.exp(tfc.matmul(x, w)), name=name)
    x, w = np.ones((4, 3), np.float32), np.full((3, 2), 0.1, np.float32)
    np.testing.assert_allclose(f(x, w).numpy(), np.exp(x @ w), rtol=1e-6)


def test_indexing_with_run_time_integer_tensors():
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)

    @tfc.function
    def pick(x, i, j):
        return x[i], x[:, j], x[i, 1:, j], x[..., j], x[-1, j, None], x[i, ::-1, 2]

    for i, j in [(0, 1), (1, -1), (-2, 2)]:
        expected = (x[i], x[:, j], x[i, 1:, j], x[..., j], x[-1, j, None], x[i, ::-1, 2])
        for got, want in zip(pick(x, np.int32(i), np.int32(j)), expected):
            assert_same(got.numpy(), want)
    assert pick.experimental_get_tracing_count() == 1
    with pytest.raises(tfc.errors.InvalidArgumentError, match="tfc.gather: an index is not in"):
        pick(x, np.int32(0), np.int32(3))  # axis 1 has size 3, as numpy would refuse
