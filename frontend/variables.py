"""`tfc.Variable`: mutable state that ops read like a tensor and that compiled functions update.

Eagerly a Variable holds a numpy array; `assign` replaces it (never mutates it in place), so tensors read
earlier (and saved by a GradientTape) keep their values, as TensorFlow's reads are snapshots.

While `tfc.function` traces, a read becomes a graph input fed with the Variable's array at each call, and an
assign records the new value: `trace_variables(trace)` hands both to the function, which returns the new values
as extra results of the same native function and stores them in the Variables after the call. The compiled
step thus updates its Variables itself; no Python arithmetic runs between calls.

Interface with other parts (keep it when extending this module):
- every read goes through `_as_tensor()`, which reports it with `tfc.autodiff.variable_read(self, tensor)`;
- `trainable`, `dtype`, `shape` are what GradientTape and the optimizers use;
- `trace_variables(trace)` -> (captured [(Variable, graph input Value)], updated [(Variable, Tensor)]).
"""
from __future__ import annotations

import itertools
import weakref

import numpy as np

from . import dtypes as _dtypes
from . import errors
from .autodiff import variable_read
from .core import current_trace
from .tensor import Tensor, TensorShape, convert_to_tensor

__all__ = ["Variable"]

_names = itertools.count()


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
        tensor = Tensor._from_numpy(self._array, self._type) if trace is None else _state(trace).read(self)
        variable_read(self, tensor)
        return tensor

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
            self._array = np.array(tensor._value, copy=True)
        else:
            _state(trace).assign(self, tensor)
        return self if read_value else None

    def assign_add(self, delta, use_locking=False, name=None, read_value=True):
        return self.assign(self._as_tensor() + delta, read_value=read_value)

    def assign_sub(self, delta, use_locking=False, name=None, read_value=True):
        return self.assign(self._as_tensor() - delta, read_value=read_value)

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

    __hash__ = object.__hash__


class _TraceVariables:
    """The Variables one trace read (each a graph input) and assigned (each an extra result)."""

    def __init__(self, trace):
        self._trace = weakref.ref(trace)
        self.captured: dict[int, tuple[Variable, object]] = {}   # id -> (Variable, graph input Value)
        self.current: dict[int, Tensor] = {}                     # id -> the value reads see now
        self.updated: dict[int, Variable] = {}

    def read(self, variable: Variable) -> Tensor:
        key = id(variable)
        if key not in self.current:
            value = self._trace().graph.add_input(variable._type)
            self.captured[key] = (variable, value)
            self.current[key] = Tensor._from_symbol(value)
        current = self.current[key]
        # A fresh Tensor per read: a GradientTape tells reads apart by identity.
        return Tensor._from_symbol(current._symbol) if current.is_symbolic else Tensor._from_numpy(current._value)

    def assign(self, variable: Variable, tensor: Tensor) -> None:
        self.current[id(variable)] = tensor
        self.updated[id(variable)] = variable


_TRACES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _state(trace) -> _TraceVariables:
    if trace not in _TRACES:
        _TRACES[trace] = _TraceVariables(trace)
    return _TRACES[trace]


def trace_variables(trace) -> tuple[list, list]:
    """(captured: [(Variable, graph input Value)], updated: [(Variable, Tensor holding its new value)])."""
    state = _TRACES.get(trace)
    if state is None:
        return [], []
    return (list(state.captured.values()),
            [(variable, state.current[key]) for key, variable in state.updated.items()])
