"""A stand-in for libcuda.so.1, so CI without a GPU tests the runtime's whole call sequence.

It takes exactly the arguments ctypes would hand the real driver (byref pointers, ints, char*), records every
call in `calls`, backs "device memory" with host buffers (so memcpys really copy bytes and a DeviceArray
round-trips), and checks what a real driver would reject: unknown pointers, out-of-bounds copies, launches of
unloaded functions, grids or blocks beyond the hardware limits. Kernels do nothing unless the test registers an
emulation in `kernels` (name -> fn(fake, grid, block, argument values)).

    from tfc.runtime import cuda, fake_cuda
    fake = fake_cuda.FakeDriver()
    cuda.use_driver(fake)
"""
from __future__ import annotations

import ctypes
import re

ERRORS = {1: "CUDA_ERROR_INVALID_VALUE", 2: "CUDA_ERROR_OUT_OF_MEMORY", 100: "CUDA_ERROR_NO_DEVICE",
          200: "CUDA_ERROR_INVALID_IMAGE", 400: "CUDA_ERROR_INVALID_HANDLE", 500: "CUDA_ERROR_NOT_FOUND",
          701: "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES", 999: "CUDA_ERROR_UNKNOWN"}
MAX_BLOCK_THREADS = 1024
MAX_GRID = (2**31 - 1, 65535, 65535)


class FakeDriver:
    """Records calls and emulates memory. `fail[name] = code` makes the next call of `name` return `code`."""

    def __init__(self, compute_capability=(9, 0)):
        self.calls: list[tuple] = []
        self.memory: dict[int, ctypes.Array] = {}   # device pointer -> backing host buffer
        self.modules: dict[int, dict[str, int]] = {}
        self.functions: dict[int, str] = {}
        self.kernels: dict = {}
        self.fail: dict[str, int] = {}
        self.compute_capability = compute_capability
        self._handles = 0x1000

    # ------------------------------------------------------------------------------------------------ helpers
    def _handle(self) -> int:
        self._handles += 0x10
        return self._handles

    def _record(self, name: str, *args) -> int:
        self.calls.append((name, *args))
        return self.fail.pop(name, 0)

    def names(self) -> list[str]:
        return [c[0] for c in self.calls]

    def _region(self, pointer: int, nbytes: int) -> bool:
        """True when [pointer, pointer + nbytes) lies inside one allocation."""
        for base, buffer in self.memory.items():
            if base <= pointer and pointer + nbytes <= base + ctypes.sizeof(buffer):
                return True
        return False

    def read(self, pointer: int, nbytes: int) -> bytes:
        assert self._region(pointer, nbytes), f"read of {nbytes} bytes at {pointer:#x} outside any allocation"
        return ctypes.string_at(pointer, nbytes)

    # --------------------------------------------------------------------------------------- driver functions
    def cuGetErrorName(self, code, name_pointer) -> int:
        name_pointer._obj.value = ERRORS.get(code, "CUDA_ERROR_UNKNOWN").encode()
        return 0

    def cuInit(self, flags) -> int:
        return self._record("cuInit", flags)

    def cuDeviceGet(self, device_pointer, ordinal) -> int:
        code = self._record("cuDeviceGet", ordinal)
        if not code and ordinal != 0:
            return 100
        device_pointer._obj.value = ordinal
        return code

    def cuDeviceGetAttribute(self, value_pointer, attribute, device) -> int:
        value_pointer._obj.value = {75: self.compute_capability[0], 76: self.compute_capability[1]}.get(attribute, 0)
        return self._record("cuDeviceGetAttribute", attribute, device)

    def cuDeviceGetName(self, text, length, device) -> int:
        ctypes.memmove(text, b"tfc fake CUDA device\0", min(length, 21))
        return self._record("cuDeviceGetName", device)

    def cuDevicePrimaryCtxRetain(self, context_pointer, device) -> int:
        context_pointer._obj.value = self._handle()
        return self._record("cuDevicePrimaryCtxRetain", device)

    def cuCtxSetCurrent(self, context) -> int:
        return self._record("cuCtxSetCurrent", context.value if hasattr(context, "value") else context)

    def cuStreamCreate(self, stream_pointer, flags) -> int:
        stream_pointer._obj.value = self._handle()
        return self._record("cuStreamCreate", flags)

    def cuStreamSynchronize(self, stream) -> int:
        return self._record("cuStreamSynchronize")

    def cuModuleLoadData(self, module_pointer, image: bytes) -> int:
        code = self._record("cuModuleLoadData", image[:8])
        if code:
            return code
        if image.startswith(b"\x7fELF"):  # a cubin: ELF
            names = re.findall(rb"\.text\.([\w$]+)", image)
        elif image.endswith(b"\0"):     # PTX must be NUL-terminated
            names = re.findall(rb"\.entry\s+([\w$]+)", image)
        else:
            return 200
        handle = self._handle()
        self.modules[handle] = {n.decode(): 0 for n in names}
        module_pointer._obj.value = handle
        return 0

    def cuModuleGetFunction(self, function_pointer, module, name: bytes) -> int:
        code = self._record("cuModuleGetFunction", name.decode())
        module = module.value if hasattr(module, "value") else module
        if code or name.decode() not in self.modules.get(module, {}):
            return code or 500
        handle = self._handle()
        self.functions[handle] = name.decode()
        function_pointer._obj.value = handle
        return 0

    def cuMemAlloc_v2(self, pointer_pointer, nbytes) -> int:
        code = self._record("cuMemAlloc_v2", nbytes)
        if code:
            return code
        buffer = (ctypes.c_char * nbytes)()
        address = ctypes.addressof(buffer)
        self.memory[address] = buffer
        pointer_pointer._obj.value = address
        return 0

    def cuMemFree_v2(self, pointer) -> int:
        code = self._record("cuMemFree_v2", pointer)
        return code or (0 if self.memory.pop(pointer, None) is not None else 1)

    def cuMemcpyHtoD_v2(self, destination, source, nbytes) -> int:
        code = self._record("cuMemcpyHtoD_v2", destination, nbytes)
        if code or not self._region(destination, nbytes):
            return code or 1
        ctypes.memmove(destination, source, nbytes)
        return 0

    def cuMemcpyDtoH_v2(self, destination, source, nbytes) -> int:
        code = self._record("cuMemcpyDtoH_v2", source, nbytes)
        if code or not self._region(source, nbytes):
            return code or 1
        ctypes.memmove(destination, source, nbytes)
        return 0

    def cuMemcpyDtoDAsync_v2(self, destination, source, nbytes, stream) -> int:
        code = self._record("cuMemcpyDtoDAsync_v2", destination, source, nbytes)
        if code or not (self._region(destination, nbytes) and self._region(source, nbytes)):
            return code or 1
        ctypes.memmove(destination, source, nbytes)
        return 0

    def cuLaunchKernel(self, function, gx, gy, gz, bx, by, bz, shared, stream, params, extra) -> int:
        name = self.functions.get(function)
        count = len(params) if params is not None else 0
        values = [ctypes.c_uint64.from_address(params[i]).value for i in range(count)]
        code = self._record("cuLaunchKernel", name, (gx, gy, gz), (bx, by, bz), shared, values)
        if code or name is None:
            return code or 400
        if bx * by * bz > MAX_BLOCK_THREADS or any(g > m or g < 1 for g, m in zip((gx, gy, gz), MAX_GRID)):
            return 1
        if name in self.kernels:
            self.kernels[name](self, (gx, gy, gz), (bx, by, bz), values)
        return 0

    def launches(self) -> list[tuple]:
        return [c for c in self.calls if c[0] == "cuLaunchKernel"]
