"""The tfc dialect's text form: parser round trips on traced graphs, parser errors, and the generated IRDL."""
import shutil
import sys

import ml_dtypes
import numpy as np
import pytest

import tfc
from tfc.core import ATTR_KINDS, REGISTRY, Op
from tfc.dialect import irdl
from tfc.dialect.attributes import parse_attribute
from tfc.dialect.cursor import Cursor
from tfc.dialect.parser import ParseError, parse_graph, parse_module
from tfc.errors import CompilerError, TfcValueError
from tfc.passes.mlir_tools import verify_tfc_ir
from tfc.graph import TensorType, print_attr, print_graph

needs_mlir_opt = pytest.mark.skipif(shutil.which("mlir-opt-22") is None, reason="mlir-opt-22 is not installed")


# ----------------------------------------------------------------------------------- graphs traced from code
def _arithmetic(x, y):
    a = tfc.add(x, y)
    s = tfc.subtract(a, y)
    p = tfc.multiply(s, x)
    return tfc.divide(p, y)


def _math(x):
    return tfc.sqrt(tfc.tanh(tfc.log(tfc.exp(tfc.negative(x)))))


def _structured(x, m):
    product = tfc.matmul(x, m)
    summed = tfc.reduce_sum(product, axis=[0], keepdims=True)
    flipped = tfc.transpose(tfc.reshape(summed, [2, 2]))
    return tfc.cast(flipped, tfc.int64), tfc.reduce_sum(x, axis=1), tfc.cast(x, tfc.uint8)


def _batched(a, b):
    return tfc.matmul(a, b), tfc.negative(tfc.cast(b, tfc.int32))


def _tf_math(x, y):
    m = tfc.math
    return [x // y, x % y, x ** y, tfc.maximum(x, y), tfc.minimum(x, y), m.atan2(x, y), abs(x), m.sign(x),
            m.square(x), m.rsqrt(x), m.expm1(x), m.log1p(x), m.sin(x), m.cos(x), m.tan(x), m.sinh(x), m.cosh(x),
            m.asin(x), m.acos(x), m.atan(x), m.sigmoid(x), m.erf(x), m.floor(x), m.ceil(x), m.round(x),
            m.reciprocal(x), m.is_nan(x), m.is_inf(x), m.is_finite(x)]


def _tf_logic(x, y):
    b = x < y
    return [x == y, x != y, x <= y, x > y, x >= y, b & b, b | b, b ^ b, ~b, tfc.where(b, x, y)]


def _tf_structure(x, i):
    return [tfc.reduce_mean(x, 0), tfc.reduce_max(x), tfc.reduce_min(x), tfc.reduce_prod(x), tfc.argmax(x, 1),
            tfc.argmin(x, 0), tfc.cumsum(x, 1, reverse=True), tfc.reduce_all(x > 0), tfc.reduce_any(x > 0),
            tfc.range(4), tfc.broadcast_to(x[0], [2, 2, 3]), tfc.concat([x, x], 1), x[::-1, 1:],
            tfc.pad(x, [[1, 0], [0, 1]]), tfc.gather(x, i, axis=1), tfc.einsum("ij,kj->ik", x, x),
            tfc.random.stateless_uniform([2], seed=[1, 2])]


def _tf_nn(images, filters):
    return [tfc.nn.conv2d(images, filters, 1, "SAME"), tfc.nn.max_pool2d(images, 2, 1, "VALID")]


_STATE = tfc.Variable(np.zeros(3, np.float32))


def _control_flow(x, n):
    _STATE.assign(_STATE + tfc.ops.sequence.row(x, n))
    tfc.print("state {", _STATE, {"x": x}, "}", summarize=2, output_stream=sys.stdout)  # braces, quotes, \n
    total = tfc.cast(tfc.reduce_sum(tfc.range(n)), tfc.float32)
    y = tfc.cond(total > 1.0, lambda: x * 2.0, lambda: -x)
    _, y = tfc.while_loop(lambda i, v: i < n, lambda i, v: (i + 1, v + _STATE.read_value()), (0, y))
    return y


