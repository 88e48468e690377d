// tfc.print and Variable updates (dialect/lower_print.py, lower_variables.py).
// RUN: %tfc-opt --split-input-file --lower %s | FileCheck %s
// RUN: %tfc-opt --split-input-file --lower %s | mlir-opt-22 --split-input-file > %t
// RUN: %tfc-opt --split-input-file --pipeline fusion,bufferize %s | FileCheck %s --check-prefix=BUF

// A print inside a branch: the function takes the hook after its outputs, allocates the word buffer once at entry,
// and at the print stores each tensor's strided metadata and calls the hook with the site number.
// CHECK-LABEL: func.func @print_in_branch(
// CHECK-SAME: %in0: memref<2x3xf32>, %in1: memref<i1>, %print_hook: !llvm.ptr)
// CHECK: %[[PACK:.+]] = memref.alloca() : memref<6xi64>
// CHECK: %[[ADDR:.+]] = llvm.inttoptr
// CHECK: scf.if
// CHECK: %[[M:.+]] = bufferization.to_buffer %{{.+}} read_only : tensor<2x3xf32> to memref<2x3xf32, strided<[?, ?], offset: ?>>
// CHECK: memref.extract_strided_metadata %[[M]]
// CHECK-COUNT-6: memref.store %{{.+}}, %[[PACK]][%{{.+}}] : memref<6xi64>
// CHECK: %[[SITE:.+]] = arith.constant 0 : i64
// CHECK: llvm.call %print_hook(%[[SITE]], %[[ADDR]]) : !llvm.ptr, (i64, !llvm.ptr) -> ()
// CHECK: arith.constant 1 : i64
// CHECK: llvm.call %print_hook
func.func @print_in_branch(%arg0: tensor<2x3xf32>, %arg1: tensor<i1>) -> () {
  "tfc.cond"(%arg1) ({
  ^bb0():
    "tfc.print"(%arg0) {template = "x: {}\0A", stream = "stderr", summarize = 3 : i64} : (tensor<2x3xf32>) -> ()
    "tfc.yield"() : () -> ()
  }, {
  ^bb0():
    "tfc.print"() {template = "no\0A", stream = "stdout", summarize = 3 : i64} : () -> ()
    "tfc.yield"() : () -> ()
  }) : (tensor<i1>) -> ()
  func.return
}

// -----

// An assigned Variable's buffer is a writable argument; the results are materialized first, then the final value
// is written in place (tensor destination) and kept alive by a copy onto the same buffer. Bufferized: the
// elementwise update runs in the variable's buffer, with no allocation and no copy.
// CHECK-LABEL: func.func @assign_add(
// CHECK: %[[X:.+]] = bufferization.to_tensor %in0 restrict : memref<4xf32>
// CHECK: %[[V:.+]] = bufferization.to_tensor %in1 restrict writable : memref<4xf32>
// CHECK: %[[NEW:.+]] = linalg.generic
// CHECK: bufferization.materialize_in_destination %[[X]] in restrict writable %out0
// CHECK: %[[W:.+]] = bufferization.materialize_in_destination %[[NEW]] in %[[V]] : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
// CHECK: bufferization.materialize_in_destination %[[W]] in writable %in1 : (tensor<4xf32>, memref<4xf32>) -> ()
// BUF-LABEL: func.func @assign_add(
// BUF-SAME: %[[IN0:.+]]: memref<4xf32>, %[[VAR:.+]]: memref<4xf32>, %[[OUT:.+]]: memref<4xf32>)
// BUF-NOT: memref.alloc
// BUF: linalg.generic {{.*}} ins(%[[VAR]], %[[IN0]] : memref<4xf32>, memref<4xf32>) outs(%[[VAR]] : memref<4xf32>)
// BUF: memref.copy %[[IN0]], %[[OUT]]
// BUF-NOT: memref.copy
// BUF: return
func.func @assign_add(%arg0: tensor<4xf32>, %arg1: tensor<4xf32>) -> (tensor<4xf32>) {
  %0 = "tfc.read_variable"(%arg1) : (tensor<4xf32>) -> tensor<4xf32>
  %1 = "tfc.add"(%0, %arg0) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  "tfc.assign_variable"(%arg1, %1) : (tensor<4xf32>, tensor<4xf32>) -> ()
  func.return %arg0 : tensor<4xf32>
}

// -----

// A transpose cannot be computed in the buffer it reads: bufferization gives it a temporary, then copies it in.
// BUF-LABEL: func.func @assign_transpose(
// BUF-SAME: %[[VAR:.+]]: memref<3x3xf32>)
// BUF: %[[TMP:.+]] = memref.alloca() {{.*}} : memref<3x3xf32>
// BUF: linalg.generic {{.*}} ins(%[[VAR]] : memref<3x3xf32>) outs(%[[TMP]] : memref<3x3xf32>)
// BUF: memref.copy %[[TMP]], %[[VAR]]
func.func @assign_transpose(%arg0: tensor<3x3xf32>) -> () {
  %0 = "tfc.read_variable"(%arg0) : (tensor<3x3xf32>) -> tensor<3x3xf32>
  %1 = "tfc.transpose"(%0) {perm = array<i64: 1, 0>} : (tensor<3x3xf32>) -> tensor<3x3xf32>
  "tfc.assign_variable"(%arg0, %1) : (tensor<3x3xf32>, tensor<3x3xf32>) -> ()
  func.return
}
