"""conv2d and pool2d: explicit padding with tensor.pad, then linalg's named NHWC convolution / pooling ops."""
from __future__ import annotations

from tfc import ops
from tfc.graph import Node, TensorType

from .conv_kernel import Geometry, emit_conv2d, emit_padded
from .lower_structured import accumulator_dtype, fused_epilogue, round_accumulator
from .lowering import Emitter, lowers
from .matmul_kernel import Operand, Tiles, tiles_for


def _pad(em: Emitter, x: str, xt: TensorType, pads, value) -> tuple[str, TensorType]:
    from .lower_array import emit_pad
    top, bottom, left, right = pads
    if not any(pads):
        return x, xt
    padded = TensorType((xt.shape[0], xt.shape[1] + top + bottom, xt.shape[2] + left + right, xt.shape[3]), xt.dtype)
    return emit_pad(em, x, xt, padded, [0, top, left, 0], em.scalar(value, xt.dtype)), padded


PARALLEL_PAD_ELEMENTS = 1 << 17  # smaller inputs are padded on the calling thread (a fork/join costs microseconds)


def _dense(values) -> str:
    return f"dense<[{', '.join(map(str, values))}]> : tensor<2xi64>"


@lowers(ops.nn.conv2d)
def _conv2d(em: Emitter, node: Node, inputs: list[str]) -> str:
    (x, f), (xt, ft) = inputs, [v.type for v in node.inputs]
    out = node.outputs[0].type
    if not (xt.is_static and ft.is_static):
        raise NotImplementedError("conv2d with dimensions unknown until run time")
    wide = TensorType(out.shape, accumulator_dtype(out.dtype))  # 16-bit floats: float32 sums, rounded once
    tiles = tiles_for(em.vector_bits, out.dtype)
    if tiles is not None:  # tfc's kernel as an implicit GEMM (dialect/conv_kernel.py)
        if any(node.attrs["pads"]):
            x, xt = emit_padded(em, x, xt, node.attrs["pads"], parallel=xt.num_elements >= PARALLEL_PAD_ELEMENTS)
        return round_accumulator(em, _conv2d_kernel(em, node, x, xt, f, ft, tiles), wide, out.dtype)
    x, xt = _pad(em, x, xt, node.attrs["pads"], 0)
    acc = em.fill(wide, 0)
    conv = em.assign(f"linalg.conv_2d_nhwc_hwcf {{dilations = {_dense(node.attrs['dilations'])}, "
                     f"strides = {_dense(node.attrs['strides'])}}} ins({x}, {f} : {xt.mlir(storage=True)}, "
                     f"{ft.mlir(storage=True)}) outs({acc} : {wide.mlir(storage=True)}) -> {wide.mlir(storage=True)}",
                     "conv")
    return round_accumulator(em, conv, wide, out.dtype)


def _conv2d_kernel(em: Emitter, node: Node, x: str, xt: TensorType, f: str, ft: TensorType, tiles: Tiles) -> str:
    """The padded input `x` convolved by the kernel, with its fused epilogue; the result in NHWC (compute type)."""
    out = node.outputs[0].type
    (kh, kw, cin, cout), (batch, oh, ow, _) = ft.shape, out.shape
    taps = TensorType((kh * kw * cin, cout), ft.dtype)
    matrix = em.assign(f"tensor.collapse_shape {f} [[0, 1, 2], [3]] : {ft.mlir(storage=True)} into "
                       f"{taps.mlir(storage=True)}", "taps")
    pixels = TensorType((batch * oh * ow, cout), out.dtype)
    geometry = Geometry(batch, oh, ow, kh, kw, cin, tuple(node.attrs["strides"]), tuple(node.attrs["dilations"]))
    with fused_epilogue(em, node, out.dtype, wide=accumulator_dtype(out.dtype)) as (hook, finish, _):
        flat = emit_conv2d(em, Operand(x, xt), Operand(matrix, taps), pixels, tiles, geometry, hook)
        result_type = TensorType(out.shape, accumulator_dtype(out.dtype))
        flat_type = TensorType(pixels.shape, result_type.dtype)
        result = em.assign(f"tensor.expand_shape {flat} [[0, 1, 2], [3]] output_shape [{batch}, {oh}, {ow}, {cout}] "
                           f": {flat_type.mlir(storage=True)} into {result_type.mlir(storage=True)}", "conv")
        em.reshaped[result] = (flat, flat_type, "[[0, 1, 2], [3]]")
        finish(result)
    return result


@lowers(ops.nn.max_pool2d)
def _pool2d(em: Emitter, node: Node, inputs: list[str]) -> str:
    xt, out = node.inputs[0].type, node.outputs[0].type
    if not xt.is_static:
        raise NotImplementedError("pooling with dimensions unknown until run time")
    is_max = node.attrs["kind"] == "max"
    x, xt = _pad(em, inputs[0], xt, node.attrs["pads"], -float("inf") if is_max else 0)
    # sums of 16-bit floats accumulate in float32 and round once (a max is exact in any width)
    wide = out if is_max else TensorType(out.shape, accumulator_dtype(out.dtype))
    acc = em.fill(wide, -float("inf") if is_max else 0)
    kh, kw = node.attrs["ksize"]
    window = TensorType((kh, kw), xt.dtype)
    shape = em.empty(window)
    pooled = em.assign(f"linalg.pooling_nhwc_{'max' if is_max else 'sum'} {{dilations = {_dense((1, 1))}, "
                       f"strides = {_dense(node.attrs['strides'])}}} ins({x}, {shape} : {xt.mlir(storage=True)}, "
                       f"{window.mlir(storage=True)}) outs({acc} : {wide.mlir(storage=True)}) -> "
                       f"{wide.mlir(storage=True)}", "pool")
    return round_accumulator(em, pooled, wide, out.dtype)
