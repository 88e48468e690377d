"""`tfc.Variable`: mutable state that persists across calls of compiled functions, updated in place.

A Variable owns one numpy array for its whole life: eager `assign` and compiled functions write into it. Reads
are snapshots, as in TensorFlow: an eager read hands out that array (no copy), so before any write the Variable
checks whether anything else still references it (an eager tensor read earlier, a view of one, a GradientTape's
record) and, if so, moves to a fresh copy first (`_buffer_for_update`, copy-on-write as TensorFlow does with
its buffers' reference counts); the reader keeps the old array and its values.

While a tfc.function traces, the first use of a variable adds a graph input (its array, passed at each call);
reads and writes are the side-effecting ops `tfc.read_variable(handle)` and `tfc.assign_variable(handle, value)`,
kept in program order by the graph passes (never dropped, merged or folded). The lowering threads each
variable's current value through the code (scf.if results and scf.while iter_args when a region assigns it) and
ends by materializing the final value in the variable's own buffer, which the function takes as a writable
argument: one-shot bufferization sees the buffer as a writable tensor and computes in place where that is safe,
through a temporary where it is not (dialect/lowering.py). Nothing is copied back after the call.

Interface with other parts (keep it when extending this module):
- every read goes through `_as_tensor()`, which reports it with `tfc.autodiff.variable_read(self, tensor)`;
- `trainable`, `dtype`, `shape` are what GradientTape and the optimizers use;
- `trace_variables(graph)` -> (captured Variables in graph-input order, the Variables the graph assigns);
- `_buffer_for_update()` is the array native code may write (call it right before the call).
"""
from __future__ import annotations

import contextlib
import itertools
import sys
import threading

import numpy as np

from . import dtypes as _dtypes
from . import errors
from .autodiff import variable_read
from .core import NOT_DIFFERENTIABLE, bind, current_trace, defgrad, defop
from .graph import Graph, TensorType, Value
from .tensor import Tensor, TensorShape, convert_to_tensor

__all__ = ["Variable"]

_names = itertools.count()


class _Owner:
    """Measures what sys.getrefcount says, in this interpreter, about an array referenced only by one attribute
    and read the way `Variable._buffer_for_update` reads it (2 on CPython 3.11: the attribute and the argument)."""

    def __init__(self):
        self._array = np.zeros(1)

    def count(self) -> int:
        return sys.getrefcount(self._array)


_OWNED = _Owner().count()


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


_local = threading.local()  # .handles: id(Variable) -> (Variable, Value) while a gradient replays a region


@contextlib.contextmanager
def local_handles(pairs):
    """Inside this block, reads and assignments of each Variable in `pairs` ([(Variable, Tensor)]) act on a local
    copy that starts as the tensor's value, not on the Variable. The gradients of tfc.cond and tfc.while replay
    the traced branch or body with it (replay.py): their assignments already happened once, in the forward pass,
    and the replay must see the values the Variables had there. The copy is threaded through nested control flow
    like a Variable (lowering: var_state), and never written back."""
    saved = getattr(_local, "handles", {})
    _local.handles = {**saved, **{id(var): (var, tensor._symbol) for var, tensor in pairs}}
    for var, tensor in pairs:  # replays (replay.py) find the Variable of a local copy there
        _root(tensor._symbol.graph).local_handles.append((var, tensor._symbol))
    try:
        yield
    finally:
        _local.handles = saved


def handle_for(variable: "Variable", graph: Graph | None = None) -> Value:
    """The graph value standing for `variable` in the function being traced: its graph input (added at first
    use), or its local copy inside `local_handles`."""
    local = getattr(_local, "handles", None)
    if local and id(variable) in local:
        return local[id(variable)][1]
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


def owner_of(handle: Value) -> "Variable":
    """The Variable whose graph input or local copy `handle` is."""
    root = _root(handle.graph)
    for var, value in root.captured_variables + root.local_handles:
        if value is handle:
            return var
    raise AssertionError(f"{handle} is not a Variable's handle")


def read_handle(variable: "Variable") -> Tensor:
    """The Variable's current value in the trace (or its local copy's), a read no GradientTape is told about."""
    return bind(read_variable_op, Tensor._from_symbol(handle_for(variable)))


def variables_assigned_in(regions: list[Graph]) -> list:
    """The Variables that some assign_variable inside `regions` (at any depth) writes, in first-seen order."""
    found: dict[int, Variable] = {}

    def walk(graph: Graph) -> None:
        for node in graph.nodes:
            if node.op is assign_variable_op:
                var = owner_of(node.inputs[0])
                found.setdefault(id(var), var)
            for region in node.regions:
                walk(region)
    for region in regions:
        walk(region)
    return list(found.values())


defgrad(read_variable_op, NOT_DIFFERENTIABLE)   # a GradientTape watches the read's result (variable_read)
defgrad(assign_variable_op, NOT_DIFFERENTIABLE)


