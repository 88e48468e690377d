// The IRDL declaration generated from the op registry lets mlir-opt-22 verify tfc IR.
// RUN: %tfc-opt --emit-irdl > %t.irdl.mlir
// RUN: mlir-opt-22 --irdl-file=%t.irdl.mlir --split-input-file %s | FileCheck %s
// The committed declaration is the generated one:
// RUN: diff %t.irdl.mlir %S/../../dialect/tfc.irdl.mlir
// RUN: FileCheck %s --input-file=%t.irdl.mlir --check-prefix=IRDL

// Every operand and result has its own tensor constraint (one shared constraint would force equal types).
// IRDL: irdl.dialect @tfc {
// IRDL-LABEL: irdl.operation @add {
// IRDL-DAG: %[[X:t_x]] = irdl.base "!builtin.tensor"
// IRDL-DAG: %[[Y:t_y]] = irdl.base "!builtin.tensor"
// IRDL-DAG: %[[OUT:t_output]] = irdl.base "!builtin.tensor"
// IRDL: irdl.operands(x: %[[X]], y: %[[Y]])
// IRDL: irdl.results(output: %[[OUT]])
// IRDL-LABEL: irdl.operation @constant {
// IRDL: %[[V:a_value]] = irdl.base "#builtin.dense_int_or_fp_elements"
// IRDL: irdl.operands()
// IRDL: irdl.attributes {"value" = %[[V]]}
// IRDL-LABEL: irdl.operation @reduce_sum {
// IRDL: %[[AXES:a_axes]] = irdl.base "#builtin.dense_array"
// IRDL: %[[KEEP:a_keepdims]] = irdl.any_of(%a_keepdims_true, %a_keepdims_false)
// IRDL: irdl.attributes {"axes" = %[[AXES]], "keepdims" = %[[KEEP]]}

// Operands of different types (the same constraint name would have rejected this).
// CHECK-LABEL: func.func @mixed
// CHECK: "tfc.add"(%arg0, %arg1) : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
// CHECK: "tfc.cast"(%0) {dtype = i64} : (tensor<2x3xf32>) -> tensor<2x3xi64>
func.func @mixed(%arg0: tensor<2x3xf32>, %arg1: tensor<3xf32>) -> (tensor<2x3xi64>) {
  %0 = "tfc.add"(%arg0, %arg1) : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32> loc("model.py":2:5)
  %1 = "tfc.cast"(%0) {dtype = i64} : (tensor<2x3xf32>) -> tensor<2x3xi64> loc(unknown)
  func.return %1 : tensor<2x3xi64>
}

// -----

// tfc-opt's own printing of every attribute kind verifies too.
// RUN: %tfc-opt --split-input-file %S/roundtrip.mlir | mlir-opt-22 --irdl-file=%t.irdl.mlir --split-input-file > %t.out
// CHECK-LABEL: func.func @attributes
// CHECK: "tfc.reduce_sum"
// CHECK: "tfc.constant"
// CHECK: "tfc.reshape"
// CHECK: "tfc.transpose"
func.func @attributes(%arg0: tensor<2x3xf32>) -> (tensor<1x3xf32>, tensor<2xi1>, tensor<3x2xf32>, tensor<3x2xf32>) {
  %0 = "tfc.reduce_sum"(%arg0) {axes = array<i64: 0>, keepdims = true} : (tensor<2x3xf32>) -> tensor<1x3xf32>
  %1 = "tfc.constant"() {value = dense<[true, false]> : tensor<2xi1>} : () -> tensor<2xi1>
  %2 = "tfc.reshape"(%arg0) {shape = array<i64: 3, 2>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %3 = "tfc.transpose"(%arg0) {perm = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  func.return %0, %1, %2, %3 : tensor<1x3xf32>, tensor<2xi1>, tensor<3x2xf32>, tensor<3x2xf32>
}

// -----

// mlir-opt's own printing (a module, `return`, unparenthesized result types, dense lists in exponent form)
// parses back into the same graphs.
// RUN: %tfc-opt --split-input-file %S/roundtrip.mlir > %t.tfc
// RUN: mlir-opt-22 --irdl-file=%t.irdl.mlir --split-input-file %t.tfc | %tfc-opt --split-input-file > %t.back
// RUN: diff %t.tfc %t.back
// CHECK-LABEL: func.func @interop
func.func @interop() -> (tensor<2xf32>) {
  %0 = "tfc.constant"() {value = dense<[1.0, 0x7FC00000]> : tensor<2xf32>} : () -> tensor<2xf32>
  func.return %0 : tensor<2xf32>
}
