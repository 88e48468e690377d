"""Runs tfc's CUDA artifacts: ctypes over libcuda.so.1, driven by the compiler's JSON launch plan.

Nothing here compiles or imports the compiler: PTX/cubin + plan in, launches out. One primary context and one
stream per device; every driver call is checked and fails with the CUDA error name. Per compiled function, one
arena (temporaries + staging slots for numpy inputs, offsets fixed at compile time) is allocated on the first
call; outputs are fresh device allocations returned as `DeviceArray`s, so they stay on the GPU between calls.
Kernel parameter arrays (`void*[]`) are built once; a call only rewrites the pointer slots of its inputs/outputs.

Tests run all of this against `tfc.runtime.fake_cuda.FakeDriver` (`use_driver(FakeDriver())`).
"""
from __future__ import annotations

import ctypes
import json
import os
import threading

import numpy as np

from . import abi
from .errors import SignatureMismatchError, TfcError, caller_location

__all__ = ["CudaError", "Device", "DeviceArray", "CudaModule", "CudaExecutable", "load", "device", "use_driver",
           "is_available"]

_u64, _int, _size, _ptr = ctypes.c_uint64, ctypes.c_int, ctypes.c_size_t, ctypes.c_void_p
# The driver functions tfc uses, with their argument types (CUdeviceptr is a 64-bit integer).
SIGNATURES = {
    "cuInit": [ctypes.c_uint],
    "cuDeviceGet": [ctypes.POINTER(_int), _int],
    "cuDeviceGetAttribute": [ctypes.POINTER(_int), _int, _int],
    "cuDeviceGetName": [ctypes.c_char_p, _int, _int],
    "cuDevicePrimaryCtxRetain": [ctypes.POINTER(_ptr), _int],
    "cuCtxSetCurrent": [_ptr],
    "cuStreamCreate": [ctypes.POINTER(_ptr), ctypes.c_uint],
    "cuStreamSynchronize": [_ptr],
    "cuModuleLoadData": [ctypes.POINTER(_ptr), ctypes.c_char_p],
    "cuModuleGetFunction": [ctypes.POINTER(_ptr), _ptr, ctypes.c_char_p],
    "cuMemAlloc_v2": [ctypes.POINTER(_u64), _size],
    "cuMemFree_v2": [_u64],
    "cuMemcpyHtoD_v2": [_u64, _ptr, _size],
    "cuMemcpyDtoH_v2": [_ptr, _u64, _size],
    "cuMemcpyDtoDAsync_v2": [_u64, _u64, _size, _ptr],
    "cuLaunchKernel": [_ptr, ctypes.c_uint, ctypes.c_uint, ctypes.c_uint, ctypes.c_uint, ctypes.c_uint,
                       ctypes.c_uint, ctypes.c_uint, _ptr, _ptr, _ptr],
    "cuGetErrorName": [_int, ctypes.POINTER(ctypes.c_char_p)],
}
COMPUTE_CAPABILITY_MAJOR, COMPUTE_CAPABILITY_MINOR = 75, 76  # CUdevice_attribute values


class CudaError(TfcError):
    """A CUDA driver call failed (or no driver is available). `code` is the CUresult, `name` its CUDA name."""

    def __init__(self, message: str, *, code: int | None = None, name: str | None = None):
        self.code, self.name = code, name
        super().__init__(message)


class Driver:
    """Checked calls into libcuda.so.1, or into any object with the same functions (the fake driver)."""

    def __init__(self, library):
        self.library = library
        self._functions = {}
        for name, argtypes in SIGNATURES.items():
            function = getattr(library, name)
            if isinstance(library, ctypes.CDLL):
                function.argtypes, function.restype = argtypes, _int
            self._functions[name] = function

    def __call__(self, name: str, *args) -> None:
        code = self._functions[name](*args)
        if code:
            raise CudaError(f"{name} failed: {self.error_name(code)} ({code})", code=code, name=self.error_name(code))

    def error_name(self, code: int) -> str:
        text = ctypes.c_char_p()
        if self._functions["cuGetErrorName"](code, ctypes.byref(text)) or not text.value:
            return "CUDA_ERROR_UNKNOWN"
        return text.value.decode()


_DRIVER: Driver | None = None
_DEVICES: dict[int, "Device"] = {}
_LOCK = threading.Lock()


