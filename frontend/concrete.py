"""Concrete functions: one trace of a `tfc.function` (its graph, tensor signature and native code), and `TensorSpec`.

A concrete function whose graph was traced for inputs of any rank (reduce_retracing after a new rank, or a
`TensorSpec(shape=None)`) is specialized per call: the graph (not the Python function) is re-inferred for the
call's ranks (frontend/specialize.py) and each specialization compiles once, as an ordinary concrete function.
Likewise a call whose run-time size of 1 must broadcast where the code takes run-time sizes to be equal (the
runtime says so before any native code runs, runtime/broadcasts.py) runs the specialization of the graph with
that size static 1, compiled once per such pattern.
"""
from __future__ import annotations

import operator

import numpy as np

from . import config, dtypes as _dtypes, errors, nest
from .core import Trace
from .graph import Graph, TensorType, clone_into, print_graph
from .specialize import Specializations, has_unknown_rank, specialize
from .tensor import Tensor, TensorShape, _cast_python

__all__ = ["ConcreteFunction", "TensorSpec"]


class TensorSpec:
    """Describes a tensor argument: shape (None for any size, or shape=None for any rank) and dtype."""

    def __init__(self, shape, dtype=_dtypes.float32, name: str | None = None):
        self.shape = TensorShape(shape)
        self.dtype = _dtypes.as_dtype(dtype)
        self.name = name

    @classmethod
    def from_tensor(cls, tensor, name: str | None = None) -> "TensorSpec":
        array_dtype = tensor.dtype if isinstance(tensor, Tensor) else _dtypes.as_dtype(np.asarray(tensor).dtype)
        return cls(np.shape(tensor) if not isinstance(tensor, Tensor) else tensor.shape, array_dtype, name)

    def is_compatible_with(self, other) -> bool:
        """True when a tensor/array/spec of `other`'s shape and dtype may be passed where this spec is expected."""
        shape = other.shape if hasattr(other, "shape") else np.shape(other)
        dtype = _dtypes.as_dtype(other.dtype) if hasattr(other, "dtype") else None
        if dtype is not None and dtype != self.dtype:
            return False
        if self.shape.rank is None:  # any rank
            return True
        if getattr(shape, "rank", 0) is None:
            return False
        return len(shape) == len(self.shape) and all(s is None or s == d for s, d in zip(self.shape, shape))

    def _type(self) -> TensorType:
        return TensorType(self.shape, self.dtype)

    def __eq__(self, other) -> bool:
        return isinstance(other, TensorSpec) and (self.shape, self.dtype, self.name) == (other.shape, other.dtype,
                                                                                         other.name)

    def __hash__(self) -> int:
        return hash((self.shape, self.dtype.name, self.name))

    def __repr__(self) -> str:
        return f"TensorSpec(shape={self.shape}, dtype={self.dtype!r}, name={self.name!r})"


_VALUE = operator.attrgetter("_value")  # an eager tensor's array


