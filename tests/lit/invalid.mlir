// Invalid input: tfc-opt reports `file:line:col: error: message` (expected vs found), exits 1, never a traceback.
// The sections below are split into files that keep this file's line numbers, so [[@LINE]] works.
// RUN: split-file --leading-lines %s %t
// RUN: not %tfc-opt --split-input-file %t/parser.mlir 2>&1 | FileCheck %t/parser.mlir
// RUN: not %tfc-opt --split-input-file %t/parser.mlir 2>&1 | FileCheck %t/parser.mlir --check-prefix=NOTRACE
// RUN: not %tfc-opt --lower %t/lower.mlir 2>&1 | FileCheck %t/lower.mlir
// tfc-opt checks `expected-error` comments itself with --verify-diagnostics (and then succeeds):
// RUN: %tfc-opt --split-input-file --verify-diagnostics %t/diagnostics.mlir
// RUN: not %tfc-opt --split-input-file --verify-diagnostics %t/unmet.mlir 2>&1 | FileCheck %t/unmet.mlir
// mlir-opt-22 with the generated IRDL catches what IRDL can express, with its own -verify-diagnostics:
// RUN: %tfc-opt --emit-irdl > %t/tfc.irdl.mlir
// RUN: mlir-opt-22 --irdl-file=%t/tfc.irdl.mlir --verify-diagnostics --split-input-file %t/irdl.mlir

//--- parser.mlir
// NOTRACE-NOT: Traceback

// CHECK: parser.mlir:[[@LINE+2]]:8: error: unknown op 'tfc.qqq'; known ops: tfc.abs, tfc.acos, tfc.add,
func.func @unknown_op(%arg0: tensor<3xf32>) -> (tensor<3xf32>) {
  %0 = "tfc.qqq"(%arg0) : (tensor<3xf32>) -> tensor<3xf32>
  func.return %0 : tensor<3xf32>
}

// -----

// CHECK: parser.mlir:[[@LINE+2]]:8: error: unknown op 'tfc.exq' (did you mean 'tfc.exp'?)
func.func @misspelled_op(%arg0: tensor<3xf32>) -> (tensor<3xf32>) {
  %0 = "tfc.exq"(%arg0) : (tensor<3xf32>) -> tensor<3xf32>
  func.return %0 : tensor<3xf32>
}

// -----

// CHECK: parser.mlir:[[@LINE+2]]:8: error: tfc.exp takes 1 operand(s), got 2
func.func @wrong_operand_count(%arg0: tensor<3xf32>) -> (tensor<3xf32>) {
  %0 = "tfc.exp"(%arg0, %arg0) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  func.return %0 : tensor<3xf32>
}

// -----

// CHECK: parser.mlir:[[@LINE+2]]:8: error: tfc.add: result types (tensor<3xf32>) do not match the op's rule, which gives (tensor<2x3xf32>)
func.func @mismatched_result_type(%arg0: tensor<2x3xf32>, %arg1: tensor<3xf32>) -> (tensor<3xf32>) {
  %0 = "tfc.add"(%arg0, %arg1) : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<3xf32>
  func.return %0 : tensor<3xf32>
}

// -----

// CHECK: parser.mlir:[[@LINE+2]]:18: error: use of undefined value %7
func.func @undefined_value(%arg0: tensor<3xf32>) -> (tensor<3xf32>) {
  %0 = "tfc.exp"(%7) : (tensor<3xf32>) -> tensor<3xf32>
  func.return %0 : tensor<3xf32>
}

// -----

// CHECK: parser.mlir:[[@LINE+2]]:18: error: type mismatch: operand 0 has type tensor<3xf32> but the op's signature says tensor<4xf32>
func.func @operand_type_mismatch(%arg0: tensor<3xf32>) -> (tensor<4xf32>) {
  %0 = "tfc.exp"(%arg0) : (tensor<4xf32>) -> tensor<4xf32>
  func.return %0 : tensor<4xf32>
}

// -----

