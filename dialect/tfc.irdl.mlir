// The tfc dialect in IRDL. GENERATED from tfc.core.REGISTRY by `tfc-opt --emit-irdl`: do not edit.
// Use: mlir-opt-22 --irdl-file=tfc.irdl.mlir input.mlir
irdl.dialect @tfc {
  // tfc.abs: Absolute value elementwise (`abs()`); the most negative integer stays negative.
  irdl.operation @abs {
    %t_x = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x)
    irdl.results(output: %t_output)
  }
  // tfc.acos: Inverse cosine elementwise (nan outside [-1, 1]).
  irdl.operation @acos {
    %t_x = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x)
    irdl.results(output: %t_output)
  }
  // tfc.add: x + y elementwise, with broadcasting. Also `+` on tensors.
  irdl.operation @add {
    %t_x = irdl.base "!builtin.tensor"
    %t_y = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x, y: %t_y)
    irdl.results(output: %t_output)
  }
  // tfc.argmax: Index (int64) of the largest value along `axis` (the first one on ties; the first nan wins).
  irdl.operation @argmax {
    %t_x = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    %a_axis = irdl.base "#builtin.integer"
    irdl.operands(x: %t_x)
    irdl.results(output: %t_output)
    irdl.attributes {"axis" = %a_axis}
  }
  // tfc.argmin: Index (int64) of the smallest value along `axis` (the first one on ties; the first nan wins).
  irdl.operation @argmin {
    %t_x = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    %a_axis = irdl.base "#builtin.integer"
    irdl.operands(x: %t_x)
    irdl.results(output: %t_output)
    irdl.attributes {"axis" = %a_axis}
  }
  // tfc.asin: Inverse sine elementwise (nan outside [-1, 1]).
  irdl.operation @asin {
    %t_x = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x)
    irdl.results(output: %t_output)
  }
  // tfc.assign_variable: Sets a variable (operand 0: its handle) to operand 1.
  irdl.operation @assign_variable {
    %t_handle = irdl.base "!builtin.tensor"
    %t_value = irdl.base "!builtin.tensor"
    irdl.operands(handle: %t_handle, value: %t_value)
    irdl.results()
  }
  // tfc.atan: Inverse tangent elementwise.
  irdl.operation @atan {
    %t_x = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x)
    irdl.results(output: %t_output)
  }
  // tfc.atan2: Angle of the point (x=x2, y=x1) in radians: atan2(y, x).
  irdl.operation @atan2 {
    %t_x = irdl.base "!builtin.tensor"
    %t_y = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x, y: %t_y)
    irdl.results(output: %t_output)
  }
  // tfc.broadcast_like: x repeated (numpy broadcasting) to the run-time shape of `like` (whose values are not read); also gives a static-shaped x the type of a dynamic `like` of the same size.
  irdl.operation @broadcast_like {
    %t_x = irdl.base "!builtin.tensor"
    %t_like = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x, like: %t_like)
    irdl.results(output: %t_output)
  }
  // tfc.broadcast_to: Repeats size-1 (and missing leading) dimensions to reach `shape` (numpy broadcasting).
  irdl.operation @broadcast_to {
    %t_x = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    %a_shape = irdl.base "#builtin.dense_array"
    irdl.operands(x: %t_x)
    irdl.results(output: %t_output)
    irdl.attributes {"shape" = %a_shape}
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
  // tfc.ceil: Smallest integer value not less than x.
  irdl.operation @ceil {
    %t_x = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x)
    irdl.results(output: %t_output)
  }
  // tfc.concat: Joins tensors along an existing axis.
  irdl.operation @concat {
    %t_xs = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    %a_axis = irdl.base "#builtin.integer"
    irdl.operands(xs: variadic %t_xs)
    irdl.results(output: %t_output)
    irdl.attributes {"axis" = %a_axis}
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
  // tfc.conv2d: 2-D convolution, input NHWC and filters HWIO; `pads` are explicit (top, bottom, left, right).
  irdl.operation @conv2d {
    %t_x = irdl.base "!builtin.tensor"
    %t_f = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    %a_strides = irdl.base "#builtin.dense_array"
    %a_dilations = irdl.base "#builtin.dense_array"
    %a_pads = irdl.base "#builtin.dense_array"
    irdl.operands(x: %t_x, f: %t_f)
    irdl.results(output: %t_output)
    irdl.attributes {"strides" = %a_strides, "dilations" = %a_dilations, "pads" = %a_pads}
  }
  // tfc.cos: Cosine elementwise (radians).
  irdl.operation @cos {
    %t_x = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x)
    irdl.results(output: %t_output)
  }
  // tfc.cosh: Hyperbolic cosine elementwise.
  irdl.operation @cosh {
    %t_x = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x)
    irdl.results(output: %t_output)
  }
  // tfc.cumsum: Running sum along `axis`; `exclusive` leaves out the element itself, `reverse` runs backwards.
  irdl.operation @cumsum {
    %t_x = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    %a_axis = irdl.base "#builtin.integer"
    %a_exclusive_true = irdl.is true
    %a_exclusive_false = irdl.is false
    %a_exclusive = irdl.any_of(%a_exclusive_true, %a_exclusive_false)
    %a_reverse_true = irdl.is true
    %a_reverse_false = irdl.is false
    %a_reverse = irdl.any_of(%a_reverse_true, %a_reverse_false)
    irdl.operands(x: %t_x)
    irdl.results(output: %t_output)
    irdl.attributes {"axis" = %a_axis, "exclusive" = %a_exclusive, "reverse" = %a_reverse}
  }
  // tfc.divide: x / y for floating tensors (TensorFlow's realdiv).
  irdl.operation @divide {
    %t_x = irdl.base "!builtin.tensor"
    %t_y = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x, y: %t_y)
    irdl.results(output: %t_output)
  }
  // tfc.einsum: A sum of products over the indices the equation does not keep (one linalg.generic).
  irdl.operation @einsum {
    %t_xs = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    %a_equation = irdl.base "#builtin.string"
    irdl.operands(xs: variadic %t_xs)
    irdl.results(output: %t_output)
    irdl.attributes {"equation" = %a_equation}
  }
  // tfc.equal: x == y elementwise (bool). Also `==` on tensors.
  irdl.operation @equal {
    %t_x = irdl.base "!builtin.tensor"
    %t_y = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x, y: %t_y)
    irdl.results(output: %t_output)
  }
  // tfc.erf: The Gauss error function elementwise.
  irdl.operation @erf {
    %t_x = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x)
    irdl.results(output: %t_output)
  }
  // tfc.exp: e ** x elementwise.
  irdl.operation @exp {
    %t_x = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x)
    irdl.results(output: %t_output)
  }
  // tfc.expm1: exp(x) - 1, accurate for small x.
  irdl.operation @expm1 {
    %t_x = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x)
    irdl.results(output: %t_output)
  }
  // tfc.floor: Largest integer value not greater than x.
  irdl.operation @floor {
    %t_x = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x)
    irdl.results(output: %t_output)
  }
  // tfc.floordiv: Floor division (`//`): floor(x / y); integer division by zero is an error.
  irdl.operation @floordiv {
    %t_x = irdl.base "!builtin.tensor"
    %t_y = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x, y: %t_y)
    irdl.results(output: %t_output)
  }
  // tfc.floormod: Remainder of floor division (`%`): takes the sign of y.
  irdl.operation @floormod {
    %t_x = irdl.base "!builtin.tensor"
    %t_y = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x, y: %t_y)
    irdl.results(output: %t_output)
  }
  // tfc.gather: Slices of params along `axis` at `indices` (out-of-range indices raise InvalidArgumentError; in compiled code after the call, by a run-time check).
  irdl.operation @gather {
    %t_params = irdl.base "!builtin.tensor"
    %t_indices = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    %a_axis = irdl.base "#builtin.integer"
    irdl.operands(params: %t_params, indices: %t_indices)
    irdl.results(output: %t_output)
    irdl.attributes {"axis" = %a_axis}
  }
  // tfc.greater: x > y elementwise (bool). Also `>`.
  irdl.operation @greater {
    %t_x = irdl.base "!builtin.tensor"
    %t_y = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x, y: %t_y)
    irdl.results(output: %t_output)
  }
  // tfc.greater_equal: x >= y elementwise (bool). Also `>=`.
  irdl.operation @greater_equal {
    %t_x = irdl.base "!builtin.tensor"
    %t_y = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x, y: %t_y)
    irdl.results(output: %t_output)
  }
  // tfc.iota: Each element's index along `axis`, as `dtype` (the building block of range, eye, one_hot).
  irdl.operation @iota {
    %t_output = irdl.base "!builtin.tensor"
    %a_shape = irdl.base "#builtin.dense_array"
    %a_axis = irdl.base "#builtin.integer"
    %a_dtype = irdl.base "#builtin.type"
    irdl.operands()
    irdl.results(output: %t_output)
    irdl.attributes {"shape" = %a_shape, "axis" = %a_axis, "dtype" = %a_dtype}
  }
  // tfc.is_finite: True where x is neither inf nor nan.
  irdl.operation @is_finite {
    %t_x = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x)
    irdl.results(output: %t_output)
  }
  // tfc.is_inf: True where x is +inf or -inf.
  irdl.operation @is_inf {
    %t_x = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x)
    irdl.results(output: %t_output)
  }
  // tfc.is_nan: True where x is nan.
  irdl.operation @is_nan {
    %t_x = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x)
    irdl.results(output: %t_output)
  }
  // tfc.less: x < y elementwise (bool). Also `<`.
  irdl.operation @less {
    %t_x = irdl.base "!builtin.tensor"
    %t_y = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x, y: %t_y)
    irdl.results(output: %t_output)
  }
  // tfc.less_equal: x <= y elementwise (bool). Also `<=`.
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
  // tfc.log1p: log(1 + x), accurate for small x.
  irdl.operation @log1p {
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
  // tfc.logical_not: NOT x for bool tensors. Also `~`.
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
  // tfc.logical_xor: x XOR y for bool tensors. Also `^`.
  irdl.operation @logical_xor {
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
  // tfc.maximum: The larger of x and y elementwise (nan if either is nan).
  irdl.operation @maximum {
    %t_x = irdl.base "!builtin.tensor"
    %t_y = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x, y: %t_y)
    irdl.results(output: %t_output)
  }
  // tfc.minimum: The smaller of x and y elementwise (nan if either is nan).
  irdl.operation @minimum {
    %t_x = irdl.base "!builtin.tensor"
    %t_y = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x, y: %t_y)
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
  // tfc.not_equal: x != y elementwise (bool; nan != nan). Also `!=`.
  irdl.operation @not_equal {
    %t_x = irdl.base "!builtin.tensor"
    %t_y = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x, y: %t_y)
    irdl.results(output: %t_output)
  }
  // tfc.pad: Surrounds the tensor with `constant_values`: paddings (flattened [rank, 2]) before/after each axis.
  irdl.operation @pad {
    %t_x = irdl.base "!builtin.tensor"
    %t_value = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    %a_paddings = irdl.base "#builtin.dense_array"
    irdl.operands(x: %t_x, value: %t_value)
    irdl.results(output: %t_output)
    irdl.attributes {"paddings" = %a_paddings}
  }
  // tfc.pool2d: Max or sum over 2-D windows of an NHWC tensor; padding holds -inf (max) or 0 (sum).
  irdl.operation @pool2d {
    %t_x = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    %a_kind = irdl.base "#builtin.string"
    %a_ksize = irdl.base "#builtin.dense_array"
    %a_strides = irdl.base "#builtin.dense_array"
    %a_pads = irdl.base "#builtin.dense_array"
    irdl.operands(x: %t_x)
    irdl.results(output: %t_output)
    irdl.attributes {"kind" = %a_kind, "ksize" = %a_ksize, "strides" = %a_strides, "pads" = %a_pads}
  }
  // tfc.pow: x ** y elementwise (`**`); integer powers need y >= 0.
  irdl.operation @pow {
    %t_x = irdl.base "!builtin.tensor"
    %t_y = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x, y: %t_y)
    irdl.results(output: %t_output)
  }
  // tfc.print: Prints its operands into `template` (str.format syntax, one {} per operand) on `stream` (stderr, stdout or file://PATH), each summarized to `summarize` items per dimension.
  irdl.operation @print {
    %t_inputs = irdl.base "!builtin.tensor"
    %a_template = irdl.base "#builtin.string"
    %a_stream = irdl.base "#builtin.string"
    %a_summarize = irdl.base "#builtin.integer"
    irdl.operands(inputs: variadic %t_inputs)
    irdl.results()
    irdl.attributes {"template" = %a_template, "stream" = %a_stream, "summarize" = %a_summarize}
  }
  // tfc.random_uniform: Uniform floats in [0, 1) from a counter-based hash of (element index, key).
  irdl.operation @random_uniform {
    %t_output = irdl.base "!builtin.tensor"
    %a_shape = irdl.base "#builtin.dense_array"
    %a_key = irdl.base "#builtin.dense_array"
    %a_dtype = irdl.base "#builtin.type"
    irdl.operands()
    irdl.results(output: %t_output)
    irdl.attributes {"shape" = %a_shape, "key" = %a_key, "dtype" = %a_dtype}
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
  // tfc.reciprocal: 1 / x elementwise.
  irdl.operation @reciprocal {
    %t_x = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x)
    irdl.results(output: %t_output)
  }
  // tfc.reduce_all: Logical AND over `axes` of a bool tensor.
  irdl.operation @reduce_all {
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
  // tfc.reduce_any: Logical OR over `axes` of a bool tensor.
  irdl.operation @reduce_any {
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
  // tfc.reduce_max: Maximum over `axes` (-inf for an empty float reduction).
  irdl.operation @reduce_max {
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
  // tfc.reduce_mean: Mean over `axes`; an integer mean truncates toward zero, as TensorFlow.
  irdl.operation @reduce_mean {
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
  // tfc.reduce_min: Minimum over `axes` (+inf for an empty float reduction).
  irdl.operation @reduce_min {
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
  // tfc.reduce_prod: Product over `axes`.
  irdl.operation @reduce_prod {
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
  // tfc.resize_rows: x with n rows (a run-time count): its first rows, then zero rows; x itself when it has n.
  irdl.operation @resize_rows {
    %t_x = irdl.base "!builtin.tensor"
    %t_n = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x, n: %t_n)
    irdl.results(output: %t_output)
  }
  // tfc.reverse: Reverses the order along `axes`.
  irdl.operation @reverse {
    %t_x = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    %a_axes = irdl.base "#builtin.dense_array"
    irdl.operands(x: %t_x)
    irdl.results(output: %t_output)
    irdl.attributes {"axes" = %a_axes}
  }
  // tfc.round: Rounds to the nearest integer, halves to even (TensorFlow's rule).
  irdl.operation @round {
    %t_x = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x)
    irdl.results(output: %t_output)
  }
  // tfc.row: x[i]: the i-th slice along the first dimension, for a scalar integer tensor i.
  irdl.operation @row {
    %t_x = irdl.base "!builtin.tensor"
    %t_i = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x, i: %t_i)
    irdl.results(output: %t_output)
  }
  // tfc.rsqrt: 1 / sqrt(x) elementwise.
  irdl.operation @rsqrt {
    %t_x = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x)
    irdl.results(output: %t_output)
  }
  // tfc.select: x where condition is True, else y (all three broadcast); `tfc.where` with three arguments.
  irdl.operation @select {
    %t_condition = irdl.base "!builtin.tensor"
    %t_x = irdl.base "!builtin.tensor"
    %t_y = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(condition: %t_condition, x: %t_x, y: %t_y)
    irdl.results(output: %t_output)
  }
  // tfc.shape: The run-time shape of a tensor, as a 1-D int32 or int64 tensor.
  irdl.operation @shape {
    %t_x = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    %a_dtype = irdl.base "#builtin.type"
    irdl.operands(x: %t_x)
    irdl.results(output: %t_output)
    irdl.attributes {"dtype" = %a_dtype}
  }
  // tfc.sigmoid: 1 / (1 + exp(-x)) elementwise.
  irdl.operation @sigmoid {
    %t_x = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x)
    irdl.results(output: %t_output)
  }
  // tfc.sign: -1, 0 or 1 by the sign of x (0 for -0.0, nan for nan).
  irdl.operation @sign {
    %t_x = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x)
    irdl.results(output: %t_output)
  }
  // tfc.sin: Sine elementwise (radians).
  irdl.operation @sin {
    %t_x = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x)
    irdl.results(output: %t_output)
  }
  // tfc.sinh: Hyperbolic sine elementwise.
  irdl.operation @sinh {
    %t_x = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x)
    irdl.results(output: %t_output)
  }
  // tfc.slice: `size` elements per axis starting at `begin`, every `strides`-th one (strides >= 1).
  irdl.operation @slice {
    %t_x = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    %a_begin = irdl.base "#builtin.dense_array"
    %a_size = irdl.base "#builtin.dense_array"
    %a_strides = irdl.base "#builtin.dense_array"
    irdl.operands(x: %t_x)
    irdl.results(output: %t_output)
    irdl.attributes {"begin" = %a_begin, "size" = %a_size, "strides" = %a_strides}
  }
  // tfc.sqrt: Square root elementwise (sqrt(x<0) = nan).
  irdl.operation @sqrt {
    %t_x = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x)
    irdl.results(output: %t_output)
  }
  // tfc.square: x * x elementwise.
  irdl.operation @square {
    %t_x = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x)
    irdl.results(output: %t_output)
  }
  // tfc.stop_gradient: The same value, through which no gradient flows (an op, so that graphs replayed for a gradient keep it).
  irdl.operation @stop_gradient {
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
  // tfc.tan: Tangent elementwise (radians).
  irdl.operation @tan {
    %t_x = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x)
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
  // tfc.unbroadcast: x summed over the axes along which `like` (whose values are not read) broadcasts to x's shape: the gradient of broadcasting. Which axes those are follows from the types, so a graph specialized for a run-time size of 1 (frontend/specialize.py) sums over it.
  irdl.operation @unbroadcast {
    %t_x = irdl.base "!builtin.tensor"
    %t_like = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x, like: %t_like)
    irdl.results(output: %t_output)
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
  // tfc.write_row: x with row i (along the first dimension) replaced by `value`; 0 <= i < rows (compiled code writes in place when x is not used afterwards).
  irdl.operation @write_row {
    %t_x = irdl.base "!builtin.tensor"
    %t_i = irdl.base "!builtin.tensor"
    %t_value = irdl.base "!builtin.tensor"
    %t_output = irdl.base "!builtin.tensor"
    irdl.operands(x: %t_x, i: %t_i, value: %t_value)
    irdl.results(output: %t_output)
  }
  // tfc.yield: ends a region of tfc.cond / tfc.while, giving its results.
  irdl.operation @yield {
    %t_values = irdl.base "!builtin.tensor"
    irdl.operands(values: variadic %t_values)
    irdl.results()
  }
}
