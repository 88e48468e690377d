"""The tfc dialect: IRDL declaration, text parser, and lowering of every op to linalg/tensor/arith/math/scf."""
from . import lowering, lower_elementwise, lower_structured, lower_compare, lower_control  # noqa: F401  (registers)
from .lowering import lower_graph  # noqa: F401
