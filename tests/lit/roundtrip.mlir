// Every op in the registry is printed, parsed and printed again unchanged (the parser reads the printer's format).
// RUN: %tfc-opt --split-input-file %s | %tfc-opt --split-input-file | FileCheck %s
// RUN: %tfc-opt --split-input-file --mlir-print-debuginfo %s | %tfc-opt --split-input-file --mlir-print-debuginfo | FileCheck %s --check-prefix=LOC

// CHECK-LABEL: func.func @binary(
// CHECK-SAME: %[[X:arg[0-9]+]]: tensor<2x3xf32>, %[[Y:arg[0-9]+]]: tensor<3xf32>) -> (tensor<2x3xf32>)
// CHECK: %[[ADD:[0-9]+]] = "tfc.add"(%[[X]], %[[Y]]) : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
// CHECK: %[[SUB:[0-9]+]] = "tfc.subtract"(%[[ADD]], %[[Y]])
// CHECK: %[[MUL:[0-9]+]] = "tfc.multiply"(%[[SUB]], %[[X]])
// CHECK: %[[DIV:[0-9]+]] = "tfc.divide"(%[[MUL]], %[[Y]]) : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
// CHECK: func.return %[[DIV]] : tensor<2x3xf32>
// LOC-LABEL: func.func @binary(
// LOC: "tfc.add"({{.*}}) : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32> loc("model.py":3:9)
// LOC: "tfc.subtract"({{.*}}) : {{.*}} loc(unknown)
func.func @binary(%arg0: tensor<2x3xf32>, %arg1: tensor<3xf32>) -> (tensor<2x3xf32>) {
  %0 = "tfc.add"(%arg0, %arg1) : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32> loc("model.py":3:9)
  %1 = "tfc.subtract"(%0, %arg1) : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32> loc(unknown)
  %2 = "tfc.multiply"(%1, %arg0) : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32> loc("model.py":5:9)
  %3 = "tfc.divide"(%2, %arg1) : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32> loc("model.py":6:9)
  func.return %3 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @unary(
// CHECK: %[[NEG:[0-9]+]] = "tfc.negative"(%arg0) : (tensor<?x4xf64>) -> tensor<?x4xf64>
// CHECK: %[[EXP:[0-9]+]] = "tfc.exp"(%[[NEG]])
// CHECK: %[[LOG:[0-9]+]] = "tfc.log"(%[[EXP]])
// CHECK: %[[TANH:[0-9]+]] = "tfc.tanh"(%[[LOG]])
// CHECK: %[[SQRT:[0-9]+]] = "tfc.sqrt"(%[[TANH]]) : (tensor<?x4xf64>) -> tensor<?x4xf64>
// CHECK: func.return %[[SQRT]] : tensor<?x4xf64>
// LOC-LABEL: func.func @unary(
// LOC: "tfc.negative"(%arg0) : (tensor<?x4xf64>) -> tensor<?x4xf64> loc("a \"quoted\" path.py":10:2)
func.func @unary(%arg0: tensor<?x4xf64>) -> (tensor<?x4xf64>) {
  %0 = "tfc.negative"(%arg0) : (tensor<?x4xf64>) -> tensor<?x4xf64> loc("a \"quoted\" path.py":10:2)
  %1 = "tfc.exp"(%0) : (tensor<?x4xf64>) -> tensor<?x4xf64>
  %2 = "tfc.log"(%1) : (tensor<?x4xf64>) -> tensor<?x4xf64>
  %3 = "tfc.tanh"(%2) : (tensor<?x4xf64>) -> tensor<?x4xf64>
  %4 = "tfc.sqrt"(%3) : (tensor<?x4xf64>) -> tensor<?x4xf64>
  func.return %4 : tensor<?x4xf64>
}

// -----

// The dtype attribute: every tfc element type, signedness kept (ui8 is not i8).
// CHECK-LABEL: func.func @cast(
// CHECK: "tfc.cast"(%arg0) {dtype = i64} : (tensor<4xf32>) -> tensor<4xi64>
// CHECK: "tfc.cast"(%arg0) {dtype = ui8} : (tensor<4xf32>) -> tensor<4xui8>
// CHECK: "tfc.cast"(%arg0) {dtype = i1} : (tensor<4xf32>) -> tensor<4xi1>
// CHECK: "tfc.cast"(%arg0) {dtype = f16} : (tensor<4xf32>) -> tensor<4xf16>
// CHECK: func.return {{.*}} : tensor<4xi64>, tensor<4xui8>, tensor<4xi1>, tensor<4xf16>
func.func @cast(%arg0: tensor<4xf32>) -> (tensor<4xi64>, tensor<4xui8>, tensor<4xi1>, tensor<4xf16>) {
  %0 = "tfc.cast"(%arg0) {dtype = i64} : (tensor<4xf32>) -> tensor<4xi64>
  %1 = "tfc.cast"(%arg0) {dtype = ui8} : (tensor<4xf32>) -> tensor<4xui8>
  %2 = "tfc.cast"(%arg0) {dtype = i1} : (tensor<4xf32>) -> tensor<4xi1>
  %3 = "tfc.cast"(%arg0) {dtype = f16} : (tensor<4xf32>) -> tensor<4xf16>
  func.return %0, %1, %2, %3 : tensor<4xi64>, tensor<4xui8>, tensor<4xi1>, tensor<4xf16>
}

// -----

// CHECK-LABEL: func.func @matmul(
// CHECK: "tfc.matmul"(%arg0, %arg1) : (tensor<2x3xi32>, tensor<3x5xi32>) -> tensor<2x5xi32>
// CHECK: "tfc.matmul"(%arg2, %arg1) : (tensor<7x2x3xi32>, tensor<3x5xi32>) -> tensor<7x2x5xi32>
func.func @matmul(%arg0: tensor<2x3xi32>, %arg1: tensor<3x5xi32>, %arg2: tensor<7x2x3xi32>) -> (tensor<2x5xi32>, tensor<7x2x5xi32>) {
  %0 = "tfc.matmul"(%arg0, %arg1) : (tensor<2x3xi32>, tensor<3x5xi32>) -> tensor<2x5xi32>
  %1 = "tfc.matmul"(%arg2, %arg1) : (tensor<7x2x3xi32>, tensor<3x5xi32>) -> tensor<7x2x5xi32>
  func.return %0, %1 : tensor<2x5xi32>, tensor<7x2x5xi32>
}

// -----

// Integer-array and bool attributes.
// CHECK-LABEL: func.func @reduce_sum(
// CHECK: "tfc.reduce_sum"(%arg0) {axes = array<i64: 0, 2>, keepdims = true} : (tensor<2x3x4xf32>) -> tensor<1x3x1xf32>
// CHECK: "tfc.reduce_sum"(%arg0) {axes = array<i64: 1>, keepdims = false} : (tensor<2x3x4xf32>) -> tensor<2x4xf32>
// CHECK: "tfc.reduce_sum"(%arg1) {axes = array<i64>, keepdims = false} : (tensor<i64>) -> tensor<i64>
func.func @reduce_sum(%arg0: tensor<2x3x4xf32>, %arg1: tensor<i64>) -> (tensor<1x3x1xf32>, tensor<2x4xf32>, tensor<i64>) {
  %0 = "tfc.reduce_sum"(%arg0) {axes = array<i64: 0, 2>, keepdims = true} : (tensor<2x3x4xf32>) -> tensor<1x3x1xf32>
  %1 = "tfc.reduce_sum"(%arg0) {axes = array<i64: 1>, keepdims = false} : (tensor<2x3x4xf32>) -> tensor<2x4xf32>
  %2 = "tfc.reduce_sum"(%arg1) {axes = array<i64>, keepdims = false} : (tensor<i64>) -> tensor<i64>
  func.return %0, %1, %2 : tensor<1x3x1xf32>, tensor<2x4xf32>, tensor<i64>
}

// -----

// The shape attribute (reshape) and the permutation (transpose).
// CHECK-LABEL: func.func @shape_ops(
// CHECK: %[[R:[0-9]+]] = "tfc.reshape"(%arg0) {shape = array<i64: 3, 2>} : (tensor<2x3xui8>) -> tensor<3x2xui8>
// CHECK: "tfc.transpose"(%[[R]]) {perm = array<i64: 1, 0>} : (tensor<3x2xui8>) -> tensor<2x3xui8>
// CHECK: "tfc.reshape"(%arg0) {shape = array<i64>} : (tensor<1x1xui8>) -> tensor<ui8>
func.func @shape_ops(%arg0: tensor<2x3xui8>) -> (tensor<2x3xui8>) {
  %0 = "tfc.reshape"(%arg0) {shape = array<i64: 3, 2>} : (tensor<2x3xui8>) -> tensor<3x2xui8>
  %1 = "tfc.transpose"(%0) {perm = array<i64: 1, 0>} : (tensor<3x2xui8>) -> tensor<2x3xui8>
  func.return %1 : tensor<2x3xui8>
}
func.func @scalar_reshape(%arg0: tensor<1x1xui8>) -> (tensor<ui8>) {
  %0 = "tfc.reshape"(%arg0) {shape = array<i64>} : (tensor<1x1xui8>) -> tensor<ui8>
  func.return %0 : tensor<ui8>
}

// -----

// Dense constants: splats, exact hex bytes (-0.0, NaN, inf), bool lists, empty, unsigned.
// CHECK-LABEL: func.func @constants(
// CHECK: "tfc.constant"() {value = dense<1.5> : tensor<2x2xf32>} : () -> tensor<2x2xf32>
// CHECK: "tfc.constant"() {value = dense<-0.0> : tensor<3xf32>}
// CHECK: "tfc.constant"() {value = dense<0x7FC00000> : tensor<f32>}
// CHECK: "tfc.constant"() {value = dense<"0x000000000000F07F000000000000F0FF0000000000000080"> : tensor<3xf64>}
// CHECK: "tfc.constant"() {value = dense<{{\[\[}}true, false], [false, true]]> : tensor<2x2xi1>}
// CHECK: "tfc.constant"() {value = dense<> : tensor<0xi64>}
// CHECK: "tfc.constant"() {value = dense<"0xFF0080"> : tensor<3xui8>}
// CHECK: "tfc.constant"() {value = dense<-7> : tensor<i8>}
// CHECK: "tfc.constant"() {value = dense<1.0e-05> : tensor<f64>}
func.func @constants() -> (tensor<2x2xf32>, tensor<3xf32>, tensor<f32>, tensor<3xf64>, tensor<2x2xi1>, tensor<0xi64>, tensor<3xui8>, tensor<i8>, tensor<f64>) {
  %0 = "tfc.constant"() {value = dense<1.5> : tensor<2x2xf32>} : () -> tensor<2x2xf32>
  %1 = "tfc.constant"() {value = dense<-0.0> : tensor<3xf32>} : () -> tensor<3xf32>
  %2 = "tfc.constant"() {value = dense<0x7FC00000> : tensor<f32>} : () -> tensor<f32>
  %3 = "tfc.constant"() {value = dense<"0x000000000000F07F000000000000F0FF0000000000000080"> : tensor<3xf64>} : () -> tensor<3xf64>
  %4 = "tfc.constant"() {value = dense<[[true, false], [false, true]]> : tensor<2x2xi1>} : () -> tensor<2x2xi1>
  %5 = "tfc.constant"() {value = dense<> : tensor<0xi64>} : () -> tensor<0xi64>
  %6 = "tfc.constant"() {value = dense<"0xFF0080"> : tensor<3xui8>} : () -> tensor<3xui8>
  %7 = "tfc.constant"() {value = dense<-7> : tensor<i8>} : () -> tensor<i8>
  %8 = "tfc.constant"() {value = dense<1.0e-05> : tensor<f64>} : () -> tensor<f64>
  func.return %0, %1, %2, %3, %4, %5, %6, %7, %8 : tensor<2x2xf32>, tensor<3xf32>, tensor<f32>, tensor<3xf64>, tensor<2x2xi1>, tensor<0xi64>, tensor<3xui8>, tensor<i8>, tensor<f64>
}

// -----

// Hand-written input in other spellings: a module, mlir-opt's `return` and unparenthesized result type, other
// value names, comments and blank lines. The printer normalizes them.
// CHECK-LABEL: func.func @spellings(
// CHECK-SAME: %arg0: tensor<2xf32>) -> (tensor<2xf32>)
// CHECK-NEXT: %0 = "tfc.exp"(%arg0)
// CHECK-NEXT: %1 = "tfc.constant"() {value = dense<"0x0000803F00000040"> : tensor<2xf32>}
// CHECK-NEXT: %2 = "tfc.add"(%0, %1)
// CHECK-NEXT: func.return %2 : tensor<2xf32>
// CHECK-LABEL: func.func @empty()
// CHECK-NEXT: func.return
// CHECK-LABEL: func.func @"<lambda>"(
module {
  func.func @spellings(%x: tensor<2xf32>) -> tensor<2xf32> {
    // a comment inside the body

    %e = "tfc.exp"(%x) : (tensor<2xf32>) -> tensor<2xf32>
    %c = "tfc.constant"() {value = dense<[1.0, 2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
    %sum = "tfc.add"(%e, %c) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
    return %sum : tensor<2xf32>
  }
  func.func @empty() {
    return
  }
  func.func @"<lambda>"(%arg0: tensor<2xf32>) -> (tensor<2xf32>) {
    func.return %arg0 : tensor<2xf32>
  }
}
