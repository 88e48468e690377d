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
  // tfc.assign_variable: Sets a variable (operand 0: its handle) to operand 1.
  irdl.operation @assign_variable {
    %t_handle = irdl.base "!builtin.tensor"
    %t_value = irdl.base "!builtin.tensor"
    irdl.operands(handle: %t_handle, value: %t_value)
    irdl.results()
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
  // tfc.cond: If-then-else on a scalar bool predicate; regions: then, else (each yields the results).
  irdl.operation @cond {
    %t_pred = irdl.base "!builtin.tensor"
    %t_outputs = irdl.base "!builtin.tensor"
    %r_region0 = irdl.region
    %r_region1 = irdl.region
    irdl.operands(pred: %t_pred)
    irdl.results(outputs: variadic %t_outputs)
    irdl.regions(region0: %r_region0, region1: %r_region1)
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
  // tfc.equal: x == y elementwise (bool result), with broadcasting.
  irdl.operation @equal {
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
  // tfc.greater: x > y elementwise (bool result). Also `>` on tensors.
  irdl.operation @greater {
    %t_x = irdl.base "!builtin.tensor"
    %t_y = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x, y: %t_y)
    irdl.results(output: %t_output)
  }
  // tfc.greater_equal: x >= y elementwise (bool result). Also `>=`.
  irdl.operation @greater_equal {
    %t_x = irdl.base "!builtin.tensor"
    %t_y = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x, y: %t_y)
    irdl.results(output: %t_output)
  }
  // tfc.less: x < y elementwise (bool result). Also `<` on tensors.
  irdl.operation @less {
    %t_x = irdl.base "!builtin.tensor"
    %t_y = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x, y: %t_y)
    irdl.results(output: %t_output)
  }
  // tfc.less_equal: x <= y elementwise (bool result). Also `<=`.
  irdl.operation @less_equal {
    %t_x = irdl.base "!builtin.tensor"
    %t_y = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x, y: %t_y)
    irdl.results(output: %t_output)
  }
  // tfc.log: Natural logarithm elementwise (log(0) = -inf, log(x<0) = nan).
  irdl.operation @log {
    %t_x = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x)
    irdl.results(output: %t_output)
  }
  // tfc.logical_and: x AND y for bool tensors. Also `&`.
  irdl.operation @logical_and {
    %t_x = irdl.base "!builtin.tensor"
    %t_y = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x, y: %t_y)
    irdl.results(output: %t_output)
  }
  // tfc.logical_not: NOT x for bool tensors. Also `~` on bool tensors.
  irdl.operation @logical_not {
    %t_x = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x)
    irdl.results(output: %t_output)
  }
  // tfc.logical_or: x OR y for bool tensors. Also `|`.
  irdl.operation @logical_or {
    %t_x = irdl.base "!builtin.tensor"
    %t_y = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x, y: %t_y)
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
  // tfc.not_equal: x != y elementwise (bool result), with broadcasting.
  irdl.operation @not_equal {
    %t_x = irdl.base "!builtin.tensor"
    %t_y = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x, y: %t_y)
    irdl.results(output: %t_output)
  }
  // tfc.range: [start, start + delta, ...) up to (not including) limit: a 1-D tensor.
  irdl.operation @range {
    %t_start = irdl.base "!builtin.tensor"
    %t_limit = irdl.base "!builtin.tensor"
    %t_delta = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(start: %t_start, limit: %t_limit, delta: %t_delta)
    irdl.results(output: %t_output)
  }
  // tfc.read_variable: The current value of a variable (operand: its handle, a function input).
  irdl.operation @read_variable {
    %t_handle = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(handle: %t_handle)
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
  // tfc.row: x[i]: the i-th slice along the first dimension, for a scalar integer tensor i.
  irdl.operation @row {
    %t_x = irdl.base "!builtin.tensor"
    %t_i = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x, i: %t_i)
    irdl.results(output: %t_output)
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
  // tfc.while: While loop over loop variables (the operands); regions: condition (yields a scalar bool), body (yields the next loop variables). Results: the final loop variables.
  irdl.operation @while {
    %t_loop_types = irdl.base "!builtin.tensor"
    %t_outputs = irdl.base "!builtin.tensor"
    %r_region0 = irdl.region
    %r_region1 = irdl.region
    irdl.operands(loop_types: variadic %t_loop_types)
    irdl.results(outputs: variadic %t_outputs)
    irdl.regions(region0: %r_region0, region1: %r_region1)
  }
  // tfc.yield: ends a region of tfc.cond / tfc.while, giving its results.
  irdl.operation @yield {
    %t_values = irdl.base "!builtin.tensor"
    irdl.operands(values: variadic %t_values)
    irdl.results()
  }
}
