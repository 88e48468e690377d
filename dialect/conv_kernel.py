"""conv2d on tfc's matmul kernel, as an implicit GEMM: no im2col matrix is built.

    C[pixel, co] = sum over taps (i, j) and input channels ci of X[n, h*sh + i*dh, w*sw + j*dw, ci] * F[i, j, ci, co]

is a matmul C[M, CO] = A[M, K] @ B[K, CO] with M = N*OH*OW output pixels and K = KH*KW*CI. B is the HWIO filter
itself seen as [K, CO] (a free reshape), packed into panels like any B. A is never materialized: a register tile
finds the input pixel of each of its rows once, then walks the taps and, within a tap, CI contiguous channels of
each row's pixel (dialect/matmul_kernel.py: `contract`). K slices are whole taps. The input arrives padded
(SAME padding is an explicit pad before the kernel, as in the generic lowering).
"""
from __future__ import annotations

import dataclasses

from tfc.graph import TensorType

from .lowering import Emitter
from .matmul_kernel import KC, Epilogue, Kernel, Operand, Tiles, loop_nest


@dataclasses.dataclass(frozen=True)
class Geometry:
    batch: int
    out_h: int
    out_w: int
    taps_h: int
    taps_w: int
    channels: int            # CI
    strides: tuple[int, int]
    dilations: tuple[int, int]


