"""The compiled-function call path: prebuilt per-thread descriptors, the remembered small input, read-only and
non-contiguous inputs, concurrent callers, and the loader's error for a missing OpenMP runtime."""
import ctypes
import json
import os
import shutil
import threading

import numpy as np
import pytest

import tfc
from tfc.runtime.errors import SignatureMismatchError, TfcValueError


@tfc.function
def _affine(x):
    return x * 2.0 + 1.0


def _executable(x):
    concrete = _affine.get_concrete_function(x)
    concrete(x)
    return concrete._executable


def test_remembered_input_sees_new_values_written_in_place():
    x = np.array([1.0, 2.0], np.float32)
    run = _executable(x)
    np.testing.assert_array_equal(run(x)[0], [3.0, 5.0])
    x[:] = [10.0, 20.0]  # same object, new contents: the cached address still points at them
    np.testing.assert_array_equal(run(x)[0], [21.0, 41.0])


def test_read_only_and_strided_inputs_take_the_checked_path():
    x = np.arange(8, dtype=np.float32)
    run = _executable(x[:4].copy())
    read_only = x[:4].copy()
    read_only.flags.writeable = False
    np.testing.assert_array_equal(run(read_only)[0], read_only * 2 + 1)
    strided = x[::2]
    np.testing.assert_array_equal(run(strided)[0], strided * 2 + 1)
    with pytest.raises(SignatureMismatchError, match="shape"):
        run(np.zeros(5, np.float32))
    with pytest.raises(SignatureMismatchError, match="dtype"):
        run(np.zeros(4, np.float64))


def test_each_call_gets_a_fresh_output():
    x = np.ones(3, np.float32)
    run = _executable(x)
    first, second = run(x)[0], run(x)[0]
    assert first is not second and not np.shares_memory(first, second)


def test_concurrent_callers_do_not_share_descriptors():
    template = np.zeros((64, 64), np.float32)
    run = _executable(template)
    failures = []

    def worker(seed):
        rng = np.random.default_rng(seed)
        for _ in range(200):
            x = rng.random((64, 64), dtype=np.float32)
            if not np.array_equal(run(x)[0], x * np.float32(2) + np.float32(1)):
                failures.append(seed)

    _run_in_threads(worker, 4)
    assert not failures


def test_missing_openmp_runtime_is_named(tmp_path, monkeypatch):
    x = np.ones(4, np.float32)
    concrete = _affine.get_concrete_function(x)
    concrete(x)
    library = concrete._artifact.library
    shutil.copy(library, tmp_path / "m.so")
    manifest = dict(concrete._artifact.manifest, library="m.so", needs=["libomp.so"])
    (tmp_path / "m.json").write_text(json.dumps(manifest))

    def no_libomp(path, *args, **kwargs):
        raise OSError("libomp.so.5: cannot open shared object file: No such file or directory")

    monkeypatch.setattr(ctypes, "CDLL", no_libomp)
    with pytest.raises(TfcValueError, match="needs libomp.so .*TFC_NUM_THREADS=1"):
        tfc.runtime.load(str(tmp_path / "m.so"))


def test_threaded_library_records_libomp(monkeypatch):
    monkeypatch.delenv("TFC_NUM_THREADS", raising=False)
    x = np.ones(1 << 18, np.float32)
    concrete = _affine.get_concrete_function(x)
    concrete(x)
    assert concrete._artifact.manifest["needs"] == ["libomp.so"]


def test_threaded_library_runs_in_a_fresh_process_with_only_the_runtime(tmp_path, monkeypatch):
    """Linked with `ld -shared` (libc/libm come from the process) and libomp through its rpath."""
    import subprocess
    import sys

    monkeypatch.delenv("TFC_NUM_THREADS", raising=False)
    x = np.arange(1 << 18, dtype=np.float32)
    concrete = _affine.get_concrete_function(x)
    concrete(x)
    library = concrete._artifact.library
    for suffix in (".so", ".json"):
        shutil.copy(library[:-3] + suffix, tmp_path)
    script = ("import numpy as np, sys\nfrom tfc.runtime import load\nm = load(sys.argv[1])\n"
              "x = np.arange(1 << 18, dtype=np.float32)\n(y,) = m.entries[next(iter(m.entries))](x)\n"
              "assert np.array_equal(y, x * np.float32(2) + np.float32(1)), 'wrong result'\n"
              "assert 'tfc.passes' not in sys.modules and 'llvmlite' not in sys.modules\nprint('ok')\n")
    proc = subprocess.run([sys.executable, "-c", script, str(tmp_path / os.path.basename(library))], capture_output=True, text=True)
    assert proc.stdout.strip() == "ok", proc.stderr


def test_small_outputs_from_a_shared_chunk_stay_distinct_across_refills():
    """Small results are views into a per-thread chunk of 64 slots: 150 calls cross two refills, and every
    result kept keeps its own value (no slot is handed out twice)."""
    run = _executable(np.float32(0.0) + np.zeros((), np.float32))
    results = [run(np.array(i, np.float32))[0] for i in range(150)]
    assert all(r.shape == () and r.dtype == np.float32 for r in results)
    np.testing.assert_array_equal(np.array(results), np.arange(150, dtype=np.float32) * 2 + 1)
    assert not any(np.shares_memory(a, b) for a, b in zip(results, results[1:]))


