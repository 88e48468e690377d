"""`tfc.Module`: a container whose `trainable_variables` are collected from its attributes, recursively."""
from __future__ import annotations

from .variables import Variable

__all__ = ["Module"]


class Module:
    """Base class for models and layers. Variables held in attributes (directly, in other Modules, or in
    lists, tuples and dicts) are found by `variables` / `trainable_variables`, in attribute-name order.

    >>> class Scale(tfc.Module):
    ...     def __init__(self):
    ...         self.w = tfc.Variable(2.0)
    >>> len(Scale().trainable_variables)
    1
    """

    def __init__(self, name: str | None = None):
        self._name = name or type(self).__name__.lower()

    @property
    def name(self) -> str:
        return getattr(self, "_name", type(self).__name__.lower())

    @property
    def variables(self) -> tuple:
        return tuple(_walk(self, set()))

    @property
    def trainable_variables(self) -> tuple:
        return tuple(v for v in self.variables if v.trainable)

    @property
    def submodules(self) -> tuple:
        found = []
        for _ in _walk(self, set(), modules=found):
            pass
        return tuple(m for m in found if m is not self)


def _walk(value, seen: set, modules: list | None = None):
    """Variables reachable from `value`, each once; Modules visited are appended to `modules`."""
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, Variable):
        yield value
    elif isinstance(value, Module):
        if modules is not None:
            modules.append(value)
        for key in sorted(vars(value)):
            yield from _walk(vars(value)[key], seen, modules)
    elif isinstance(value, dict):
        for key in sorted(value, key=repr):
            yield from _walk(value[key], seen, modules)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _walk(item, seen, modules)
