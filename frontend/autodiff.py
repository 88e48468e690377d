"""`tfc.GradientTape`: reverse-mode differentiation of the ops run while a tape records.

`core.bind` reports every op application to the recording tapes; a tape keeps those whose inputs are connected to
a watched tensor or Variable. `gradient()` walks them backwards calling each op's gradient rule (registered with
`core.defgrad` next to the op), and the rules are built from public ops. So the backward pass runs eagerly on
numpy, or, inside `@tfc.function`, is traced into the same graph as the forward pass: one graph, optimized by the
graph passes (dce prunes forward values the gradient does not need) and compiled to one native function.

Identity is per Tensor object: `stop_gradient(x)` is the result of an op without a gradient (a new Tensor on the
same value eagerly, an identity node when traced). Variables report their reads through
`variable_read(var, tensor)`; the gradient with respect to a Variable is the sum over the tensors read from it
while the tape recorded.
"""
from __future__ import annotations

import contextlib
import enum

from . import errors, nest
from .core import NOT_DIFFERENTIABLE, bind, defgrad, defop, recording_tapes
from .tensor import Tensor, convert_to_tensor

__all__ = ["GradientTape", "UnconnectedGradients", "stop_gradient", "variable_read"]


class UnconnectedGradients(enum.Enum):
    """What `gradient` returns for a source the target does not depend on: None, or zeros of its shape."""
    NONE = "none"
    ZERO = "zero"


class RecordedOp:
    """One op application as a gradient rule sees it: `inputs`, `outputs` (Tensors), `attrs`, and `needs`
    (per input: whether its gradient is wanted; rules may skip work for the others)."""

    __slots__ = ("op", "inputs", "attrs", "outputs", "needs")

    def __init__(self, op, inputs, attrs, outputs):
        self.op, self.inputs, self.attrs, self.outputs = op, tuple(inputs), attrs, tuple(outputs)
        self.needs = (True,) * len(self.inputs)


def _is_variable(value) -> bool:
    return hasattr(value, "_as_tensor") and hasattr(value, "trainable") and not isinstance(value, Tensor)


stop_gradient_op = defop("stop_gradient", infer=lambda x: x, impl=lambda x: x,
                         doc="The same value, through which no gradient flows (an op, so that graphs replayed for "
                             "a gradient keep it).")
defgrad(stop_gradient_op, NOT_DIFFERENTIABLE)


def stop_gradient(input, name=None) -> Tensor:
    """The same values, but no gradient flows back through the result.

    >>> with tfc.GradientTape() as tape:
    ...     tape.watch(x)
    ...     y = x * tfc.stop_gradient(x)
    """
    return bind(stop_gradient_op, convert_to_tensor(input))


def variable_read(variable, tensor: Tensor) -> None:
    """Called by `Variable._as_tensor` for each read: tapes that watch the Variable connect the read tensor."""
    for tape in tuple(recording_tapes()):
        tape._on_variable_read(variable, tensor)


