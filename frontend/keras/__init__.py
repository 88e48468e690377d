"""`tfc.keras`: the small part of Keras a training loop needs (Dense layers)."""
from . import layers  # noqa: F401
