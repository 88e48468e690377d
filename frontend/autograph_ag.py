"""`ag__`: the namespace AutoGraph's converted code calls (`ag__.if_stmt(...)`, `ag__.converted(f)(...)`)."""
from .autograph_loops import for_stmt, while_stmt  # noqa: F401
from .autograph_runtime import (Undefined, and_, converted, if_exp, if_stmt, load, not_, or_,  # noqa: F401
                                retval)
