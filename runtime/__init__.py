"""tfc's runtime: loads compiled libraries and calls them on numpy arrays. Imports only numpy, ctypes and the
standard library, so compiled modules run where nothing else of tfc's toolchain is installed."""
from . import threads  # noqa: F401  (first: sets how the thread pools sleep before numpy's OpenBLAS loads)
from .loader import Executable, Module, load  # noqa: F401
