"""The CUDA runtime's whole call sequence against the fake driver: context, module, arena, copies, launches with
the plan's grid and parameters, device-resident results, errors named by the driver."""
import ctypes

import numpy as np
import pytest

import tfc
from tfc.passes import gpu
from tfc.runtime import cuda, fake_cuda


@pytest.fixture
def fake():
    driver = fake_cuda.FakeDriver()
    cuda.use_driver(driver)
    yield driver
    cuda._DRIVER = None  # the next test (or a real GPU run) starts from scratch
    cuda._DEVICES.clear()


def _w1(x, y):
    return tfc.math.exp((x + y) * y)


def _emulate_w1(n):
    def kernel(fake, grid, block, pointers):
        assert grid[0] * block[0] * 4 >= n  # elementwise-v4: 4 elements per thread
        a = np.frombuffer(fake.read(pointers[0], 4 * n), np.float32)
        b = np.frombuffer(fake.read(pointers[1], 4 * n), np.float32)
        result = np.exp((a + b) * b).astype(np.float32)
        ctypes.memmove(pointers[2], result.ctypes.data, result.nbytes)
    return kernel


def _artifact(fn, *arrays, name="f"):
    return gpu.compile_cuda(tfc.function(fn).get_concrete_function(*arrays).graph, name, assemble=False)


def test_whole_call_sequence(fake):
    n = 1000
    x = np.linspace(0, 1, n, dtype=np.float32)
    y = x[::-1].copy()
    module = _artifact(_w1, x, y, name="w1").load()
    fake.kernels["w1_kernel"] = _emulate_w1(n)
    (out,) = module.w1(x, y)
    assert fake.names() == ["cuInit", "cuDeviceGet", "cuDeviceGetAttribute", "cuDeviceGetAttribute",
                            "cuDevicePrimaryCtxRetain", "cuCtxSetCurrent", "cuStreamCreate", "cuModuleLoadData",
                            "cuMemAlloc_v2", "cuModuleGetFunction", "cuMemcpyHtoD_v2", "cuMemcpyHtoD_v2",
                            "cuMemAlloc_v2", "cuLaunchKernel"]
    (launch,) = fake.launches()
    _, name, grid, block, shared, params = launch
    assert name == "w1_kernel" and grid == (1, 1, 1) and block == (256, 1, 1) and shared == 0
    arena = fake.calls[8]
    assert arena[1] == 2 * 4096  # two staging slots, 256-byte aligned
    assert params[2] == out.pointer and params[0] != params[1]
    np.testing.assert_allclose(out.numpy(), np.exp((x + y) * y), rtol=1e-6)
    assert fake.names()[-2:] == ["cuStreamSynchronize", "cuMemcpyDtoH_v2"]


def test_second_call_reuses_module_arena_and_params(fake):
    x = np.ones(1000, np.float32)
    module = _artifact(_w1, x, x, name="w1").load()
    module.w1(x, x)
    before = len(fake.calls)
    (kept,) = module.w1(x, x)
    assert fake.names()[before:] == ["cuMemcpyHtoD_v2", "cuMemcpyHtoD_v2", "cuMemAlloc_v2", "cuLaunchKernel"]
    del kept
    assert fake.names()[-1] == "cuMemFree_v2"  # outputs are freed with their last reference


def test_device_arrays_pass_without_copies(fake):
    x = np.full(1000, 0.25, np.float32)
    module = _artifact(_w1, x, x, name="w1").load()
    fake.kernels["w1_kernel"] = _emulate_w1(1000)
    (first,) = module.w1(x, x)
    before = len(fake.calls)
    (second,) = module.w1(first, first)
    assert "cuMemcpyHtoD_v2" not in fake.names()[before:]
    assert fake.launches()[-1][-1][:2] == [first.pointer, first.pointer]
    np.testing.assert_allclose(second.numpy(), np.full(1000, np.exp(2 * np.exp(0.125) ** 2)), rtol=1e-5)


def test_multi_kernel_plan_launches_in_order_with_arena_temporaries(fake):
    x = np.zeros((8, 100), np.float32)

    def softmax(v):
        e = tfc.math.exp(v)
        return e / tfc.reduce_sum(e, axis=-1, keepdims=True)
    artifact = _artifact(softmax, x, name="softmax")
    module = artifact.load()
    module.softmax(x)
    launched = [c[1] for c in fake.launches()]
    assert launched == [s["kernel"] for s in artifact.plan["steps"]]
    temps = {b["name"]: b["offset"] for b in artifact.plan["buffers"] if b["kind"] == "temp"}
    arena = module.softmax.arena
    used = {p for c in fake.launches() for p in c[-1]}
    assert {arena + offset for offset in temps.values()} <= used


def test_grid_reduction_runs_two_launches_through_an_arena_partials_buffer(fake):
    x = np.ones(1 << 20, np.float32)
    artifact = _artifact(lambda v: tfc.reduce_sum(v), x, name="total")
    module = artifact.load()
    module.total(x)
    launches = fake.launches()
    assert [(c[2], c[3]) for c in launches] == [((256, 1, 1), (256, 1, 1)), ((1, 1, 1), (256, 1, 1))]
    (partials,) = [b for b in artifact.plan["buffers"] if b["kind"] == "temp"]
    assert partials["shape"] == [256] and partials["dtype"] == "f32"
    written, read = launches[0][-1], launches[1][-1]
    assert module.total.arena + partials["offset"] in set(written) & set(read)


def test_matmul_plan_launches_its_tile_grid(fake):
    a, b = np.ones((300, 200), np.float32), np.ones((200, 260), np.float32)
    module = _artifact(tfc.matmul, a, b, name="mm").load()
    module.mm(a, b)
    ((_, name, grid, block, shared, params),) = fake.launches()
    assert grid == (3, 3, 1) and block == (256, 1, 1)  # ceil(260/128) x ceil(300/128) tiles of 128x128
    assert shared == 0  # the tiles are static shared memory (workgroup attributions), not dynamic


