"""Neural-network ops. conv2d and pool2d are primitives (they lower to linalg's named convolution and pooling
ops); the activations, softmax family, losses and normalizations compose other ops, so they need no lowering of
their own and inherit eager == compiled from their parts."""
from __future__ import annotations

import math

import numpy as np

from ..core import bind, defgrad, defop
from ..errors import ShapeRuleError
from ..graph import TensorType
from ..tensor import constant, convert_to_tensor
from .common import FLOATING, check_dtype, check_same_dtype, fail, require_int_list
from .elementwise import exp, log, tanh
from .logic import where
from .math_ops import abs as _abs, erf, log1p, maximum, minimum, reciprocal, rsqrt, sigmoid, square
from .reductions import reduce_max, reduce_mean, reduce_sum
from .grad_helpers import via_composition

__all__ = ["relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "softplus", "silu", "swish", "softmax",
           "log_softmax", "sigmoid_cross_entropy_with_logits", "softmax_cross_entropy_with_logits",
           "sparse_softmax_cross_entropy_with_logits", "conv2d", "max_pool2d", "avg_pool2d", "bias_add",
           "l2_normalize", "moments", "batch_normalization", "sigmoid", "tanh"]


def relu(features, name=None):
    return maximum(features, 0)


def relu6(features, name=None):
    return minimum(maximum(features, 0), 6)


def leaky_relu(features, alpha=0.2, name=None):
    x = convert_to_tensor(features)
    return where(x > 0, x, x * alpha)


def elu(features, name=None):
    from .math_ops import expm1
    x = convert_to_tensor(features)
    return where(x > 0, x, expm1(minimum(x, 0)))


def selu(features, name=None):
    alpha, scale = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
    from .math_ops import expm1
    x = convert_to_tensor(features)
    return where(x > 0, x * scale, expm1(minimum(x, 0)) * (alpha * scale))


def gelu(features, approximate=False, name=None):
    """x * P(X <= x) for a standard normal X; approximate=True uses the tanh formula."""
    x = convert_to_tensor(features)
    if approximate:
        inner = (x + (x * x * x) * 0.044715) * math.sqrt(2 / math.pi)
        return x * 0.5 * (tanh(inner) + 1)
    return x * 0.5 * (erf(x * (1 / math.sqrt(2))) + 1)


def softplus(features, name=None):
    """log(1 + exp(x)), stable for large |x|: max(x, 0) + log1p(exp(-|x|))."""
    x = convert_to_tensor(features)
    return maximum(x, 0) + log1p(exp(-_abs(x)))


def silu(features, beta=1.0, name=None):
    x = convert_to_tensor(features)
    return x * sigmoid(x * beta) if beta != 1.0 else x * sigmoid(x)


swish = silu


def softmax(logits, axis=None, name=None):
    """exp(x) / sum(exp(x)) along `axis` (default last), with the maximum subtracted first for stability.

    Computed as TensorFlow's CPU kernel does, exp(x - max) * (1 / sum): one division per row instead of one per
    element (a vector division costs as much as the whole exp polynomial); within 1 ulp of the quotient."""
    x = convert_to_tensor(logits)
    axis = -1 if axis is None else axis
    e = exp(x - reduce_max(x, axis, keepdims=True))
    return e * reciprocal(reduce_sum(e, axis, keepdims=True))


def log_softmax(logits, axis=None, name=None):
    x = convert_to_tensor(logits)
    axis = -1 if axis is None else axis
    shifted = x - reduce_max(x, axis, keepdims=True)
    return shifted - log(reduce_sum(exp(shifted), axis, keepdims=True))


def sigmoid_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """max(x, 0) - x * z + log(1 + exp(-|x|)), TensorFlow's stable formula."""
    x, z = convert_to_tensor(logits), convert_to_tensor(labels)
    return maximum(x, 0) - x * z + log1p(exp(-_abs(x)))


def softmax_cross_entropy_with_logits(labels, logits, axis=-1, name=None):
    x, z = convert_to_tensor(logits), convert_to_tensor(labels)
    return -reduce_sum(z * log_softmax(x, axis), axis)


