"""Eager tensors and TensorFlow's dtype rules."""
import numpy as np
import pytest

import tfc


@pytest.mark.parametrize("value,dtype", [(1, tfc.int32), (1.5, tfc.float32), (True, tfc.bool), ([1, 2.5], tfc.float32),
                                         ([[1, 2], [3, 4]], tfc.int32), (np.float64(1), tfc.float64),
                                         (np.arange(3, dtype=np.int64), tfc.int64), ([], tfc.float32)])
def test_constant_dtypes_follow_tensorflow(value, dtype):
    assert tfc.constant(value).dtype == dtype


def test_constant_with_dtype_and_shape():
    t = tfc.constant(3, dtype=tfc.float64, shape=[2, 2])
    assert t.dtype == tfc.float64 and t.shape == [2, 2] and t.numpy().tolist() == [[3, 3], [3, 3]]
    assert tfc.constant([1, 2, 3, 4], shape=(2, 2)).numpy().tolist() == [[1, 2], [3, 4]]
    with pytest.raises(TypeError, match="cannot give 3 values the shape"):
        tfc.constant([1, 2, 3], shape=[2, 2])


def test_python_scalars_adopt_the_tensor_dtype():
    x = tfc.constant([1.0, 2.0], dtype=tfc.float64)
    assert (x * 2).dtype == tfc.float64 and (2 - x).numpy().tolist() == [1, 0]
    assert (tfc.constant([1, 2], dtype=tfc.int8) + 1).dtype == tfc.int8
    with pytest.raises(TypeError):
        tfc.constant([1, 2]) * 2.0
    with pytest.raises(ValueError, match="out of range for int8"):
        tfc.constant([1], dtype=tfc.int8) + 300


def test_integer_true_division_gives_float64():
    result = tfc.constant([1, 2]) / tfc.constant([2, 4])
    assert result.dtype == tfc.float64 and result.numpy().tolist() == [0.5, 0.5]
    assert (tfc.constant([1], dtype=tfc.int8) / 2).dtype == tfc.float32


def test_tensor_protocols():
    t = tfc.constant([[1.0, 2.0], [3.0, 4.0]])
    assert t.shape == (2, 2) and t.shape == [2, 2] and t.shape.rank == 2 and t.ndim == 2
    assert repr(t.shape) == "TensorShape([2, 2])"
    assert np.asarray(t).dtype == np.float32 and np.array(t, dtype=np.float64).dtype == np.float64
    assert len(t) == 2 and [row.numpy().tolist() for row in t] == [[1, 2], [3, 4]]
    scalar = tfc.constant(2.5)
    assert isinstance(scalar.numpy(), np.float32) and float(scalar) == 2.5 and bool(scalar)
    assert repr(scalar) == "<tfc.Tensor: shape=(), dtype=float32, numpy=np.float32(2.5)>"
    assert repr(t).startswith("<tfc.Tensor: shape=(2, 2), dtype=float32, numpy=array([[1., 2.],")
    assert (np.ones(2, np.float32) + tfc.constant([1.0, 2.0])).numpy().tolist() == [2, 3]  # __radd__ wins


def test_eager_operators_and_ops():
    x = tfc.constant([1.0, 4.0])
    assert (-x).numpy().tolist() == [-1, -4] and (x / 2).numpy().tolist() == [0.5, 2]
    assert tfc.math.sqrt(x).numpy().tolist() == [1, 2]
    m = tfc.constant([[1, 2], [3, 4]])
    assert (m @ m).numpy().tolist() == [[7, 10], [15, 22]]
    assert tfc.reduce_sum(m, axis=-1, keepdims=True).numpy().tolist() == [[3], [7]]
    assert tfc.reshape(m, [-1]).numpy().tolist() == [1, 2, 3, 4]
    assert tfc.transpose(m).numpy().tolist() == [[1, 3], [2, 4]]


def test_as_dtype():
    assert tfc.as_dtype("float32") is tfc.float32 and tfc.as_dtype(np.int64) is tfc.int64
    assert tfc.as_dtype("double") is tfc.float64
    with pytest.raises(TypeError, match="cannot interpret 'complex64' as a dtype"):
        tfc.as_dtype("complex64")
