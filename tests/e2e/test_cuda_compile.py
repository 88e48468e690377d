"""CUDA target without a GPU: every op of the table compiles to PTX that `ptxas -arch=sm_90` assembles, and the
launch plan covers the problem (grid x block >= elements written, buffers with the right shapes and dtypes)."""
import shutil

import numpy as np
import pytest

import tfc
from tfc.passes import gpu, gpu_codegen
from tfc.passes.target import cuda

from tfc.errors import CompilerError
from tfc.ops.known_gaps import CUDA_CASE_GAPS, KNOWN_GAPS

from op_cases import CASES

needs_ptxas = pytest.mark.skipif(shutil.which("ptxas") is None,
                                 reason="ptxas (CUDA toolkit) is not installed: PTX cannot be assembled here")


def _one_per_dtype():
    """Each case and dtype once, with its largest-rank shapes (0.4 s per compile: the whole table x shapes
    takes minutes on CI; the shapes only change constants in the same kernels)."""
    for case in CASES:
        shapes = max(case.shapes, key=lambda s: (sum(len(x) for x in s), str(s)))
        for dtype in case.dtypes:
            gap = CUDA_CASE_GAPS.get(case.id)
            marks = [pytest.mark.xfail(reason=KNOWN_GAPS[gap], strict=True, raises=CompilerError)] if gap else []
            yield pytest.param(case, shapes, dtype, id=f"{case.id}-{dtype}", marks=marks)


def compile_case(fn, *arrays, name="f", assemble=None):
    concrete = tfc.function(fn).get_concrete_function(*arrays)
    return gpu.compile_cuda(concrete.graph, name, assemble=assemble)


@needs_ptxas
@pytest.mark.parametrize("case,shapes,dtype", list(_one_per_dtype()))
def test_every_op_assembles_for_sm90(case, shapes, dtype):
    arrays = [np.zeros(s, tfc.as_dtype(dtype).np) for s in shapes]  # bfloat16: numpy knows it via tfc
    artifact = compile_case(case.fn, *arrays, name=case.op, assemble=True)
    assert artifact.cubin is not None and artifact.cubin.startswith(b"\x7fELF")
    kernels = {s["kernel"] for s in artifact.plan["steps"] if s["op"] == "launch"}
    for kernel in kernels:
        assert f".entry {kernel}(" in artifact.ptx
    expected = case.reference(*arrays)
    expected = [np.asarray(e) for e in (expected if isinstance(expected, (list, tuple)) else [expected])]
    outputs = [b for b in artifact.plan["buffers"] if b["kind"] == "output"]
    checks = [o for o in outputs[len(expected):]]  # run-time checks (frontend/checks.py) come after the results
    assert all((o["shape"], o["dtype"]) == ([], "bool") for o in checks)
    assert [(o["shape"], o["dtype"]) for o in outputs[:len(expected)]] == [(list(e.shape), e.dtype.name)
                                                                           for e in expected]


@needs_ptxas
def test_w1_is_one_fused_vectorized_kernel():
    n = 1 << 20
    a = np.zeros(n, np.float32)
    artifact = compile_case(lambda x, y: tfc.math.exp((x + y) * y), a, a, name="w1", assemble=True)
    (launch,) = artifact.plan["steps"]
    assert launch["strategy"]["name"] == "elementwise-v4"
    assert launch["grid"][0] * launch["block"][0] * 4 == n
    assert launch["block"] == [256, 1, 1]
    assert [a["buffer"] for a in launch["args"]] == ["in0", "in1", "out0"]
    assert artifact.plan["arena_bytes"] == 2 * n * 4  # only the staging slots of the two inputs
    assert ".extern .func __nv_expf" not in artifact.ptx  # libdevice was linked in and inlined


@needs_ptxas
def test_row_softmax_is_one_row_fused_kernel():
    x = np.zeros((64, 1000), np.float32)

    def softmax(v):
        e = tfc.math.exp(v)
        return e / tfc.reduce_sum(e, axis=-1, keepdims=True)
    artifact = compile_case(softmax, x, name="softmax", assemble=True)
    temps = [b for b in artifact.plan["buffers"] if b["kind"] == "temp"]
    assert temps and all(b["offset"] % 256 == 0 for b in temps)
    last = max(b["offset"] + b["bytes"] for b in artifact.plan["buffers"] if "offset" in b)
    assert artifact.plan["arena_bytes"] >= last
    (launch,) = artifact.plan["steps"]
    assert launch["strategy"]["name"] == "row-fused" and launch["grid"] == [64, 1, 1]
    assert {"buffer": "out0"} in launch["args"]


@needs_ptxas
def test_sum_and_matmul_assemble():
    s = compile_case(lambda v: tfc.reduce_sum(v), np.zeros(4096, np.float32), name="total", assemble=True)
    assert [b["shape"] for b in s.plan["buffers"] if b["kind"] == "output"] == [[]]
    assert [step["strategy"]["name"] for step in s.plan["steps"]] == ["grid-reduction"]
    m = compile_case(tfc.matmul, np.zeros((64, 32), np.float32), np.zeros((32, 48), np.float32), name="mm",
                     assemble=True)
    (last,) = m.plan["steps"]
    assert last["strategy"]["name"] == "tiled-matmul" and last["grid"] == [1, 1, 1]


def test_reshape_of_an_input_is_a_copy_step_without_kernels():
    artifact = compile_case(lambda v: tfc.reshape(v, [-1]), np.zeros((3, 4), np.float32), name="flat",
                            assemble=False)
    assert artifact.plan["steps"] == [{"op": "copy", "src": "in0", "dst": "out0", "bytes": 48}]


def test_ptx_targets_the_chip_and_ptx_version():
    artifact = compile_case(lambda v: v * 2.0, np.zeros(8, np.float32), name="twice", assemble=False)
    assert ".target sm_90" in artifact.ptx and ".version 8.0" in artifact.ptx
    graph = tfc.function(lambda v: v * 2.0).get_concrete_function(np.zeros(8, np.float32)).graph
    other = gpu.compile_cuda(graph, "twice", target=cuda(80, 78), assemble=False)
    assert ".target sm_80" in other.ptx and other.manifest["target"]["cpu"] == "sm_80"


def test_libdevice_is_found():
    assert gpu_codegen.cuda_toolkit() is not None or shutil.which("ptxas") is None


def test_saved_artifact_loads_back(tmp_path):
    from tfc.runtime import cuda as cuda_runtime
    artifact = compile_case(lambda v: v + 1.0, np.zeros(8, np.float32), name="inc")
    path = artifact.save(str(tmp_path))
    module = cuda_runtime.load(path)
    assert module.plan == artifact.plan and module.ptx == artifact.ptx and module.cubin == artifact.cubin
    assert "inc" in module.entries


def test_dynamic_shapes_are_a_clear_error():
    concrete = tfc.function(lambda v: v + 1.0).get_concrete_function(tfc.TensorSpec([None], tfc.float32))
    with pytest.raises(tfc.errors.CompilerError, match="static shapes|dynamic"):
        gpu.compile_cuda(concrete.graph, "dyn", assemble=False)
