"""E2e cases for TensorFlow's wider op set (issue 3), appended to op_cases.CASES. References are plain numpy
(or the standard library), written independently of the ops' own implementations. Shapes are kept few: every
(shape, dtype) pair is one compile, and the whole e2e run must stay within a few minutes on 2 cores."""
from __future__ import annotations

import math

import numpy as np

import tfc
from op_cases import INTS, Case

F = ("float32", "float64")

U2 = [((),), ((3, 5),)]
B2 = [((3, 5), (5,)), ((4, 1), (1, 6)), ((), (2, 3))]  # broadcasting


def unary(op, fn, ref, dtypes=F, shapes=U2, domain="any", id=""):
    return Case(op, fn, ref, shapes, dtypes, domain, id)


def _floor_mod(x, y):
    r = np.fmod(x, y)
    return np.where((r != 0) & ((r < 0) != (y < 0)), r + y, r)


def _floordiv(x, y):
    return np.floor(x / y).astype(x.dtype) if x.dtype.kind == "f" else x // y


def _trunc_mean(x, axis):
    s = np.sum(x, axis=axis, dtype=np.int64)
    n = x.size // s.size if s.size else 1
    return (np.sign(s) * (np.abs(s) // n)).astype(x.dtype)


def _softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


_erf = np.vectorize(math.erf)
_nonzero = "positive"  # integer divisors come from [1, 6)

CASES = [
    # ------------------------------------------------------------------ elementwise math
    Case("floordiv", lambda x, y: x // y, _floordiv, [((3, 5), (3, 5)), ((4, 1), (1, 6))], F + INTS, _nonzero),
    Case("floormod", lambda x, y: x % y, lambda x, y: _floor_mod(x, y).astype(x.dtype), [((3, 5), (3, 5))],
         F + INTS, _nonzero),
    Case("floordiv", lambda x, y: [x // -y, x % -y], lambda x, y: [x // -y, np.mod(x, -y)], [((7,), (7,))],
         ("int32", "int8"), _nonzero, id="floordiv-negative-divisor"),
    Case("pow", lambda x, y: x ** y, lambda x, y: np.power(x, y), [((3, 5), (3, 5))], F, "positive"),
    Case("pow", lambda x: x ** 3, lambda x: x ** 3, [((3, 5),)], ("int32", "int64", "int8"), id="pow-int"),
    Case("maximum", tfc.maximum, np.maximum, B2, F + INTS),
    Case("minimum", tfc.minimum, np.minimum, B2, F + INTS),
    Case("atan2", tfc.math.atan2, np.arctan2, [((3, 5), (3, 5))], F),
    unary("abs", abs, np.abs, F + INTS),
    unary("sign", tfc.sign, np.sign, F + ("int32", "int8")),
    unary("square", tfc.square, np.square, F + ("int32",)),
    unary("rsqrt", tfc.math.rsqrt, lambda x: 1 / np.sqrt(x), domain="positive"),
    unary("expm1", tfc.math.expm1, np.expm1),
    unary("log1p", tfc.math.log1p, np.log1p, domain="positive"),
    unary("sin", tfc.math.sin, np.sin, F + ("float16", "bfloat16")),
    unary("cos", tfc.math.cos, np.cos),
    unary("tan", tfc.math.tan, np.tan),
    unary("sinh", tfc.math.sinh, np.sinh),
    unary("cosh", tfc.math.cosh, np.cosh),
    unary("asin", lambda x: tfc.math.asin(x / 2), lambda x: np.arcsin(x / 2)),
    unary("acos", lambda x: tfc.math.acos(x / 2), lambda x: np.arccos(x / 2)),
    unary("atan", tfc.math.atan, np.arctan),
    unary("sigmoid", tfc.math.sigmoid, lambda x: 1 / (1 + np.exp(-x)), F + ("float16", "bfloat16")),
    unary("erf", tfc.math.erf, lambda x: _erf(x).astype(x.dtype)),
    unary("floor", tfc.math.floor, np.floor),
    unary("ceil", tfc.math.ceil, np.ceil),
    unary("round", lambda x: tfc.round(x * 2), lambda x: np.round(x * 2)),
    unary("reciprocal", tfc.math.reciprocal, lambda x: 1 / x, domain="positive"),
    unary("is_nan", lambda x: tfc.math.is_nan(tfc.math.log(x)), lambda x: np.isnan(np.log(x))),
    unary("is_inf", lambda x: tfc.math.is_inf(1 / (x - x)), lambda x: np.isinf(1 / (x - x))),
    unary("is_finite", lambda x: tfc.math.is_finite(tfc.math.log(x)), lambda x: np.isfinite(np.log(x))),
    # ------------------------------------------------------------------ comparison and logic
    Case("equal", lambda x, y: [x == y, x != y, x < y, x <= y, x > y, x >= y],
         lambda x, y: [x == y, x != y, x < y, x <= y, x > y, x >= y], [((3, 5), (5,))], ("float32", "int32", "uint8"),
         id="comparisons"),
    Case("not_equal", tfc.not_equal, np.not_equal, [((7,), (7,))], ("bool",)),
    Case("less", tfc.less, np.less, [((7,), ())], ("int64",)),
    Case("less_equal", tfc.less_equal, np.less_equal, [((7,), ())], ("float64",)),
    Case("greater", tfc.greater, np.greater, [((7,), ())], ("int8",)),
    Case("greater_equal", tfc.greater_equal, np.greater_equal, [((7,), ())], ("float16", "bfloat16")),
    Case("logical_and", lambda x, y: [x & y, x | y, x ^ y, ~x], lambda x, y: [x & y, x | y, x ^ y, ~x],
         [((3, 5), (5,))], ("bool",), id="logical-operators"),
    Case("logical_or", tfc.logical_or, np.logical_or, [((7,), (7,))], ("bool",)),
    Case("logical_xor", tfc.logical_xor, np.logical_xor, [((7,), (7,))], ("bool",)),
    Case("logical_not", tfc.logical_not, np.logical_not, [((7,),)], ("bool",)),
    Case("select", lambda x, y: tfc.where(x > y, x, y), lambda x, y: np.where(x > y, x, y), B2, ("float32", "int32")),
    # ------------------------------------------------------------------ reductions
    Case("reduce_mean", lambda x: [tfc.reduce_mean(x), tfc.reduce_mean(x, -1, keepdims=True)],
         lambda x: [np.mean(x, dtype=np.float64).astype(x.dtype), np.mean(x, -1, keepdims=True, dtype=np.float64).astype(x.dtype)],
         [((3, 5),)], F),
    Case("reduce_mean", lambda x: tfc.reduce_mean(x, 1), lambda x: _trunc_mean(x, 1), [((3, 5),)], ("int32", "int8"),
         id="reduce_mean-int-truncates"),
    Case("reduce_max", lambda x: tfc.reduce_max(x, [0, 2]), lambda x: np.max(x, (0, 2)), [((2, 3, 4),)], F + INTS),
    Case("reduce_min", lambda x: tfc.reduce_min(x, 0, keepdims=True), lambda x: np.min(x, 0, keepdims=True),
         [((3, 5),)], F + INTS),
    Case("reduce_max", lambda x: tfc.reduce_max(x, 1), lambda x: np.full((2, 3), -np.inf, x.dtype), [((2, 0, 3),)],
         ("float32",), id="reduce_max-empty"),
    Case("reduce_prod", lambda x: tfc.reduce_prod(x, 1), lambda x: np.prod(x, 1, dtype=x.dtype), [((3, 5),)],
         ("float32", "int32")),
    Case("reduce_all", lambda x: tfc.reduce_all(x, 1), lambda x: np.all(x, 1), [((3, 5),), ((2, 0),)], ("bool",)),
    Case("reduce_any", lambda x: tfc.reduce_any(x), lambda x: np.any(x), [((3, 5),)], ("bool",)),
    Case("reduce_max", lambda x: tfc.reduce_logsumexp(x, -1),
         lambda x: np.log(np.sum(np.exp(x.astype(np.float64)), -1)).astype(x.dtype), [((3, 5),)], F,
         id="reduce_logsumexp"),
    Case("argmax", lambda x: tfc.argmax(x, 1), lambda x: np.argmax(x, 1).astype(np.int64), [((3, 5),)], F + INTS),
    Case("argmin", lambda x: tfc.argmin(x, 0), lambda x: np.argmin(x, 0).astype(np.int64), [((3, 5),)], F + INTS),
    Case("cumsum", lambda x: tfc.cumsum(x, 1), lambda x: np.cumsum(x, 1, dtype=x.dtype), [((3, 5),)], F + ("int32",)),
    Case("cumsum", lambda x: tfc.cumsum(x, 0, exclusive=True, reverse=True),
         lambda x: np.concatenate([np.cumsum(x[::-1], 0, dtype=x.dtype)[::-1][1:], np.zeros_like(x[:1])]),
         [((4, 3),)], ("float32", "int64"), id="cumsum-exclusive-reverse"),
    # ------------------------------------------------------------------ creation
    Case("iota", lambda x: [tfc.range(2, 11, 3), tfc.range(5.0), tfc.linspace(0.0, 1.0, 5), tfc.eye(3, 4),
                            tfc.one_hot([0, 2, 5], 3), tfc.zeros([2, 3]), tfc.ones_like(x), tfc.fill([2], 7),
                            tfc.identity(x), tfc.zeros_like(x)],
         lambda x: [np.arange(2, 11, 3, dtype=np.int32), np.arange(5, dtype=np.float32),
                    np.array([0, .25, .5, .75, 1], np.float32), np.eye(3, 4, dtype=np.float32),
                    np.array([[1, 0, 0], [0, 0, 1], [0, 0, 0]], np.float32), np.zeros((2, 3), np.float32),
                    np.ones_like(x), np.full(2, 7, np.int32), x, np.zeros_like(x)], [((3,),)], ("float32",),
         id="creation"),
    Case("random_uniform", lambda x: [tfc.random.stateless_uniform([3, 4], [1, 2]),
                                      tfc.random.stateless_uniform([5], [7, 9], 2.0, 4.0, dtype=tfc.float64)],
         lambda x: [_uniform_reference((3, 4), (1, 2), np.float32), 2 + 2 * _uniform_reference((5,), (7, 9), np.float64)],
         [((1,),)], ("float32",), id="stateless_uniform"),
    # ------------------------------------------------------------------ data movement
    Case("broadcast_to", lambda x: tfc.broadcast_to(x, [4, 3, 5]), lambda x: np.broadcast_to(x, (4, 3, 5)),
         [((3, 1),), ((5,),)], ("float32", "bool")),
    Case("concat", lambda x, y: [tfc.concat([x, y, x], 0), tfc.stack([x, y], 1)],
         lambda x, y: [np.concatenate([x, y, x]), np.stack([x, y], 1)], [((3, 5), (3, 5))], ("float32", "int8")),
    Case("slice", lambda x: [x[1], x[::-1, 1:], x[..., None, ::2], x[-1:, -2], tfc.unstack(x, axis=1)[2],
                             tfc.split(x, [1, -1], 1)[1], tfc.squeeze(tfc.expand_dims(x, 0))],
         lambda x: [x[1], x[::-1, 1:], x[..., None, ::2], x[-1:, -2], x[:, 2], x[:, 1:], x], [((3, 5),)],
         ("float32", "int64"), id="indexing"),
    Case("reverse", lambda x: tfc.reverse(x, [0, -1]), lambda x: x[::-1, ::-1], [((3, 5),)], ("float32", "uint8")),
    Case("pad", lambda x: tfc.pad(x, [[1, 0], [2, 3]], constant_values=9),
         lambda x: np.pad(x, [(1, 0), (2, 3)], constant_values=9), [((3, 5),)], ("float32", "int32")),
    # Mirror modes are slices, reverses and concats; their gradient folds the mirrored parts back.
    Case("pad", lambda x: tfc.pad(x, [[2, 1], [0, 4]], mode="REFLECT"),
         lambda x: np.pad(x, [(2, 1), (0, 4)], mode="reflect"), [((3, 5),)], ("float32", "int32"), id="pad-reflect"),
    Case("pad", lambda x: tfc.pad(x, [[3, 2], [5, 1]], mode="symmetric"),
         lambda x: np.pad(x, [(3, 2), (5, 1)], mode="symmetric"), [((3, 5),)], ("float32", "int32"),
         id="pad-symmetric"),
    Case("gather", lambda x: [tfc.gather(x, [2, 0, 2]), tfc.gather(x, [[4, 1], [0, 0]], axis=1)],
         lambda x: [x[[2, 0, 2]], x[:, [[4, 1], [0, 0]]]], [((3, 5),)], ("float32", "int32")),
    Case("broadcast_to", lambda x: tfc.tile(x, [2, 3]), lambda x: np.tile(x, (2, 3)), [((3, 5),)], ("float32",),
         id="tile"),
    # ------------------------------------------------------------------ linear algebra
    Case("einsum", lambda a, b: [tfc.einsum("ij,kj->ik", a, b), tfc.einsum("ij,ij->", a, b),
                                 tfc.tensordot(a, b, [[0], [0]]), tfc.linalg.matvec(a, b[0])],
         lambda a, b: [a @ b.T, np.sum(a * b, dtype=a.dtype), a.T @ b, a @ b[0]], [((3, 5), (3, 5))], ("float32", "int32")),
    Case("einsum", lambda a, b: tfc.einsum("bij,bjk->bik", a, b), lambda a, b: a @ b, [((2, 3, 4), (2, 4, 5))],
         ("float64",), id="einsum-batched"),
    # ------------------------------------------------------------------ nn (composed ops; recorded under a primitive)
    Case("maximum", lambda x: [tfc.nn.relu(x), tfc.nn.relu6(x * 4), tfc.nn.leaky_relu(x), tfc.nn.elu(x),
                               tfc.nn.selu(x), tfc.nn.softplus(x * 20), tfc.nn.silu(x)],
         lambda x: [np.maximum(x, 0), np.clip(x * 4, 0, 6), np.where(x > 0, x, 0.2 * x),
                    np.where(x > 0, x, np.expm1(x)),
                    1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * np.expm1(x)),
                    np.logaddexp(0, x * 20).astype(x.dtype), x / (1 + np.exp(-x))], [((3, 5),)], F, id="activations"),
    Case("erf", lambda x: [tfc.nn.gelu(x), tfc.nn.gelu(x, approximate=True)],
         lambda x: [x * 0.5 * (1 + _erf(x / math.sqrt(2))).astype(x.dtype),
                    0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))], [((3, 5),)], F,
         id="gelu"),
    Case("exp", lambda x: [tfc.nn.softmax(x * 100), tfc.nn.log_softmax(x, 0)],
         lambda x: [_softmax(x * 100), (x - np.log(np.sum(np.exp(x), 0, keepdims=True))).astype(x.dtype)],
         [((3, 5),)], F, id="softmax-stable"),
    Case("log1p", lambda x, y: [tfc.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=x),
                                tfc.nn.softmax_cross_entropy_with_logits(_softmax_t(y), x),
                                tfc.nn.sparse_softmax_cross_entropy_with_logits(tfc.constant([0, 4, 2]), x)],
         lambda x, y: [np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x))),
                       -np.sum(_softmax(y) * (x - np.log(np.sum(np.exp(x), -1, keepdims=True))), -1),
                       -(x - np.log(np.sum(np.exp(x), -1, keepdims=True)))[[0, 1, 2], [0, 4, 2]]],
         [((3, 5), (3, 5))], F, id="losses"),
    Case("reduce_mean", lambda x, s: [*tfc.nn.moments(x, [0]), tfc.nn.l2_normalize(x, 1), tfc.nn.bias_add(x, s[0]),
                                      tfc.nn.batch_normalization(x, 0.5, 2.0, s[0], s[1], 1e-3)],
         lambda x, s: [x.mean(0), x.var(0), x / np.sqrt(np.maximum(np.sum(x * x, 1, keepdims=True), 1e-12)),
                       x + s[0], ((x - 0.5) / np.sqrt(2.0 + 1e-3) * s[1] + s[0]).astype(x.dtype)], [((3, 5), (2, 5))], F,
         id="normalization"),
    Case("conv2d", lambda x, f: [tfc.nn.conv2d(x, f, 2, "SAME"), tfc.nn.conv2d(x, f, 1, "VALID", dilations=2)],
         lambda x, f: [_conv_reference(x, f, 2, "SAME", 1), _conv_reference(x, f, 1, "VALID", 2)],
         [((2, 7, 6, 3), (3, 3, 3, 4))], F),
    Case("pool2d", lambda x: [tfc.nn.max_pool2d(x, 3, 2, "SAME"), tfc.nn.avg_pool2d(x, 2, 2, "SAME"),
                              tfc.nn.avg_pool2d(x, [2, 3], 1, "VALID")],
         lambda x: [_pool_reference(x, (3, 3), 2, "SAME", np.max), _pool_reference(x, (2, 2), 2, "SAME", np.mean),
                    _pool_reference(x, (2, 3), 1, "VALID", np.mean)], [((2, 7, 6, 3),)], F),
]


