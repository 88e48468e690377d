"""`tfc.random`: stateless random numbers (the same numbers eager and compiled for the same seed)."""
from .ops.random import stateless_normal, stateless_uniform  # noqa: F401
