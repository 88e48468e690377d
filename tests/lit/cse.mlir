// RUN: %tfc-opt --split-input-file --cse %s | FileCheck %s
// RUN: %tfc-opt --split-input-file --cse --dce %s | FileCheck %s --check-prefix=DCE

// The same op on the same operands is computed once; its users are rewired to the first copy.
// CHECK-LABEL: func.func @same_op_twice(
// CHECK-SAME: %[[X:arg[0-9]+]]: tensor<4xf32>
// CHECK: %[[E:[0-9]+]] = "tfc.exp"(%[[X]])
// CHECK-NOT: tfc.exp
// CHECK: "tfc.add"(%[[E]], %[[E]])
// DCE-LABEL: func.func @same_op_twice(
// DCE-COUNT-1: tfc.exp
// DCE-NOT: tfc.exp
func.func @same_op_twice(%arg0: tensor<4xf32>) -> (tensor<4xf32>) {
  %0 = "tfc.exp"(%arg0) : (tensor<4xf32>) -> tensor<4xf32>
  %1 = "tfc.exp"(%arg0) : (tensor<4xf32>) -> tensor<4xf32>
  %2 = "tfc.add"(%0, %1) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  func.return %2 : tensor<4xf32>
}

// -----

// Equal constants are shared: the dense values are compared, not the ops' identities.
// CHECK-LABEL: func.func @equal_constants(
// CHECK: %[[C:[0-9]+]] = "tfc.constant"() {value = dense<"0x0000803F00000040"> : tensor<2xf32>}
// CHECK-NOT: tfc.constant
// CHECK: "tfc.multiply"(%arg0, %[[C]])
// CHECK: "tfc.add"({{%[0-9]+}}, %[[C]])
func.func @equal_constants(%arg0: tensor<2xf32>) -> (tensor<2xf32>) {
  %0 = "tfc.constant"() {value = dense<[1.0, 2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %1 = "tfc.constant"() {value = dense<[1.0, 2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %2 = "tfc.multiply"(%arg0, %0) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %3 = "tfc.add"(%2, %1) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  func.return %3 : tensor<2xf32>
}

// -----

// Different attributes, operands or operand order keep ops apart.
// CHECK-LABEL: func.func @different_ops_stay(
// CHECK: "tfc.reduce_sum"(%arg0) {axes = array<i64: 0>, keepdims = false}
// CHECK: "tfc.reduce_sum"(%arg0) {axes = array<i64: 1>, keepdims = false}
// CHECK: "tfc.subtract"(%arg1, %arg2)
// CHECK: "tfc.subtract"(%arg2, %arg1)
func.func @different_ops_stay(%arg0: tensor<2x2xf32>, %arg1: tensor<2xf32>, %arg2: tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) {
  %0 = "tfc.reduce_sum"(%arg0) {axes = array<i64: 0>, keepdims = false} : (tensor<2x2xf32>) -> tensor<2xf32>
  %1 = "tfc.reduce_sum"(%arg0) {axes = array<i64: 1>, keepdims = false} : (tensor<2x2xf32>) -> tensor<2xf32>
  %2 = "tfc.subtract"(%arg1, %arg2) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %3 = "tfc.subtract"(%arg2, %arg1) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  func.return %0, %1, %2, %3 : tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
}
