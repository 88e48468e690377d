"""The dialect parser reads back ops with regions (tfc.cond, tfc.while) and variable ops as print_graph writes
them: print(parse(print(g))) == print(g) for traced AutoGraph functions."""
import numpy as np
import pytest

import tfc
from tfc.dialect.parser import ParseError, parse_graph
from tfc.graph import print_graph

counter = tfc.Variable(0)


def loops_and_branches(n):
    total = tfc.constant(0)
    for i in tfc.range(n):
        if i > 2:
            break
        j = tfc.constant(0)
        while j < i:
            total = total + j
            counter.assign_add(1)
            j = j + 1
    return total


def test_round_trip_with_regions():
    graph = tfc.function(loops_and_branches).get_concrete_function(np.int32(4)).graph
    text = print_graph(graph)
    assert '"tfc.while"' in text and '"tfc.cond"' in text and '"tfc.assign_variable"' in text
    assert print_graph(parse_graph(text)) == text


def test_region_errors_point_into_the_text():
    text = """func.func @f(%arg0: tensor<i1>, %arg1: tensor<f32>) -> (tensor<f32>) {
  %0 = "tfc.cond"(%arg0) ({
  ^bb0():
    "tfc.yield"(%arg1) : (tensor<f32>) -> ()
  }, {
  ^bb0():
    "tfc.yield"(%arg0) : (tensor<i1>) -> ()
  }) : (tensor<i1>) -> tensor<f32>
  func.return %0 : tensor<f32>
}
"""
    with pytest.raises(ParseError, match=r"<input>:2:\d+: .*branches yield tensor<f32> and tensor<i1>"):
        parse_graph(text)
