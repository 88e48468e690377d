"""Optional peer contenders for the W* benchmarks: TensorFlow (tf.function(jit_compile=True)), JAX (jax.jit),
PyTorch (torch.compile) and numba (njit(parallel=True) loops), each only when it is importable. None of them is a
tfc dependency: `./dev bench-peers` installs them into a separate environment (.bench-venv, the `bench` extra).

Each workload is written once against a small op namespace per framework, the same formula the numpy reference
and the tfc contender compute; numba gets explicit loops (its nopython mode has no keepdims reductions). Peers run
with their default thread pools (all cores), as tfc's default build does.
"""
from __future__ import annotations

import importlib.util
import os
from typing import Callable

import numpy as np


def w1(o, a, b):
    return o.exp((a + b) * b) + o.tanh(a) * 0.5


def w2(o, x):
    e = o.exp(x - o.row_max(x))
    return e / o.row_sum(e)


def w3(o, x, scale, shift):
    cols = x.shape[-1]
    mean = o.row_sum(x) * (1.0 / cols)
    centered = x - mean
    variance = o.row_sum(centered * centered) * (1.0 / cols)
    return centered / o.sqrt(variance + 1e-5) * scale + shift


def w8(o, x):
    return o.total(x)


def w4(o, a, b):
    return o.matmul(a, b)


def w5(o, x, w1, b1, w2, b2, w3, b3):
    h = o.relu(o.matmul(x, w1) + b1)
    h = o.relu(o.matmul(h, w2) + b2)
    logits = o.matmul(h, w3) + b3
    e = o.exp(logits - o.row_max(logits))
    return e / o.row_sum(e)


def w7(o, x, f, bias):
    return o.relu(o.conv2d_same(x, f) + bias)


WORKLOADS = {"w1": w1, "w2": w2, "w3": w3, "w8": w8, "w4": w4, "w5": w5, "w7": w7}


class _TensorFlow:
    def __init__(self):
        import tensorflow as tf
        self.tf, self.exp, self.tanh, self.sqrt = tf, tf.exp, tf.tanh, tf.sqrt
        self.matmul, self.relu = tf.matmul, tf.nn.relu

    def conv2d_same(self, x, f):
        return self.tf.nn.conv2d(x, f, 1, "SAME")

    def row_max(self, x):
        return self.tf.reduce_max(x, axis=-1, keepdims=True)

    def row_sum(self, x):
        return self.tf.reduce_sum(x, axis=-1, keepdims=True)

    def total(self, x):
        return self.tf.reduce_sum(x)

    def compile(self, fn, arrays):
        compiled = self.tf.function(lambda *a: fn(self, *a), jit_compile=True)
        tensors = [self.tf.constant(a) for a in arrays]
        return lambda: compiled(*tensors)  # eager results are computed when the call returns


class _Jax:
    def __init__(self):
        import jax
        import jax.numpy as jnp
        self.jax, self.jnp, self.exp, self.tanh, self.sqrt = jax, jnp, jnp.exp, jnp.tanh, jnp.sqrt
        self.matmul, self.relu = jnp.matmul, jax.nn.relu

    def conv2d_same(self, x, f):
        return self.jax.lax.conv_general_dilated(x, f, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))

    def row_max(self, x):
        return self.jnp.max(x, axis=-1, keepdims=True)

    def row_sum(self, x):
        return self.jnp.sum(x, axis=-1, keepdims=True)

    def total(self, x):
        return self.jnp.sum(x)

    def compile(self, fn, arrays):
        compiled = self.jax.jit(lambda *a: fn(self, *a))
        tensors = [self.jax.device_put(a) for a in arrays]
        return lambda: compiled(*tensors).block_until_ready()


