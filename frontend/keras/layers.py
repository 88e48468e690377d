"""`tfc.keras.layers.Dense`: a fully connected layer whose Variables are built on its first call."""
from __future__ import annotations

import numpy as np

from .. import errors
from ..module import Module
from ..ops import matmul
from ..tensor import convert_to_tensor
from ..variables import Variable

__all__ = ["Dense"]


def _activation(activation):
    """A callable, None (identity), or a name looked up in tfc.nn / tfc.math ("relu", "tanh", ...)."""
    if activation is None or callable(activation):
        return activation
    import tfc

    for namespace in (getattr(tfc, "nn", None), tfc.math):
        fn = getattr(namespace, str(activation), None)
        if fn is not None:
            return fn
    raise errors.UnsupportedError(f"Dense: unknown activation {activation!r}; pass a callable (tfc.nn is not "
                                  "available yet for names like 'relu')", location=errors.user_location())


class Dense(Module):
    """`activation(inputs @ kernel + bias)`. The kernel is glorot-uniform initialized (seeded), the bias zero.

    >>> layer = tfc.keras.layers.Dense(4, seed=0)
    >>> layer(tfc.ones([2, 3])).shape
    TensorShape([2, 4])
    """

    def __init__(self, units: int, activation=None, use_bias: bool = True, seed: int | None = None,
                 name: str | None = None):
        super().__init__(name=name or "dense")
        self.units = int(units)
        self.activation = _activation(activation)
        self.use_bias = use_bias
        self._seed = seed
        self.kernel = None
        self.bias = None

    @property
    def built(self) -> bool:
        return self.kernel is not None

    def build(self, input_shape) -> None:
        fan_in = input_shape[-1]
        if fan_in is None:
            raise errors.TfcValueError("Dense: the last dimension of the input must be known to build the layer",
                                       location=errors.user_location())
        # The initial values are numpy arrays, so building inside a tfc.function trace makes eager Variables.
        limit = np.sqrt(6.0 / (fan_in + self.units))
        rng = np.random.default_rng(self._seed)
        self._dtype = getattr(self, "_dtype", None) or np.float32
        self.kernel = Variable(rng.uniform(-limit, limit, size=(fan_in, self.units)).astype(self._dtype),
                               name=f"{self.name}/kernel")
        if self.use_bias:
            self.bias = Variable(np.zeros(self.units, self._dtype), name=f"{self.name}/bias")

    def __call__(self, inputs):
        x = convert_to_tensor(inputs)
        if not self.built:
            self._dtype = x.dtype.np if x.dtype.is_floating else np.float32
            self.build(x.shape)
        y = matmul(x, self.kernel)
        if self.use_bias:
            y = y + self.bias
        return self.activation(y) if self.activation is not None else y
