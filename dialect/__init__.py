"""The tfc dialect: IRDL declaration, text parser, and lowering of every op to linalg/tensor/arith/math."""
from . import lowering, lower_elementwise, lower_structured  # noqa: F401  (registers the lowerings)
from .lowering import lower_graph  # noqa: F401
