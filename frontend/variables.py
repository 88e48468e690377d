"""`tfc.Variable` (mutable state that persists across calls of compiled functions) and `tfc.print`.

Eagerly a Variable owns a numpy buffer: `assign` & co. update it in place. While a tfc.function traces, the first
use of a variable adds a graph input (its buffer); reads and writes are the side-effecting ops
`tfc.read_variable(handle)` and `tfc.assign_variable(handle, value)`, kept in program order by the graph passes
(never dropped, merged or folded). The lowering threads each variable's current value through the code, through
scf.if results and scf.while iter_args when a region assigns it.

Write-back design: the compiled function READS the variable's buffer directly (an input memref, no copy) and
writes the final value of each variable it assigns to an extra output buffer, which the ConcreteFunction copies
into the variable's buffer after the native call (one memcpy per assigned variable per call). Writing into the
input memref itself is not safe: one-shot bufferization does not analyze a memref destination, so a value
computed in place from the variable (v.assign(transpose(v))) could overwrite what it still reads.

`tfc.print(*values)` prints like tf.print (to stderr; tensors as numpy-style arrays, long ones summarized). In a
compiled function the printed tensors become extra outputs and the ConcreteFunction prints them after each native
call, in program order: every call prints, including from native code, with no callback into Python.
"""
from __future__ import annotations

import sys

import numpy as np

from . import dtypes as _dtypes, errors
from .core import bind, current_trace, defop
from .graph import Graph, TensorType, Value
from .tensor import Tensor, TensorShape, convert_to_tensor

__all__ = ["Variable", "print"]

_python_print = print


# ------------------------------------------------------------------------------------------------------ ops
def _read_rule(handle: TensorType) -> TensorType:
    return handle


def _assign_rule(handle: TensorType, value: TensorType) -> tuple:
    if handle != value:
        raise errors.ShapeRuleError(f"cannot assign a {value.mlir()} to a variable of type {handle.mlir()}")
    return ()


def _never_eager(*args, **kwargs):
    raise AssertionError("variable ops are only recorded in traced graphs")


read_variable_op = defop("read_variable", infer=_read_rule, impl=_never_eager, num_inputs=1, side_effects=True,
                         doc="The current value of a variable (operand: its handle, a function input).")
assign_variable_op = defop("assign_variable", infer=_assign_rule, impl=_never_eager, num_inputs=2, num_outputs=0,
                           side_effects=True, doc="Sets a variable (operand 0: its handle) to operand 1.")


def _root(graph: Graph) -> Graph:
    while graph.parent is not None:
        graph = graph.parent
    return graph


def handle_for(variable: "Variable", graph: Graph | None = None) -> Value:
    """The graph input standing for `variable` in the function being traced (added at first use)."""
    root = _root(graph or current_trace().graph)
    for var, value in root.captured_variables:
        if var is variable:
            return value
    value = root.add_input(TensorType(variable.shape, variable.dtype))
    root.captured_variables.append((variable, value))
    return value


def assigned_variables(graph: Graph) -> list:
    """Variables (with their handles) that some assign_variable in `graph` (or its regions) writes."""
    handles = set()

    def walk(g: Graph) -> None:
        for node in g.nodes:
            if node.op is assign_variable_op:
                handles.add(id(node.inputs[0]))
            for region in node.regions:
                walk(region)
    walk(graph)
    return [(var, value) for var, value in graph.captured_variables if id(value) in handles]