// CHECK: parser.mlir:[[@LINE+2]]:8: error: tfc.add: x is float32 but y is int32; tfc (like TensorFlow) does not convert between tensor dtypes implicitly: use tfc.cast
func.func @dtype_rule(%arg0: tensor<3xf32>, %arg1: tensor<3xi32>) -> (tensor<3xf32>) {
  %0 = "tfc.add"(%arg0, %arg1) : (tensor<3xf32>, tensor<3xi32>) -> tensor<3xf32>
  func.return %0 : tensor<3xf32>
}

// -----

// CHECK: parser.mlir:[[@LINE+2]]:33: error: tfc.reduce_sum has no attribute 'axis'; its attributes: axes (ints), keepdims (bool)
func.func @unknown_attribute(%arg0: tensor<3xf32>) -> (tensor<f32>) {
  %0 = "tfc.reduce_sum"(%arg0) {axis = array<i64: 0>, keepdims = false} : (tensor<3xf32>) -> tensor<f32>
  func.return %0 : tensor<f32>
}

// -----

// CHECK: parser.mlir:[[@LINE+2]]:8: error: tfc.reduce_sum needs attribute(s) 'keepdims' (`true` or `false`)
func.func @missing_attribute(%arg0: tensor<3xf32>) -> (tensor<f32>) {
  %0 = "tfc.reduce_sum"(%arg0) {axes = array<i64: 0>} : (tensor<3xf32>) -> tensor<f32>
  func.return %0 : tensor<f32>
}

// -----

// CHECK: parser.mlir:[[@LINE+2]]:66: error: expected `true` or `false` for attribute 'keepdims' of tfc.reduce_sum, found '1'
func.func @attribute_of_wrong_kind(%arg0: tensor<3xf32>) -> (tensor<f32>) {
  %0 = "tfc.reduce_sum"(%arg0) {axes = array<i64: 0>, keepdims = 1 : i64} : (tensor<3xf32>) -> tensor<f32>
  func.return %0 : tensor<f32>
}

// -----

// CHECK: parser.mlir:[[@LINE+2]]:40: error: hex data has 2 bytes but tensor<3xf32> needs 12
func.func @short_hex_constant() -> (tensor<3xf32>) {
  %0 = "tfc.constant"() {value = dense<"0x0000"> : tensor<3xf32>} : () -> tensor<3xf32>
  func.return %0 : tensor<3xf32>
}

// -----

// CHECK: parser.mlir:[[@LINE+2]]:8: error: type mismatch: tfc.constant's value is tensor<2xf32> but its result type is tensor<3xf32>
func.func @constant_type_mismatch() -> (tensor<3xf32>) {
  %0 = "tfc.constant"() {value = dense<[1.0, 2.0]> : tensor<2xf32>} : () -> tensor<3xf32>
  func.return %0 : tensor<3xf32>
}

// -----

// CHECK: parser.mlir:[[@LINE+2]]:40: error: 300 does not fit ui8 (range 0 to 255)
func.func @literal_out_of_range() -> (tensor<ui8>) {
  %0 = "tfc.constant"() {value = dense<300> : tensor<ui8>} : () -> tensor<ui8>
  func.return %0 : tensor<ui8>
}

// -----

// CHECK: parser.mlir:[[@LINE+1]]:46: error: unsupported element type 'f8E4M3FN'; tfc supports: f16, bf16, f32, f64, i8, i16, i32, i64, ui8, i1
func.func @unsupported_dtype(%arg0: tensor<3xf8E4M3FN>) -> () {
  func.return
}

// -----

// CHECK: parser.mlir:[[@LINE+3]]:3: error: func.return returns 1 value(s) but the function's type has 2 result(s)
func.func @return_count(%arg0: tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>) {
  %0 = "tfc.exp"(%arg0) : (tensor<3xf32>) -> tensor<3xf32>
  func.return %0 : tensor<3xf32>
}

// -----

// CHECK: parser.mlir:[[@LINE+3]]:1: error: expected an op or func.return, found '}'
func.func @missing_return(%arg0: tensor<3xf32>) -> (tensor<3xf32>) {
  %0 = "tfc.exp"(%arg0) : (tensor<3xf32>) -> tensor<3xf32>
}

// -----

