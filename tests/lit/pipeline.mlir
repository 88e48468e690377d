// Named MLIR pipelines (tfc.passes.pipeline) run on the lowered function through mlir-opt-22.
// RUN: %tfc-opt --split-input-file --pipeline fusion %s | FileCheck %s --check-prefix=FUSED
// RUN: %tfc-opt --split-input-file --pipeline fusion,bufferize %s | FileCheck %s --check-prefix=BUF
// RUN: %tfc-opt --split-input-file --pipeline fusion,bufferize,lower-cpu %s | FileCheck %s --check-prefix=LLVM
// RUN: %tfc-opt --print-pipeline bufferize | FileCheck %s --check-prefix=PRINT

// Two elementwise ops become ONE linalg.generic computing both scalar ops.
// FUSED-LABEL: func.func @exp_then_multiply(
// FUSED: %[[X:.+]] = bufferization.to_tensor %arg0
// FUSED: %[[Y:.+]] = bufferization.to_tensor %arg1
// FUSED: %[[R:.+]] = linalg.generic {{.*}} ins(%[[X]], %[[Y]] : tensor<4x8xf32>, tensor<4x8xf32>)
// FUSED: %[[E:.+]] = math.exp
// FUSED-NEXT: %[[M:.+]] = arith.mulf %[[E]],
// FUSED-NEXT: linalg.yield %[[M]]
// FUSED-NOT: linalg.generic
// FUSED: bufferization.materialize_in_destination %[[R]]
// After bufferization the fused loop reads the inputs' buffers and writes the caller's output buffer: no
// allocation, no copy.
// BUF-LABEL: func.func @exp_then_multiply(
// BUF-SAME: %[[IN0:.+]]: memref<4x8xf32>, %[[IN1:.+]]: memref<4x8xf32>, %[[OUT:.+]]: memref<4x8xf32>)
// BUF-NOT: memref.alloc
// BUF: linalg.generic {{.*}} ins(%[[IN0]], %[[IN1]] : memref<4x8xf32>, memref<4x8xf32>) outs(%[[OUT]] : memref<4x8xf32>)
// BUF-NOT: memref.alloc
// BUF-NOT: memref.copy
// BUF: return
// LLVM-LABEL: llvm.func @exp_then_multiply(
// LLVM-NOT: linalg.
// exp is an FMA polynomial (test-math-polynomial-approximation) that LLVM vectorizes, not a libm/intrinsic call.
// LLVM-NOT: llvm.intr.exp
// LLVM-NOT: @expf
// LLVM: llvm.intr.fma
// LLVM: llvm.fmul
// LLVM-LABEL: llvm.func @_mlir_ciface_exp_then_multiply(
func.func @exp_then_multiply(%arg0: tensor<4x8xf32>, %arg1: tensor<4x8xf32>) -> (tensor<4x8xf32>) {
  %0 = "tfc.exp"(%arg0) : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %1 = "tfc.multiply"(%0, %arg1) : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  func.return %1 : tensor<4x8xf32>
}

// -----

// A broadcast operand fuses too: the chain add -> tanh -> subtract is one loop nest.
// FUSED-LABEL: func.func @broadcast_chain(
// FUSED-COUNT-1: linalg.generic
// FUSED-NOT: linalg.generic
// BUF-LABEL: func.func @broadcast_chain(
// BUF-NOT: memref.alloc
// BUF: return
func.func @broadcast_chain(%arg0: tensor<4x8xf32>, %arg1: tensor<8xf32>) -> (tensor<4x8xf32>) {
  %0 = "tfc.add"(%arg0, %arg1) : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  %1 = "tfc.tanh"(%0) : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %2 = "tfc.subtract"(%1, %arg1) : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  func.return %2 : tensor<4x8xf32>
}

// The printed pipeline lists one pass per line, with the reason for the unusual ones.
// PRINT: bufferize:
// PRINT-NEXT: eliminate-empty-tensors // results are built directly in the caller's output buffers
// PRINT: one-shot-bufferize{bufferize-function-boundaries
