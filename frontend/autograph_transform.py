"""AutoGraph's source transformation: a function's AST in, the AST of its converted version out.

Passes, in order, over one function (nested `def`s are converted first, the same way, in place, so a nested
function handed to library code such as tfc.while_loop is converted too, as in TensorFlow):

1. `return` inside compound statements becomes `ag__do_return = True; ag__retval = value`; statements after an
   `if` whose body always returns move into its else branch (so `if c: return a` + `return b` works with a tensor
   `c`, TensorFlow's rule), other code after a possible return is guarded by `if not ag__do_return`.
2. `break` / `continue` become flags; the code after them in the loop body is guarded by `if not flag`, and the
   loop's condition gains `not break_flag`.
3. Calls `f(args)` become `ag__.converted(f)(args)` (recursive conversion, `autograph_convert.converted`): user
   functions the body calls are converted when first called; library code runs as written.
4. `if`, `while`, `for` become nested functions taking and returning the variables the statement assigns,
   passed to `ag__.if_stmt` / `while_stmt` / `for_stmt` (autograph_ag.py). `a if c else b` becomes
   `ag__.if_exp(c, lambda: a, lambda: b)`; `and`, `or`, `not` become `ag__.and_` / `or_` / `not_` (lazy, as in
   Python, but tensor-aware). Lambdas are converted too (they hold only expressions).

Every node keeps the user's line, so tracebacks and tfc errors point at the user's code. Constructs that cannot be
converted raise an UnsupportedError naming the line: `yield`, `while/for ... else`, a tensor condition inside `try`
(the last one at run time). A nested generator function, or one marked `do_not_convert`, is left as written.
A `return` inside a loop sets the flag and the value; every loop around it also stops once the flag is set (its
condition gains `not ag__do_return`). In a tensor loop the return value becomes a loop variable, started as
zeros of the structure the body returns (found by tracing the body once); all returns of such a function must
give the same structure, dtype and shape.
"""
from __future__ import annotations

import ast
import itertools

from .autograph_flags import (PREFIX, RUNTIME, BreakContinue, Returns, as_list, runtime_call, contains, thunk,
                              name_node, not_flags, walk_function, assigned)
from .errors import Location, UnsupportedError

__all__ = ["convert_function", "convert_lambda", "PREFIX", "RUNTIME"]