def _stacks(x, i):
    from tfc.ops.sequence import resize_rows, row, write_row
    from tfc.ops.shape import broadcast_like, unbroadcast
    grown = resize_rows(x, i + 2)
    return [write_row(grown, i, row(x, i)), tfc.shape(x), broadcast_like(tfc.constant(2.0), x),
            tfc.stop_gradient(x), unbroadcast(x, tfc.reduce_sum(x, axis=0))]


f32 = tfc.float32
TRACED = {
    "tf_math": (_tf_math, [tfc.TensorSpec([2, 3]), tfc.TensorSpec([3])]),
    "tf_logic": (_tf_logic, [tfc.TensorSpec([2, 3], tfc.int32), tfc.TensorSpec([3], tfc.int32)]),
    "tf_structure": (_tf_structure, [tfc.TensorSpec([2, 3]), tfc.TensorSpec([2], tfc.int32)]),
    "tf_nn": (_tf_nn, [tfc.TensorSpec([1, 4, 4, 2]), tfc.TensorSpec([3, 3, 2, 2])]),
    "control_flow": (_control_flow, [tfc.TensorSpec([4, 3]), tfc.TensorSpec([], tfc.int32)]),
    "stacks": (_stacks, [tfc.TensorSpec([None, 3]), tfc.TensorSpec([], tfc.int32)]),
    "arithmetic": (_arithmetic, [tfc.TensorSpec([2, 3]), tfc.TensorSpec([3])]),
    "math": (_math, [tfc.TensorSpec([None, 4], tfc.float64)]),
    "structured": (_structured, [tfc.TensorSpec([2, 3]), tfc.TensorSpec([3, 4])]),
    "batched": (_batched, [tfc.TensorSpec([5, 2, 3]), tfc.TensorSpec([3, 4])]),
    "constants_in_code": (lambda x: x * 1e-5 + 2.0, [tfc.TensorSpec([3], tfc.float64)]),
}

_NAN_WITH_PAYLOAD = np.array([0x7FC00001], np.uint32).view(np.float32)[0]
CONSTANTS = {
    "float32_special": np.array([1.5, -0.0, np.nan, np.inf, -np.inf, _NAN_WITH_PAYLOAD], np.float32),
    "float32_splat_negative_zero": np.full((2, 2), -0.0, np.float32),
    "float32_splat_nan": np.full(3, np.nan, np.float32),
    "float64": np.array([[1e-300, -2.5], [np.pi, 1e300]], np.float64),
    "float16": np.array([0.1, -65504.0, np.inf], np.float16),
    # 2 bytes per element in the hex form; 0x0001 is the smallest subnormal, 0x7FC1 a NaN with a payload.
    "bfloat16": np.concatenate([np.array([0.1, -0.0, np.inf, -3.389e38, np.nan, 1.0], ml_dtypes.bfloat16),
                                np.array([0x0001, 0x7FC1], np.uint16).view(ml_dtypes.bfloat16)]),
    "bfloat16_splat_negative_infinity": np.full(3, -np.inf, ml_dtypes.bfloat16),
    "int64": np.array([[1, -2], [2**40, -2**63]], np.int64),
    "int32": np.array([7, -7, 2**31 - 1], np.int32),
    "int16": np.array([-300, 300], np.int16),
    "int8": np.array(-128, np.int8),
    "bool": np.array([[True, False], [False, True]]),
    "bool_splat": np.ones(3, bool),
    "uint8": np.array([0, 255, 7], np.uint8),
    "empty": np.zeros((0, 3), np.float32),
    "scalar": np.array(3.0, np.float32),
}


def traced_graph(fn, specs):
    return tfc.function(fn).get_concrete_function(*specs).graph