// CHECK: parser.mlir:[[@LINE+3]]:3: error: expected ':' and the op's type, like (tensor<2xf32>) -> tensor<2xf32>, found 'func.return'
func.func @missing_type(%arg0: tensor<3xf32>) -> (tensor<3xf32>) {
  %0 = "tfc.exp"(%arg0)
  func.return %0 : tensor<3xf32>
}

// -----

// CHECK: parser.mlir:[[@LINE+3]]:3: error: redefinition of value %0
func.func @redefinition(%arg0: tensor<3xf32>) -> (tensor<3xf32>) {
  %0 = "tfc.exp"(%arg0) : (tensor<3xf32>) -> tensor<3xf32>
  %0 = "tfc.exp"(%arg0) : (tensor<3xf32>) -> tensor<3xf32>
  func.return %0 : tensor<3xf32>
}

//--- lower.mlir
// Valid IR that the lowering does not support yet is an error, not a traceback.
// CHECK: lower.mlir:1:1: error: reshape to tensor<?x?xf32>: only one dimension may be computed at run time
// CHECK-NOT: Traceback
func.func @dynamic_reshape(%arg0: tensor<?xf32>) -> (tensor<?x?xf32>) {
  %0 = "tfc.reshape"(%arg0) {shape = array<i64: -1, -1>} : (tensor<?xf32>) -> tensor<?x?xf32>
  func.return %0 : tensor<?x?xf32>
}

//--- diagnostics.mlir
func.func @undefined(%arg0: tensor<3xf32>) -> (tensor<3xf32>) {
  // expected-error @+1 {{use of undefined value %7}}
  %0 = "tfc.exp"(%7) : (tensor<3xf32>) -> tensor<3xf32>
  func.return %0 : tensor<3xf32>
}

// -----

func.func @rule(%arg0: tensor<3xf32>) -> (tensor<3xf32>) {
  %0 = "tfc.cast"(%arg0) {dtype = i32} : (tensor<3xf32>) -> tensor<3xf32> // expected-error {{result types (tensor<3xf32>) do not match}}
  func.return %0 : tensor<3xf32>
}

// -----

// A chunk without errors needs no expectation.
func.func @fine(%arg0: tensor<3xf32>) -> (tensor<3xf32>) {
  func.return %arg0 : tensor<3xf32>
}

//--- unmet.mlir
// An expectation that is not met, and an error that was not expected, both fail the run.
// CHECK: unmet.mlir:[[@LINE+2]]: error: expected error "no such error" on line [[@LINE+3]] was not produced
func.func @fine(%arg0: tensor<3xf32>) -> (tensor<3xf32>) {
  // expected-error @below {{no such error}}
  func.return %arg0 : tensor<3xf32>
}

// -----

// CHECK: unmet.mlir:[[@LINE+2]]:8: error: unexpected error: unknown op 'tfc.foo'
func.func @unexpected(%arg0: tensor<3xf32>) -> (tensor<3xf32>) {
  %0 = "tfc.foo"(%arg0) : (tensor<3xf32>) -> tensor<3xf32>
  func.return %0 : tensor<3xf32>
}

//--- irdl.mlir
func.func @too_many_operands(%arg0: tensor<3xf32>) -> (tensor<3xf32>) {
  // expected-error @+1 {{op expects exactly 1 operands, but got 2}}
  %0 = "tfc.exp"(%arg0, %arg0) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  func.return %0 : tensor<3xf32>
}

// -----

func.func @bool_attribute_not_bool(%arg0: tensor<3xf32>) -> (tensor<f32>) {
  // expected-error @+1 {{'1 : i64' does not satisfy the constraint}}
  %0 = "tfc.reduce_sum"(%arg0) {axes = array<i64: 0>, keepdims = 1 : i64} : (tensor<3xf32>) -> tensor<f32>
  func.return %0 : tensor<f32>
}

// -----

func.func @operand_not_a_tensor(%arg0: f32) -> (tensor<3xf32>) {
  // expected-error @+1 {{expected base type 'builtin.tensor' but got 'builtin.f32'}}
  %0 = "tfc.exp"(%arg0) : (f32) -> tensor<3xf32>
  func.return %0 : tensor<3xf32>
}