class _Torch:
    def __init__(self):
        import torch
        self.torch, self.exp, self.tanh, self.sqrt = torch, torch.exp, torch.tanh, torch.sqrt
        self.matmul, self.relu = torch.matmul, torch.relu

    def conv2d_same(self, x, f):  # NHWC data, HWIO filters; torch computes NCHW x OIHW (channels-last inside)
        y = self.torch.nn.functional.conv2d(x.permute(0, 3, 1, 2), f.permute(3, 2, 0, 1), padding="same")
        return y.permute(0, 2, 3, 1)

    def row_max(self, x):
        return self.torch.amax(x, dim=-1, keepdim=True)

    def row_sum(self, x):
        return self.torch.sum(x, dim=-1, keepdim=True)

    def total(self, x):
        return self.torch.sum(x)

    def compile(self, fn, arrays):
        compiled = self.torch.compile(lambda *a: fn(self, *a))
        tensors = [self.torch.from_numpy(a) for a in arrays]
        return lambda: compiled(*tensors)


def _numba_kernels():
    import numba

    @numba.njit(parallel=True)
    def nb_w1(a, b):
        out = np.empty_like(a)
        for i in numba.prange(a.size):
            out[i] = np.exp((a[i] + b[i]) * b[i]) + np.tanh(a[i]) * np.float32(0.5)
        return out

    @numba.njit(parallel=True)
    def nb_w2(x):
        out = np.empty_like(x)
        for r in numba.prange(x.shape[0]):
            row = x[r]
            e = np.exp(row - row.max())
            out[r] = e / e.sum()
        return out

    @numba.njit(parallel=True)
    def nb_w3(x, scale, shift):
        out = np.empty_like(x)
        cols = x.shape[1]
        for r in numba.prange(x.shape[0]):
            row = x[r]
            centered = row - row.sum() * np.float32(1.0 / cols)
            variance = (centered * centered).sum() * np.float32(1.0 / cols)
            out[r] = centered / np.sqrt(variance + np.float32(1e-5)) * scale + shift
        return out

    @numba.njit(parallel=True)
    def nb_w8(x):
        total = np.float32(0.0)
        for i in numba.prange(x.size):
            total += x[i]
        return total

    return {"w1": nb_w1, "w2": nb_w2, "w3": nb_w3, "w8": nb_w8}


class _Numba:
    def __init__(self):
        self.kernels = _numba_kernels()

    def compile(self, fn, arrays):
        if fn.__name__ not in self.kernels:  # matmul, MLP, conv: numba calls the same BLAS as numpy
            raise NotImplementedError(f"no numba version of {fn.__name__}")
        kernel = self.kernels[fn.__name__]
        return lambda: kernel(*arrays)


# contender name -> (module that must be importable, adapter)
_PEERS = {"tf (XLA jit)": ("tensorflow", _TensorFlow), "jax.jit": ("jax", _Jax),
          "torch.compile": ("torch", _Torch), "numba": ("numba", _Numba)}


def selected() -> list[str]:
    """The peers to time: BENCH_PEERS (comma-separated module names: tensorflow,jax,torch,numba; empty: none),
    else every importable one. Each framework keeps its own thread pool spinning after its calls, so timing
    several in one process makes them slow each other (and tfc's OpenMP threads): `./dev bench-peers` runs one
    peer per process."""
    wanted = os.environ.get("BENCH_PEERS")
    names = [m for m, _ in _PEERS.values()] if wanted is None else [w.strip() for w in wanted.split(",") if w.strip()]
    return [m for m in names if importlib.util.find_spec(m) is not None]


def contenders(workload: str, *arrays: np.ndarray, reference=None, rtol: float = 1e-5,
               atol: float = 1e-6) -> dict[str, Callable[[], object]]:
    """{peer name: call} for every selected peer, each checked against `reference` (numpy's result) before it
    may be timed; a peer that fails to build or disagrees is reported and left out."""
    found = {}
    chosen = selected()
    for name, (module, adapter) in _PEERS.items():
        if module not in chosen:
            continue
        try:
            call = adapter().compile(WORKLOADS[workload], arrays)
            got = np.asarray(call())
        except Exception as error:  # noqa: BLE001  (a peer's own failure must not stop the benchmark)
            print(f"  {name}: skipped ({type(error).__name__}: {str(error).splitlines()[0][:120]})")
            continue
        if reference is not None and not np.allclose(got, reference, rtol=rtol, atol=atol):
            print(f"  {name}: skipped (disagrees with numpy, max abs error {np.max(np.abs(got - reference)):.3g})")
            continue
        found[name] = call
    return found
