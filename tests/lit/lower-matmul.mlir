// matmul lowers to linalg.matmul (rank 2) or a batched linalg.generic, accumulating into a zero fill.
// RUN: %tfc-opt --split-input-file --lower %s | FileCheck %s
// RUN: %tfc-opt --split-input-file --lower %s | mlir-opt-22 --split-input-file > %t

// CHECK-LABEL: func.func @matmul_2d(
// CHECK: %[[A:.+]] = bufferization.to_tensor %in0
// CHECK: %[[B:.+]] = bufferization.to_tensor %in1
// CHECK: %[[INIT:.+]] = tensor.empty() : tensor<2x4xf32>
// CHECK: %[[ZERO:.+]] = arith.constant 0.0 : f32
// CHECK: %[[ACC:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[INIT]] : tensor<2x4xf32>) -> tensor<2x4xf32>
// CHECK: %[[MM:.+]] = linalg.matmul ins(%[[A]], %[[B]] : tensor<2x3xf32>, tensor<3x4xf32>) outs(%[[ACC]] : tensor<2x4xf32>) -> tensor<2x4xf32>
// CHECK: bufferization.materialize_in_destination %[[MM]] in restrict writable %out0
func.func @matmul_2d(%arg0: tensor<2x3xf32>, %arg1: tensor<3x4xf32>) -> (tensor<2x4xf32>) {
  %0 = "tfc.matmul"(%arg0, %arg1) : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  func.return %0 : tensor<2x4xf32>
}

// -----

// Batched with a broadcast right operand: loops (batch, m, n, k), k the reduction; integer multiply-add.
// CHECK-LABEL: func.func @batched_broadcast(
// CHECK: linalg.fill ins(%{{.+}} : i32) outs(%{{.+}} : tensor<5x2x4xi32>)
// CHECK-NOT: linalg.matmul
// CHECK: linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>, affine_map<(d0, d1, d2, d3) -> (d3, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK: ^bb0(%[[X:.+]]: i32, %[[Y:.+]]: i32, %[[ACC:.+]]: i32):
// CHECK: %[[P:.+]] = arith.muli %[[X]], %[[Y]] : i32
// CHECK: %[[S:.+]] = arith.addi %[[ACC]], %[[P]] : i32
// CHECK: linalg.yield %[[S]] : i32
func.func @batched_broadcast(%arg0: tensor<5x2x3xi32>, %arg1: tensor<3x4xi32>) -> (tensor<5x2x4xi32>) {
  %0 = "tfc.matmul"(%arg0, %arg1) : (tensor<5x2x3xi32>, tensor<3x4xi32>) -> tensor<5x2x4xi32>
  func.return %0 : tensor<5x2x4xi32>
}

// -----

// Dynamic sizes are read from the operand that has them, with that operand's own type
// (m from a, n from b, a batch size from whichever operand has it dynamic).
// CHECK-LABEL: func.func @dynamic_sizes(
// CHECK: %[[A:.+]] = bufferization.to_tensor %in0
// CHECK: %[[B:.+]] = bufferization.to_tensor %in1
// CHECK: %[[M:.+]] = tensor.dim %[[A]], %{{.+}} : tensor<?x3xf32>
// CHECK: %[[N:.+]] = tensor.dim %[[B]], %{{.+}} : tensor<3x?xf32>
// CHECK: tensor.empty(%[[M]], %[[N]]) : tensor<?x?xf32>
// CHECK: linalg.matmul
func.func @dynamic_sizes(%arg0: tensor<?x3xf32>, %arg1: tensor<3x?xf32>) -> (tensor<?x?xf32>) {
  %0 = "tfc.matmul"(%arg0, %arg1) : (tensor<?x3xf32>, tensor<3x?xf32>) -> tensor<?x?xf32>
  func.return %0 : tensor<?x?xf32>
}

// -----

// CHECK-LABEL: func.func @dynamic_batch(
// CHECK: %[[B:.+]] = bufferization.to_tensor %in1
// CHECK: %[[BATCH:.+]] = tensor.dim %[[B]], %{{.+}} : tensor<?x3x5xf64>
// CHECK: tensor.empty(%[[BATCH]]) : tensor<?x2x5xf64>
func.func @dynamic_batch(%arg0: tensor<2x3xf64>, %arg1: tensor<?x3x5xf64>) -> (tensor<?x2x5xf64>) {
  %0 = "tfc.matmul"(%arg0, %arg1) : (tensor<2x3xf64>, tensor<?x3x5xf64>) -> tensor<?x2x5xf64>
  func.return %0 : tensor<?x2x5xf64>
}
