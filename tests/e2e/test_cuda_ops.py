"""On a machine with an NVIDIA GPU: the op table runs on the GPU and matches numpy (eager is the oracle)."""
import numpy as np
import pytest

import tfc
from tfc.runtime import cuda
from conftest import assert_same, make_input, tolerance

from op_cases import expand


def _gpu_present() -> bool:
    try:
        return cuda.is_available() and not hasattr(cuda.driver().library, "calls")  # not the fake
    except cuda.CudaError:
        return False


pytestmark = pytest.mark.skipif(not _gpu_present(), reason="no NVIDIA GPU / libcuda.so.1 on this machine: the "
                                "CUDA op table runs only where one is (PTX is still checked by test_cuda_compile)")
# Without a GPU the whole table is one skipped test (with the reason above), not hundreds.
PARAMS = ([pytest.param(case, shapes, dtype, id=label) for case, shapes, dtype, label in expand()]
          if _gpu_present() else [pytest.param(None, None, None, id="no-gpu")])


@pytest.mark.parametrize("case,shapes,dtype", PARAMS)
def test_op_table_on_gpu_matches_numpy(case, shapes, dtype):
    rng = np.random.default_rng(abs(hash((case.id, shapes, dtype))) % 2**32)
    inputs = [make_input(s, dtype, rng, case.domain) for s in shapes]
    expected = np.asarray(case.reference(*inputs))
    result = tfc.function(case.fn, target="cuda")(*inputs)
    assert result.device.endswith("GPU:0")
    rtol = max(tolerance(expected.dtype.name) * 8, 0) if tfc.dtypes.is_float_array(expected.dtype) else 0
    assert_same(np.asarray(result.numpy()), expected, rtol=rtol)
