// The tfc dialect in IRDL. GENERATED from tfc.core.REGISTRY by `tfc-opt --emit-irdl`: do not edit.
// Use: mlir-opt-22 --irdl-file=tfc.irdl.mlir input.mlir
irdl.dialect @tfc {
  // tfc.add: x + y elementwise, with broadcasting. Also `+` on tensors.
  irdl.operation @add {
    %t_x = irdl.base "!builtin.tensor"
    %t_y = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x, y: %t_y)
    irdl.results(output: %t_output)
  }
  // tfc.cast: Converts x to `dtype`; floats become ints by truncation toward zero, nonzero becomes True.
  irdl.operation @cast {
    %t_x = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    %a_dtype = irdl.base "#builtin.type"
    irdl.operands(x: %t_x)
    irdl.results(output: %t_output)
    irdl.attributes {"dtype" = %a_dtype}
  }
  // tfc.constant: A constant tensor embedded in the graph (eager tensors captured by a trace become constants).
  irdl.operation @constant {
    %t_output = irdl.base "!builtin.tensor"
    %a_value = irdl.base "#builtin.dense_int_or_fp_elements"
    irdl.operands()
    irdl.results(output: %t_output)
    irdl.attributes {"value" = %a_value}
  }
  // tfc.divide: x / y for floating tensors (TensorFlow's realdiv).
  irdl.operation @divide {
    %t_x = irdl.base "!builtin.tensor"
    %t_y = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x, y: %t_y)
    irdl.results(output: %t_output)
  }
  // tfc.exp: e ** x elementwise.
  irdl.operation @exp {
    %t_x = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x)
    irdl.results(output: %t_output)
  }
  // tfc.log: Natural logarithm elementwise (log(0) = -inf, log(x<0) = nan).
  irdl.operation @log {
    %t_x = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x)
    irdl.results(output: %t_output)
  }
  // tfc.matmul: Matrix product of the last two dimensions; leading (batch) dimensions broadcast.
  irdl.operation @matmul {
    %t_a = irdl.base "!builtin.tensor"
    %t_b = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(a: %t_a, b: %t_b)
    irdl.results(output: %t_output)
  }
  // tfc.multiply: x * y elementwise, with broadcasting. Also `*` on tensors.
  irdl.operation @multiply {
    %t_x = irdl.base "!builtin.tensor"
    %t_y = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x, y: %t_y)
    irdl.results(output: %t_output)
  }
  // tfc.negative: -x elementwise. Also unary `-` on tensors.
  irdl.operation @negative {
    %t_x = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x)
    irdl.results(output: %t_output)
  }
  // tfc.reduce_sum: Sum over `axes` (all axes when axis=None); keepdims keeps them as size 1.
  irdl.operation @reduce_sum {
    %t_x = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    %a_axes = irdl.base "#builtin.dense_array"
    %a_keepdims_true = irdl.is true
    %a_keepdims_false = irdl.is false
    %a_keepdims = irdl.any_of(%a_keepdims_true, %a_keepdims_false)
    irdl.operands(x: %t_x)
    irdl.results(output: %t_output)
    irdl.attributes {"axes" = %a_axes, "keepdims" = %a_keepdims}
  }
  // tfc.reshape: The same elements in row-major order, with a new shape of the same size.
  irdl.operation @reshape {
    %t_x = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    %a_shape = irdl.base "#builtin.dense_array"
    irdl.operands(x: %t_x)
    irdl.results(output: %t_output)
    irdl.attributes {"shape" = %a_shape}
  }
  // tfc.sqrt: Square root elementwise (sqrt(x<0) = nan).
  irdl.operation @sqrt {
    %t_x = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x)
    irdl.results(output: %t_output)
  }
  // tfc.subtract: x - y elementwise, with broadcasting. Also `-` on tensors.
  irdl.operation @subtract {
    %t_x = irdl.base "!builtin.tensor"
    %t_y = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x, y: %t_y)
    irdl.results(output: %t_output)
  }
  // tfc.tanh: Hyperbolic tangent elementwise.
  irdl.operation @tanh {
    %t_x = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x)
    irdl.results(output: %t_output)
  }
  // tfc.transpose: Permutes the dimensions: result dimension i is input dimension perm[i].
  irdl.operation @transpose {
    %t_x = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    %a_perm = irdl.base "#builtin.dense_array"
    irdl.operands(x: %t_x)
    irdl.results(output: %t_output)
    irdl.attributes {"perm" = %a_perm}
  }
}
