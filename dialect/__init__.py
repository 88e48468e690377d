"""The tfc dialect: IRDL declaration, text parser, and lowering of every op to linalg/tensor/arith/math/scf."""
from . import lowering, lower_elementwise, lower_structured, lower_compare, lower_control, lower_sequence, lower_variables  # noqa: F401,E501
from .lowering import lower_graph  # noqa: F401
