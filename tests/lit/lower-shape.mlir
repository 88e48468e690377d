// transpose lowers to linalg.transpose, reshape to tensor.reshape with a constant shape operand.
// RUN: %tfc-opt --split-input-file --lower %s | FileCheck %s
// RUN: %tfc-opt --split-input-file --lower %s | mlir-opt-22 --split-input-file > %t

// CHECK-LABEL: func.func @transpose(
// CHECK: %[[X:.+]] = bufferization.to_tensor %in0 restrict : memref<2x3x4xf32> to tensor<2x3x4xf32>
// CHECK: %[[INIT:.+]] = tensor.empty() : tensor<4x2x3xf32>
// CHECK: %[[T:.+]] = linalg.transpose ins(%[[X]] : tensor<2x3x4xf32>) outs(%[[INIT]] : tensor<4x2x3xf32>) permutation = [2, 0, 1]
// CHECK: bufferization.materialize_in_destination %[[T]] in restrict writable %out0 : (tensor<4x2x3xf32>, memref<4x2x3xf32>) -> ()
func.func @transpose(%arg0: tensor<2x3x4xf32>) -> (tensor<4x2x3xf32>) {
  %0 = "tfc.transpose"(%arg0) {perm = array<i64: 2, 0, 1>} : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
  func.return %0 : tensor<4x2x3xf32>
}

// -----

// A dynamic input dimension sizes the permuted result.
// CHECK-LABEL: func.func @transpose_dynamic(
// CHECK: %[[X:.+]] = bufferization.to_tensor %in0
// CHECK: %[[D:.+]] = tensor.dim %[[X]], %{{.+}} : tensor<?x3xi32>
// CHECK: %[[INIT:.+]] = tensor.empty(%[[D]]) : tensor<3x?xi32>
// CHECK: linalg.transpose ins(%[[X]] : tensor<?x3xi32>) outs(%[[INIT]] : tensor<3x?xi32>) permutation = [1, 0]
func.func @transpose_dynamic(%arg0: tensor<?x3xi32>) -> (tensor<3x?xi32>) {
  %0 = "tfc.transpose"(%arg0) {perm = array<i64: 1, 0>} : (tensor<?x3xi32>) -> tensor<3x?xi32>
  func.return %0 : tensor<3x?xi32>
}

// -----

// CHECK-LABEL: func.func @reshape(
// CHECK: %[[X:.+]] = bufferization.to_tensor %in0
// CHECK: %[[SHAPE:.+]] = arith.constant dense<[3, 2]> : tensor<2xindex>
// CHECK: %[[R:.+]] = tensor.reshape %[[X]](%[[SHAPE]]) : (tensor<6xi1>, tensor<2xindex>) -> tensor<3x2xi1>
// CHECK: bufferization.materialize_in_destination %[[R]] in restrict writable %out0
func.func @reshape(%arg0: tensor<6xi1>) -> (tensor<3x2xi1>) {
  %0 = "tfc.reshape"(%arg0) {shape = array<i64: 3, 2>} : (tensor<6xi1>) -> tensor<3x2xi1>
  func.return %0 : tensor<3x2xi1>
}

// -----

// Reshaping to rank 0 uses an empty shape operand.
// CHECK-LABEL: func.func @reshape_to_scalar(
// CHECK: %[[SHAPE:.+]] = arith.constant dense<> : tensor<0xindex>
// CHECK: tensor.reshape %{{.+}}(%[[SHAPE]]) : (tensor<1x1xf32>, tensor<0xindex>) -> tensor<f32>
func.func @reshape_to_scalar(%arg0: tensor<1x1xf32>) -> (tensor<f32>) {
  %0 = "tfc.reshape"(%arg0) {shape = array<i64>} : (tensor<1x1xf32>) -> tensor<f32>
  func.return %0 : tensor<f32>
}
