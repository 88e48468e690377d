"""`tfc.nn`: TensorFlow's neural-network namespace (activations, softmax, losses, convolution, pooling)."""
from .ops.nn import *  # noqa: F401,F403
from .ops.nn import __all__  # noqa: F401