def use_driver(library) -> Driver:
    """Makes `library` (a ctypes CDLL of libcuda, or a FakeDriver) the driver; forgets devices made before."""
    global _DRIVER
    with _LOCK:
        _DRIVER = Driver(library)
        _DEVICES.clear()
    return _DRIVER


def driver() -> Driver:
    global _DRIVER
    with _LOCK:
        if _DRIVER is None:
            try:
                library = ctypes.CDLL(os.environ.get("TFC_LIBCUDA", "libcuda.so.1"))
            except OSError as error:
                raise CudaError(f"cannot load the CUDA driver (libcuda.so.1): {error}; CUDA functions need an "
                                "NVIDIA driver (compiling for CUDA does not)") from None
            _DRIVER = Driver(library)
        return _DRIVER


def is_available() -> bool:
    """True when a CUDA driver loads and initializes (a real GPU or the installed fake)."""
    try:
        device(0)
        return True
    except CudaError:
        return False


def device(ordinal: int = 0) -> "Device":
    with _LOCK:
        existing = _DEVICES.get(ordinal)
    if existing is not None:
        return existing
    made = Device(driver(), ordinal)
    with _LOCK:
        return _DEVICES.setdefault(ordinal, made)


class Device:
    """One GPU: its primary context and tfc's one stream on it."""

    def __init__(self, drv: Driver, ordinal: int):
        self.driver, self.ordinal = drv, ordinal
        drv("cuInit", 0)
        handle = _int()
        drv("cuDeviceGet", ctypes.byref(handle), ordinal)
        self.handle = handle.value
        major, minor = _int(), _int()
        drv("cuDeviceGetAttribute", ctypes.byref(major), COMPUTE_CAPABILITY_MAJOR, self.handle)
        drv("cuDeviceGetAttribute", ctypes.byref(minor), COMPUTE_CAPABILITY_MINOR, self.handle)
        self.compute_capability = (major.value, minor.value)
        self.context = _ptr()
        drv("cuDevicePrimaryCtxRetain", ctypes.byref(self.context), self.handle)
        drv("cuCtxSetCurrent", self.context)
        self.stream = _ptr()
        # A blocking stream: the synchronous memcpys (legacy default stream) wait for its kernels.
        drv("cuStreamCreate", ctypes.byref(self.stream), 0)

    @property
    def name(self) -> str:
        return f"/job:localhost/replica:0/task:0/device:GPU:{self.ordinal}"

    @property
    def product_name(self) -> str:
        """The driver's name for the GPU, e.g. "NVIDIA H100 80GB HBM3" (bench/bench_gpu.py picks its
        bandwidth by it)."""
        text = ctypes.create_string_buffer(256)
        self.driver("cuDeviceGetName", text, len(text), self.handle)
        return text.value.decode(errors="replace")

    def allocate(self, nbytes: int) -> int:
        if nbytes == 0:
            return 0
        pointer = _u64()
        self.driver("cuMemAlloc_v2", ctypes.byref(pointer), nbytes)
        return pointer.value

    def free(self, pointer: int) -> None:
        if pointer:
            self.driver("cuMemFree_v2", pointer)

    def copy_in(self, pointer: int, array: np.ndarray) -> None:
        if array.nbytes:
            self.driver("cuMemcpyHtoD_v2", pointer, array.ctypes.data, array.nbytes)

    def copy_out(self, array: np.ndarray, pointer: int) -> None:
        if array.nbytes:
            self.synchronize()
            self.driver("cuMemcpyDtoH_v2", array.ctypes.data, pointer, array.nbytes)

    def synchronize(self) -> None:
        self.driver("cuStreamSynchronize", self.stream)

    def load_module(self, image: bytes) -> int:
        module = _ptr()
        self.driver("cuModuleLoadData", ctypes.byref(module), image)
        return module.value

    def function(self, module: int, name: str) -> int:
        handle = _ptr()
        self.driver("cuModuleGetFunction", ctypes.byref(handle), module, name.encode())
        return handle.value


