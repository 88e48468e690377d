// Elementwise ops lower to one linalg.generic each (shared emitter), with the op's scalar body inside.
// RUN: %tfc-opt --split-input-file --lower %s | FileCheck %s
// The lowered text is valid MLIR:
// RUN: %tfc-opt --split-input-file --lower %s | mlir-opt-22 --split-input-file > %t

// CHECK-LABEL: func.func @add_float(
// CHECK-SAME: %[[IN0:in0]]: memref<4xf32>, %[[IN1:in1]]: memref<4xf32>, %[[OUT:out0]]: memref<4xf32>) attributes {llvm.emit_c_interface}
// CHECK: %[[X:.+]] = bufferization.to_tensor %[[IN0]] restrict : memref<4xf32> to tensor<4xf32>
// CHECK: %[[Y:.+]] = bufferization.to_tensor %[[IN1]] restrict
// CHECK: %[[INIT:.+]] = tensor.empty() : tensor<4xf32>
// CHECK: %[[SUM:.+]] = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%[[X]], %[[Y]] : tensor<4xf32>, tensor<4xf32>) outs(%[[INIT]] : tensor<4xf32>)
// CHECK: ^bb0(%[[A:.+]]: f32, %[[B:.+]]: f32, %{{.+}}: f32):
// CHECK: %[[S:.+]] = arith.addf %[[A]], %[[B]] : f32
// CHECK: linalg.yield %[[S]] : f32
// CHECK: bufferization.materialize_in_destination %[[SUM]] in restrict writable %[[OUT]] : (tensor<4xf32>, memref<4xf32>) -> ()
// CHECK-NEXT: return
func.func @add_float(%arg0: tensor<4xf32>, %arg1: tensor<4xf32>) -> (tensor<4xf32>) {
  %0 = "tfc.add"(%arg0, %arg1) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  func.return %0 : tensor<4xf32>
}

// -----

// Integer dtypes pick the integer arith ops; a broadcast operand maps to the trailing loop dimensions.
// CHECK-LABEL: func.func @integer_ops_broadcast(
// CHECK: linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
// CHECK: arith.addi %{{.+}}, %{{.+}} : i32
// CHECK: linalg.generic
// CHECK: arith.subi %{{.+}}, %{{.+}} : i32
// CHECK: linalg.generic
// CHECK: arith.muli %{{.+}}, %{{.+}} : i32
func.func @integer_ops_broadcast(%arg0: tensor<2x3xi32>, %arg1: tensor<3xi32>) -> (tensor<2x3xi32>) {
  %0 = "tfc.add"(%arg0, %arg1) : (tensor<2x3xi32>, tensor<3xi32>) -> tensor<2x3xi32>
  %1 = "tfc.subtract"(%0, %arg1) : (tensor<2x3xi32>, tensor<3xi32>) -> tensor<2x3xi32>
  %2 = "tfc.multiply"(%1, %arg0) : (tensor<2x3xi32>, tensor<2x3xi32>) -> tensor<2x3xi32>
  func.return %2 : tensor<2x3xi32>
}

// -----

// A size-1 dimension facing a larger one reads index 0.
// CHECK-LABEL: func.func @size_one_broadcast(
// CHECK: indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (0, d1)>, affine_map<(d0, d1) -> (d0, d1)>]
// CHECK: arith.divf
func.func @size_one_broadcast(%arg0: tensor<2x3xf64>, %arg1: tensor<1x3xf64>) -> (tensor<2x3xf64>) {
  %0 = "tfc.divide"(%arg0, %arg1) : (tensor<2x3xf64>, tensor<1x3xf64>) -> tensor<2x3xf64>
  func.return %0 : tensor<2x3xf64>
}

// -----

// Unary math: each op's scalar body.
// CHECK-LABEL: func.func @unary_math(
// CHECK: math.exp %{{.+}} : f32
// CHECK: math.log %{{.+}} : f32
// CHECK: math.tanh %{{.+}} : f32
// CHECK: math.sqrt %{{.+}} : f32
// CHECK: arith.negf %{{.+}} : f32
func.func @unary_math(%arg0: tensor<8xf32>) -> (tensor<8xf32>) {
  %0 = "tfc.exp"(%arg0) : (tensor<8xf32>) -> tensor<8xf32>
  %1 = "tfc.log"(%0) : (tensor<8xf32>) -> tensor<8xf32>
  %2 = "tfc.tanh"(%1) : (tensor<8xf32>) -> tensor<8xf32>
  %3 = "tfc.sqrt"(%2) : (tensor<8xf32>) -> tensor<8xf32>
  %4 = "tfc.negative"(%3) : (tensor<8xf32>) -> tensor<8xf32>
  func.return %4 : tensor<8xf32>
}

// -----

