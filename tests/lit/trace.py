# The tracer's output is tfc IR that tfc-opt reads back, with each op's location the user's Python line.
# RUN: %python %s | FileCheck %s
# RUN: %python %s | %tfc-opt --mlir-print-debuginfo | FileCheck %s
# RUN: %python %s | %tfc-opt --optimize | FileCheck %s --check-prefix=OPT
import tfc


@tfc.function
def scale_and_sum(x, y):
    # CHECK-LABEL: func.func @scale_and_sum(%arg0: tensor<2x3xf32>, %arg1: tensor<3xf32>) -> (tensor<3xf32>)
    # CHECK: %[[PRODUCT:[0-9]+]] = "tfc.multiply"(%arg0, %arg1) {{.*}} loc("{{.*}}trace.py":[[@LINE+1]]:{{[0-9]+}})
    product = x * y
    # CHECK: %[[ONE:[0-9]+]] = "tfc.constant"() {value = dense<1.0> : tensor<f32>} {{.*}} loc("{{.*}}trace.py":[[@LINE+1]]
    same = product * 1.0
    # CHECK: "tfc.reduce_sum"(%[[SAME:[0-9]+]]) {axes = array<i64: 0>, keepdims = false} {{.*}} loc("{{.*}}trace.py":[[@LINE+1]]
    return tfc.reduce_sum(same, axis=0)
    # OPT-LABEL: func.func @scale_and_sum(
    # OPT-NOT: dense<1.0>
    # OPT: %[[P:[0-9]+]] = "tfc.multiply"(%arg0, %arg1)
    # OPT-NEXT: "tfc.reduce_sum"(%[[P]])


print(scale_and_sum.get_concrete_function(tfc.TensorSpec([2, 3]), tfc.TensorSpec([3])).as_text())
