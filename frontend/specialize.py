"""Specializing a graph traced for inputs of any rank to the ranks of one call: shape inference re-run over the
GRAPH (the Python function, and its side effects, ran once, at the trace).

reduce_retracing traces once with an unknown rank (TensorType shape None, as TensorFlow) when a call brings a
new rank; ops whose rules accept unknown ranks record their attributes as the user gave them (a reduction's
`axis=-1`, `axis=None`). For a call, each node is rebuilt with its inputs' new types: `op.any_rank` resolves the
attributes for the known ranks, `op.infer` gives the result types, and a rule that rejects them raises
InvalidArgumentError at the user's line of that op. Control flow is rebuilt region by region; a while loop's
variables start as the specialized operands and are widened (differing dims -> None) until the body's results fit.

The same re-inference specializes a graph with run-time (None) sizes to a call whose sizes of 1 must broadcast:
those sizes become static 1, which the lowering broadcasts; `op.refine` updates attributes that hold run-time
sizes (reshape's target), and the `unbroadcast` op of gradients sums over the axes that now broadcast.
"""
from __future__ import annotations

from . import errors
from .graph import Graph, TensorType, Value

__all__ = ["has_unknown_rank", "specialize"]


def has_unknown_rank(graph: Graph) -> bool:
    """True when any value of `graph` (regions included) has an unknown rank."""
    if any(v.type.shape is None for v in graph.inputs):
        return True
    return any(v.type.shape is None for node in graph.nodes for v in node.outputs) or \
        any(has_unknown_rank(region) for node in graph.nodes for region in node.regions)


def specialize(graph: Graph, input_types: list[TensorType]) -> Graph:
    """A copy of `graph` whose first inputs have `input_types` (the others, variables' handles, keep theirs) and
    whose nodes' types and attributes follow from them."""
    new = Graph(graph.name)
    mapping: dict[int, Value] = {}
    types = list(input_types) + [v.type for v in graph.inputs[len(input_types):]]
    for value, type_ in zip(graph.inputs, types):
        mapping[id(value)] = new.add_input(type_)
    _rebuild(graph, new, mapping)
    new.outputs = [mapping[id(v)] for v in graph.outputs]
    new.captured_variables = [(var, mapping[id(handle)]) for var, handle in graph.captured_variables]
    new.created_variables = list(graph.created_variables)
    new.output_checks = list(graph.output_checks)
    return new


def _rebuild(source: Graph, target: Graph, mapping: dict) -> None:
    from .control_flow import cond_op, while_op

    for node in source.nodes:
        inputs = [mapping[id(v)] for v in node.inputs]
        types = [v.type for v in inputs]
        attrs, regions = node.attrs, []
        if node.op.name == "constant":
            out_types = [v.type for v in node.outputs]
        elif node.op is while_op:
            out_types, regions = _while(node, target, mapping, types)
        else:
            regions = [_region(region, target, mapping, []) for region in node.regions]
            if node.op.any_rank is not None and all(t.shape is not None for t in types):
                attrs = _checked(node, lambda: node.op.any_rank(*types, **node.attrs), types)
            old = [v.type for v in node.inputs]
            if node.op.refine is not None and old != types and all(t.shape is not None for t in old + types):
                attrs = node.op.refine(old, types, **attrs)
            region_arg = {"regions": regions} if node.op is cond_op else {}
            out = _checked(node, lambda: node.op.infer(*types, **attrs, **region_arg), types)
            out_types = [out] if isinstance(out, TensorType) else list(out)
        new = target.add_node(node.op, inputs, attrs, out_types, node.loc, regions)
        for old, value in zip(node.outputs, new.outputs):
            mapping[id(old)] = value


def _region(region: Graph, parent: Graph, mapping: dict, input_types: list[TensorType]) -> Graph:
    copy = Graph(region.name, parent)
    for value, type_ in zip(region.inputs, input_types):
        mapping[id(value)] = copy.add_input(type_)
    _rebuild(region, copy, mapping)
    copy.outputs = [mapping[id(v)] for v in region.outputs]
    return copy


def _while(node, target: Graph, mapping: dict, types: list[TensorType]):
    """The loop variables' types: the operands', widened until the body's results fit them (a dimension that
    changes across iterations becomes None; a changing rank or dtype is an error)."""
    from .control_flow import fits, join_types

    cond_region, body_region = node.regions
    loop = list(types)
    while True:
        body = _region(body_region, target, mapping, loop)
        yielded = [v.type for v in body.outputs]
        if all(fits(y, t) for y, t in zip(yielded, loop)):
            break
        widened = [join_types(t, y) for t, y in zip(loop, yielded)]
        for i, (t, y, w) in enumerate(zip(loop, yielded, widened)):
            if w is None or w.shape is None:
                raise errors.InvalidArgumentError(
                    f"tfc.while: loop variable {i} is {t.mlir()} before an iteration and {y.mlir()} after it, with "
                    "the ranks of this call: a loop variable keeps its dtype and rank", location=node.loc)
        loop = widened
    cond = _region(cond_region, target, mapping, loop)
    return loop, [cond, body]


def _checked(node, rule, types):
    """`rule()`, its RuleError raised as InvalidArgumentError at the op's line in the user's code."""
    try:
        return rule()
    except errors.RuleError as error:
        given = ", ".join(t.mlir() for t in types)
        raise errors.InvalidArgumentError(
            f"tfc.{node.op.name}: {error} (this function was traced for any rank; this call gives it {given})",
            location=node.loc) from None


