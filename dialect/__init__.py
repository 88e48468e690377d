"""The tfc dialect: IRDL declaration, text parser, and lowering of every op to linalg/tensor/arith/math."""
from . import lowering, lower_elementwise, lower_structured, lower_math, lower_array, lower_nn  # noqa: F401  (registers)
from .lowering import lower_graph  # noqa: F401
