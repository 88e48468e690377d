"""tfc: TensorFlow-style eager tensors and `@tfc.function`, compiled ahead of time to native code via MLIR.

    import tfc as tf

    @tf.function
    def f(x, y):
        return tf.math.exp(x) * y

Eager ops run immediately on numpy; `tfc.function` traces the tfc dialect, lowers it through linalg and LLVM and
runs a native shared library. See README.md for the architecture.
"""
from .runtime import threads as _threads  # noqa: F401  (before numpy: how idle thread pools sleep)
from . import dtypes  # noqa: F401
from .dtypes import (DType, as_dtype, bfloat16, bool, double, float, float16, float32, float64, half,  # noqa: F401,A004
                     int8, int16, int32, int64, uint8)
from . import errors  # noqa: F401
from .tensor import Tensor, TensorShape, constant, convert_to_tensor  # noqa: F401
from .core import executing_eagerly  # noqa: F401
from .ops import *  # noqa: F401,F403
from . import config, nest  # noqa: F401
from .function import ConcreteFunction, Function, TensorSpec, function  # noqa: F401
from .control_flow import cond, while_loop  # noqa: F401
from . import autograph  # noqa: F401  (tfc.autograph.to_code)
from .variables import Variable  # noqa: F401
from .printing import print  # noqa: F401,A004
from .device import device, to_device  # noqa: F401
from . import linalg, math, nn, random  # noqa: F401  (TensorFlow's namespaces)
from .autodiff import GradientTape, UnconnectedGradients, stop_gradient  # noqa: F401
from .module import Module  # noqa: F401
from . import keras, optimizers  # noqa: F401

__version__ = "0.1.0"