def sparse_softmax_cross_entropy_with_logits(labels=None, logits=None, name=None):
    from .creation import one_hot
    x = convert_to_tensor(logits)
    labels = convert_to_tensor(labels)
    if labels.is_symbolic is False:
        values = labels.numpy()
        if np.any((values < 0) | (values >= x.shape[-1])):
            fail("sparse_softmax_cross_entropy_with_logits",
                 f"Received a label value outside the valid range of [0, {x.shape[-1]})")
    return -reduce_sum(one_hot(labels, x.shape[-1], dtype=x.dtype) * log_softmax(x), -1)


def bias_add(value, bias, data_format=None, name=None):
    x, b = convert_to_tensor(value), convert_to_tensor(bias)
    if b.ndim != 1 or x.ndim < 2 or x.shape[-1] != b.shape[0]:
        fail("bias_add", f"bias must be a vector of size value.shape[-1] = {x.shape[-1]}, got shape {tuple(b.shape)}")
    return x + b


def l2_normalize(x, axis=None, epsilon=1e-12, name=None):
    x = convert_to_tensor(x)
    return x * rsqrt(maximum(reduce_sum(square(x), axis, keepdims=True), epsilon))


def moments(x, axes, shift=None, keepdims=False, name=None):
    """(mean, variance) over `axes`."""
    x = convert_to_tensor(x)
    mean = reduce_mean(x, axes, keepdims=True)
    variance = reduce_mean(square(x - mean), axes, keepdims=True)
    if not keepdims:
        from .array import squeeze
        axes = require_int_list("moments: axes", axes)
        mean, variance = squeeze(mean, axes), squeeze(variance, axes)
    return mean, variance


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    x = convert_to_tensor(x)
    mean, variance = (v if hasattr(v, "dtype") and not isinstance(v, float) else convert_to_tensor(v, dtype=x.dtype)
                      for v in (mean, variance))
    inv = rsqrt(variance + variance_epsilon)
    if scale is not None:
        inv = inv * scale
    return x * inv + ((offset - mean * inv) if offset is not None else -mean * inv)


