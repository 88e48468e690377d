"""Regression tests for the graph printer and verifier (tfc.graph), found while writing the dialect parser."""
import shutil

import numpy as np
import pytest

import tfc
from tfc.graph import Graph, TensorType, VerificationError, print_float, print_graph

needs_mlir_opt = pytest.mark.skipif(shutil.which("mlir-opt-22") is None,
                                    reason="mlir-opt-22 is not installed")


@pytest.mark.parametrize("value, text", [(1e-05, "1.0e-05"), (1e20, "1.0e+20"), (2.5, "2.5"), (-0.0, "-0.0"),
                                         (3.0, "3.0")])
def test_float_literals_always_have_a_point(value, text):
    # MLIR's float literal grammar needs the '.': `1e-05` is a syntax error, `1.0e-05` is not.
    assert print_float(value, "f64") == text


def test_lambda_names_are_quoted_symbols():
    f = tfc.function(lambda x: x + 1.0)
    text = print_graph(f.get_concrete_function(tfc.TensorSpec([2])).graph)
    assert text.startswith('func.func @"<lambda>"(')


@needs_mlir_opt
def test_float64_constants_with_exponents_compile():
    @tfc.function
    def scale(x):
        return x * 1e-5

    np.testing.assert_allclose(scale(tfc.constant([2.0], dtype=tfc.float64)).numpy(), [2e-5])


def test_locations_with_control_characters_stay_on_one_line():
    graph = Graph("g")
    x = graph.add_input(TensorType([2], tfc.float32))
    node = graph.add_node(tfc.exp.op, [x], {}, [x.type], tfc.errors.Location("a\nb.py", 3, 4))
    graph.outputs = node.outputs
    assert 'loc("a\\0Ab.py":3:4)' in print_graph(graph)


def test_verification_error_names_the_node_and_the_types():
    graph = Graph("g")
    x = graph.add_input(TensorType([2], tfc.float32))
    node = graph.add_node(tfc.exp.op, [x], {}, [TensorType([3], tfc.float32)], None)
    graph.outputs = node.outputs
    with pytest.raises(VerificationError) as info:
        graph.verify()
    assert info.value.node is node
    assert str(info.value) == ("tfc.exp: result types (tensor<3xf32>) do not match the op's rule, which gives "
                               "(tensor<2xf32>)")


def test_constant_digests_tell_apart_every_bit_and_type():
    """Cache keys print dense constants as hashes of their bytes: -0.0, NaN payloads and dtypes all differ."""
    from tfc.graph import digest_dense

    f32 = TensorType((2,), tfc.float32)
    zero, minus_zero = np.zeros(2, np.float32), np.array([0.0, -0.0], np.float32)
    nan, other_nan = np.full(2, np.nan, np.float32), np.full(2, np.nan, np.float32)
    other_nan.view(np.uint32)[1] ^= 1  # another payload
    digests = {digest_dense(a, f32) for a in (zero, minus_zero, nan, other_nan)}
    digests.add(digest_dense(np.zeros(2, np.float64), TensorType((2,), tfc.float64)))
    assert len(digests) == 5
    assert digest_dense(zero.copy(), f32) == digest_dense(zero, f32)
