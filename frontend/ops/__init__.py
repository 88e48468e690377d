"""Every tfc op's Python API. Each module defines its primitives with `core.defop`."""
from .elementwise import *  # noqa: F401,F403
from .math_ops import *  # noqa: F401,F403
from .logic import *  # noqa: F401,F403
from .shape import *  # noqa: F401,F403
from .array import *  # noqa: F401,F403
from .creation import *  # noqa: F401,F403
from .linalg import *  # noqa: F401,F403
from .reductions import *  # noqa: F401,F403
from . import nn, random  # noqa: F401  (namespaces: tfc.nn, tfc.random)