class ConcreteFunction:
    """One trace of a `tfc.function`: its graph, its tensor signature, and (after the first call) native code."""

    def __init__(self, name: str, graph: Graph, arg_names: list[str], input_specs: list[TensorSpec],
                 output_template, output_is_tensor: list[bool], variables=(), assigned=()):
        self.name = name
        self.graph = graph
        self.arg_names = arg_names
        self.inputs = input_specs
        self._output_template = output_template
        self._output_is_tensor = output_is_tensor
        self._module = None
        self._artifact = None
        self._run_static = None  # the executable's call_static once compiled, when its shapes are all static
        # State (tfc.variables): the Variables the trace uses (extra trailing graph inputs, passed their arrays at
        # each call) and those it assigns, whose arrays the native code updates in place. Run-time checks are
        # trailing graph outputs after the user's (the loader inspects and drops them).
        self._variables = list(variables)
        self._assigned = list(assigned)
        self._num_user_outputs = len(graph.outputs) - len(graph.output_checks)
        # For the call path: each input's numpy (dtype, shape) when static, and whether the result is one tensor.
        self._exact = [(spec.dtype.np, tuple(spec.shape)) if spec.shape.is_fully_defined() else None
                       for spec in input_specs]
        self._single_output = (len(graph.outputs) == 1 and output_is_tensor == [True]
                               and isinstance(output_template, Tensor))
        self._output_type = graph.outputs[0].type if self._single_output else None
        self._cuda_module = None    # the CUDA build, made on the first GPU call (frontend/device.py)
        self._cuda_artifact = None
        # A graph traced for any rank runs as its per-rank specializations (frontend/specialize.py).
        self._specializations = Specializations(self) if has_unknown_rank(graph) else None
        # Calls whose run-time sizes of 1 broadcast where this code takes sizes to be equal run specializations
        # of the graph with those sizes static (made on the first such call).
        self._size_specializations = None
        self.on_specialized = None  # (description) -> None: set by the Function, told of each specialization

    # ------------------------------------------------------------------------------------------------- calling
    def __call__(self, *args):
        """Calls the compiled code with one tensor (or array) per tensor argument of the trace, in order."""
        if len(args) != len(self.inputs):
            raise errors.SignatureMismatchError(
                f"{self.name}: this concrete function takes {len(self.inputs)} tensor argument(s) "
                f"({', '.join(self.arg_names)}), got {len(args)}", location=errors.user_location())
        return self._call_flat(args)

    def _fast_call_for(self, key: tuple):
        """The call for arguments of one `_fast_key`: the static entry called directly when that key matches the
        trace exactly (the traced dtypes and static shapes, no variables, one tensor result), so nothing is left
        to check or nest; else `_call_flat`."""
        if self._specializations is not None:
            shapes = [token.shape if token.__class__ is TensorType else token[1] for token in key]
            return self._specializations.for_shapes(shapes)._fast_call_for(key)
        exact = [(token.dtype.np, token.shape) if token.__class__ is TensorType else token for token in key]
        if not self._single_output or self._variables:
            return self._call_flat
        if exact != self._exact or not self._output_type.is_static:
            return self._sized_call()
        output_type = self._output_type
        all_tensors = all(token.__class__ is TensorType for token in key)

        def call_exact(args) -> Tensor:
            run = self._run_static
            if run is None:
                if self._module is None:
                    self._compile()
                run = self._run_static
                if run is None:  # not a plain static entry (tfc.runtime.loader.Executable): the general path
                    return self._call_flat(args)
            (output,) = run(tuple(map(_VALUE, args)) if all_tensors else
                            [v._value if v.__class__ is Tensor else v for v in args])
            tensor = object.__new__(Tensor)
            tensor._value, tensor._symbol, tensor.type = output, None, output_type
            return tensor
        return call_exact

    def _sized_call(self):
        """The call for arguments of one `_fast_key` that fit the trace's None sizes (checked by the call that made
        this key, against the same dtypes and shapes): straight to the executable, which checks the run-time sizes
        where the code broadcasts them."""
        dtype = self._output_type.dtype

        def call_sized(args) -> Tensor:
            arrays = [v._value if v.__class__ is Tensor else v for v in args]
            if self._module is None:
                self._compile()
            try:
                (output,) = self._executable(*arrays)
            except errors.UncompiledBroadcastError as error:  # raised before the native code ran
                return self._broadcasting(arrays, error)
            return Tensor._from_numpy(output, TensorType(output.shape, dtype))
        return call_sized

    def _call_flat(self, values):
        arrays = [self._check(i, v) for i, v in enumerate(values)]
        if self._specializations is not None:
            return self._specializations.for_shapes([a.shape for a in arrays])._call_flat(arrays)
        if self._module is None:
            self._compile()
        for variable in self._assigned:  # after the checks: an argument sharing a Variable's array is seen
            variable._buffer_for_update()
        arrays += [variable._array for variable in self._variables]
        try:
            outputs = self._executable(*arrays)
        except errors.UncompiledBroadcastError as error:  # raised before the native code ran
            return self._broadcasting(arrays[:len(self.inputs)], error)
        if self._single_output:  # the common case, no nesting
            out = self.graph.outputs[0].type
            return Tensor._from_numpy(outputs[0], out if out.is_static else TensorType(outputs[0].shape, out.dtype))
        # The array's own shape: a dynamic (None) dimension of the graph's type has its run-time size here.
        return self._structured([Tensor._from_numpy(array, TensorType(array.shape, value.type.dtype))
                                 for array, value in zip(outputs[:self._num_user_outputs], self.graph.outputs)])

    def _broadcasting(self, arrays: list, error):
        """Runs a call whose run-time size of 1 broadcasts where this code takes sizes to be equal: by the
        specialization of the graph with that size static (frontend/specialize.py), compiled at the first such
        call. TensorFlow broadcasts it too; sizes that do not broadcast raised InvalidArgumentError already."""
        if self._size_specializations is None:
            self._size_specializations = Specializations(self)
        found = self._size_specializations.for_sizes([a.shape for a in arrays])
        if found is None:  # exact shapes: a size computed while the code runs is 1 (not seen before the call)
            raise errors.UnsupportedError(f"{self.name}: tfc cannot broadcast here: {error.message}",
                                          location=error.location) from None
        return found._call_flat(arrays)

    def _structured(self, tensors: list):
        """The traced function's return structure with `tensors` in the places of its tensor outputs."""
        tensors = iter(tensors)
        leaves = nest.flatten(self._output_template)
        return nest.pack_sequence_as(
            self._output_template, [next(tensors) if is_tensor else leaf
                                    for leaf, is_tensor in zip(leaves, self._output_is_tensor)])

    def _inline(self, trace: Trace, values: list):
        """Calls this trace from inside another trace: its nodes (variable reads and writes, prints) are copied
        into the caller's graph, its variables mapped to the caller's handles."""
        from . import variables

        arguments = [trace.capture(_as_graph_tensor(value, spec)) for value, spec in zip(values, self.inputs)]
        graph = self.graph
        types = [value.type for value in arguments]
        if self._specializations is not None or types != [value.type for value in graph.inputs[:len(types)]]:
            # Traced for any rank, or for sizes less specific than the caller's: re-inferred for the caller's types.
            graph = specialize(graph, types)
        mapping = {id(inner): value for inner, value in zip(graph.inputs, arguments)}
        for var, handle in graph.captured_variables:
            mapping[id(handle)] = variables.handle_for(var, trace.graph)
        clone_into(graph, trace.graph, mapping)
        outputs = [Tensor._from_symbol(mapping[id(v)]) for v in graph.outputs]
        from .checks import require
        for index, message, location in graph.output_checks:
            require(lambda index=index: outputs[index], message, location)
        return self._structured(outputs[:self._num_user_outputs])

    def _check(self, index: int, value) -> np.ndarray:
        array = value._value if type(value) is Tensor else value if type(value) is np.ndarray else None
        if array is not None and self._exact[index] == (array.dtype, array.shape):
            return array  # exactly the traced dtype and static shape: nothing to check further
        spec, name = self.inputs[index], self.arg_names[index]
        if isinstance(value, Tensor):
            if value.is_symbolic:
                raise errors.TfcTypeError(f"{self.name}: argument {name!r} is a symbolic tensor; concrete functions "
                                          "run compiled code on eager tensors", location=errors.user_location())
            array = value._value
        elif isinstance(value, (np.ndarray, np.generic)):
            array = np.asarray(value)
        else:
            array = _cast_python(value, spec.dtype)
        dtype = _dtypes.as_dtype(array.dtype)
        if dtype != spec.dtype:
            raise errors.SignatureMismatchError(f"{self.name}: argument {name!r} has dtype {dtype.name}, expected "
                                                f"{spec.dtype.name}", location=errors.user_location())
        if not spec.is_compatible_with(array):
            raise errors.SignatureMismatchError(f"{self.name}: argument {name!r} has shape {TensorShape(array.shape)},"
                                                f" expected {spec.shape}", location=errors.user_location())
        return array

    def _compile(self, keep_stages: bool = False) -> None:
        from . import warm_start

        if self._specializations is not None:
            raise errors.UnsupportedError(f"{self.name}: this concrete function was traced for inputs of any rank; "
                                          "it compiles once per rank: call it, then see .specializations")

        names = self.arg_names + [variable._unique_name for variable in self._variables]
        # A new process finds what an earlier one compiled without importing the compiler (frontend/warm_start.py).
        key, module = warm_start.load(self.graph, self.name, names, keep_stages)
        if module is not None:
            self._artifact, self._module = None, module
        else:
            from tfc.passes import mlir_tools  # the compiler is reached lazily, at first compile

            # The MLIR tools start loading now, while the compiler is imported and the graph lowered.
            with mlir_tools.tools_started_early(not keep_stages and not config.dump_dir()):
                from tfc.passes import driver

                self._artifact = driver.compile_graph(self.graph, self.name, names, keep_stages=keep_stages,
                                                      num_variables=len(self._variables))
            warm_start.remember(key, self.graph, self._artifact)
            self._module = self._artifact.load()
        self._entry = self._module.manifest["entries"][0]["name"]
        self._executable = self._module.entries[self._entry]
        from tfc.runtime.loader import Executable

        # The direct call skips the Executable's __call__: only for plain static entries (a CheckedExecutable
        # inspects run-time checks after each call).
        plain = type(self._executable) is Executable and self._executable._static
        self._run_static = self._executable.call_static if plain else None

    # ---------------------------------------------------------------------------------------------- inspection
    def as_text(self, stage: str = "tfc", debug_info: bool = False) -> str:
        """The function at one compiler stage: "tfc", "optimized", "linalg", "fused", "bufferized",
        "llvm-dialect", "llvm-unoptimized" or "llvm" (optimized LLVM IR). MLIR stages show source
        locations (`loc(...)`) only with debug_info=True; the tfc stage always shows the user's lines."""
        from tfc.passes.driver import STAGES, strip_locations

        if stage not in STAGES:
            raise ValueError(f"unknown stage {stage!r}; expected one of: {', '.join(STAGES)}")
        if stage == "tfc":
            return print_graph(self.graph)
        if self._specializations is not None:
            if any(spec.shape.rank is None for spec in self.inputs):
                raise errors.UnsupportedError(
                    f"{self.name}: this concrete function was traced for inputs of any rank and compiles once per "
                    f"rank: print a compiled stage of one of its .specializations (made by calls), not {stage!r}")
            return self._specializations.for_shapes([s.shape for s in self.inputs]).as_text(stage, debug_info)
        if self._artifact is None or stage not in self._artifact.stages:
            self._compile(keep_stages=True)
        text = self._artifact.stages[stage]
        return text if debug_info or stage.startswith("llvm-un") or stage == "llvm" else strip_locations(text)

    @property
    def structured_outputs(self):
        return self._output_template

    @property
    def output_dtypes(self):
        return [v.type.dtype for v in self.graph.outputs]

    @property
    def output_shapes(self):
        return [TensorShape(v.type.shape) for v in self.graph.outputs]

    @property
    def specializations(self) -> list:
        """The concrete functions compiled for the calls so far from this one's graph, each an ordinary concrete
        function (`as_text(stage)`): for a trace for any rank, one per rank (or shape); for run-time sizes, one
        per pattern of sizes of 1 that broadcast (frontend/specialize.py)."""
        made = [s for s in (self._specializations, self._size_specializations) if s is not None]
        return [concrete for s in made for concrete in s.compiled.values()]

    def pretty_printed_signature(self) -> str:
        args = ", ".join(f"{n}: {_spelled(s.dtype, s.shape)}" for n, s in zip(self.arg_names, self.inputs))
        outs = ", ".join(_spelled(v.type.dtype, v.type.shape) for v in self.graph.outputs)
        return f"{self.name}({args}) -> ({outs})"

    def __repr__(self) -> str:
        return f"<tfc.ConcreteFunction {self.pretty_printed_signature()}>"


def _spelled(dtype, shape) -> str:
    return f"{dtype.name}[unknown rank]" if shape is None or getattr(shape, "rank", 0) is None else \
        f"{dtype.name}{list(shape)}"


def _as_graph_tensor(value, spec: TensorSpec) -> Tensor:
    if isinstance(value, Tensor):
        return value
    return Tensor._from_numpy(_cast_python(value, spec.dtype) if not isinstance(value, np.ndarray) else value)