class DeviceArray:
    """A dense array in GPU memory: pointer, shape, dtype, and the device that owns (and frees) it."""

    __slots__ = ("pointer", "shape", "dtype", "device", "_owned", "__weakref__")

    def __init__(self, pointer: int, shape, dtype, dev: Device, owned: bool = True):
        self.pointer, self.shape, self.dtype, self.device = pointer, tuple(shape), np.dtype(dtype), dev
        self._owned = owned

    @classmethod
    def empty(cls, shape, dtype, dev: Device | None = None) -> "DeviceArray":
        dev = dev or device()
        nbytes = int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
        return cls(dev.allocate(nbytes), shape, dtype, dev)

    @classmethod
    def from_numpy(cls, array, dev: Device | None = None) -> "DeviceArray":
        array = np.ascontiguousarray(array)
        result = cls.empty(array.shape, array.dtype, dev)
        result.device.copy_in(result.pointer, array)
        return result

    @property
    def nbytes(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) * self.dtype.itemsize

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def numpy(self) -> np.ndarray:
        """A host copy (waits for the kernels writing this array)."""
        array = np.empty(self.shape, self.dtype)
        self.device.copy_out(array, self.pointer)
        return array

    def __del__(self):
        if getattr(self, "_owned", False) and self.pointer:
            try:
                self.device.free(self.pointer)
            except Exception:  # interpreter shutdown, or the driver was replaced (tests): nothing to do
                pass

    def __repr__(self) -> str:
        return f"DeviceArray(shape={self.shape}, dtype={self.dtype.name}, device={self.device.name})"


class _Launch:
    """One plan step with its prebuilt `void*[]`: one 8-byte slot per argument, pointed to by the array."""

    def __init__(self, step: dict, function: int):
        self.step, self.function = step, function
        self.grid, self.block = step["grid"], step["block"]
        self.shared = step.get("shared_bytes", 0)
        self.slots = [ctypes.c_uint64(0) if "buffer" in a else ctypes.c_int64(a["index"]) for a in step["args"]]
        self.params = (ctypes.c_void_p * len(self.slots))(*[ctypes.addressof(s) for s in self.slots]) \
            if self.slots else None


class CudaExecutable:
    """One compiled CUDA function: call it with numpy arrays or DeviceArrays; returns DeviceArrays."""

    def __init__(self, entry: dict, plan: dict, image_for):
        self.name, self.entry, self.plan, self._image_for = entry["name"], entry, plan, image_for
        self.args, self.results = entry["args"], entry["results"]
        self._buffers = {b["name"]: b for b in plan["buffers"]}
        self._inputs = [b for b in plan["buffers"] if b["kind"] == "input"]
        self._outputs = [b for b in plan["buffers"] if b["kind"] == "output"]
        self._device = None
        self._launches: list[_Launch] = []
        self.arena = 0

    def _prepare(self) -> None:
        """First call: load the module, allocate the arena, build every launch's parameter array."""
        dev = self._device = device()
        module = dev.load_module(self._image_for(dev))
        self.arena = dev.allocate(self.plan["arena_bytes"])
        self._pointers = {b["name"]: self.arena + b["offset"] for b in self.plan["buffers"] if b["kind"] == "temp"}
        functions = {}
        self._slots: dict[str, list] = {}  # input/output buffer -> the parameter slots holding its pointer
        for step in self.plan["steps"]:
            if step["op"] == "copy":
                self._launches.append(step)
                continue
            if step["kernel"] not in functions:
                functions[step["kernel"]] = dev.function(module, step["kernel"])
            launch = _Launch(step, functions[step["kernel"]])
            for arg, slot in zip(step["args"], launch.slots):
                if "buffer" in arg:
                    name = arg["buffer"]
                    if name in self._pointers:
                        slot.value = self._pointers[name]
                    else:
                        self._slots.setdefault(name, []).append(slot)
            self._launches.append(launch)

    def __call__(self, *values) -> list[DeviceArray]:
        if len(values) != len(self._inputs):
            names = ", ".join(a["name"] for a in self.args)
            raise SignatureMismatchError(f"{self.name}() takes {len(self._inputs)} tensor argument(s) ({names}), "
                                         f"got {len(values)}", location=caller_location())
        if self._device is None:
            self._prepare()
        dev, pointers = self._device, {}
        keep_alive = []
        for buffer, spec, value in zip(self._inputs, self.args, values):
            pointers[buffer["name"]] = self._input_pointer(buffer, spec, value, keep_alive)
        outputs = [DeviceArray.empty(b["shape"], abi.numpy_dtype(b["dtype"]), dev) for b in self._outputs]
        for buffer, array in zip(self._outputs, outputs):
            pointers[buffer["name"]] = array.pointer
        for name, slots in self._slots.items():
            for slot in slots:
                slot.value = pointers[name]
        for launch in self._launches:
            if isinstance(launch, dict):  # a copy step
                src = pointers.get(launch["src"], self._pointers.get(launch["src"]))
                dst = pointers.get(launch["dst"], self._pointers.get(launch["dst"]))
                dev.driver("cuMemcpyDtoDAsync_v2", dst, src, launch["bytes"], dev.stream)
                continue
            (gx, gy, gz), (bx, by, bz) = launch.grid, launch.block
            dev.driver("cuLaunchKernel", launch.function, gx, gy, gz, bx, by, bz, launch.shared, dev.stream,
                       launch.params, None)
        return outputs

    def _input_pointer(self, buffer: dict, spec: dict, value, keep_alive: list) -> int:
        shape, dtype = tuple(buffer["shape"]), abi.numpy_dtype(buffer["dtype"])
        if isinstance(value, DeviceArray):
            if value.device is not self._device:
                raise SignatureMismatchError(f"{self.name}(): argument {spec['name']!r} lives on {value.device.name},"
                                             f" expected {self._device.name}", location=caller_location())
            array_shape, array_dtype = value.shape, value.dtype
        else:
            value = np.asarray(value)
            array_shape, array_dtype = value.shape, value.dtype
        if array_dtype != dtype:
            raise SignatureMismatchError(f"{self.name}(): argument {spec['name']!r} has dtype {array_dtype.name}, "
                                         f"expected {dtype.name}", location=caller_location())
        if tuple(array_shape) != shape:
            raise SignatureMismatchError(f"{self.name}(): argument {spec['name']!r} has shape {tuple(array_shape)}, "
                                         f"expected {shape}", location=caller_location())
        if isinstance(value, DeviceArray):
            return value.pointer
        host = np.ascontiguousarray(value)
        keep_alive.append(host)
        pointer = self.arena + buffer["offset"]
        self._device.copy_in(pointer, host)  # the staging slot planned for this input
        return pointer

    def __repr__(self) -> str:
        return f"<tfc CUDA {self.name}: {sum(isinstance(s, _Launch) for s in self._launches) or '?'} launch(es)>"


