"""The runtime: memref descriptors, manifests, argument checks before native code runs."""
import ctypes
import json
import shutil

import numpy as np
import pytest

import tfc
from tfc.runtime import abi
from tfc.runtime.errors import SignatureMismatchError, TfcValueError


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    """A compiled `scale(x: float32[2, None? no: 2x3], k: int32[]) -> (x * 2, k + 1)` on disk."""
    @tfc.function
    def scale(x, k):
        return x * 2, k + 1

    concrete = scale.get_concrete_function(tfc.TensorSpec([2, 3], tfc.float32), tfc.TensorSpec([], tfc.int32))
    concrete(np.zeros((2, 3), np.float32), np.int32(0))
    folder = tmp_path_factory.mktemp("lib")
    for suffix in (".so", ".json"):
        shutil.copy(concrete._artifact.library[:-3] + suffix, folder / f"scale{suffix}")
    return folder / "scale.so"


def test_descriptor_layout_matches_mlir():
    array = np.arange(12, dtype=np.float32).reshape(3, 4)
    desc = abi.descriptor(array)
    assert desc.aligned == array.ctypes.data and desc.offset == 0
    assert list(desc.sizes) == [3, 4] and list(desc.strides) == [4, 1]  # strides in elements
    assert ctypes.sizeof(abi.descriptor_class(0)) == 24
    assert ctypes.sizeof(abi.descriptor_class(2)) == 24 + 2 * 2 * 8


def test_load_and_call(library):
    module = tfc.runtime.load(str(library))
    doubled, incremented = module.scale(np.ones((2, 3), np.float32), np.int32(4))
    assert doubled.tolist() == [[2] * 3] * 2 and incremented == 5
    assert module.manifest["abi_version"] == abi.ABI_VERSION
    assert module.scale.args[0] == {"name": "x", "shape": [2, 3], "dtype": "float32"}


def test_arguments_are_checked_before_native_code(library):
    scale = tfc.runtime.load(str(library)).scale
    with pytest.raises(SignatureMismatchError, match=r"argument 'x' has dtype float64, expected float32"):
        scale(np.ones((2, 3)), 1)
    with pytest.raises(SignatureMismatchError, match=r"argument 'x' has shape \(3, 2\), expected \(2, 3\)"):
        scale(np.ones((3, 2), np.float32), 1)
    with pytest.raises(SignatureMismatchError, match=r"takes 2 tensor argument\(s\) \(x, k\), got 1"):
        scale(np.ones((2, 3), np.float32))
    with pytest.raises(SignatureMismatchError, match="has dtype float64, expected int32"):
        scale(np.ones((2, 3), np.float32), 2.5)  # a Python float never silently becomes an int
    with pytest.raises(SignatureMismatchError):
        scale([["a"] * 3] * 2, 1)


def test_python_values_other_byte_orders_and_layouts_are_converted(library):
    scale = tfc.runtime.load(str(library)).scale
    doubled, _ = scale([[1, 2, 3], [4, 5, 6]], 1)  # Python ints -> float32
    assert doubled.tolist() == [[2, 4, 6], [8, 10, 12]]
    big_endian = np.arange(6, dtype=">f4").reshape(2, 3)
    assert scale(big_endian, 0)[0].tolist() == [[0, 2, 4], [6, 8, 10]]
    strided = np.arange(12, dtype=np.float32).reshape(2, 6)[:, ::2]
    assert scale(strided, 0)[0].tolist() == (strided * 2).tolist()
    unaligned = np.frombuffer(b"\0" + np.arange(6, dtype=np.float32).tobytes(), np.float32, 6, 1).reshape(2, 3)
    assert not unaligned.flags.aligned and scale(unaligned, 0)[0].tolist() == [[0, 2, 4], [6, 8, 10]]


def test_incompatible_manifest_is_refused(library, tmp_path):
    manifest = json.loads(library.with_suffix(".json").read_text())
    manifest["abi_version"] = 999
    (tmp_path / "scale.json").write_text(json.dumps(manifest))
    shutil.copy(library, tmp_path / "scale.so")
    with pytest.raises(TfcValueError, match="ABI version 999"):
        tfc.runtime.load(str(tmp_path / "scale.so"))