class Variable:
    """A tensor-valued variable: read by ops, updated with `assign`, `assign_add` and `assign_sub`.

    >>> v = tfc.Variable([1.0, 2.0])
    >>> v.assign_add([1.0, 1.0]).numpy()
    array([2., 3.], dtype=float32)
    """

    def __init__(self, initial_value=None, trainable: bool = True, name: str | None = None, dtype=None,
                 shape=None):
        if initial_value is None:
            raise errors.TfcValueError("tfc.Variable: initial_value is required", location=errors.user_location())
        value = initial_value() if callable(initial_value) else initial_value
        tensor = convert_to_tensor(value, dtype=dtype)
        if tensor.is_symbolic:
            raise errors.TfcValueError("tfc.Variable: the initial value must be known when the Variable is created "
                                       "(a Python value, numpy array or eager tensor), not a symbolic tensor",
                                       location=errors.user_location())
        self._array = np.array(tensor._value, copy=True)
        self._type = tensor.type
        self.trainable = bool(trainable)
        self.name = f"{name or 'Variable'}:0"
        self._unique_name = f"{name or 'variable'}_{next(_names)}"
        trace = current_trace()
        if trace is not None:  # a function may create variables on its first trace only (checked there)
            _root(trace.graph).created_variables.append(self)

    # ------------------------------------------------------------------------------------------------- reading
    @property
    def dtype(self) -> _dtypes.DType:
        return self._type.dtype

    @property
    def shape(self) -> TensorShape:
        return TensorShape(self._type.shape)

    @property
    def ndim(self) -> int:
        return self._type.rank

    def _as_tensor(self) -> Tensor:
        trace = current_trace()
        if trace is None:
            tensor = Tensor._from_numpy(self._array, self._type)
        else:  # a fresh Tensor per read: a GradientTape tells reads apart by identity
            tensor = bind(read_variable_op, Tensor._from_symbol(handle_for(self)))
        variable_read(self, tensor)
        return tensor

    def _trace_key(self):
        """Passed as an argument, a Variable is keyed by identity (its reads compile to its own buffer)."""
        from .retracing import _Identity
        return ("variable", _Identity(self))

    def read_value(self) -> Tensor:
        return self._as_tensor()

    value = read_value

    def numpy(self):
        if current_trace() is not None:
            raise errors.TfcTypeError(f"{self.name}.numpy() is not available inside a traced tfc.function; "
                                      "use the Variable in ops, or return it", location=errors.user_location())
        return self._array[()] if self._array.ndim == 0 else self._array.copy()

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.numpy(), dtype=dtype)

    # ------------------------------------------------------------------------------------------------ updating
    def assign(self, value, use_locking=False, name=None, read_value=True):
        """Sets the Variable to `value` (same shape and dtype; Python values adopt the Variable's dtype)."""
        tensor = convert_to_tensor(value, dtype=self.dtype) if not isinstance(value, Tensor) else value
        if tensor.dtype != self.dtype:
            raise errors.TfcTypeError(f"{self.name}.assign: value has dtype {tensor.dtype.name}, expected "
                                      f"{self.dtype.name}", location=errors.user_location())
        if tuple(tensor.shape) != tuple(self.shape):
            raise errors.TfcValueError(f"{self.name}.assign: value has shape {tensor.shape}, expected "
                                       f"{self.shape}", location=errors.user_location())
        trace = current_trace()
        if trace is None:
            if tensor._value is not self._array:
                np.copyto(self._buffer_for_update(), tensor._value)
        else:
            bind(assign_variable_op, Tensor._from_symbol(handle_for(self)), tensor)
        return self if read_value else None

    def assign_add(self, delta, use_locking=False, name=None, read_value=True):
        return self.assign(self._as_tensor() + delta, read_value=read_value)

    def assign_sub(self, delta, use_locking=False, name=None, read_value=True):
        return self.assign(self._as_tensor() - delta, read_value=read_value)

    def _buffer_for_update(self) -> np.ndarray:
        """The array to write the new value into: the Variable's own, unless something else still references it
        (an eager snapshot, a view of one, a tape's record), in which case a copy becomes the Variable's array
        first, so the snapshot keeps its values."""
        if sys.getrefcount(self._array) > _OWNED:
            self._array = self._array.copy()
        return self._array

    # --------------------------------------------------------------------------------------- tensor protocols
    def __repr__(self) -> str:
        if current_trace() is not None:
            return f"<tfc.Variable '{self.name}' shape={self.shape} dtype={self.dtype.name}>"
        return f"<tfc.Variable '{self.name}' shape={self.shape} dtype={self.dtype.name}, numpy={self._array!r}>"

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
    def __getitem__(self, key): return self._as_tensor()[key]
    def __lt__(self, other): return self._as_tensor() < other
    def __le__(self, other): return self._as_tensor() <= other
    def __gt__(self, other): return self._as_tensor() > other
    def __ge__(self, other): return self._as_tensor() >= other

    __hash__ = object.__hash__


def trace_variables(graph: Graph) -> tuple[list, list]:
    """(the Variables a traced function uses, in the order of their graph inputs; those it assigns)."""
    root = _root(graph)
    return [var for var, _ in root.captured_variables], [var for var, _ in assigned_variables(root)]