class GradientTape:
    """Records the ops run inside `with GradientTape() as tape:` for computing gradients with `tape.gradient`.

    >>> x = tfc.constant(3.0)
    >>> with tfc.GradientTape() as tape:
    ...     tape.watch(x)
    ...     y = x * x
    >>> tape.gradient(y, x).numpy()
    6.0
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True):
        self._persistent = persistent
        self._watch_accessed_variables = watch_accessed_variables
        self._recording = False
        self._used = False
        self._clear()

    def _clear(self) -> None:
        self._connected: dict[int, Tensor] = {}    # id -> tensor; holding it keeps the id unique
        self._ops: list[RecordedOp] = []
        self._variables: dict[int, object] = {}    # watched Variables, in watch order
        self._reads: dict[int, list[Tensor]] = {}  # id(Variable) -> the tensors read from it

    # --------------------------------------------------------------------------------------------- recording
    def __enter__(self) -> "GradientTape":
        if self._recording:
            raise ValueError("this GradientTape is already recording; nested `with` of one tape is not allowed")
        self._start()
        return self

    def __exit__(self, *exc) -> bool:
        self._stop()
        return False

    def _start(self) -> None:
        recording_tapes().append(self)
        self._recording = True

    def _stop(self) -> None:
        tapes = recording_tapes()
        del tapes[len(tapes) - 1 - tapes[::-1].index(self)]
        self._recording = False

    @contextlib.contextmanager
    def stop_recording(self):
        """Ops run inside this block are not recorded (e.g. metrics computed inside the tape's scope)."""
        if not self._recording:
            raise ValueError("stop_recording() needs a tape that is recording (inside its `with` block)")
        self._stop()
        try:
            yield
        finally:
            self._start()

    def reset(self) -> None:
        """Forgets everything recorded so far (the tape keeps recording if it was)."""
        self._clear()
        self._used = False

    def watch(self, tensor) -> None:
        """Records operations on `tensor` (a Tensor, a Variable or a nested structure of them). Non-floating
        tensors are ignored: their gradients are None, as in TensorFlow."""
        for leaf in nest.flatten(tensor):
            if _is_variable(leaf):
                self._variables.setdefault(id(leaf), leaf)
                self._reads.setdefault(id(leaf), [])
            elif isinstance(leaf, Tensor):
                if leaf.dtype.is_floating:
                    self._connected[id(leaf)] = leaf
            else:
                raise errors.TfcTypeError(f"GradientTape.watch: expected tensors or Variables, got "
                                          f"{type(leaf).__name__}", location=errors.user_location())

    def watched_variables(self) -> tuple:
        """The Variables this tape watches (explicitly, or because they were read while it recorded)."""
        return tuple(self._variables.values())

    def _on_variable_read(self, variable, tensor: Tensor) -> None:
        key = id(variable)
        if key not in self._variables:
            if not (self._watch_accessed_variables and variable.trainable):
                return
            self._variables[key] = variable
        self._reads.setdefault(key, []).append(tensor)
        if tensor.dtype.is_floating:
            self._connected[id(tensor)] = tensor

    def _record(self, op, inputs, attrs, outputs) -> None:
        """Called by core.bind for every op while this tape records."""
        if op.gradient is NOT_DIFFERENTIABLE or not any(id(t) in self._connected for t in inputs):
            return
        floating = [t for t in outputs if t.dtype.is_floating]
        if floating:
            self._ops.append(RecordedOp(op, inputs, attrs, outputs))
            for t in floating:
                self._connected[id(t)] = t

    # ------------------------------------------------------------------------------------------------ gradient
    def gradient(self, target, sources, output_gradients=None,
                 unconnected_gradients=UnconnectedGradients.NONE):
        """The gradient of `target` (a tensor or structure of tensors, summed) with respect to each source.

        Returns `sources`' structure with a Tensor (or None) per leaf. `output_gradients` weight the targets
        (default: ones). A non-persistent tape answers one call only.
        """
        if self._used and not self._persistent:
            raise RuntimeError("A non-persistent GradientTape can only be used to compute one set of gradients; "
                               "create it with GradientTape(persistent=True) to call gradient() several times")
        unconnected = UnconnectedGradients(unconnected_gradients)
        targets = [t if isinstance(t, Tensor) else convert_to_tensor(t) for t in nest.flatten(target)]
        seeds = [None] * len(targets) if output_gradients is None else nest.flatten(output_gradients)
        if len(seeds) != len(targets):
            raise errors.TfcValueError(f"GradientTape.gradient: {len(targets)} target(s) but {len(seeds)} "
                                       "output_gradients", location=errors.user_location())
        leaves = nest.flatten(sources)
        paused = self._recording
        if paused:  # the backward pass is not recorded by this tape (outer tapes still see it)
            self._stop()
        try:
            grads = self._backward(targets, seeds, [self._source_keys(s) for s in leaves])
        finally:
            if paused:
                self._start()
        results = []
        for leaf, grad in zip(leaves, grads):
            if grad is None and unconnected is UnconnectedGradients.ZERO and _floating(leaf):
                from .ops.grad_helpers import zeros_like
                grad = zeros_like(_shape_of(leaf))
            results.append(grad)
        if not self._persistent:
            self._used = True
            self._clear()
        return nest.pack_sequence_as(sources, results)

    def _source_keys(self, source) -> list[int]:
        if _is_variable(source):
            return [id(t) for t in self._reads.get(id(source), ())]
        if isinstance(source, Tensor):
            return [id(source)] if source.dtype.is_floating else []
        raise errors.TfcTypeError(f"GradientTape.gradient: sources must be tensors or Variables, got "
                                  f"{type(source).__name__}", location=errors.user_location())

    def _backward(self, targets, seeds, source_keys: list[list[int]]) -> list:
        from .ops.grad_helpers import ones_like

        wanted = {key for keys in source_keys for key in keys}
        reaches = set(wanted)  # tensors whose value depends on a source
        for node in self._ops:
            if any(id(t) in reaches for t in node.inputs):
                reaches.update(id(t) for t in node.outputs)
        grads: dict[int, Tensor] = {}
        for t, seed in zip(targets, seeds):
            if id(t) in reaches and t.dtype.is_floating:
                seed = ones_like(t) if seed is None else convert_to_tensor(seed, dtype=t.dtype)
                _accumulate(grads, t, seed)
        for node in reversed(self._ops):
            needs = tuple(id(t) in reaches and id(t) in self._connected for t in node.inputs)
            out_grads = [grads.get(id(t)) for t in node.outputs]
            if not any(needs) or all(g is None for g in out_grads):
                continue
            if node.op.gradient is None:
                raise errors.UnsupportedError(f"tfc.{node.op.name} has no gradient yet; wrap its result in "
                                              "tfc.stop_gradient if none is needed", location=errors.user_location())
            node.needs = needs  # an output without a gradient gets None (rules of multi-result ops handle it)
            in_grads = node.op.gradient(node, *out_grads)
            for t, g, need in zip(node.inputs, in_grads, needs):
                if need and g is not None:
                    if tuple(g.shape) != tuple(t.shape) or g.dtype != t.dtype:
                        raise AssertionError(f"gradient of tfc.{node.op.name} gave {g.dtype.name}{list(g.shape)} "
                                             f"for an input of {t.dtype.name}{list(t.shape)}")
                    _accumulate(grads, t, g)
        results = []
        for keys in source_keys:
            parts = [grads[k] for k in keys if k in grads]
            total = parts[0] if parts else None
            for part in parts[1:]:
                total = total + part
            results.append(total)
        return results


def _accumulate(grads: dict, tensor: Tensor, grad: Tensor) -> None:
    key = id(tensor)
    grads[key] = grad if key not in grads else grads[key] + grad


def _floating(source) -> bool:
    return (source.dtype.is_floating if isinstance(source, Tensor)
            else _is_variable(source) and source.dtype.is_floating)


def _shape_of(source) -> Tensor:
    """A tensor to take shape and dtype from, without reading a Variable (which tapes would record)."""
    if isinstance(source, Tensor):
        return source
    from .graph import TensorType
    return _TypeOnly(TensorType(tuple(source.shape), source.dtype))


class _TypeOnly:
    """Shape and dtype only, for zeros_like of a Variable."""

    def __init__(self, type):
        self.type, self.shape, self.dtype = type, type.shape, type.dtype