// Integer negation is 0 - x; a dynamic dimension is read with tensor.dim for the result's tensor.empty.
// Unsigned tensors are signless in linalg (ui8 -> i8).
// CHECK-LABEL: func.func @negative_int_dynamic(
// CHECK-SAME: %in0: memref<?x3xi8>
// CHECK: %[[X:.+]] = bufferization.to_tensor %in0
// CHECK: %[[C0:.+]] = arith.constant 0 : index
// CHECK: %[[DIM:.+]] = tensor.dim %[[X]], %[[C0]] : tensor<?x3xi8>
// CHECK: tensor.empty(%[[DIM]]) : tensor<?x3xi8>
// CHECK: %[[ZERO:.+]] = arith.constant 0 : i8
// CHECK: arith.subi %[[ZERO]], %{{.+}} : i8
func.func @negative_int_dynamic(%arg0: tensor<?x3xui8>) -> (tensor<?x3xui8>) {
  %0 = "tfc.negative"(%arg0) : (tensor<?x3xui8>) -> tensor<?x3xui8>
  func.return %0 : tensor<?x3xui8>
}

// -----

// Casts follow TensorFlow: float -> int truncates (fptosi), unsigned -> float is uitofp, nonzero -> true.
// CHECK-LABEL: func.func @casts(
// CHECK: arith.fptosi %{{.+}} : f32 to i64
// CHECK: arith.uitofp %{{.+}} : i8 to f32
// CHECK: arith.cmpf une, %{{.+}}, %{{.+}} : f32
// CHECK: arith.extf %{{.+}} : f32 to f64
// CHECK: arith.trunci %{{.+}} : i64 to i16
func.func @casts(%arg0: tensor<4xf32>, %arg1: tensor<4xui8>) -> (tensor<4xi64>, tensor<4xf32>, tensor<4xi1>, tensor<4xf64>, tensor<4xi16>) {
  %0 = "tfc.cast"(%arg0) {dtype = i64} : (tensor<4xf32>) -> tensor<4xi64>
  %1 = "tfc.cast"(%arg1) {dtype = f32} : (tensor<4xui8>) -> tensor<4xf32>
  %2 = "tfc.cast"(%arg0) {dtype = i1} : (tensor<4xf32>) -> tensor<4xi1>
  %3 = "tfc.cast"(%arg0) {dtype = f64} : (tensor<4xf32>) -> tensor<4xf64>
  %4 = "tfc.cast"(%0) {dtype = i16} : (tensor<4xi64>) -> tensor<4xi16>
  func.return %0, %1, %2, %3, %4 : tensor<4xi64>, tensor<4xf32>, tensor<4xi1>, tensor<4xf64>, tensor<4xi16>
}

// -----

// Constants become arith.constant with signless storage types; locations are kept with --mlir-print-debuginfo.
// RUN: %tfc-opt --split-input-file --lower --mlir-print-debuginfo %s | FileCheck %s --check-prefix=LOC
// CHECK-LABEL: func.func @constant(
// CHECK: arith.constant dense<"0x0102"> : tensor<2xi8>
// CHECK-NOT: loc(
// LOC-LABEL: func.func @constant(
// LOC: arith.constant dense<"0x0102"> : tensor<2xi8> loc("model.py":7:3)
func.func @constant() -> (tensor<2xui8>) {
  %0 = "tfc.constant"() {value = dense<[1, 2]> : tensor<2xui8>} : () -> tensor<2xui8> loc("model.py":7:3)
  func.return %0 : tensor<2xui8>
}

// -----

// bfloat16 bodies compute in f32 and round the result once, to nearest even in integer ops (no arith.truncf:
// LLVM lowers that to vcvtneps2bf16 on AVX512-BF16 CPUs, which flushes subnormals).
// CHECK-LABEL: func.func @bfloat16_computes_in_f32(
// CHECK: ^bb0(%[[A:.+]]: bf16, %[[B:.+]]: bf16, %{{.+}}: bf16):
// CHECK: %[[WA:.+]] = arith.extf %[[A]] : bf16 to f32
// CHECK: %[[WB:.+]] = arith.extf %[[B]] : bf16 to f32
// CHECK: %[[S:.+]] = arith.mulf %[[WA]], %[[WB]] : f32
// CHECK: %[[BITS:.+]] = arith.bitcast %[[S]] : f32 to i32
// CHECK-NOT: arith.truncf
// CHECK: %[[R:.+]] = arith.bitcast %{{.+}} : i16 to bf16
// CHECK: linalg.yield %[[R]] : bf16
// CHECK: linalg.generic
// CHECK: math.exp %{{.+}} : f32
func.func @bfloat16_computes_in_f32(%arg0: tensor<4xbf16>, %arg1: tensor<4xbf16>) -> (tensor<4xbf16>) {
  %0 = "tfc.multiply"(%arg0, %arg1) : (tensor<4xbf16>, tensor<4xbf16>) -> tensor<4xbf16>
  %1 = "tfc.exp"(%0) : (tensor<4xbf16>) -> tensor<4xbf16>
  func.return %1 : tensor<4xbf16>
}