class Specializations:
    """The compiled versions of a concrete function's graph for more specific input types; they are not traces:
    the Python function does not run again. Each is reported through the concrete function's `on_specialized`
    (set by the Function: explain_retracing lists them).

    For a graph traced for any rank (`for_shapes`): one per combination of ranks of its unknown-rank inputs, with
    run-time (None) sizes, except that a dimension of size 1 stays 1 (it broadcasts, where run-time sizes are
    taken to be equal). Where such code cannot be compiled (an output size that is no argument's size, an op that
    needs static sizes), one per exact shape instead. Each exact shape is also checked once by shape inference,
    so that sizes that do not broadcast raise at the op's line.

    For a graph with run-time sizes (`for_sizes`): one per pattern of its run-time sizes that are 1 where a call
    needs them to broadcast (runtime/broadcasts.py says when), those sizes static 1."""

    _CHECKED_LIMIT = 4096  # exact shapes remembered as checked

    def __init__(self, concrete):
        self.concrete = concrete
        self.compiled: dict = {}   # size pattern, ("ones", pattern) or ("shape", exact shapes) -> ConcreteFunction
        self.per_shape: dict = {}  # size pattern -> why its code is compiled per shape
        self.checked: set = set()  # exact shapes whose shape inference passed

    def for_sizes(self, shapes: list[tuple]):
        """The specialization for a call whose run-time size of 1 broadcasts where this code takes sizes to be
        equal: those sizes static 1 (shape inference and the lowering then broadcast them), compiled once per
        pattern. Where that code does not compile or still does not broadcast (a size computed from the
        arguments is 1, e.g. by a reshape), one per exact shape; None where the shapes are exact already."""
        inputs = self.concrete.inputs
        ones = tuple(tuple(1 if s is None and d == 1 else s for s, d in zip(spec.shape, shape))
                     for spec, shape in zip(inputs, shapes))
        found = None
        if ones != tuple(tuple(spec.shape) for spec in inputs):
            found = self._compiled(("ones", ones), ones, "specialized for run-time sizes of 1, which broadcast")
        if found is None and not all(spec.shape.is_fully_defined() for spec in inputs):
            why = f"the code for its sizes of 1 does not compile: {self.per_shape[ones]}" \
                if ones in self.per_shape else "a size computed from the arguments is 1 and broadcasts"
            found = self._exact(tuple(tuple(shape) for shape in shapes), why)
        return found

    def for_shapes(self, shapes: list[tuple], exact_only: bool = False):
        """The specialization that runs a call whose tensor arguments have `shapes`; with `exact_only` the one for
        these exact shapes (the CUDA target: its launch plans need static sizes)."""
        exact = tuple(tuple(shape) if spec.shape.rank is None else None
                      for shape, spec in zip(shapes, self.concrete.inputs))
        if exact not in self.checked:
            specialize(self.concrete.graph, self._types(exact))  # raises InvalidArgumentError at a failing op's line
            if len(self.checked) >= self._CHECKED_LIMIT:
                self.checked.clear()
            self.checked.add(exact)
        if exact_only:
            return self._exact(exact, "static sizes for the GPU")
        pattern = tuple(None if shape is None else tuple(1 if d == 1 else None for d in shape) for shape in exact)
        ranks = ", ".join(str(len(shape)) for shape in exact if shape is not None)
        found = self._compiled(pattern, pattern, f"specialized for rank {ranks}")
        if found is None:
            found = self._exact(exact, f"the code for any size of this rank does not compile: "
                                       f"{self.per_shape[pattern]}")
        return found

    def _compiled(self, key, shapes: tuple, what: str):
        """The specialization for `shapes`, compiled once (under `key`) and reported as `what`; None when its
        code does not compile (`per_shape[shapes]` says why)."""
        found = self.compiled.get(key)
        if found is None and shapes not in self.per_shape:
            found = self._make(shapes)
            try:
                found._compile()
            except errors.UnsupportedError as error:
                self.per_shape[shapes], found = error.message, None
            else:
                self.compiled[key] = found
                self._report(shapes, what)
        return found

    def _exact(self, exact: tuple, why: str):
        """The specialization for these exact shapes, compiled at its first call."""
        found = self.compiled.get(("shape", exact))
        if found is None:
            found = self.compiled[("shape", exact)] = self._make(exact)
            self._report(exact, f"specialized for this shape ({why})")
        return found

    def _types(self, shapes: tuple) -> list[TensorType]:
        """The input types for `shapes` (None: an input whose rank was known at the trace keeps its type)."""
        return [spec._type() if shape is None else TensorType(shape, spec.dtype)
                for shape, spec in zip(shapes, self.concrete.inputs)]

    def _make(self, shapes: tuple):
        concrete = self.concrete
        types = self._types(shapes)
        graph = specialize(concrete.graph, types)
        made = type(concrete)(concrete.name, graph, concrete.arg_names,
                              [_spec_of(t, spec) for t, spec in zip(types, concrete.inputs)],
                              concrete._output_template, concrete._output_is_tensor, concrete._variables,
                              concrete._assigned)
        made.on_specialized = concrete.on_specialized
        return made

    def _report(self, shapes: tuple, what: str) -> None:
        """Tells `on_specialized` about a new specialization, with the arguments whose types it changed."""
        report = self.concrete.on_specialized
        changed = [f"{name}: {spec.dtype.name}{list(shape)}" for name, shape, spec in
                   zip(self.concrete.arg_names, shapes, self.concrete.inputs)
                   if shape is not None and (spec.shape.rank is None or tuple(shape) != tuple(spec.shape))]
        if report is not None and changed:
            report(f"{what} ({'; '.join(changed)})")


def _spec_of(type_: TensorType, spec):
    return type(spec)(type_.shape, type_.dtype, spec.name)