# -------------------------------------------------------------------------------------------- 3. statements
class _ControlFlow(ast.NodeTransformer):
    """if/while/for -> nested functions + runtime calls; and/or/not -> runtime calls."""

    def __init__(self, counter, excluded):
        self.counter = counter
        self.excluded = set(excluded)  # globals / nonlocals of the function: never state
        self.try_depth = 0

    def visit_FunctionDef(self, node):
        return node  # converted on their own, before this pass (or left as written)

    visit_AsyncFunctionDef = visit_ClassDef = visit_FunctionDef

    def visit_IfExp(self, node):
        node = self.generic_visit(node)
        call = runtime_call("if_exp", node.test, thunk(node.body), thunk(node.orelse), ast.Constant(node.lineno),
                     ast.Constant(self.try_depth > 0))
        return ast.copy_location(call, node)

    def visit_Try(self, node):
        self.try_depth += 1
        node = self.generic_visit(node)
        self.try_depth -= 1
        return node

    visit_TryStar = visit_Try

    def visit_BoolOp(self, node):
        node = self.generic_visit(node)
        helper = "and_" if isinstance(node.op, ast.And) else "or_"
        result = node.values[0]
        for value in node.values[1:]:
            result = ast.copy_location(runtime_call(helper, thunk(result), thunk(value)), node)
        return result

    def visit_UnaryOp(self, node):
        node = self.generic_visit(node)
        if isinstance(node.op, ast.Not):
            return ast.copy_location(runtime_call("not_", node.operand), node)
        return node

    def _def(self, name: str, params: list[str], body: list, returns: list[str], where) -> ast.FunctionDef:
        body = list(body) or [ast.Pass()]
        body.append(ast.Return(value=ast.Tuple(elts=[name_node(n) for n in returns], ctx=ast.Load())))
        fn = ast.FunctionDef(name=name, args=ast.arguments(posonlyargs=[], args=[ast.arg(arg=p) for p in params],
                                                           vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None,
                                                           defaults=[]),
                             body=body, decorator_list=[], returns=None, type_params=[])
        return ast.copy_location(fn, where)

    def _state(self, names):
        return runtime_call("load", ast.Call(func=name_node("locals"), args=[], keywords=[]),
                     ast.Tuple(elts=[ast.Constant(n) for n in names], ctx=ast.Load()))

    def _finish(self, node, call: ast.Call, names, defs) -> list:
        """The statement assigning the call's results; located on the statement's first line only."""
        call.args += [ast.Tuple(elts=[ast.Constant(n) for n in names], ctx=ast.Load()), ast.Constant(node.lineno),
                      ast.Constant(self.try_depth > 0)]
        if names:
            stmt = ast.Assign(targets=[ast.Tuple(elts=[name_node(n, store=True) for n in names], ctx=ast.Store())],
                              value=call)
        else:
            stmt = ast.Expr(value=call)
        stmt.lineno = stmt.end_lineno = node.lineno
        stmt.col_offset = stmt.end_col_offset = node.col_offset
        return [*defs, stmt]

    def visit_If(self, node):
        node = self.generic_visit(node)
        n = next(self.counter)
        names = assigned(node.body + node.orelse, self.excluded)
        true_fn = self._def(f"{PREFIX}if_true_{n}", list(names), node.body, list(names), node)
        false_fn = self._def(f"{PREFIX}if_false_{n}", list(names), node.orelse, list(names), node)
        call = runtime_call("if_stmt", node.test, name_node(true_fn.name), name_node(false_fn.name), self._state(names))
        return self._finish(node, call, names, [true_fn, false_fn])

    def visit_While(self, node):
        node = self.generic_visit(node)
        if node.orelse:
            raise _unsupported(node, "`while ... else` is not supported by AutoGraph; move the else block after "
                                     "the loop (with a flag set before break)")
        n = next(self.counter)
        names = assigned(node.body, self.excluded)
        test_fn = self._def(f"{PREFIX}while_test_{n}", list(names), [], [], node)
        test_fn.body = [ast.Return(value=node.test)]
        body_fn = self._def(f"{PREFIX}while_body_{n}", list(names), node.body, list(names), node)
        call = runtime_call("while_stmt", name_node(test_fn.name), name_node(body_fn.name), self._state(names))
        return self._finish(node, call, names, [test_fn, body_fn])

    def visit_For(self, node):
        stop_flags = getattr(node, "ag_stop_flags", None)
        node = self.generic_visit(node)
        if node.orelse:
            raise _unsupported(node, "`for ... else` is not supported by AutoGraph; move the else block after the "
                                     "loop (with a flag set before break)")
        n = next(self.counter)
        names = assigned([ast.Assign(targets=[node.target], value=ast.Constant(None))] + node.body, self.excluded)
        item = f"{PREFIX}item_{n}"
        unpack = ast.copy_location(ast.Assign(targets=[node.target], value=name_node(item)), node)
        body_fn = self._def(f"{PREFIX}for_body_{n}", [item, *names], [unpack, *node.body], list(names), node)
        defs = [body_fn]
        extra = ast.Constant(None)
        if stop_flags:
            test_fn = self._def(f"{PREFIX}for_test_{n}", list(names), [], [], node)
            test_fn.body = [ast.Return(value=not_flags(stop_flags))]
            defs.append(test_fn)
            extra = name_node(test_fn.name)
        call = runtime_call("for_stmt", node.iter, extra, name_node(body_fn.name), self._state(names))
        return self._finish(node, call, names, defs)


def _unsupported(node, message: str) -> "UnsupportedError":
    return UnsupportedError(message, location=Location(_CURRENT_FILE[0], getattr(node, "lineno", 0),
                                                       getattr(node, "col_offset", 0) + 1))


_CURRENT_FILE = [""]


