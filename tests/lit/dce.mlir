// RUN: %tfc-opt --split-input-file --dce %s | FileCheck %s

// An op whose result is never used is dropped, with the ops only it used.
// CHECK-LABEL: func.func @dead_chain(
// CHECK-SAME: %[[X:arg[0-9]+]]: tensor<4xf32>
// CHECK: %[[E:[0-9]+]] = "tfc.exp"(%[[X]])
// CHECK-NOT: tfc.log
// CHECK-NOT: tfc.tanh
// CHECK: func.return %[[E]]
func.func @dead_chain(%arg0: tensor<4xf32>) -> (tensor<4xf32>) {
  %0 = "tfc.exp"(%arg0) : (tensor<4xf32>) -> tensor<4xf32>
  %1 = "tfc.log"(%arg0) : (tensor<4xf32>) -> tensor<4xf32>
  %2 = "tfc.tanh"(%1) : (tensor<4xf32>) -> tensor<4xf32>
  func.return %0 : tensor<4xf32>
}

// -----

// Live ops keep their order; a dead constant goes too.
// CHECK-LABEL: func.func @keeps_live_ops(
// CHECK: %[[C:[0-9]+]] = "tfc.constant"() {value = dense<2.0> : tensor<f32>}
// CHECK-NOT: dense<3.0>
// CHECK: %[[M:[0-9]+]] = "tfc.multiply"(%arg0, %[[C]])
// CHECK: %[[A:[0-9]+]] = "tfc.add"(%[[M]], %arg0)
// CHECK: func.return %[[A]], %[[M]]
func.func @keeps_live_ops(%arg0: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = "tfc.constant"() {value = dense<2.0> : tensor<f32>} : () -> tensor<f32>
  %1 = "tfc.constant"() {value = dense<3.0> : tensor<f32>} : () -> tensor<f32>
  %2 = "tfc.multiply"(%arg0, %0) : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %3 = "tfc.add"(%2, %arg0) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  func.return %3, %2 : tensor<4xf32>, tensor<4xf32>
}

// -----

// A function that returns nothing keeps no op.
// CHECK-LABEL: func.func @nothing_returned(
// CHECK-NOT: tfc.
// CHECK: func.return
func.func @nothing_returned(%arg0: tensor<4xf32>) -> () {
  %0 = "tfc.exp"(%arg0) : (tensor<4xf32>) -> tensor<4xf32>
  func.return
}
