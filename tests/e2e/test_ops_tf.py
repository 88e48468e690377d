"""TensorFlow semantics beyond the op table: special values, errors, Python operators, random bits, the example
script, and the known gaps (as xfails carrying their reason)."""
import pathlib
import runpy

import numpy as np
import pytest

import tfc
from tfc.ops.known_gaps import KNOWN_GAPS


def compiled(fn, *args):
    return tfc.function(fn)(*args)


def test_special_values_match_eager_and_tensorflow_rules():
    x = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, 1e-30, -2.5, 2.5, 3.5], np.float32)

    def f(x):
        return [tfc.math.expm1(x), tfc.math.log1p(x), tfc.round(x), tfc.math.is_nan(x), tfc.math.is_inf(x),
                tfc.math.is_finite(x), tfc.maximum(x, 0.0), tfc.math.sigmoid(x), x // 2.0, x % 2.0, tfc.sign(x)]

    eager = f(tfc.constant(x))
    for i, (e, c) in enumerate(zip(eager, compiled(f, x))):
        # libm and numpy may differ by an ulp in expm1/log1p/exp; nan, inf and the sign of zero must agree exactly
        np.testing.assert_allclose(c.numpy(), e.numpy(), rtol=1e-6, atol=0, equal_nan=True, err_msg=f"result {i}")
        if c.dtype.is_floating:
            numbers = ~np.isnan(e.numpy())  # a nan's sign bit is not specified
            assert np.array_equal(np.signbit(c.numpy()[numbers]), np.signbit(e.numpy()[numbers])), f"result {i}"
    assert tfc.round(tfc.constant([0.5, 1.5, 2.5, -0.5])).numpy().tolist() == [0.0, 2.0, 2.0, -0.0]
    assert tfc.math.expm1(tfc.constant(1e-30)).numpy() == np.float32(1e-30)  # accurate for tiny x
    assert tfc.math.log1p(tfc.constant(-1.0)).numpy() == -np.inf


def test_integer_floor_division_and_overflow_wrap_like_tensorflow():
    x = np.array([-7, 7, -128, 127, -1], np.int8)
    y = np.array([2, -2, -1, 1, 3], np.int8)

    def f(x, y):
        return [x // y, x % y, x * x, -x, abs(x)]

    expected = [np.array([-4, -4, -128, 127, -1], np.int8), np.array([1, -1, 0, 0, 2], np.int8),
                (x.astype(np.int32) ** 2).astype(np.int8), (-x.astype(np.int32)).astype(np.int8),
                np.abs(x.astype(np.int32)).astype(np.int8)]
    for i, (e, c, want) in enumerate(zip(f(tfc.constant(x), tfc.constant(y)), compiled(f, x, y), expected)):
        np.testing.assert_array_equal(e.numpy(), want, err_msg=f"eager {i}")
        np.testing.assert_array_equal(c.numpy(), want, err_msg=f"compiled {i}")
    assert tfc.reduce_mean(tfc.constant([-4, 5, -6])).numpy() == -1  # truncates toward zero


def test_uint8_uses_unsigned_arithmetic_when_compiled():
    x = np.array([250, 3, 128], np.uint8)
    y = np.array([7, 200, 2], np.uint8)

    def f(x, y):
        return [x // y, x % y, tfc.maximum(x, y), x < y, tfc.reduce_max(x), tfc.argmax(x)]

    for i, (e, c) in enumerate(zip(f(tfc.constant(x), tfc.constant(y)), compiled(f, x, y))):
        np.testing.assert_array_equal(c.numpy(), e.numpy(), err_msg=f"result {i}")
    assert (x // y).tolist() == f(tfc.constant(x), tfc.constant(y))[0].numpy().tolist()


def test_python_operators_compare_elementwise():
    a, b = tfc.constant([1, 2, 3]), tfc.constant([3, 2, 1])
    assert (a == b).numpy().tolist() == [False, True, False]
    assert (a != b).numpy().tolist() == [True, False, True]
    assert (a < b).numpy().tolist() == [True, False, False] and (a >= 2).numpy().tolist() == [False, True, True]
    assert (a == None) is False and (a ** 2).numpy().tolist() == [1, 4, 9]  # noqa: E711
    assert (~(a > 1) | (a > 2)).numpy().tolist() == [True, False, True]
    assert abs(tfc.constant([-1.5])).numpy().tolist() == [1.5]
    assert {a: 1}[a] == 1  # tensors stay hashable by identity


def test_random_bits_are_identical_eager_and_compiled():
    def f():
        return [tfc.random.stateless_uniform([64], seed=[3, 4]), tfc.random.stateless_normal([8, 8], seed=[3, 4])]

    (eager_u, eager_n), (comp_u, comp_n) = f(), compiled(f)
    np.testing.assert_array_equal(comp_u.numpy(), eager_u.numpy())  # same bits, not just close
    np.testing.assert_allclose(comp_n.numpy(), eager_n.numpy(), rtol=1e-5, atol=1e-6)  # libm vs numpy log/cos
    u = eager_u.numpy()
    assert 0 <= u.min() and u.max() < 1 and abs(u.mean() - 0.5) < 0.15
    assert not np.array_equal(u, tfc.random.stateless_uniform([64], seed=[3, 5]).numpy())


def test_errors_name_the_op_and_follow_tensorflow_classes():
    with pytest.raises(tfc.errors.InvalidArgumentError, match=r"test_ops_tf.py:\d+: tfc.floordiv: Integer division"):
        tfc.constant([1]) // tfc.constant([0])
    with pytest.raises(tfc.errors.InvalidArgumentError, match="tfc.concat: .*expected equal shapes except along"):
        tfc.concat([tfc.ones([2, 3]), tfc.ones([2, 4])], 0)
    with pytest.raises(tfc.errors.InvalidArgumentError, match="tfc.gather: indices contains 5"):
        tfc.gather(tfc.ones([3]), [5])
    with pytest.raises(tfc.errors.InvalidArgumentError, match="tfc.sin: x has dtype int32, expected one of"):
        tfc.math.sin(tfc.constant([1]))
    with pytest.raises(TypeError, match="tfc.logical_and: x has dtype float32"):
        compiled(lambda x: tfc.logical_and(x, x), np.ones(2, np.float32))
    with pytest.raises(ValueError, match="tfc.matmul|tfc.einsum: .*index 'j' has size"):
        compiled(lambda a, b: tfc.einsum("ij,jk->ik", a, b), np.ones((2, 3), np.float32), np.ones((4, 2), np.float32))
    with pytest.raises(TypeError, match="boolean mask .* cannot be traced"):
        compiled(lambda x: x[x > 0], np.ones(3, np.float32))
    with pytest.raises(TypeError, match=r"tfc.where\(condition\) with one argument"):
        compiled(lambda x: tfc.where(x > 0), np.ones(3, np.float32))


def test_eager_only_forms():
    x = tfc.constant([[1.0, -2.0], [3.0, -4.0]])
    assert tfc.where(x > 0).numpy().tolist() == [[0, 0], [1, 0]] and tfc.where(x > 0).dtype == tfc.int64
    assert x[x > 0].numpy().tolist() == [1.0, 3.0]
    assert tfc.shape(x).numpy().tolist() == [2, 2] and tfc.size(x).numpy() == 4 and tfc.rank(x).numpy() == 2


def test_the_tf_style_example_runs_unchanged(capsys):
    runpy.run_path(str(pathlib.Path(__file__).parents[2] / "examples" / "tf_script.py"), run_name="__main__")
    assert "eager and @tf.function agree" in capsys.readouterr().out


def test_two_same_shaped_reductions_in_one_function():
    # Fixed by running eliminate-empty-tensors before cse (passes/pipeline.py).
    x = np.array([[1.0, -2.5, 0.3], [3.0, 4.0, -0.7]], np.float32)
    first, second = compiled(lambda a: [tfc.reduce_sum(a, 1), tfc.reduce_sum(a * 2, 1)], x)
    np.testing.assert_allclose(second.numpy(), (x * 2).sum(1), rtol=1e-6)


def test_compiled_integer_division_by_zero_raises():
    with pytest.raises(tfc.errors.InvalidArgumentError):
        compiled(lambda x, y: x // y, np.array([1], np.int32), np.array([0], np.int32))


def test_known_gaps_are_listed_by_tfc_ops():
    from click.testing import CliRunner
    from tfc.tools.cli import main
    output = CliRunner().invoke(main, ["ops"]).output
    for name in KNOWN_GAPS:
        assert name in output


def test_mirror_pad_limits_and_edges_follow_tensorflow():
    x = np.array([1, 2, 3], np.int32)
    np.testing.assert_array_equal(tfc.pad(x, [[2, 2]], mode="REFLECT").numpy(), [3, 2, 1, 2, 3, 2, 1])
    np.testing.assert_array_equal(tfc.pad(x, [[3, 3]], mode="SYMMETRIC").numpy(), [3, 2, 1, 1, 2, 3, 3, 2, 1])
    with pytest.raises(tfc.errors.InvalidArgumentError, match="less than the dimension size: 3, 0"):
        tfc.pad(x, [[3, 0]], mode="REFLECT")
    with pytest.raises(tfc.errors.InvalidArgumentError, match="no greater than the dimension size: 0, 4"):
        tfc.pad(x, [[0, 4]], mode="SYMMETRIC")
    with pytest.raises(tfc.errors.InvalidArgumentError, match="'WRAP' is not one of"):
        tfc.pad(x, [[1, 1]], mode="wrap")