class CudaModule:
    """A loaded CUDA artifact: one attribute per entry point, plus the manifest and the plan."""

    def __init__(self, manifest: dict, ptx: str, cubin: bytes | None, plan: dict):
        self.manifest, self.ptx, self.cubin, self.plan = manifest, ptx, cubin, plan
        self.entries = {e["name"]: CudaExecutable(e, plan, self.image_for) for e in manifest["entries"]}

    def image_for(self, dev: Device) -> bytes:
        """The cubin when it was built for this GPU, else NUL-terminated PTX (JIT-compiled by the driver)."""
        major, minor = dev.compute_capability
        if self.cubin is not None and self.manifest.get("target", {}).get("cpu") == f"sm_{major}{minor}":
            return self.cubin
        return self.ptx.encode() + b"\0"

    def __getattr__(self, name: str) -> CudaExecutable:
        entries = self.__dict__.get("entries", {})
        if name in entries:
            return entries[name]
        raise AttributeError(f"compiled module has no entry {name!r}; it has: {', '.join(entries) or 'none'}")


def load(path: str) -> CudaModule:
    """Loads a saved CUDA artifact: the manifest NAME.json (or its folder) beside NAME.ptx/.cubin/.plan.json."""
    if os.path.isdir(path):
        path = os.path.join(path, "manifest.json")
    folder = os.path.dirname(os.path.abspath(path))
    with open(path) as f:
        manifest = json.load(f)
    if manifest.get("target", {}).get("kind") != "cuda":
        raise TfcError(f"{path} is not a CUDA artifact (target {manifest.get('target', {}).get('kind')!r})")
    with open(os.path.join(folder, manifest["library"])) as f:
        ptx = f.read()
    with open(os.path.join(folder, manifest["plan"])) as f:
        plan = json.load(f)
    cubin = None
    if manifest.get("cubin"):
        with open(os.path.join(folder, manifest["cubin"]), "rb") as f:
            cubin = f.read()
    return CudaModule(manifest, ptx, cubin, plan)
