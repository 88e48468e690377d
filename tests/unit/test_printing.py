"""The runtime's print channel without compiled code: the hook decodes MLIR strided metadata of any layout, and the
formatter lays tensors out as numpy does (tf.print's element format, no padding)."""
import sys

import ml_dtypes
import numpy as np
import pytest

from tfc.runtime import abi, printing


def _words(arrays) -> np.ndarray:
    """What compiled code stores for `arrays`: per tensor, data pointer, offset, sizes, strides (elements)."""
    words = []
    for array in arrays:
        base = array.base if array.base is not None else array
        offset = (array.__array_interface__["data"][0] - base.__array_interface__["data"][0]) // array.itemsize
        words += [base.__array_interface__["data"][0], offset, *array.shape,
                  *[s // array.itemsize for s in array.strides]]
    return np.array(words, np.int64)


BASE = np.arange(60, dtype=np.float32).reshape(3, 4, 5)
LAYOUTS = {"contiguous": BASE, "transposed": BASE.transpose(2, 0, 1), "sliced": BASE[1:, ::2, 3],
           "reversed": BASE[::-1, :, ::-2], "scalar": BASE[2, 3, 4], "broadcast": np.broadcast_to(BASE[0, 0], (2, 5)),
           "empty": BASE[:, :0]}


@pytest.mark.parametrize("name", LAYOUTS)
def test_hook_decodes_any_strided_layout(name, capsys):
    array = np.asarray(LAYOUTS[name])
    spec = {"template": "<{}>\n", "stream": "stdout", "summarize": -1,
            "values": [{"dtype": "float32", "rank": array.ndim}]}
    hook = printing.PrintHook([spec], abi.numpy_dtype)
    words = _words([array])
    hook._function(0, words.ctypes.data)
    hook.raise_pending()
    assert capsys.readouterr().out == f"<{printing.format_tensor(array, -1)}>\n"


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16", "int8", "int16", "int32", "int64",
                                   "uint8", "bool"])
def test_hook_reads_scalars_and_vectors_of_every_dtype(dtype, capsys):
    values = np.array([-1.5, 0.0, 2.25, 300.0]).astype(abi.numpy_dtype(dtype))
    spec = {"template": "{} {}\n", "stream": "stderr", "summarize": 3,
            "values": [{"dtype": dtype, "rank": 0}, {"dtype": dtype, "rank": 1}]}
    hook = printing.PrintHook([spec], abi.numpy_dtype)
    words = _words([values[2:3].reshape(()), values])
    hook._function(0, words.ctypes.data)
    hook.raise_pending()
    expected = f"{printing.format_tensor(values[2])} {printing.format_tensor(values)}\n"
    assert capsys.readouterr().err == expected


def test_errors_while_printing_are_kept_for_after_the_call():
    spec = {"template": "x\n", "stream": "file:///nonexistent-folder/x.txt", "summarize": 3, "values": []}
    hook = printing.PrintHook([spec], abi.numpy_dtype)
    hook._function(0, 0)
    hook._function(0, 0)  # skipped: the call already failed
    with pytest.raises(FileNotFoundError):
        hook.raise_pending()
    hook.raise_pending()  # raised once


def _numpy_layout(array, summarize):
    edge = summarize if summarize >= 0 else None
    def element(x):
        return printing.format_tensor(x)
    return np.array2string(array, separator=" ", threshold=sys.maxsize if edge is None else 2 * edge,
                           edgeitems=edge or 3, max_line_width=sys.maxsize,
                           formatter={"float_kind": element, "bool": element, "int_kind": str})


@pytest.mark.parametrize("shape", [(1,), (6,), (7,), (2, 3), (7, 7), (3, 8), (2, 3, 4), (7, 2, 9), (2, 2, 2, 2),
                                   (7, 7, 7)])
def test_layout_is_numpys(shape):
    rng = np.random.default_rng(sum(shape))
    for dtype in (np.float32, np.float64, np.int32, np.bool_, ml_dtypes.bfloat16):
        array = (rng.standard_normal(shape) * 10).astype(dtype)
        reference = array.astype(np.float32) if dtype is ml_dtypes.bfloat16 else array
        for summarize in (3, 1, 2, -1):
            assert printing.format_tensor(array, summarize) == _numpy_layout(reference, summarize), (dtype, summarize)