class ConvKernel(Kernel):
    def __init__(self, em: Emitter, x: Operand, filters: Operand, out: TensorType, tiles: Tiles,
                 epilogue: Epilogue | None, geometry: Geometry):
        super().__init__(em, x, filters, out, tiles, epilogue)
        self.g = geometry

    def rows(self) -> str:
        return self.index(self.g.batch * self.g.out_h * self.g.out_w)

    def slices(self) -> tuple[str, int]:
        """Whole taps per K slice: as many as fit in KC channels (at least one)."""
        return self.index(self.g.taps_h * self.g.taps_w), max(1, KC // self.g.channels)

    def row_coordinates(self, f: dict, ir: str, rows: int) -> list[tuple[str, str, str]]:
        """The input pixel (n, h, w) under each output pixel i0 + ir + r of the tile, before the tap offsets."""
        g, em = self.g, self.em

        def unsigned(op: str, a: str, b: int) -> str:
            return em.assign(f"arith.{op} {a}, {self.index(b)} : index", "px")
        # Unsigned division of never-negative pixel indices. (affine floordiv/mod lower to the signed-safe
        # xor/select form; LLVM's SLP vectorizer merged that form across a tile's 8 rows into wrong indices in
        # OpenMP-outlined code: threaded convolutions summed the wrong pixels.)
        plane = g.out_h * g.out_w
        pixels = []
        for r in range(rows):
            pixel = self.affine("apply", f"(d0, d1) -> (d0 + d1 + {r})", [f["i0"], ir])
            within = unsigned("remui", pixel, plane)
            h = unsigned("muli", unsigned("divui", within, g.out_w), g.strides[0])
            w = unsigned("muli", unsigned("remui", within, g.out_w), g.strides[1])
            pixels.append((unsigned("divui", pixel, plane), h, w))
        return pixels

    def contract(self, f: dict, rows_at, acc: str, rows: int) -> str:
        """Taps of this K slice, then each tap's CI channels: the A column is channel ci of each row's pixel
        moved by the tap."""
        g, em, x = self.g, self.em, self.a
        taps = g.taps_h * g.taps_w
        last = self.affine("min", f"(d0) -> (d0 + {self.slices()[1]}, {taps})", [f["kb"]])

        def tap_body(tap: str, carried: str) -> str:
            dh, dw = g.dilations
            row_of = self.affine("apply", f"(d0) -> ((d0 floordiv {g.taps_w}) * {dh})", [tap])
            col_of = self.affine("apply", f"(d0) -> ((d0 mod {g.taps_w}) * {dw})", [tap])
            pixels = [(n, self.affine("apply", "(d0, d1) -> (d0 + d1)", [h, row_of]),
                       self.affine("apply", "(d0, d1) -> (d0 + d1)", [w, col_of])) for n, h, w in rows_at]
            first_k = self.affine("apply", f"(d0) -> (d0 * {g.channels})", [tap])

            def channel_body(ci: str, accs: str) -> str:
                k = self.affine("apply", "(d0, d1) -> (d0 + d1)", [first_k, ci])
                scalars = [em.assign(f"tensor.extract {x.value}[{n}, {h}, {w}, {ci}] : {x.type.mlir(storage=True)}",
                                     "a") for n, h, w in pixels]
                column_type = f"vector<{rows}x{self.source}>"
                column = em.assign(f"vector.from_elements {', '.join(scalars)} : {column_type}", "acol")
                return self.fma_step(f, k, accs, self.widen(column, column_type), rows)
            return self.k_loop(self.index(0), self.index(g.channels), carried, rows, channel_body)
        return self.k_loop(f["kb"], last, acc, rows, tap_body)


def emit_conv2d(em: Emitter, x: Operand, filters: Operand, out: TensorType, tiles: Tiles, geometry: Geometry,
                epilogue: Epilogue | None = None) -> str:
    """The convolution as a [pixels, CO] tensor in the compute type (`filters` is the [K, CO] view)."""
    return ConvKernel(em, x, filters, out, tiles, epilogue, geometry).emit()


def emit_padded(em: Emitter, x: str, xt: TensorType, pads, parallel: bool) -> tuple[str, TensorType]:
    """The NHWC input with `pads` (top, bottom, left, right) zero rows and columns around each image, one padded
    row per loop iteration (threads when `parallel`): a loop over the zero rows above and below each image, then
    one over its rows, each its input row copied between zero borders. (The generic pad computes every element
    with index arithmetic and a select, serially: 1 ms of W7's 10 on one thread. Two loops, not a tensor scf.if
    per row: bufferization gave the if's result a strided layout and copied it through MLIR's C runtime.)"""
    top, bottom, left, right = pads
    batch, height, width, channels = xt.shape
    out = TensorType((batch, height + top + bottom, width + left + right, channels), xt.dtype)
    row = TensorType((out.shape[2], channels), xt.dtype)
    zero = em.scalar(0, xt.dtype)

    def part(value: str, type: TensorType, start: int, size: int) -> tuple[str, TensorType]:
        piece = TensorType((size, channels), xt.dtype)
        return em.assign(f"tensor.extract_slice {value}[{start}, 0] [{size}, {channels}] [1, 1] : "
                         f"{type.mlir(storage=True)} to {piece.mlir(storage=True)}", "part"), piece

    def put(piece: str, piece_type: TensorType, into: str, start: int) -> str:
        return em.assign(f"tensor.insert_slice {piece} into {into}[{start}, 0] [{piece_type.shape[0]}, {channels}] "
                         f"[1, 1] : {piece_type.mlir(storage=True)} into {row.mlir(storage=True)}", "row")

    def zeros(value: str, type: TensorType) -> str:
        return em.assign(f"linalg.fill ins({zero} : {xt.dtype.storage}) outs({value} : {type.mlir(storage=True)}) "
                         f"-> {type.mlir(storage=True)}", "zeros")

    def row_of(carried: str, image: str, r: str) -> str:
        return em.assign(f"tensor.extract_slice {carried}[{image}, {r}, 0, 0] [1, 1, {row.shape[0]}, {channels}] "
                         f"[1, 1, 1, 1] : {out.mlir(storage=True)} to {row.mlir(storage=True)}", "row")

    def where(image: str, r: str) -> tuple:
        return (row.mlir(storage=True), f"{image}, {r}, 0, 0", f"1, 1, {row.shape[0]}, {channels}", "1, 1, 1, 1")

    def zero_row(ivs: list[str], carried: str):
        image, k = ivs  # rows 0 .. top-1, then height+top .. the last
        below = em.assign(f"arith.cmpi uge, {k}, {em.index(top)} : index", "below")
        r = em.assign(f"arith.select {below}, {em.assign(f'arith.addi {k}, {em.index(height)} : index', 'r')}, {k} "
                      f": index", "r")
        return (zeros(row_of(carried, image, r), row), *where(image, r))

    def image_row(ivs: list[str], carried: str):
        image, i = ivs
        r = em.assign(f"arith.addi {i}, {em.index(top)} : index", "r")
        padded = row_of(carried, image, r)
        source = TensorType((width, channels), xt.dtype)
        copied = em.assign(f"tensor.extract_slice {x}[{image}, {i}, 0, 0] [1, 1, {width}, {channels}] [1, 1, 1, 1] "
                           f": {xt.mlir(storage=True)} to {source.mlir(storage=True)}", "src")
        # linalg.copy into the row's slice: the input may be a strided view (a slice), and a strided memref.copy
        # would need MLIR's C runtime.
        middle, middle_type = part(padded, row, left, width)
        moved = em.assign(f"linalg.copy ins({copied} : {source.mlir(storage=True)}) outs({middle} : "
                          f"{source.mlir(storage=True)}) -> {source.mlir(storage=True)}", "copy")
        padded = put(moved, middle_type, padded, left)
        for start, size in ((0, left), (left + width, right)):
            if size:
                border, border_type = part(padded, row, start, size)
                padded = put(zeros(border, border_type), border_type, padded, start)
        return (padded, *where(image, r))
    padded = em.empty(out)
    if top + bottom:
        padded = loop_nest(em, [em.index(batch), em.index(top + bottom)], padded, out.mlir(storage=True), parallel,
                           zero_row)
    return loop_nest(em, [em.index(batch), em.index(height)], padded, out.mlir(storage=True), parallel,
                     image_row), out