def constant_graph(value):
    return tfc.function(lambda: tfc.constant(value)).get_concrete_function().graph


def all_graphs():
    return ([traced_graph(*TRACED[name]) for name in TRACED] +
            [constant_graph(value) for value in CONSTANTS.values()])


# --------------------------------------------------------------------------------------------- round trips
@pytest.mark.parametrize("name", TRACED)
@pytest.mark.parametrize("debug_info", [True, False])
def test_traced_graphs_round_trip(name, debug_info):
    graph = traced_graph(*TRACED[name])
    text = print_graph(graph, debug_info=debug_info)
    assert print_graph(parse_graph(text), debug_info=debug_info) == text


@pytest.mark.parametrize("name", CONSTANTS)
def test_constants_round_trip_bit_exactly(name):
    value = CONSTANTS[name]
    text = print_graph(constant_graph(value))
    parsed = parse_graph(text)
    assert print_graph(parsed) == text
    array = parsed.nodes[0].attrs["value"]
    assert array.dtype == value.dtype and array.shape == value.shape
    assert array.tobytes() == np.ascontiguousarray(value).tobytes()  # -0.0 and the NaN payload survive


def test_the_traced_graphs_use_every_op_and_attribute_kind():
    # Adding an op (or an attribute kind) to the registry without covering it here fails this test.
    nodes = [node for graph in all_graphs() for node in graph.nodes]
    assert {node.op.name for node in nodes} == set(REGISTRY)
    used_kinds = {kind for op in REGISTRY.values() for kind in op.attrs.values()}
    assert {kind for node in nodes for kind in node.op.attrs.values()} == used_kinds


def test_parsed_attributes_are_what_the_ops_expect():
    graph = parse_graph(print_graph(traced_graph(*TRACED["structured"])))
    attrs = {node.op.name: node.attrs for node in graph.nodes}
    assert attrs["reduce_sum"] == {"axes": (1,), "keepdims": False}
    assert attrs["reshape"] == {"shape": (2, 2)}
    assert attrs["transpose"] == {"perm": (1, 0)}
    assert attrs["cast"]["dtype"] is tfc.uint8
    assert isinstance(attrs["reduce_sum"]["keepdims"], bool)


def test_parsed_graphs_compute_like_the_originals():
    graph = parse_graph(print_graph(traced_graph(*TRACED["math"])))
    x = np.array([[-0.5, -1.0, -2.0, -3.0]])
    expected = np.sqrt(np.tanh(np.log(np.exp(-x))))
    value = x
    for node in graph.nodes:
        value = node.op.impl(value, **node.attrs)
    np.testing.assert_allclose(value, expected)


@pytest.mark.parametrize("kind, value", [
    ("int", -3), ("int", 2**40), ("ints", ()), ("ints", (0, -1, 5)), ("bool", True), ("bool", False),
    ("float", 0.1), ("float", -0.0), ("float", 1e-5), ("float", float("inf")), ("float", float("-inf")),
    ("dtype", tfc.bool), ("dtype", tfc.uint8), ("dtype", tfc.float16), ("shape", (2, None, 3)), ("shape", ()),
    ("str", 'quote " backslash \\ newline \n tab \t'),
])
def test_every_attribute_kind_parses_back(kind, value):
    cur = Cursor(print_attr(kind, value))
    parsed = parse_attribute(cur, kind, "the attribute")
    assert parsed == value and type(parsed) is type(value) and cur.at_end()
    if kind == "float":
        assert np.signbit(parsed) == np.signbit(value)


def test_float_attribute_nan_parses_back():
    assert np.isnan(parse_attribute(Cursor(print_attr("float", float("nan"))), "float", "x"))


def test_every_attribute_kind_has_a_parser():
    for kind in ATTR_KINDS:
        assert kind in irdl._ATTRIBUTE_BASES or kind == "bool"
        with pytest.raises(ParseError):
            parse_attribute(Cursor("}"), kind, "the attribute")


