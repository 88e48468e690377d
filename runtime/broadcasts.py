"""Run-time sizes where compiled code broadcasts, checked before native code runs.

Compiled code broadcasts a dimension only where its size is static 1 (an elementwise op's indexing maps,
dialect/lower_elementwise.py); a dimension known only at run time (None in an input_signature) is read as it
is, so that code is right only when the size equals the result's. The compiler lists each node where that is
not certain as a SITE of the manifest entry ("broadcasts", passes/broadcast_sites.py): its op, the user's line,
the kind of broadcasting ("broadcast": numpy's rule over all operands; "matmul": batch dimensions broadcast and
a.shape[-1] == b.shape[-2]) and each operand's shape as FORMS of the arguments' sizes:

    int                                    a size static in the code (a static 1 broadcasts there)
    [arg, axis]                            arguments[arg].shape[axis], known only at run time
    {"scale": [p, q], "product": [[arg, axis, power], ...]}   p/q * the product, e.g. after a reshape
    null                                   a size computed while the code runs (not checked)

Before each call, `SizeChecks` compares the sizes that the code takes to be equal (a few integer comparisons).
When they differ it walks the sites in program order: sizes that do not broadcast raise TensorFlow's
InvalidArgumentError ("Incompatible shapes: [3] vs. [5]") at the op's line; a run-time size of 1 that would
have to broadcast raises UncompiledBroadcastError, which tfc.function answers by compiling a specialization
whose size-1 dimension is static (frontend/specialize.py) and an AOT package passes on, naming the argument.
"""
from __future__ import annotations

from fractions import Fraction

from .errors import InvalidArgumentError, Location, UncompiledBroadcastError

__all__ = ["SizeChecks", "site_groups", "canonical"]


class _Product:
    """A size computed from the arguments' sizes: scale * prod(size ** power)."""

    __slots__ = ("scale", "factors")

    def __init__(self, form: dict):
        self.scale = Fraction(*form["scale"])
        self.factors = tuple((arg, axis, power) for arg, axis, power in form["product"])

    def __call__(self, shapes) -> int | None:
        value = self.scale
        for arg, axis, power in self.factors:
            size = shapes[arg][axis]
            if size == 0 and power < 0:
                return None
            value *= Fraction(size) ** power
        return int(value) if value.denominator == 1 else None

    def key(self) -> tuple:
        return ("product", self.scale, self.factors)

    def describe(self, names: list[str]) -> str:
        terms = [str(self.scale)] if self.scale != 1 else []
        terms += [f"{names[arg]}.shape[{axis}]" + (f"**{power}" if power != 1 else "")
                  for arg, axis, power in self.factors]
        return "*".join(terms) or "1"


def canonical(form):
    """A form as a hashable value: an int (static), an (arg, axis) tuple, a _Product, or None (unknown)."""
    if form is None or isinstance(form, int):
        return form
    if isinstance(form, dict):
        return _Product(form)
    return (int(form[0]), int(form[1]))


def _key(member):
    return member.key() if isinstance(member, _Product) else member


def _size(member, shapes) -> int | None:
    if member.__class__ is tuple:
        return shapes[member[0]][member[1]]
    if member is None or member.__class__ is int:
        return member
    return member(shapes)


def site_groups(kind: str, operands: list[list]) -> list[tuple[str, list[tuple[int, int]]]]:
    """The positions whose sizes are matched at one site: ("broadcast" | "equal", [(operand, axis), ...])."""
    if kind == "matmul":
        (a, b) = operands
        groups = _aligned([a[:-2], b[:-2]])
        return groups + [("equal", [(0, len(a) - 1), (1, len(b) - 2)])]
    return _aligned(operands)


def _aligned(shapes: list[list]) -> list[tuple[str, list[tuple[int, int]]]]:
    """numpy's alignment from the right: the (operand, axis) pairs at each position of the result."""
    rank = max((len(s) for s in shapes), default=0)
    return [("broadcast", [(o, len(s) - rank + p) for o, s in enumerate(shapes) if len(s) - rank + p >= 0])
            for p in range(rank)]


def checked_members(kind: str, forms: list) -> list:
    """The sizes at one position that the code takes to be equal and the runtime can compare: all of an "equal"
    group, all but the static 1s of a "broadcast" group (the code broadcasts those), never the unknown ones.
    Empty when nothing can differ (every size static, or one form only)."""
    members = [f for f in forms if f is not None and (kind == "equal" or f != 1)]
    if all(isinstance(f, int) for f in members) or len({_key(f) for f in members}) < 2:
        return []
    return members