# -------------------------------------------------------------------------------------- convolution and pooling
def _same_padding(size: int, window: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    effective = (window - 1) * dilation + 1
    out = -(-size // stride)
    total = max((out - 1) * stride + effective - size, 0)
    return total // 2, total - total // 2


def _pads(op_name, padding, spatial, window, strides, dilations) -> tuple[int, ...]:
    if isinstance(padding, str) and padding.upper() == "VALID":
        return (0, 0, 0, 0)
    if isinstance(padding, str) and padding.upper() == "SAME":
        return tuple(v for i in range(2) for v in _same_padding(spatial[i], window[i], strides[i], dilations[i]))
    fail(op_name, f"padding must be 'SAME' or 'VALID', got {padding!r}")


def _out_size(size, window, stride, dilation, before, after):
    return (size + before + after - ((window - 1) * dilation + 1)) // stride + 1


def _conv_rule(x: TensorType, f: TensorType, *, strides, dilations, pads) -> TensorType:
    check_same_dtype(("input", "filters"), (x, f))
    check_dtype("input", x, FLOATING)
    if x.rank != 4 or f.rank != 4:
        raise ShapeRuleError(f"expected input NHWC and filters HWIO of rank 4, got {x.shape} and {f.shape}")
    if x.shape[3] != f.shape[2]:
        raise ShapeRuleError(f"input has {x.shape[3]} channels but filters expect {f.shape[2]} (filters.shape[2])")
    h, w = (_out_size(x.shape[1 + i], f.shape[i], strides[i], dilations[i], pads[2 * i], pads[2 * i + 1])
            for i in range(2))
    if h < 1 or w < 1:
        raise ShapeRuleError(f"the filter window is larger than the (padded) input {x.shape}")
    return TensorType((x.shape[0], h, w, f.shape[3]), x.dtype)


def _conv_impl(x, f, *, strides, dilations, pads):
    x = np.pad(x, [(0, 0), (pads[0], pads[1]), (pads[2], pads[3]), (0, 0)])
    kh, kw = f.shape[:2]
    out_h = _out_size(x.shape[1], kh, strides[0], dilations[0], 0, 0)
    out_w = _out_size(x.shape[2], kw, strides[1], dilations[1], 0, 0)
    out = np.zeros((x.shape[0], out_h, out_w, f.shape[3]), dtype=np.float64)
    for i in range(kh):
        for j in range(kw):
            rows = slice(i * dilations[0], i * dilations[0] + (out_h - 1) * strides[0] + 1, strides[0])
            cols = slice(j * dilations[1], j * dilations[1] + (out_w - 1) * strides[1] + 1, strides[1])
            out += np.einsum("nhwc,co->nhwo", x[:, rows, cols, :].astype(np.float64), f[i, j].astype(np.float64))
    return out.astype(x.dtype)


_conv2d = defop("conv2d", infer=_conv_rule, impl=_conv_impl, num_inputs=2,
                attrs={"strides": "ints", "dilations": "ints", "pads": "ints"},
                sample_attrs={"strides": (1, 1), "dilations": (1, 1), "pads": (0, 0, 0, 0)},
                sample_types=lambda dtype: [TensorType((1, 3, 3, 2), dtype), TensorType((2, 2, 2, 1), dtype)],
                doc="2-D convolution, input NHWC and filters HWIO; `pads` are explicit (top, bottom, left, right).")


def _pair(op_name, what, value, rank4_ok=True):
    values = require_int_list(f"{op_name}: {what}", value)
    if len(values) == 1:
        return values * 2
    if len(values) == 4 and rank4_ok:
        return values[1:3]
    if len(values) == 2:
        return values
    fail(op_name, f"{what} must hold 1, 2 or 4 ints, got {values}")


def conv2d(input, filters, strides, padding, data_format="NHWC", dilations=None, name=None):  # noqa: A002
    """2-D convolution of NHWC `input` with HWIO `filters`; padding 'SAME' or 'VALID'."""
    x, f = convert_to_tensor(input), convert_to_tensor(filters)
    if data_format != "NHWC":
        fail("conv2d", f"data_format {data_format!r} is not supported; expected 'NHWC'")
    strides = _pair("conv2d", "strides", strides)
    dilations = _pair("conv2d", "dilations", 1 if dilations is None else dilations)
    if x.ndim != 4 or f.ndim != 4:
        fail("conv2d", f"expected input NHWC and filters HWIO of rank 4, got {tuple(x.shape)} and {tuple(f.shape)}")
    pads = _pads("conv2d", padding, x.shape[1:3], f.shape[:2], strides, dilations)
    return bind(_conv2d, x, f, strides=tuple(strides), dilations=tuple(dilations), pads=pads)


conv2d.op = _conv2d


def _conv2d_composed(x, f, *, strides, dilations, pads):
    """conv2d as a sum over filter taps of (strided window of the padded input) x (tap matrix): the same
    values from slice, pad and einsum, whose gradients are known."""
    from .array import _slice, pad
    from .linalg import einsum
    padded = pad(x, [[0, 0], [pads[0], pads[1]], [pads[2], pads[3]], [0, 0]])
    (kh, kw, cin, cout), n = f.shape, x.shape[0]
    oh, ow = (_out_size(padded.shape[1 + i], f.shape[i], strides[i], dilations[i], 0, 0) for i in range(2))
    out = None
    for i in range(kh):
        for j in range(kw):
            window = bind(_slice, padded, begin=(0, i * dilations[0], j * dilations[1], 0), size=(n, oh, ow, cin),
                          strides=(1, strides[0], strides[1], 1))
            tap = bind(_slice, f, begin=(i, j, 0, 0), size=(1, 1, cin, cout), strides=(1, 1, 1, 1))
            term = einsum("nhwc,ijco->nhwo", window, tap)
            out = term if out is None else out + term
    return out


defgrad(conv2d, lambda node, g: via_composition(_conv2d_composed, node, g))




def _pool_rule(x: TensorType, *, kind, ksize, strides, pads) -> TensorType:
    check_dtype("input", x, FLOATING)
    if x.rank != 4:
        raise ShapeRuleError(f"expected an NHWC input of rank 4, got shape {x.shape}")
    h, w = (_out_size(x.shape[1 + i], ksize[i], strides[i], 1, pads[2 * i], pads[2 * i + 1]) for i in range(2))
    if h < 1 or w < 1:
        raise ShapeRuleError(f"the pooling window {list(ksize)} is larger than the (padded) input {x.shape}")
    return TensorType((x.shape[0], h, w, x.shape[3]), x.dtype)


def _pool_impl(x, *, kind, ksize, strides, pads):
    fill = -np.inf if kind == "max" else 0
    x = np.pad(x, [(0, 0), (pads[0], pads[1]), (pads[2], pads[3]), (0, 0)], constant_values=fill)
    out_h = _out_size(x.shape[1], ksize[0], strides[0], 1, 0, 0)
    out_w = _out_size(x.shape[2], ksize[1], strides[1], 1, 0, 0)
    windows = [x[:, i:i + (out_h - 1) * strides[0] + 1:strides[0], j:j + (out_w - 1) * strides[1] + 1:strides[1], :]
               for i in range(ksize[0]) for j in range(ksize[1])]
    return np.max(windows, axis=0) if kind == "max" else np.sum(windows, axis=0, dtype=np.float32 if x.dtype == np.float16 else x.dtype).astype(x.dtype)


_pool2d = defop("pool2d", infer=_pool_rule, impl=_pool_impl, attrs={"kind": "str", "ksize": "ints", "strides": "ints",
                                                                    "pads": "ints"},
                sample_attrs={"kind": "max", "ksize": (2, 2), "strides": (1, 1), "pads": (0, 0, 0, 0)},
                sample_types=lambda dtype: [TensorType((1, 3, 3, 2), dtype)],
                doc="Max or sum over 2-D windows of an NHWC tensor; padding holds -inf (max) or 0 (sum).")


def _pool2d_composed(x, *, kind, ksize, strides, pads):
    """pool2d as the max (or sum) of its strided windows, each a slice of the padded input."""
    from .array import _slice, concat, pad
    from .reductions import reduce_max
    from .shape import reshape
    fill = float("-inf") if kind == "max" else 0.0
    padded = pad(x, [[0, 0], [pads[0], pads[1]], [pads[2], pads[3]], [0, 0]], constant_values=fill)
    n, c = x.shape[0], x.shape[3]
    oh, ow = (_out_size(padded.shape[1 + i], ksize[i], strides[i], 1, 0, 0) for i in range(2))
    windows = [bind(_slice, padded, begin=(0, i, j, 0), size=(n, oh, ow, c), strides=(1, strides[0], strides[1], 1))
               for i in range(ksize[0]) for j in range(ksize[1])]
    if kind != "max":
        return sum(windows[1:], windows[0])
    return reduce_max(concat([reshape(w, (1, n, oh, ow, c)) for w in windows], 0), axis=0)


defgrad(_pool2d, lambda node, g: via_composition(_pool2d_composed, node, g))




def _pool(kind, input, ksize, strides, padding, data_format):  # noqa: A002
    x = convert_to_tensor(input)
    op_name = f"{kind}_pool2d"
    if data_format != "NHWC":
        fail(op_name, f"data_format {data_format!r} is not supported; expected 'NHWC'")
    if x.ndim != 4:
        fail(op_name, f"expected an NHWC input of rank 4, got shape {tuple(x.shape)}")
    ksize, strides = _pair(op_name, "ksize", ksize), _pair(op_name, "strides", strides)
    pads = _pads(op_name, padding, x.shape[1:3], ksize, strides, (1, 1))
    pooled = bind(_pool2d, x, kind="max" if kind == "max" else "sum", ksize=tuple(ksize), strides=tuple(strides),
                  pads=pads)
    if kind == "max":
        return pooled
    # TensorFlow's average leaves the padding out of the count: divide by the number of real elements per window.
    ones = np.pad(np.ones(x.shape[1:3]), [(pads[0], pads[1]), (pads[2], pads[3])])
    counts = np.zeros(pooled.shape[1:3])
    for i in range(ksize[0]):
        for j in range(ksize[1]):
            counts += ones[i:i + (pooled.shape[1] - 1) * strides[0] + 1:strides[0],
                           j:j + (pooled.shape[2] - 1) * strides[1] + 1:strides[1]]
    return pooled / constant(counts.reshape(1, *counts.shape, 1).astype(x.dtype.np))


def max_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):  # noqa: A002
    return _pool("max", input, ksize, strides, padding, data_format)


def avg_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):  # noqa: A002
    return _pool("avg", input, ksize, strides, padding, data_format)


max_pool2d.op = avg_pool2d.op = _pool2d