def test_hand_written_spellings():
    text = """
    // a comment
    module {
      func.func @f(%x: tensor<2xf32> loc("a.py":1:1)) -> tensor<2xf32> {

        %e = "tfc.exp"(%x) : (tensor<2xf32>) -> tensor<2xf32> loc(unknown)
        %c = "tfc.constant"() {value = dense<[1.000000e+00, 0x7FC00000]> : tensor<2xf32>} : () -> tensor<2xf32>
        return %e : tensor<2xf32>
      } loc("a.py":1:1)
      func.func @g() {
        func.return
      }
    }
    """
    f, g = parse_module(text)
    assert [n.op.name for n in f.nodes] == ["exp", "constant"] and f.nodes[0].loc is None
    assert np.isnan(f.nodes[1].attrs["value"][1])
    assert g.name == "g" and not g.inputs and not g.outputs


def test_multi_result_ops(monkeypatch):
    def split_rule(x):
        half = TensorType([x.shape[0] // 2], x.dtype)
        return half, half

    monkeypatch.setitem(REGISTRY, "split2", Op("split2", split_rule, lambda x: np.split(x, 2), {}, 1, ""))
    text = ('func.func @f(%arg0: tensor<4xf32>) -> (tensor<2xf32>) {\n'
            '  %0:2 = "tfc.split2"(%arg0) : (tensor<4xf32>) -> (tensor<2xf32>, tensor<2xf32>)\n'
            '  %1 = "tfc.add"(%0#0, %0#1) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>\n'
            '  func.return %1 : tensor<2xf32>\n}\n')
    graph = parse_graph(text)
    assert graph.nodes[1].inputs == graph.nodes[0].outputs
    assert print_graph(graph, debug_info=False) == text
    with pytest.raises(ParseError, match=r"f.mlir:3:18: %0 names 2 results; use one of %0#0 .. %0#1"):
        parse_graph(text.replace("%0#0", "%0"), "f.mlir")
    with pytest.raises(ParseError, match=r"%0#2 does not exist: %0 has 2 result\(s\)"):
        parse_graph(text.replace("%0#1", "%0#2"))


# ------------------------------------------------------------------------------------------- parser errors
GOOD = """func.func @f(%arg0: tensor<3xf32>) -> (tensor<3xf32>) {
  %0 = "tfc.exp"(%arg0) : (tensor<3xf32>) -> tensor<3xf32> loc("model.py":4:11)
  func.return %0 : tensor<3xf32>
}
"""


@pytest.mark.parametrize("old, new, message", [
    ('"tfc.exp"', '"tfc.qqq"', "m.mlir:2:8: unknown op 'tfc.qqq'; known ops: tfc.abs, tfc.acos, tfc.add,"),
    ('"tfc.exp"', '"tfc.ex"', "m.mlir:2:8: unknown op 'tfc.ex' (did you mean 'tfc.exp'?); known ops:"),
    ("(%arg0) :", "(%7) :", "m.mlir:2:18: use of undefined value %7"),
    ("(%arg0) : (tensor<3xf32>)", "(%arg0, %arg0) : (tensor<3xf32>, tensor<3xf32>)",
     "m.mlir:2:8: tfc.exp takes 1 operand(s), got 2"),
    ("(tensor<3xf32>) -> tensor<3xf32> loc", "(tensor<4xf32>) -> tensor<3xf32> loc",
     "m.mlir:2:18: type mismatch: operand 0 has type tensor<3xf32> but the op's signature says tensor<4xf32>"),
    ("-> tensor<3xf32> loc", "-> tensor<3xi32> loc",
     "m.mlir:2:8: tfc.exp: result types (tensor<3xi32>) do not match the op's rule, which gives (tensor<3xf32>)"),
    ("tensor<3xf32>) -> (", "tensor<3xf8E4M3FN>) -> (",
     "m.mlir:1:30: unsupported element type 'f8E4M3FN'; tfc supports: f16, bf16, f32, f64, i8, i16, i32, i64, ui8, i1"),
    ("tensor<3xf32>) -> (", "tensor<*xf32>) -> (", "m.mlir:1:21: unranked tensor type tensor<*xf32> is not"),
    ('loc("model.py":4:11)', "loc(#loc1)", "m.mlir:2:64: expected \"file\":line:col or unknown inside loc(...), "
                                          "found '#loc1'"),
    ("func.return %0 : tensor<3xf32>", "func.return %0 : tensor<3xi32>",
     "m.mlir:3:15: type mismatch: returned value 0 has type tensor<3xf32>, written as tensor<3xi32>"),
    ("func.return %0 : tensor<3xf32>", "func.return", "m.mlir:3:3: func.return returns 0 value(s) but the "
                                                      "function's type has 1 result(s)"),
    ("}\n", "", "m.mlir:4:1: expected '}' closing the function body (nothing may follow func.return), found "
                "end of input"),
    ("func.func @f", "func.func f", "m.mlir:1:11: expected a function name like @f, found 'f'"),
])
def test_parse_errors_point_at_the_text_and_say_what_was_expected(old, new, message):
    assert old in GOOD
    with pytest.raises(ParseError) as info:
        parse_module(GOOD.replace(old, new, 1), "m.mlir")
    assert str(info.value).startswith(message)
    assert isinstance(info.value, TfcValueError)


def _constant_text(attr: str, type: str = "tensor<3xf32>") -> str:
    return (f'func.func @f() -> ({type}) {{\n  %0 = "tfc.constant"() {{value = {attr}}} : () -> {type}\n'
            f'  func.return %0 : {type}\n}}\n')


@pytest.mark.parametrize("attr, message", [
    ('dense<"0x0000"> : tensor<3xf32>', "2:40: hex data has 2 bytes but tensor<3xf32> needs 12"),
    ("dense<[1.0, 2.0]> : tensor<3xf32>", "2:34: the list in dense<...> has shape (2,) but its type "
                                          "tensor<3xf32> has shape (3,)"),
    ("dense<> : tensor<3xf32>", "2:34: dense<> is empty but tensor<3xf32> has 3 element(s)"),
    ("dense<1.0> : tensor<?xf32>", "2:47: a dense constant needs a static shape, got tensor<?xf32>"),
    ("dense<1.0> : tensor<2xf32>", "2:8: type mismatch: tfc.constant's value is tensor<2xf32> but its result "
                                   "type is tensor<3xf32>"),
    ("dense<true> : tensor<3xf32>", "2:40: expected a number for f32, found 'true'"),
    ('dense<"0x01"> : tensor<3xi1>', "2:40: hex data for an i1 constant is not supported"),
    ("dense<0x7FC0000000> : tensor<3xf32>", "2:40: hex float 0x7FC0000000 has more bits than f32 holds"),
    ("dense<[[1.0], [2.0, 3.0]]> : tensor<3xf32>", "2:34: the list in dense<...> is ragged: its rows have "
                                                   "different lengths"),
    ("dense<1.0e10> : tensor<3xf16>", "2:40: 1.0e10 is out of range for f16"),
    ("1.0 : f32", "2:34: expected a constant like `dense<1.0> : tensor<2xf32>` for attribute 'value' of "
                  "tfc.constant, found '1.0'"),
])
def test_constant_errors(attr, message):
    with pytest.raises(ParseError) as info:
        parse_module(_constant_text(attr), "c.mlir")
    assert str(info.value).startswith(f"c.mlir:{message}")


def test_reduce_sum_axes_are_checked_by_the_rule():
    # The Python API normalizes axes; the rule must reject what hand-written IR can still say.
    text = GOOD.replace('"tfc.exp"(%arg0) :', '"tfc.reduce_sum"(%arg0) {axes = array<i64: 5>, keepdims = false} :')
    with pytest.raises(ParseError, match=r"m.mlir:2:8: tfc.reduce_sum: axes \[5\] must be sorted, unique and in "
                                         r"\[0, 1\) for a tensor of rank 1"):
        parse_module(text, "m.mlir")


def test_integer_literals_are_range_checked():
    with pytest.raises(ParseError, match=r"c.mlir:2:40: -1 does not fit ui8 \(range 0 to 255\)"):
        parse_module(_constant_text("dense<-1> : tensor<2xui8>", "tensor<2xui8>"), "c.mlir")
    with pytest.raises(ParseError, match=r"c.mlir:2:40: expected an integer for i32, found '1.5'"):
        parse_module(_constant_text("dense<1.5> : tensor<2xi32>", "tensor<2xi32>"), "c.mlir")


def test_first_line_numbers_a_chunk_of_a_larger_file():
    with pytest.raises(ParseError, match=r"^big.mlir:42:8: unknown op"):
        parse_module(GOOD.replace("tfc.exp", "tfc.nope"), "big.mlir", first_line=41)


def test_parse_graph_wants_exactly_one_function():
    with pytest.raises(ParseError, match="expected exactly one func.func, found 2"):
        parse_graph(GOOD + GOOD.replace("@f", "@g"))
    with pytest.raises(ParseError, match="redefinition of function @f"):
        parse_module(GOOD + GOOD)


# ---------------------------------------------------------------------------------------------------- IRDL
def test_committed_irdl_is_not_stale():
    assert irdl.IRDL_FILE.read_text() == irdl.generate_irdl(), (
        "dialect/tfc.irdl.mlir is stale: regenerate it with `tfc-opt --emit-irdl > dialect/tfc.irdl.mlir`")


def test_every_registered_op_is_declared_with_one_constraint_per_operand():
    text = irdl.generate_irdl()
    for name, op in REGISTRY.items():
        assert f"irdl.operation @{name} {{" in text
        block = text.split(f"irdl.operation @{name} {{")[1].split("\n  }")[0]
        names = irdl.operand_names(op) + irdl.result_names(op)
        assert block.count('= irdl.base "!builtin.tensor"') == len(names) == len(set(names))
        for attr in op.attrs:
            assert f'"{attr}" = %a_{attr}' in block


def test_operand_names_come_from_the_op_rule():
    assert irdl.operand_names(REGISTRY["matmul"]) == ["a", "b"]
    assert irdl.operand_names(REGISTRY["constant"]) == []


def test_variadic_ops_use_one_variadic_group():
    def concat_rule(*values):
        return values[0]

    op = Op("concat", concat_rule, lambda *values: np.concatenate(values), {"axis": "int"}, None, "Joins.")
    text = irdl.generate_irdl({"concat": op})
    assert "irdl.operands(values: variadic %t_values)" in text
    assert '%a_axis = irdl.base "#builtin.integer"' in text


@needs_mlir_opt
def test_mlir_opt_accepts_every_printed_graph():
    for graph in all_graphs():
        if any(node.regions for node in graph.nodes):
            continue  # IRDL cannot declare tfc.yield a terminator: mlir-opt rejects regions (see dialect/irdl.py)
        verify_tfc_ir(print_graph(graph))


@needs_mlir_opt
def test_mlir_opt_rejects_what_the_declaration_forbids(tmp_path, monkeypatch):
    monkeypatch.setenv("TFC_REPRO_DIR", str(tmp_path))
    bad = GOOD.replace('(%arg0) : (tensor<3xf32>)', '(%arg0, %arg0) : (tensor<3xf32>, tensor<3xf32>)')
    with pytest.raises(CompilerError) as info:
        verify_tfc_ir(bad)
    assert "op expects exactly 1 operands, but got 2" in str(info.value)
    with open(info.value.reproducer) as saved:
        assert saved.read() == bad  # saved for the replay command
    assert "--irdl-file=" in info.value.command