class _Site:
    def __init__(self, site: dict):
        self.op, self.kind = site["op"], site["kind"]
        self.location = Location(site["file"], site["line"]) if site.get("file") else None
        self.operands = [[canonical(f) for f in shape] for shape in site["operands"]]
        self.groups = site_groups(self.kind, self.operands)


class SizeChecks:
    """The sites of one manifest entry; `check(arrays)` raises before the call where the code would be wrong."""

    def __init__(self, sites: list[dict], args: list[dict]):
        self._sites = [_Site(site) for site in sites]
        self._names = [a["name"] for a in args]
        self._arg_shapes = [a["shape"] for a in args]
        # The fast path: each set of sizes that must be equal, once (unknown sizes left out).
        groups, seen = [], set()
        for site in self._sites:
            for kind, members in site.groups:
                forms = checked_members(kind, [site.operands[o][axis] for o, axis in members])
                key = frozenset(_key(f) for f in forms)
                if forms and key not in seen:
                    seen.add(key)
                    groups.append(tuple(forms))
        # Two arguments' sizes (the common case) compare without building anything per call.
        self._pairs = tuple((g[0][0], g[0][1], g[1][0], g[1][1]) for g in groups
                            if len(g) == 2 and all(m.__class__ is tuple for m in g))
        self._groups = tuple(g for g in groups if not (len(g) == 2 and all(m.__class__ is tuple for m in g)))

    def check(self, arrays) -> None:
        for a, i, b, j in self._pairs:
            if arrays[a].shape[i] != arrays[b].shape[j]:
                return self._diagnose([array.shape for array in arrays])
        if self._groups:
            shapes = [array.shape for array in arrays]
            for group in self._groups:
                first = _size(group[0], shapes)
                for member in group[1:]:
                    if _size(member, shapes) != first:
                        return self._diagnose(shapes)
        return None

    def _diagnose(self, shapes) -> None:
        """Walks the sites in program order (a site's sizes are right only while no earlier site broadcasts)."""
        for site in self._sites:
            sizes = [[_size(f, shapes) for f in shape] for shape in site.operands]
            broadcasting = None
            for kind, members in site.groups:
                known = [(o, axis, sizes[o][axis]) for o, axis in members if sizes[o][axis] is not None]
                if kind == "equal":
                    if len({s for _, _, s in known}) > 1:
                        raise InvalidArgumentError(_incompatible(site, sizes, matrix=True), location=site.location)
                    continue
                others = {s for _, _, s in known if s != 1}
                if len(others) > 1:
                    raise InvalidArgumentError(_incompatible(site, sizes), location=site.location)
                result = others.pop() if others else 1
                if len(known) < len(members) and result == 1:
                    continue  # an unknown size decides the result
                for o, axis, size in known:
                    if size != result and not isinstance(site.operands[o][axis], int) and broadcasting is None:
                        broadcasting = (o, axis, size, result)
            if broadcasting is not None:
                raise UncompiledBroadcastError(self._uncompiled(site, sizes, *broadcasting),
                                               location=site.location, sizes=broadcasting)

    def _uncompiled(self, site: _Site, sizes, operand: int, axis: int, size: int, result: int) -> str:
        form = site.operands[operand][axis]
        if isinstance(form, tuple):
            arg, arg_axis = form
            shape = ["None" if d is None else str(d) for d in self._arg_shapes[arg]]
            shape[arg_axis] = "1"
            what = f"argument {self._names[arg]!r} has size {size} in dimension {arg_axis}"
            hint = (f"for calls where it broadcasts, compile a function whose input_signature gives that dimension "
                    f"the static size 1 (TensorSpec([{', '.join(shape)}], ...))")
        else:
            what = f"a size computed from the arguments ({form.describe(self._names)}) is {size}"
            hint = "give the dimensions it is computed from static sizes in input_signature"
        return (f"tfc.{site.op}: {what} and broadcasts to size {result} here (shapes {_shapes(sizes)}), but this "
                f"code was compiled for sizes known only at run time (None in input_signature), which it takes to "
                f"be equal where they broadcast; {hint}, or pass equal sizes")


def _shapes(sizes) -> str:
    return " vs. ".join("[" + ",".join("?" if s is None else str(s) for s in shape) + "]" for shape in sizes)


def _incompatible(site: _Site, sizes, matrix: bool = False) -> str:
    if matrix:
        (a, b) = ["[" + ",".join("?" if s is None else str(s) for s in shape) + "]" for shape in sizes]
        return f"tfc.{site.op}: Matrix size-incompatible: In[0]: {a}, In[1]: {b}"
    if site.kind == "matmul":
        return f"tfc.{site.op}: In[0] and In[1] must have compatible batch dimensions: {_shapes(sizes)}"
    return f"tfc.{site.op}: Incompatible shapes: {_shapes(sizes)} (sizes must be equal or 1 in each dimension)"