def _check_supported(fn_node: ast.FunctionDef) -> None:
    todo = list(fn_node.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            raise _unsupported(node, "`yield` (a generator) cannot be converted to a graph: a tfc.function must "
                                     "return its results")
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        todo.extend(ast.iter_child_nodes(node))



# ------------------------------------------------------------------------------------------------------ calls
# Calls that must run in the caller's own frame (zero-argument super, locals(), ...) are never wrapped.
_FRAME_BUILTINS = frozenset({"super", "locals", "globals", "vars", "eval", "exec", "dir"})


class _Calls(ast.NodeTransformer):
    """`f(args)` -> `ag__.converted(f)(args)`: whether the callee is converted is decided when the call runs."""

    def visit_FunctionDef(self, node):
        return node  # converted on their own

    visit_AsyncFunctionDef = visit_ClassDef = visit_FunctionDef

    def visit_Call(self, node):
        node = self.generic_visit(node)
        func = node.func
        if isinstance(func, ast.Name) and func.id in _FRAME_BUILTINS:
            return node
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == RUNTIME:
            return node  # the converter's own helpers
        node.func = ast.copy_location(runtime_call("converted", func), func)
        return node


# ------------------------------------------------------------------------------------------------- conversion
def _left_as_written(fn_node) -> bool:
    """Nested functions the converter leaves alone: generators (their yields are Python's) and functions
    decorated with do_not_convert."""
    for decorator in fn_node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if (target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")) == "do_not_convert":
            return True
    return contains(fn_node.body, (ast.Yield, ast.YieldFrom))


class _Nested(ast.NodeTransformer):
    """Converts the functions defined inside a function (not those in class bodies) in place."""

    def __init__(self, convert):
        self.convert = convert

    def visit_FunctionDef(self, node):
        if not _left_as_written(node):
            self.convert(node)
        return node

    def visit_ClassDef(self, node):
        return node

    visit_AsyncFunctionDef = visit_ClassDef


def _convert(fn_node: ast.FunctionDef, counter, recursive: bool, converted: list) -> None:
    """Runs the passes over one function, its nested functions first; appends (node, return lines) to
    `converted` for each function converted."""
    for stmt in fn_node.body:
        _Nested(lambda node: _convert(node, counter, recursive, converted)).visit(stmt)
    excluded = {name for node in walk_function(fn_node) if isinstance(node, (ast.Global, ast.Nonlocal))
                for name in node.names}
    returns = Returns()
    returns.function(fn_node)
    fn_node.body = [s for stmt in fn_node.body for s in as_list(BreakContinue(counter).visit(stmt))]
    if recursive:
        fn_node.body = [_Calls().visit(stmt) for stmt in fn_node.body]
    control = _ControlFlow(counter, excluded)
    fn_node.body = [s for stmt in fn_node.body for s in as_list(control.visit(stmt))]
    converted.append((fn_node, returns.lines))


def convert_function(fn_node: ast.FunctionDef, filename: str, free: tuple, recursive: bool = True) -> ast.Module:
    """`def ag__factory(ag__, *free): <fn_node converted>; return <it>` for a function parsed from `filename`
    (a module whose nodes keep the user's lines). `free`: the function's free variables, in any order."""
    _CURRENT_FILE[0] = filename
    _check_supported(fn_node)
    fn_node.decorator_list = []
    converted: list = []
    _convert(fn_node, itertools.count(), recursive, converted)
    return _factory(fn_node, name_node(fn_node.name), free, converted)


def convert_lambda(node: ast.Lambda, filename: str, free: tuple, recursive: bool = True) -> ast.Module:
    """The factory module of a lambda: its calls, conditional expressions and and/or/not converted."""
    _CURRENT_FILE[0] = filename
    if recursive:
        node = _Calls().visit(node)
    node = _ControlFlow(itertools.count(), set()).visit(node)
    return _factory(None, node, free, [])


def _factory(fn_node, result: ast.expr, free: tuple, converted: list) -> ast.Module:
    """The module holding the converted function; only the function's code object is used (the factory never
    runs), so the function's own name is declared global there: the function sees its name as the original
    did (a global, or a free variable when it is one of `free`)."""
    body = ([fn_node] if fn_node is not None else []) + [ast.Return(value=result)]
    if fn_node is not None and fn_node.name not in free:
        body.insert(0, ast.Global(names=[fn_node.name]))
    where = fn_node if fn_node is not None else result
    factory = ast.FunctionDef(
        name=f"{PREFIX}factory", args=ast.arguments(posonlyargs=[], args=[ast.arg(arg=a) for a in [RUNTIME, *free]],
                                                    vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None,
                                                    defaults=[]),
        body=body, decorator_list=[], returns=None, type_params=[])
    ast.copy_location(factory, where)
    module = ast.Module(body=[factory], type_ignores=[])
    _fix_locations(module, where.lineno, where.col_offset)
    module.ag_functions = converted
    return module


def _fix_locations(node, lineno: int, col: int) -> None:
    """Gives generated nodes their statement's START line as their whole extent. (ast.fix_missing_locations
    would copy the parent's end line too, and Python reports a method call's line from the END of
    `ag__.while_stmt`, so a loop's ops would be attributed to the loop's last line.)"""
    if "lineno" in node._attributes:
        if getattr(node, "lineno", None) is None:
            node.lineno, node.end_lineno = lineno, lineno
            node.col_offset, node.end_col_offset = col, col
        else:
            lineno, col = node.lineno, node.col_offset
    for child in ast.iter_child_nodes(node):
        _fix_locations(child, lineno, col)
