// RUN: %tfc-opt --split-input-file --fold %s | FileCheck %s
// RUN: %tfc-opt --split-input-file --fold --dce %s | FileCheck %s --check-prefix=DCE

// An op on constants becomes a constant computed by numpy (the op's own implementation).
// CHECK-LABEL: func.func @add_constants(
// CHECK: %[[SUM:[0-9]+]] = "tfc.constant"() {value = dense<"0x0000404000008040"> : tensor<2xf32>}
// CHECK-NOT: tfc.add
// CHECK: func.return %[[SUM]]
// DCE-LABEL: func.func @add_constants(
// DCE-NEXT: %0 = "tfc.constant"() {value = dense<"0x0000404000008040"> : tensor<2xf32>}
// DCE-NEXT: func.return %0
func.func @add_constants() -> (tensor<2xf32>) {
  %0 = "tfc.constant"() {value = dense<[1.0, 2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %1 = "tfc.constant"() {value = dense<2.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %2 = "tfc.add"(%0, %1) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  func.return %2 : tensor<2xf32>
}

// -----

// Folding chains through ops with attributes; an op with a non-constant operand stays.
// CHECK-LABEL: func.func @chain(
// CHECK: "tfc.constant"() {value = dense<10> : tensor<i32>}
// CHECK-NOT: tfc.reduce_sum
// CHECK: %[[C:[0-9]+]] = "tfc.constant"() {value = dense<"0x0A0000000000000014000000000000001E00000000000000"> : tensor<3xi64>}
// CHECK: "tfc.multiply"(%arg0, %[[C]])
func.func @chain(%arg0: tensor<3xi64>) -> (tensor<i32>, tensor<3xi64>) {
  %0 = "tfc.constant"() {value = dense<[[1, 2], [3, 4]]> : tensor<2x2xi32>} : () -> tensor<2x2xi32>
  %1 = "tfc.reduce_sum"(%0) {axes = array<i64: 0, 1>, keepdims = false} : (tensor<2x2xi32>) -> tensor<i32>
  %2 = "tfc.constant"() {value = dense<[1.0, 2.0, 3.0]> : tensor<3xf32>} : () -> tensor<3xf32>
  %3 = "tfc.constant"() {value = dense<10.0> : tensor<f32>} : () -> tensor<f32>
  %4 = "tfc.multiply"(%2, %3) : (tensor<3xf32>, tensor<f32>) -> tensor<3xf32>
  %5 = "tfc.cast"(%4) {dtype = i64} : (tensor<3xf32>) -> tensor<3xi64>
  %6 = "tfc.multiply"(%arg0, %5) : (tensor<3xi64>, tensor<3xi64>) -> tensor<3xi64>
  func.return %1, %6 : tensor<i32>, tensor<3xi64>
}

// -----

// IEEE results fold exactly: log(0) = -inf, sqrt(-1) = NaN (x86 gives the NaN its sign bit).
// CHECK-LABEL: func.func @special_values(
// CHECK: "tfc.constant"() {value = dense<0xFF800000> : tensor<f32>}
// CHECK: "tfc.constant"() {value = dense<0x{{[7F]}}FC00000> : tensor<f32>}
func.func @special_values() -> (tensor<f32>, tensor<f32>) {
  %0 = "tfc.constant"() {value = dense<0.0> : tensor<f32>} : () -> tensor<f32>
  %1 = "tfc.log"(%0) : (tensor<f32>) -> tensor<f32>
  %2 = "tfc.constant"() {value = dense<-1.0> : tensor<f32>} : () -> tensor<f32>
  %3 = "tfc.sqrt"(%2) : (tensor<f32>) -> tensor<f32>
  func.return %1, %3 : tensor<f32>, tensor<f32>
}