def test_copy_steps_and_empty_plans(fake):
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    module = _artifact(lambda v: tfc.reshape(v, [-1]), x, name="flat").load()
    (out,) = module.flat(x)
    assert "cuMemcpyDtoDAsync_v2" in fake.names() and not fake.launches()
    np.testing.assert_array_equal(out.numpy(), x.reshape(-1))


def test_argument_checks(fake):
    x = np.ones(1000, np.float32)
    module = _artifact(_w1, x, x, name="w1").load()
    with pytest.raises(tfc.errors.SignatureMismatchError, match="takes 2 tensor argument"):
        module.w1(x)
    with pytest.raises(tfc.errors.SignatureMismatchError, match="has dtype float64, expected float32"):
        module.w1(x, x.astype(np.float64))
    with pytest.raises(tfc.errors.SignatureMismatchError, match=r"has shape \(999,\), expected \(1000,\)"):
        module.w1(x, x[:999])


def test_driver_errors_carry_the_cuda_name(fake):
    x = np.ones(8, np.float32)
    module = _artifact(lambda v: v + 1.0, x, name="inc").load()
    fake.fail["cuModuleLoadData"] = 200
    with pytest.raises(cuda.CudaError, match="cuModuleLoadData failed: CUDA_ERROR_INVALID_IMAGE") as info:
        module.inc(x)
    assert info.value.name == "CUDA_ERROR_INVALID_IMAGE" and info.value.code == 200


def test_device_product_name_comes_from_the_driver(fake):
    assert cuda.device().product_name == "tfc fake CUDA device"
    assert fake.names()[-1] == "cuDeviceGetName"


def test_cubin_is_chosen_only_for_its_own_chip(fake):
    artifact = _artifact(lambda v: v + 1.0, np.ones(8, np.float32), name="inc")
    artifact.cubin = b"\x7fELF fake .text.inc_kernel"
    module = artifact.load()
    assert module.image_for(cuda.device()) == artifact.cubin
    fake.compute_capability = (8, 0)
    cuda._DEVICES.clear()
    assert module.image_for(cuda.device()).endswith(b"\0")  # PTX for the driver's JIT


def test_missing_driver_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("TFC_LIBCUDA", "/nonexistent/libcuda.so.1")
    cuda._DRIVER = None
    cuda._DEVICES.clear()
    with pytest.raises(cuda.CudaError, match="cannot load the CUDA driver"):
        cuda.device()
    assert not cuda.is_available()
    cuda._DRIVER = None


def test_function_target_cuda_and_device_tensors(fake):
    fake.kernels["w1_kernel"] = _emulate_w1(1000)
    x = np.linspace(0, 1, 1000, dtype=np.float32)

    @tfc.function(target="cuda")
    def w1(a, b):
        return tfc.math.exp((a + b) * b)
    result = w1(x, x)
    assert result.device.endswith("GPU:0") and result.shape == (1000,) and result.dtype == tfc.float32
    np.testing.assert_allclose(result.numpy(), np.exp(2 * x * x), rtol=1e-6)
    assert (result + 1.0).device.endswith("CPU:0")  # eager ops run on the host copy
    on_gpu = tfc.constant(x).gpu()
    before = len(fake.calls)
    w1(result, on_gpu)
    assert "cuMemcpyHtoD_v2" not in fake.names()[before:]
    np.testing.assert_array_equal(on_gpu.cpu().numpy(), x)


def test_device_scope_selects_cuda(fake):
    fake.kernels["w1_kernel"] = _emulate_w1(1000)
    x = np.ones(1000, np.float32)
    w1 = tfc.function(_w1)
    with tfc.device("GPU:0"):
        assert w1(x, x).device.endswith("GPU:0")
    assert w1(x, x).device.endswith("CPU:0")
    with pytest.raises(tfc.errors.TfcValueError, match="unknown device"):
        with tfc.device("TPU:0"):
            pass


def test_cuda_calls_raise_failed_run_time_checks():
    # The CUDA path reads each check scalar back and raises like the CPU loader (frontend/checks.py).
    from tfc.device import _raise_failed_checks
    from tfc.errors import InvalidArgumentError, Location

    class Scalar:
        def __init__(self, value):
            self.value = value

        def numpy(self):
            return np.bool_(self.value)

    where = Location("model.py", 7)
    _raise_failed_checks([(1, "integer division by zero", where)], [Scalar(0), Scalar(True)])
    with pytest.raises(InvalidArgumentError, match=r"model.py:7: integer division by zero"):
        _raise_failed_checks([(1, "integer division by zero", where)], [Scalar(0), Scalar(False)])


def test_bench_gpu_runs_its_whole_sequence_against_the_fake_driver(fake, monkeypatch, capsys):
    # The numbers mean nothing here (the fake runs no kernel); this checks the script a GPU session will run.
    import importlib.util
    import pathlib
    path = pathlib.Path(__file__).resolve().parents[2] / "bench" / "bench_gpu.py"
    spec = importlib.util.spec_from_file_location("bench_gpu", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    monkeypatch.setattr("sys.argv", ["bench_gpu.py", "--quick"])
    assert bench.main() == 0
    out = capsys.readouterr().out
    for expected in ("tfc fake CUDA device", "[elementwise-v4]", "[row-fused]", "[grid-reduction x2]",
                     "[tiled-matmul]", "per-call overhead"):
        assert expected in out
    assert bench.hbm_bandwidth("NVIDIA H100 80GB HBM3") == 3350.0
    assert bench.hbm_bandwidth("NVIDIA H100 PCIe") == 2000.0