# ------------------------------------------------------------------------------------------------ Variable
class Variable:
    """A mutable tensor that keeps its value across calls, also of compiled functions.

    >>> v = tfc.Variable([1.0, 2.0])
    >>> v.assign_add([1.0, 1.0]).numpy()
    array([2., 3.], dtype=float32)
    """

    _count = 0

    def __init__(self, initial_value, trainable: bool = True, name: str | None = None, dtype=None):
        if isinstance(initial_value, Tensor) and initial_value.is_symbolic:
            raise errors.TfcValueError("a Variable's initial_value must be known when the variable is created, "
                                       "not computed from a traced function's arguments",
                                       location=errors.user_location())
        if callable(initial_value):
            initial_value = initial_value()
        tensor = convert_to_tensor(initial_value, dtype=dtype) if not isinstance(initial_value, Tensor) or \
            dtype is None else convert_to_tensor(initial_value, dtype=dtype)
        self._value = np.array(tensor.numpy(), dtype=tensor.dtype.np, copy=True, order="C")
        self._dtype = tensor.dtype
        Variable._count += 1
        self._name = name or f"Variable_{Variable._count}"
        self._trainable = bool(trainable)
        trace = current_trace()
        if trace is not None:
            _root(trace.graph).created_variables.append(self)

    # ----------------------------------------------------------------------------------------- properties
    @property
    def shape(self) -> TensorShape:
        return TensorShape(self._value.shape)

    @property
    def dtype(self) -> _dtypes.DType:
        return self._dtype

    @property
    def name(self) -> str:
        return self._name

    @property
    def trainable(self) -> bool:
        return self._trainable

    @property
    def ndim(self) -> int:
        return self._value.ndim

    def numpy(self):
        """A copy of the current value (a numpy scalar for a 0-d variable)."""
        if current_trace() is not None:
            raise errors.TfcTypeError(f"{self._name}.numpy() is not available while a tfc.function traces; use the "
                                      "variable as a tensor (or read_value()) instead", location=errors.user_location())
        value = self._value.copy()
        return value[()] if value.ndim == 0 else value

    def read_value(self) -> Tensor:
        """The current value as a tensor (a snapshot eagerly; a `tfc.read_variable` while tracing)."""
        return self._as_tensor()

    def value(self) -> Tensor:
        return self._as_tensor()

    def _as_tensor(self) -> Tensor:
        if current_trace() is None:
            return Tensor._from_numpy(self._value.copy())
        return bind(read_variable_op, Tensor._from_symbol(handle_for(self)))

    def _trace_key(self):
        from .retracing import _Identity
        return ("variable", _Identity(self))

    # ----------------------------------------------------------------------------------------- assignment
    def _checked(self, value, what: str) -> Tensor:
        try:
            tensor = convert_to_tensor(value, dtype=self._dtype) if not isinstance(value, (Tensor, Variable)) \
                else convert_to_tensor(value)
        except errors.TfcTypeError as error:
            raise errors.TfcValueError(f"{self._name}.{what}: {error.message}", location=errors.user_location()) \
                from None
        if tensor.dtype != self._dtype or tuple(tensor.shape) != tuple(self.shape):
            raise errors.TfcValueError(f"{self._name}.{what}: the variable is {self._dtype.name}{list(self.shape)} "
                                       f"but the value is {tensor.dtype.name}{list(tensor.shape)}; a variable keeps "
                                       "its dtype and shape", location=errors.user_location())
        return tensor

    def assign(self, value, use_locking=None, name=None, read_value=True):
        """Sets the variable to `value` (same dtype and shape); returns the variable."""
        tensor = self._checked(value, "assign")
        if current_trace() is None:
            np.copyto(self._value, tensor.numpy())
        else:
            bind(assign_variable_op, Tensor._from_symbol(handle_for(self)), tensor)
        return self

    def assign_add(self, delta, use_locking=None, name=None, read_value=True):
        return self.assign(self._as_tensor() + self._checked(delta, "assign_add"))

    def assign_sub(self, delta, use_locking=None, name=None, read_value=True):
        return self.assign(self._as_tensor() - self._checked(delta, "assign_sub"))

    # ------------------------------------------------------------------------------------------ operators
    def __add__(self, other): return self._as_tensor() + other
    def __radd__(self, other): return other + self._as_tensor()
    def __sub__(self, other): return self._as_tensor() - other
    def __rsub__(self, other): return other - self._as_tensor()
    def __mul__(self, other): return self._as_tensor() * other
    def __rmul__(self, other): return other * self._as_tensor()
    def __truediv__(self, other): return self._as_tensor() / other
    def __rtruediv__(self, other): return other / self._as_tensor()
    def __matmul__(self, other): return self._as_tensor() @ other
    def __rmatmul__(self, other): return other @ self._as_tensor()
    def __neg__(self): return -self._as_tensor()
    def __lt__(self, other): return self._as_tensor() < other
    def __le__(self, other): return self._as_tensor() <= other
    def __gt__(self, other): return self._as_tensor() > other
    def __ge__(self, other): return self._as_tensor() >= other
    __hash__ = object.__hash__

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.numpy(), dtype=dtype)

    def __repr__(self) -> str:
        body = np.array2string(self._value, separator=", ")
        return f"<tfc.Variable '{self._name}' shape={self.shape} dtype={self._dtype.name}, numpy={body}>"


# -------------------------------------------------------------------------------------------------- print
def format_value(value) -> str:
    """tf.print's rendering: strings as they are, tensors like numpy without commas, summarized past 6 items."""
    if isinstance(value, str):
        return value
    if isinstance(value, (Tensor, Variable, np.ndarray, np.generic)):
        array = np.asarray(value.numpy() if hasattr(value, "numpy") else value)
        if array.ndim == 0:
            return _scalar(array[()])
        return np.array2string(array, separator=" ", threshold=6, edgeitems=3,
                               formatter={"float_kind": _scalar, "bool": lambda b: "1" if b else "0"})
    return str(value)


def _scalar(x) -> str:
    if isinstance(x, (np.floating, float)):
        return f"{float(x):g}"
    if isinstance(x, (np.bool_, bool)):
        return "1" if x else "0"
    return str(x)


class PrintSpec:
    """One tfc.print in a traced function: what it prints, with its tensors as graph outputs."""

    def __init__(self, parts: list, sep: str, end: str, stream):
        self.parts = parts  # each: ("text", str) or ("tensor", index of the graph output)
        self.sep, self.end, self.stream = sep, end, stream

    def emit(self, outputs: list) -> None:
        text = self.sep.join(value if kind == "text" else format_value(outputs[value]) for kind, value in self.parts)
        (self.stream or sys.stderr).write(text + self.end)


def print(*inputs, output_stream=None, sep: str = " ", end: str = "\n", name=None):  # noqa: A001
    """Prints tensors and Python values like tf.print (to stderr by default). Inside a tfc.function it prints
    on EVERY call, after the native code ran, with the values the tensors had at this point of the function.

    >>> tfc.print("x =", tfc.constant([1, 2, 3]))
    x = [1 2 3]
    """
    trace = current_trace()
    if trace is None:
        PrintSpec([("text", format_value(v)) for v in inputs], sep, end, output_stream).emit([])
        return None
    if trace.graph.parent is not None:
        raise errors.UnsupportedError("tfc.print inside graph control flow (a tensor-dependent if or loop) is not "
                                      "supported yet: print after the loop / outside the branch, or return the values",
                                      location=errors.user_location())
    root = _root(trace.graph)
    parts = []
    for value in inputs:
        if isinstance(value, (Tensor, Variable)) or isinstance(value, (np.ndarray, np.generic)):
            tensor = convert_to_tensor(value)
            parts.append(("tensor", tensor))
        else:
            parts.append(("text", format_value(value)))
    root.prints.append(PrintSpec(parts, sep, end, output_stream))
    return None
