// reduce_sum lowers to a linalg.generic over the input's loops, reduction iterators on the summed axes,
// accumulating into a zero fill; keepdims adds a tensor.reshape.
// RUN: %tfc-opt --split-input-file --lower %s | FileCheck %s
// RUN: %tfc-opt --split-input-file --lower %s | mlir-opt-22 --split-input-file > %t

// CHECK-LABEL: func.func @sum_outer_axes(
// CHECK: %[[X:.+]] = bufferization.to_tensor %in0
// CHECK: %[[INIT:.+]] = tensor.empty() : tensor<3xf32>
// CHECK: %[[ACC:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%[[INIT]] : tensor<3xf32>)
// CHECK: %[[SUM:.+]] = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d1)>], iterator_types = ["reduction", "parallel", "reduction"]} ins(%[[X]] : tensor<2x3x4xf32>) outs(%[[ACC]] : tensor<3xf32>)
// CHECK: ^bb0(%[[E:.+]]: f32, %[[A:.+]]: f32):
// reassoc lets LLVM vectorize the accumulation:
// CHECK: %[[S:.+]] = arith.addf %[[E]], %[[A]] fastmath<reassoc> : f32
// CHECK: linalg.yield %[[S]] : f32
// CHECK-NOT: tensor.reshape
// CHECK: bufferization.materialize_in_destination %[[SUM]] in restrict writable %out0
func.func @sum_outer_axes(%arg0: tensor<2x3x4xf32>) -> (tensor<3xf32>) {
  %0 = "tfc.reduce_sum"(%arg0) {axes = array<i64: 0, 2>, keepdims = false} : (tensor<2x3x4xf32>) -> tensor<3xf32>
  func.return %0 : tensor<3xf32>
}

// -----

// CHECK-LABEL: func.func @keepdims(
// CHECK: %[[SUM:.+]] = linalg.generic
// CHECK: %[[SHAPE:.+]] = arith.constant dense<[1, 3, 1]> : tensor<3xindex>
// CHECK: %[[R:.+]] = tensor.reshape %[[SUM]](%[[SHAPE]]) : (tensor<3xf32>, tensor<3xindex>) -> tensor<1x3x1xf32>
// CHECK: bufferization.materialize_in_destination %[[R]] in restrict writable %out0
func.func @keepdims(%arg0: tensor<2x3x4xf32>) -> (tensor<1x3x1xf32>) {
  %0 = "tfc.reduce_sum"(%arg0) {axes = array<i64: 0, 2>, keepdims = true} : (tensor<2x3x4xf32>) -> tensor<1x3x1xf32>
  func.return %0 : tensor<1x3x1xf32>
}

// -----

// Integer sums use addi; a kept dynamic dimension sizes the accumulator.
// CHECK-LABEL: func.func @integer_dynamic(
// CHECK: %[[X:.+]] = bufferization.to_tensor %in0
// CHECK: %[[D:.+]] = tensor.dim %[[X]], %{{.+}} : tensor<?x3xi64>
// CHECK: tensor.empty(%[[D]]) : tensor<?xi64>
// CHECK: iterator_types = ["parallel", "reduction"]
// CHECK: arith.addi %{{.+}}, %{{.+}} : i64
func.func @integer_dynamic(%arg0: tensor<?x3xi64>) -> (tensor<?xi64>) {
  %0 = "tfc.reduce_sum"(%arg0) {axes = array<i64: 1>, keepdims = false} : (tensor<?x3xi64>) -> tensor<?xi64>
  func.return %0 : tensor<?xi64>
}

// -----

// Summing every axis gives a rank-0 result.
// CHECK-LABEL: func.func @sum_all(
// CHECK: tensor.empty() : tensor<f32>
// CHECK: indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> ()>], iterator_types = ["reduction", "reduction"]
func.func @sum_all(%arg0: tensor<2x3xf32>) -> (tensor<f32>) {
  %0 = "tfc.reduce_sum"(%arg0) {axes = array<i64: 0, 1>, keepdims = false} : (tensor<2x3xf32>) -> tensor<f32>
  func.return %0 : tensor<f32>
}
