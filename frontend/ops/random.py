"""Stateless random numbers: the same bits eager and compiled.

A counter-based generator: element i of the result is a hash of (i, key), where the 32-bit key pair comes from
the user's seed. The hash uses only 32-bit wrapping multiply, xor and logical shift, so numpy (eager) and the
compiled lowering (arith ops on i32) compute identical bits. Uniform floats take as many high bits as the
mantissa holds and scale by a power of two, which is exact in both. These are not TensorFlow's Philox streams:
the numbers differ from TensorFlow's for the same seed (listed as a known gap).
"""
from __future__ import annotations

import numpy as np

from .. import dtypes as _dtypes
from ..core import NOT_DIFFERENTIABLE, bind, defgrad, defop
from ..graph import TensorType
from .common import fail, require_int_list

__all__ = ["stateless_uniform", "stateless_normal", "hash_bits", "UNIFORM_BITS"]

GOLDEN, MIX1, MIX2 = 0x9E3779B9, 0x85EBCA6B, 0xC2B2AE35
# Bits of the hash kept per uniform float (all exactly representable after scaling by 2**-bits).
UNIFORM_BITS = {"float16": 11, "bfloat16": 8, "float32": 24, "float64": 32}


def hash_bits(index: np.ndarray, key0: int, key1: int) -> np.ndarray:
    """The generator itself, on uint32 counters (the lowering emits the same steps)."""
    x = index.astype(np.uint32)
    with np.errstate(over="ignore"):
        for key in (key0, key1):
            x = (x * np.uint32(GOLDEN)) ^ np.uint32(key)
            x ^= x >> np.uint32(16)
            x = x * np.uint32(MIX1)
            x ^= x >> np.uint32(13)
            x = x * np.uint32(MIX2)
            x ^= x >> np.uint32(16)
    return x


def _uniform_rule(*, shape, key, dtype) -> TensorType:
    return TensorType(shape, _dtypes.as_dtype(dtype))


def _uniform_impl(*, shape, key, dtype):
    dtype = _dtypes.as_dtype(dtype)
    bits = hash_bits(np.arange(int(np.prod(shape, dtype=np.int64)), dtype=np.uint64), *key).reshape(shape)
    kept = UNIFORM_BITS[dtype.name]
    return ((bits >> np.uint32(32 - kept)).astype(dtype.np) * dtype.np.type(2.0 ** -kept)).astype(dtype.np)


_random_uniform = defop("random_uniform", infer=_uniform_rule, impl=_uniform_impl,
                        attrs={"shape": "shape", "key": "ints", "dtype": "dtype"}, num_inputs=0,
                        sample_attrs={"shape": (2, 2), "key": (1, 2)},
                        doc="Uniform floats in [0, 1) from a counter-based hash of (element index, key).")
defgrad(_random_uniform, NOT_DIFFERENTIABLE)


def _keys(seed, stream: int) -> tuple[int, int]:
    values = require_int_list("seed", seed)
    if len(values) != 2:
        fail("stateless_random", f"seed must be a pair of integers, got {values}")
    mixed = hash_bits(np.array([values[0] & 0xFFFFFFFF, values[1] & 0xFFFFFFFF, stream], dtype=np.uint64),
                      0x243F6A88, 0x85A308D3)
    return int(mixed[0] ^ mixed[2]), int(mixed[1])


def _unit_uniform(shape, seed, dtype, stream=0):
    dtype = _dtypes.as_dtype(dtype)
    if dtype.name not in UNIFORM_BITS:
        fail("stateless_random", f"dtype {dtype.name} is not supported; expected one of {', '.join(UNIFORM_BITS)}")
    return bind(_random_uniform, shape=tuple(require_int_list("shape", shape)), key=_keys(seed, stream), dtype=dtype)


def stateless_uniform(shape, seed, minval=0, maxval=None, dtype=_dtypes.float32, name=None, alg=None):
    """Uniform floats in [minval, maxval) (default [0, 1)); the same numbers for the same seed, eager or compiled."""
    u = _unit_uniform(shape, seed, dtype)
    maxval = 1 if maxval is None else maxval
    return u if (minval, maxval) == (0, 1) else u * (maxval - minval) + minval


def stateless_normal(shape, seed, mean=0.0, stddev=1.0, dtype=_dtypes.float32, name=None, alg=None):
    """Normal floats by the Box-Muller transform of two uniform streams."""
    from .elementwise import log, sqrt
    from .math_ops import cos

    u1 = _unit_uniform(shape, seed, dtype, stream=1)
    u2 = _unit_uniform(shape, seed, dtype, stream=2)
    z = sqrt(log(1 - u1) * -2.0) * cos(u2 * (2 * np.pi))
    return z if (mean, stddev) == (0.0, 1.0) else z * stddev + mean