def test_small_outputs_per_thread():
    run = _executable(np.zeros(4, np.float32))
    failures = []

    def worker(seed):
        kept = [(x, run(x)[0]) for x in (np.full(4, seed * 1000 + i, np.float32) for i in range(200))]
        failures.extend(seed for x, y in kept if not np.array_equal(y, x * 2 + 1))

    _run_in_threads(worker, 4)
    assert not failures


def test_function_fast_path_keeps_checks_and_retraces():
    calls = []

    @tfc.function
    def f(x):
        calls.append(1)
        return x + 1.0

    x = tfc.constant(np.float32(1.0))
    assert [f(x).numpy() for _ in range(3)] == [2.0, 2.0, 2.0] and len(calls) == 1
    assert f(np.float32(2.0)).numpy() == 3.0  # a numpy scalar: the binding path, the same trace
    np.testing.assert_array_equal(f(np.ones(3, np.float32)).numpy(), [2.0, 2.0, 2.0])
    assert len(calls) == 2  # a new shape retraces
    assert f(tfc.constant(np.float64(1.0))).dtype == tfc.float64 and len(calls) == 3
    tfc.config.run_functions_eagerly(True)
    try:
        f(x)  # runs the Python body even though the fast table knows these arguments
        assert len(calls) == 4
    finally:
        tfc.config.run_functions_eagerly(False)


def test_fast_path_keys_on_tensor_types_not_identity():
    """The fast table keys eager tensors by their TensorType: equal types made elsewhere (a compiled result, a new
    constant) hit the same entry; arrays and tensors mixed in one call; a leaked symbolic tensor is refused."""
    calls = []

    @tfc.function
    def f(x, y):
        calls.append(1)
        return x * y

    x = tfc.constant(np.arange(3, dtype=np.float32))
    first = f(x, x)
    second = f(first, tfc.constant(np.ones(3, np.float32)))  # `first`'s type is the graph's output type object
    third = f(second, np.full(3, 2, np.float32))              # tensor and array: one more key, the same trace
    np.testing.assert_array_equal(third.numpy(), np.arange(3, dtype=np.float32) ** 2 * 2)
    assert len(calls) == 1
    leaked = []

    @tfc.function
    def keep(v):
        leaked.append(v)
        return v + 1.0

    keep(x)
    with pytest.raises(Exception, match="symbolic"):
        f(leaked[0], x)


def test_fast_path_inside_a_cpu_device_scope():
    x = tfc.constant(np.float32(3.0))
    assert _affine(x).numpy() == 7.0
    with tfc.device("CPU:0"):
        assert _affine(x).numpy() == 7.0


def test_cached_scalar_operands_keep_values_and_signs():
    x = tfc.constant(np.array([1.0, -2.0], np.float32))
    for _ in range(2):  # the second round reads the cached operands
        np.testing.assert_array_equal((x * 0.5).numpy(), [0.5, -1.0])
        assert np.signbit((x * -0.0).numpy()).tolist() == [True, False]
        assert np.signbit((x * 0.0).numpy()).tolist() == [False, True]
        assert np.isnan((x + float("nan")).numpy()).all()
        np.testing.assert_array_equal((x + 1).numpy(), [2.0, -1.0])
    assert (tfc.constant(np.float16(1.0)) * 0.5).numpy().dtype == np.float16  # one entry per dtype


def _run_in_threads(worker, count: int) -> None:
    """Runs worker(seed) for seeds 0..count-1 on as many threads at once and waits for all."""
    threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_input_signature_calls_skip_binding_once_a_key_is_checked():
    """A function with one TensorSpec per parameter: the first call with an argument (dtype, shape) is bound,
    matched and checked; later ones with the same go straight to the executable. Other dtypes are still cast
    (never remembered), other shapes checked, and sizes of 1 still broadcast."""
    spec = tfc.TensorSpec([None], tfc.float32)
    add = tfc.function(lambda x, y: x + y, input_signature=[spec, spec])
    x, y = np.arange(4, dtype=np.float32), np.ones(4, np.float32)
    for _ in range(2):
        np.testing.assert_array_equal(add(x, y).numpy(), x + y)
    assert len(add._fast) == 1
    np.testing.assert_array_equal(add(tfc.constant(x), tfc.constant(y)).numpy(), x + y)
    wide = np.arange(4, dtype=np.float64)
    for _ in range(2):
        assert add(wide, y).dtype == tfc.float32
    assert len(add._fast) == 2  # the tensors' key; the float64 array's is cast each time
    for _ in range(2):  # the second call through the remembered key
        np.testing.assert_array_equal(add(x[:1], y).numpy(), x[:1] + y)
    with pytest.raises(SignatureMismatchError, match="does not match input_signature"):
        add(np.ones((2, 2), np.float32), y)
    with pytest.raises(tfc.errors.InvalidArgumentError, match="Incompatible shapes"):
        add(np.ones(3, np.float32), y)
    assert add.experimental_get_tracing_count() == 1
