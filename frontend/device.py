"""GPU placement: device-resident tensors and `tfc.device("GPU:0")` scopes, TensorFlow's spelling.

- A `tfc.function(target="cuda")`, or any `tfc.function` called inside `with tfc.device("GPU:0"):`, runs its
  compiled kernels on the GPU. Its results are device-resident (`t.device` names the GPU) and stay there when
  passed to the next CUDA function; `t.numpy()` (and every eager op on them) copies back once, then caches.
- `t.gpu()` / `tfc.to_device(t, "GPU:0")` copy a tensor to the GPU; `t.cpu()` back.
- Eager ops themselves still run on the CPU (numpy) wherever the scope says: only compiled functions use the GPU.

A DeviceTensor wraps a `tfc.runtime.cuda.DeviceArray` (pointer, shape, dtype, owning device).
"""
from __future__ import annotations

import contextlib
import threading

import numpy as np

from . import errors
from .graph import TensorType
from .tensor import Tensor

__all__ = ["device", "DeviceTensor", "to_device", "current_target", "CPU_DEVICE"]

CPU_DEVICE = "/job:localhost/replica:0/task:0/device:CPU:0"


class _Scope(threading.local):
    target = None  # a class default: a missing thread-local attribute costs ~0.5 us per lookup (core._ThreadState)


_SCOPE = _Scope()
_HOST_SLOT = Tensor._value  # the slot descriptor DeviceTensor's host cache lives in


class DeviceTensor(Tensor):
    """An eager tensor whose value lives in GPU memory; the host copy is made on first use and cached."""

    __slots__ = ("_device_array",)

    @classmethod
    def _from_device_array(cls, array, type: TensorType | None = None) -> "DeviceTensor":
        from . import dtypes
        tensor = object.__new__(cls)
        _HOST_SLOT.__set__(tensor, None)
        tensor._symbol = None
        tensor._device_array = array
        tensor.type = type or TensorType(array.shape, dtypes.as_dtype(array.dtype))
        return tensor

    @property
    def _value(self) -> np.ndarray:
        host = _HOST_SLOT.__get__(self)
        if host is None:
            host = self._device_array.numpy()
            _HOST_SLOT.__set__(self, host)
        return host

    @_value.setter
    def _value(self, array) -> None:
        _HOST_SLOT.__set__(self, array)

    @property
    def device(self) -> str:
        return self._device_array.device.name


def _parse(name: str) -> tuple[str, int]:
    """("gpu" | "cpu", ordinal) from "GPU:0", "/device:GPU:1", "cuda", "cpu" ..."""
    text = name.lower().rsplit("device:", 1)[-1].strip("/")
    kind, _, ordinal = text.partition(":")
    if kind in ("gpu", "cuda") and (ordinal or "0").isdigit():
        return "gpu", int(ordinal or 0)
    if kind == "cpu" and (ordinal or "0").isdigit():
        return "cpu", int(ordinal or 0)
    raise errors.TfcValueError(f"unknown device {name!r}; expected 'CPU:0' or 'GPU:<n>'",
                               location=errors.user_location())


@contextlib.contextmanager
def device(name: str):
    """`with tfc.device("GPU:0"):` — tfc.functions called inside compile for and run on that GPU."""
    kind, _ = _parse(name)
    previous = _SCOPE.target
    _SCOPE.target = "cuda" if kind == "gpu" else "cpu"
    try:
        yield
    finally:
        _SCOPE.target = previous


def current_target() -> str | None:
    """"cuda" or "cpu" inside a `tfc.device` scope, else None."""
    return _SCOPE.target


def to_device(tensor, name: str = "GPU:0") -> Tensor:
    """A copy of `tensor` on `name` ("GPU:0" or "CPU:0"); the same tensor when it is already there."""
    from tfc.runtime import cuda

    from .tensor import convert_to_tensor
    kind, ordinal = _parse(name)
    tensor = convert_to_tensor(tensor)
    tensor._require_eager(f"moving a tensor to {name}")
    if kind == "cpu":
        return Tensor._from_numpy(np.array(tensor._value), tensor.type) if isinstance(tensor, DeviceTensor) \
            else tensor
    if isinstance(tensor, DeviceTensor) and tensor._device_array.device.ordinal == ordinal:
        return tensor
    array = cuda.DeviceArray.from_numpy(np.asarray(tensor._value, tensor.dtype.np), cuda.device(ordinal))
    return DeviceTensor._from_device_array(array, tensor.type)


def call_cuda(concrete, values: list):
    """Runs a ConcreteFunction's CUDA build: device tensors pass their pointer, others are copied in."""
    from . import nest
    if concrete._specializations is not None:  # traced for any rank: the specialization for these ranks
        concrete = concrete._specializations.for_shapes([tuple(np.shape(v)) for v in values], exact_only=True)
    if concrete._cuda_module is None:
        from tfc.passes import gpu
        artifact = gpu.compile_cuda(concrete.graph, concrete.name, concrete.arg_names)
        concrete._cuda_artifact, concrete._cuda_module = artifact, artifact.load()
    arguments = []
    for index, value in enumerate(values):
        if isinstance(value, DeviceTensor):
            arguments.append(value._device_array)
        else:
            arguments.append(concrete._check(index, value))
    executable = concrete._cuda_module.entries[concrete._cuda_artifact.name]
    outputs = executable(*arguments) if concrete.graph.outputs else []
    _raise_failed_checks(concrete.graph.output_checks, outputs)
    tensors = iter(DeviceTensor._from_device_array(array, value.type)
                   for array, value in zip(outputs, concrete.graph.outputs))
    leaves = nest.flatten(concrete._output_template)
    return nest.pack_sequence_as(concrete._output_template, [next(tensors) if is_tensor else leaf
                                                              for leaf, is_tensor in
                                                              zip(leaves, concrete._output_is_tensor)])


def _raise_failed_checks(output_checks, outputs) -> None:
    """The CPU loader's run-time checks (frontend/checks.py), for a CUDA call: each check is a bool scalar result
    copied back (one byte each, only for functions that have checks)."""
    from .errors import InvalidArgumentError, Location

    for index, message, location in output_checks:
        if not bool(outputs[index].numpy()):
            raise InvalidArgumentError(message, location=location if isinstance(location, Location) else None)
