"""What tfc does not (yet) do like TensorFlow, each with its reason. `tfc ops` prints this list and the e2e tests
use it as xfail reasons, so a gap that gets fixed shows up as an unexpected pass."""

KNOWN_GAPS = {
    "cuda-control-flow": "tfc.cond / tfc.while (scf.if / scf.while with tensor results) are not mapped to GPU kernels "
                         "yet: control flow compiles for the CPU only",
    "cuda-runtime-sizes": "tfc.range's computed length, tfc.row's run-time offset and tfc.shape's run-time sizes are "
                          "not handled by the GPU path yet",
    "cuda-stacks": "tfc.write_row and tfc.resize_rows (the stacks a differentiated loop stores its iterations in, and "
                   "the gradient of tfc.row) write at run-time offsets, which the GPU launch plan does not map yet: "
                   "CPU only",
    "int-division-by-zero-compiled": "compiled integer // and % by zero raise InvalidArgumentError through run-time "
                                     "checks (frontend/checks.py), except inside tfc.cond / tfc.while bodies, where "
                                     "compiled code still returns x // 1",
    "gather-out-of-range-compiled": "compiled out-of-range gather indices raise through run-time checks, except "
                                    "inside tfc.cond / tfc.while bodies, where they clamp",
    "random-streams": "stateless_uniform/normal use tfc's own counter-based hash, not TensorFlow's Philox: the same "
                      "seed gives different numbers than TensorFlow (but the same eager and compiled)",
    "dynamic-shapes": "the new data-movement ops (concat, slice, pad, gather, reverse, cumsum, einsum, conv2d, "
                      "pool2d, random) need static shapes when compiled",
    "loop-gradient-recompute": "the gradient of a while_loop whose loop variables may change shape between "
                               "iterations (relaxed shape_invariants, or run-time sizes that the dimension rules "
                               "cannot follow through the body) recomputes each iteration's state from the start "
                               "(O(n^2) body runs) instead of storing it, and refuses a Variable assigned in the loop",
    "where-one-arg-traced": "tfc.where(condition) and boolean-mask indexing have data-dependent shapes: eager only",
    "gather-batch-dims": "tfc.gather supports batch_dims=0 only",
    "unknown-rank-gradients": "gradient rules need known ranks: a GradientTape inside reduce_retracing's trace for "
                              "any rank raises UnknownRankError (give the function an input_signature)",
    "computed-size-broadcast": "a size computed while the code runs (tfc.range of a tensor's value, a loop "
                               "variable whose size changes between iterations) is not checked where it "
                               "broadcasts against a size known only at run time: the code takes them to be equal "
                               "(argument sizes are checked before each call, runtime/broadcasts.py; such a size "
                               "cannot be an output's, whose size the runtime allocates before the call)",
    "broadcast-checks-in-branches": "run-time sizes that do not broadcast inside a tfc.cond branch or a loop body "
                                    "raise InvalidArgumentError before the call even when that branch or body "
                                    "would not run (TensorFlow raises only when it runs): the sizes are checked "
                                    "before native code runs, which cannot know the branch",
    "cuda-constant-operands": "the CUDA launch plan has no buffers for constants embedded in the graph (a "
                              "captured eager tensor such as gather/one_hot indices or avg_pool's window counts): "
                              "those functions compile for the CPU only",
    "cuda-state": "tfc.print and tfc.Variable reads/updates need the CPU runtime (the print callback, Variable buffers "
                  "updated in place): a function using them compiles for the CPU only",
    "cuda-kernel-boundaries": "softmax along axis 0 (a reduction feeding a broadcast over the reduced axis) is split "
                              "by the GPU mapping into kernels that share a value: CPU only for now",
}

# e2e cases (tests/e2e/op_cases*.py ids) that the CUDA target does not compile yet, with the gap that explains it.
CUDA_CASE_GAPS = {
    "cond": "cuda-control-flow", "while": "cuda-control-flow", "range": "cuda-runtime-sizes", "row": "cuda-runtime-sizes",
    "shape": "cuda-runtime-sizes", "write_row": "cuda-stacks", "resize_rows": "cuda-stacks",
    "creation": "cuda-constant-operands", "gather": "cuda-constant-operands", "losses": "cuda-constant-operands",
    "pool2d": "cuda-constant-operands", "softmax-stable": "cuda-kernel-boundaries",
}