def _softmax_t(y):
    return tfc.nn.softmax(y)


def _uniform_reference(shape, seed, dtype):
    """Recomputes the generator from its definition (tfc.ops.random's docstring), independently of its code."""
    import tfc.ops.random as r
    key = r._keys(seed, 0)
    n = int(np.prod(shape))
    x = np.arange(n, dtype=np.uint64)
    for k in key:
        x = (x * 0x9E3779B9 ^ k) & 0xFFFFFFFF
        x ^= x >> 16
        x = (x * 0x85EBCA6B) & 0xFFFFFFFF
        x ^= x >> 13
        x = (x * 0xC2B2AE35) & 0xFFFFFFFF
        x ^= x >> 16
    bits = 24 if dtype == np.float32 else 32
    return ((x >> (32 - bits)).astype(np.float64) / 2.0 ** bits).astype(dtype).reshape(shape)


def _same_pads(size, window, stride, dilation):
    effective = (window - 1) * dilation + 1
    total = max((math.ceil(size / stride) - 1) * stride + effective - size, 0)
    return total // 2, total - total // 2


def _conv_reference(x, f, stride, padding, dilation):
    kh, kw, _, cout = f.shape
    if padding == "SAME":
        x = np.pad(x, [(0, 0), _same_pads(x.shape[1], kh, stride, dilation), _same_pads(x.shape[2], kw, stride, dilation),
                       (0, 0)])
    oh = (x.shape[1] - (kh - 1) * dilation - 1) // stride + 1
    ow = (x.shape[2] - (kw - 1) * dilation - 1) // stride + 1
    out = np.zeros((x.shape[0], oh, ow, cout))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * stride:i * stride + (kh - 1) * dilation + 1:dilation,
                      j * stride:j * stride + (kw - 1) * dilation + 1:dilation, :]
            out[:, i, j, :] = np.tensordot(patch, f, axes=([1, 2, 3], [0, 1, 2]))
    return out.astype(x.dtype)


def _pool_reference(x, window, stride, padding, reduce):
    kh, kw = window
    pads = [_same_pads(x.shape[1], kh, stride, 1), _same_pads(x.shape[2], kw, stride, 1)] if padding == "SAME" \
        else [(0, 0), (0, 0)]
    padded = np.pad(x.astype(np.float64), [(0, 0), pads[0], pads[1], (0, 0)], constant_values=np.nan)
    oh = (padded.shape[1] - kh) // stride + 1
    ow = (padded.shape[2] - kw) // stride + 1
    out = np.zeros((x.shape[0], oh, ow, x.shape[3]))
    nan_reduce = {np.max: np.nanmax, np.mean: np.nanmean}[reduce]
    for i in range(oh):
        for j in range(ow):
            out[:, i, j, :] = nan_reduce(padded[:, i * stride:i * stride + kh, j * stride:j * stride + kw, :], axis=(1, 2))
    return out.astype(x.dtype)



