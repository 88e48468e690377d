"""Every tfc op's Python API. Each module defines its primitives with `core.defop`."""
from .elementwise import *  # noqa: F401,F403
from .shape import *  # noqa: F401,F403
from .linalg import *  # noqa: F401,F403
from .reductions import *  # noqa: F401,F403
from .compare import *  # noqa: F401,F403
from .sequence import *  # noqa: F401,F403
