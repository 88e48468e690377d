"""Run-time checks of compiled code: TensorFlow's InvalidArgumentError for errors only the data reveals (integer
division by zero, out-of-range gather indices), without trapping in native code.

Eagerly the op's numpy implementation raises. While tracing, the op's API calls `require(ok, message)` with a bool
scalar computed by ordinary ops; the trace appends each such scalar as an extra graph output (after the user's
results, prints and variable updates), and the manifest entry lists them ("checks": result index, message, user
location). The runtime's loader (`runtime/loader.py`) inspects them after every native call and raises
InvalidArgumentError naming the user's line, so the same happens in `tfc.function`, `tfc.runtime.load` and AOT
packages. A function without checks gets no extra outputs and no extra work.

Inside tfc.cond / tfc.while bodies there is no channel yet (a region's values cannot become function outputs
without threading them through the control flow op): checks there are not emitted, see known_gaps.py.
"""
from __future__ import annotations

from typing import Callable, NamedTuple

from .errors import Location, user_location

__all__ = ["CheckSpec", "require", "entry_checks"]


class CheckSpec(NamedTuple):
    """One run-time check of a traced function: `ok` (a bool scalar tensor) must be true after the call."""
    ok: object
    message: str
    location: Location | None


def require(ok: Callable[[], object], message: str, location: Location | None = None) -> None:
    """Registers a run-time check in the function being traced: `ok()` builds the bool scalar that must hold.
    Does nothing eagerly (the op's implementation has raised already) or inside control-flow regions. `location`:
    the user's line to name (default: the current one)."""
    from .core import current_trace

    trace = current_trace()
    if trace is None or trace.graph.parent is not None:
        return
    trace.graph.checks.append(CheckSpec(ok(), message, location or user_location()))


def entry_checks(graph) -> list[dict]:
    """The manifest's description of a graph's checks: {"result", "message", "file", "line"} per check."""
    return [{"result": index, "message": message, "file": loc.file if loc else "", "line": loc.line if loc else 0}
            for index, message, loc in graph.output_checks]
