// RUN: %tfc-opt --split-input-file --simplify %s | FileCheck %s

// x * 1 is x (either operand order) when the shape does not change.
// CHECK-LABEL: func.func @multiply_by_one(
// CHECK-SAME: %[[X:arg[0-9]+]]: tensor<3xf32>
// CHECK-NOT: tfc.multiply
// CHECK: func.return %[[X]], %[[X]]
func.func @multiply_by_one(%arg0: tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>) {
  %0 = "tfc.constant"() {value = dense<1.0> : tensor<3xf32>} : () -> tensor<3xf32>
  %1 = "tfc.multiply"(%arg0, %0) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  %2 = "tfc.multiply"(%0, %arg0) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  func.return %1, %2 : tensor<3xf32>, tensor<3xf32>
}

// -----

// ... but not when multiplying broadcasts x to a larger shape.
// CHECK-LABEL: func.func @multiply_by_one_broadcasts(
// CHECK: "tfc.multiply"
func.func @multiply_by_one_broadcasts(%arg0: tensor<3xf32>) -> (tensor<2x3xf32>) {
  %0 = "tfc.constant"() {value = dense<1.0> : tensor<2x3xf32>} : () -> tensor<2x3xf32>
  %1 = "tfc.multiply"(%arg0, %0) : (tensor<3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  func.return %1 : tensor<2x3xf32>
}

// -----

// --x is x.
// CHECK-LABEL: func.func @double_negation(
// CHECK-SAME: %[[X:arg[0-9]+]]: tensor<3xi32>
// CHECK: func.return %[[X]] :
func.func @double_negation(%arg0: tensor<3xi32>) -> (tensor<3xi32>) {
  %0 = "tfc.negative"(%arg0) : (tensor<3xi32>) -> tensor<3xi32>
  %1 = "tfc.negative"(%0) : (tensor<3xi32>) -> tensor<3xi32>
  func.return %1 : tensor<3xi32>
}

// -----

// The identity permutation and a reshape to the same shape are no-ops.
// CHECK-LABEL: func.func @identity_shape_ops(
// CHECK-SAME: %[[X:arg[0-9]+]]: tensor<2x3xf32>
// CHECK-NOT: tfc.transpose
// CHECK-NOT: tfc.reshape
// CHECK: func.return %[[X]]
func.func @identity_shape_ops(%arg0: tensor<2x3xf32>) -> (tensor<2x3xf32>) {
  %0 = "tfc.transpose"(%arg0) {perm = array<i64: 0, 1>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %1 = "tfc.reshape"(%0) {shape = array<i64: 2, 3>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  func.return %1 : tensor<2x3xf32>
}

// -----

// A reshape of a reshape reads the original tensor: one reshape remains.
// CHECK-LABEL: func.func @reshape_of_reshape(
// CHECK-SAME: %[[X:arg[0-9]+]]: tensor<2x3xf32>
// CHECK: %[[R:[0-9]+]] = "tfc.reshape"(%[[X]]) {shape = array<i64: 3, 2>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
// CHECK: func.return %[[R]]
func.func @reshape_of_reshape(%arg0: tensor<2x3xf32>) -> (tensor<3x2xf32>) {
  %0 = "tfc.reshape"(%arg0) {shape = array<i64: 6>} : (tensor<2x3xf32>) -> tensor<6xf32>
  %1 = "tfc.reshape"(%0) {shape = array<i64: 3, 2>} : (tensor<6xf32>) -> tensor<3x2xf32>
  func.return %1 : tensor<3x2xf32>
}

// -----

// x + 0 is kept: -0.0 + 0.0 is +0.0, so it is not the identity in IEEE arithmetic.
// CHECK-LABEL: func.func @add_zero_is_kept(
// CHECK: "tfc.add"
func.func @add_zero_is_kept(%arg0: tensor<3xf32>) -> (tensor<3xf32>) {
  %0 = "tfc.constant"() {value = dense<0.0> : tensor<3xf32>} : () -> tensor<3xf32>
  %1 = "tfc.add"(%arg0, %0) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  func.return %1 : tensor<3xf32>
}
