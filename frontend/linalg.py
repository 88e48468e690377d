"""`tfc.linalg`: TensorFlow's linear-algebra namespace."""
from .ops import matmul  # noqa: F401
