"""`tfc.linalg`: TensorFlow's linear-algebra namespace."""
from .ops import einsum, matmul, matvec, tensordot  # noqa: F401
from .ops.creation import eye  # noqa: F401
