"""`tfc.optimizers.SGD` and `Adam`: `apply_gradients(zip(grads, variables))` with Keras's update rules.

The updates are Variable assignments built from ops, so inside `@tfc.function` they are traced into the same
graph as the forward and backward pass and run in the one native function (see tfc.variables). Slot Variables
(momentum, Adam's moments) are created on first use from numpy zeros, so also during the first trace.
"""
from __future__ import annotations

import numpy as np

from .ops import sqrt
from .variables import Variable

__all__ = ["Optimizer", "SGD", "Adam"]


class Optimizer:
    """Shared bookkeeping: `iterations` (an int64 Variable) and per-variable slot Variables."""

    def __init__(self, learning_rate: float, name: str):
        self.learning_rate = float(learning_rate)
        self.name = name
        self.iterations = Variable(np.int64(0), trainable=False, name=f"{name}/iterations")
        self._slots: dict[tuple[int, str], Variable] = {}

    def slot(self, variable: Variable, slot_name: str) -> Variable:
        key = (id(variable), slot_name)
        if key not in self._slots:
            self._slots[key] = Variable(np.zeros(tuple(variable.shape), variable.dtype.np), trainable=False,
                                        name=f"{self.name}/{slot_name}")
        return self._slots[key]

    @property
    def variables(self) -> list:
        return [self.iterations] + list(self._slots.values())

    def apply_gradients(self, grads_and_vars):
        """Updates each Variable from its gradient; pairs whose gradient is None are skipped (as Keras)."""
        pairs = [(g, v) for g, v in grads_and_vars if g is not None]
        self._prepare([v.dtype for _, v in pairs])
        for grad, variable in pairs:
            self._update(grad, variable)
        self.iterations.assign_add(np.int64(1))
        return self.iterations

    def _prepare(self, dtypes) -> None:
        pass

    def _update(self, grad, variable) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """Gradient descent; with momentum: velocity = momentum * velocity - lr * g, then w += velocity."""

    def __init__(self, learning_rate: float = 0.01, momentum: float = 0.0, name: str = "SGD"):
        super().__init__(learning_rate, name)
        self.momentum = float(momentum)

    def _update(self, grad, variable) -> None:
        if self.momentum == 0.0:
            variable.assign_sub(self.learning_rate * grad)
            return
        velocity = self.slot(variable, "momentum")
        velocity.assign(self.momentum * velocity - self.learning_rate * grad)
        variable.assign_add(velocity)


class Adam(Optimizer):
    """Adam (Kingma & Ba) as Keras computes it: alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t),
    m += (g - m)(1 - beta_1), v += (g^2 - v)(1 - beta_2), w -= alpha * m / (sqrt(v) + epsilon)."""

    def __init__(self, learning_rate: float = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, name: str = "Adam"):
        super().__init__(learning_rate, name)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)
        # beta^t kept as Variables multiplied once per step (no pow op needed), one pair per variable dtype.
        self._powers: dict[str, tuple[Variable, Variable]] = {}
        self._alpha: dict[str, object] = {}

    def _prepare(self, dtypes) -> None:
        self._alpha = {}
        for dtype in {d.name: d for d in dtypes}.values():
            if dtype.name not in self._powers:
                self._powers[dtype.name] = (Variable(dtype.np.type(1.0), trainable=False, name=f"{self.name}/b1p"),
                                            Variable(dtype.np.type(1.0), trainable=False, name=f"{self.name}/b2p"))
            b1p, b2p = self._powers[dtype.name]
            new_b1p, new_b2p = b1p * self.beta_1, b2p * self.beta_2
            b1p.assign(new_b1p)
            b2p.assign(new_b2p)
            self._alpha[dtype.name] = self.learning_rate * sqrt(1.0 - new_b2p) / (1.0 - new_b1p)

    def _update(self, grad, variable) -> None:
        m, v = self.slot(variable, "m"), self.slot(variable, "v")
        new_m = m + (grad - m) * (1.0 - self.beta_1)
        new_v = v + (grad * grad - v) * (1.0 - self.beta_2)
        m.assign(new_m)
        v.assign(new_v)
        variable.assign_sub(self._alpha[variable.dtype.name] * new_m / (sqrt(new_v) + self.epsilon))

    @property
    def variables(self) -> list:
        return super().variables + [v for pair in self._powers.values() for v in pair]


