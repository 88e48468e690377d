"""AutoGraph: rewrites a tfc.function's Python `if`/`while`/`for` into calls that become graph control flow
when their condition is a tensor (and stay Python otherwise).

The source is parsed (`inspect.getsource`), transformed with `ast.NodeTransformer`s and compiled with the ORIGINAL
file name and line numbers, so tracebacks and tfc errors point at the user's code. In order:

1. `return` inside compound statements becomes `ag__do_return = True; ag__retval = value`; statements after an
   `if` whose body always returns move into its else branch (so `if c: return a` + `return b` works with a tensor
   `c`, TensorFlow's rule), other code after a possible return is guarded by `if not ag__do_return`.
2. `break` / `continue` become flags; the code after them in the loop body is guarded by `if not flag`, and the
   loop's condition gains `not break_flag`.
3. `if`, `while`, `for` become nested functions taking and returning the variables the statement assigns,
   passed to `ag__.if_stmt` / `while_stmt` / `for_stmt` (`autograph_runtime.py`). `and`, `or`, `not` become
   `ag__.and_` / `or_` / `not_` (lazy, as in Python, but tensor-aware).

`tfc.autograph.to_code(f)` returns the converted source. Constructs that cannot be converted raise an
UnsupportedError naming the line: `yield`, a tensor condition inside `try`.
A `return` inside a loop sets the flag and the value; every loop around it also stops once the flag is set (its
condition gains `not ag__do_return`). In a tensor loop the return value becomes a loop variable, started as
zeros of the structure the body returns (found by tracing the body once); all returns of such a function must
give the same structure, dtype and shape.
Nested functions and functions the body calls are not converted (a tensor `if` there raises the usual clear
"symbolic tensor as a Python bool" error).
"""
from __future__ import annotations

import ast
import functools
import inspect
import itertools
import textwrap
import logging
import types

from . import autograph_runtime
from .bytecode import is_straight_line
from .errors import Location, UnsupportedError

__all__ = ["convert", "to_code"]

PREFIX = "ag__"
RUNTIME = "ag__"  # the name converted code uses for autograph_runtime


# ------------------------------------------------------------------------------------------------ analysis
class _Assigned(ast.NodeVisitor):
    """Names a block of statements binds, not looking into nested functions, classes or comprehensions."""

    def __init__(self):
        self.names: dict[str, None] = {}  # ordered set

    def visit_Name(self, node: ast.Name):
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            self.names[node.id] = None

    def visit_FunctionDef(self, node):
        self.names[node.name] = None

    visit_AsyncFunctionDef = visit_ClassDef = visit_FunctionDef

    def visit_Lambda(self, node):
        pass

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = visit_Lambda

    def visit_Global(self, node):
        pass


# Names of the functions the converter generates: never part of a statement's state.
_GENERATED = tuple(PREFIX + kind for kind in ("if_", "while_", "for_", "item_", "factory"))


def assigned(stmts, exclude=()) -> tuple[str, ...]:
    visitor = _Assigned()
    for stmt in stmts:
        visitor.visit(stmt)
    return tuple(n for n in visitor.names if n not in exclude and not n.startswith(_GENERATED))


def _contains(stmts, kinds, stop=(ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)) -> bool:
    """True when `stmts` contain a node of `kinds`, not looking into nested functions."""
    todo = list(stmts)
    while todo:
        node = todo.pop()
        if isinstance(node, kinds):
            return True
        if isinstance(node, stop):
            continue
        todo.extend(ast.iter_child_nodes(node))
    return False


def _loop_level(stmts, kinds) -> bool:
    """True when `stmts` hold a break/continue of THIS loop (not of a nested loop)."""
    todo = list(stmts)
    while todo:
        node = todo.pop()
        if isinstance(node, kinds):
            return True
        if isinstance(node, (ast.For, ast.While)):
            todo.extend(node.orelse)
            continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        todo.extend(ast.iter_child_nodes(node))
    return False


def _always_returns(stmts) -> bool:
    for stmt in stmts:
        if isinstance(stmt, ast.Return):
            return True
        if isinstance(stmt, ast.If) and _always_returns(stmt.body) and _always_returns(stmt.orelse):
            return True
    return False


def _name(id_: str, store: bool = False) -> ast.Name:
    return ast.Name(id=id_, ctx=ast.Store() if store else ast.Load())


def _call(func: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=ast.Attribute(value=_name(RUNTIME), attr=func, ctx=ast.Load()), args=list(args),
                    keywords=[])


def _assign(name: str, value: ast.expr) -> ast.Assign:
    return ast.Assign(targets=[_name(name, store=True)], value=value)


def _not_flags(flags: list[str]) -> ast.expr:
    test = _name(flags[0])
    for flag in flags[1:]:
        test = ast.Call(func=ast.Attribute(value=_name(RUNTIME), attr="or_", ctx=ast.Load()),
                        args=[_lambda(test), _lambda(_name(flag))], keywords=[])
    return _call("not_", test)


def _lambda(expr: ast.expr) -> ast.Lambda:
    """A generated `lambda: expr` (marked, so the control-flow pass still converts `and`/`not` inside it)."""
    node = ast.Lambda(args=ast.arguments(posonlyargs=[], args=[], vararg=None, kwonlyargs=[], kw_defaults=[],
                                         kwarg=None, defaults=[]), body=expr)
    node.ag_generated = True
    return node


# ----------------------------------------------------------------------------------------------- 1. returns
class _Returns:
    """Lowers returns nested in compound statements (see the module docstring)."""

    def __init__(self):
        self.needed = False
        self.lines: tuple[int, ...] = ()  # of the function's return statements, for error messages

    def function(self, fn: ast.FunctionDef) -> None:
        nested = any(_contains([s], ast.Return) for s in fn.body if not isinstance(s, ast.Return))
        if not nested:
            return
        self.needed = True
        self.lines = tuple(sorted(n.lineno for n in _walk_function(fn) if isinstance(n, ast.Return)))
        body = self.block(fn.body)
        fn.body = [_assign(autograph_runtime.RETURN_FLAG, ast.Constant(False)),
                   _assign(autograph_runtime.RETURN_VALUE,
                           ast.Call(func=ast.Attribute(value=_name(RUNTIME), attr="Undefined", ctx=ast.Load()),
                                    args=[ast.Constant("return value")], keywords=[]))] + body + \
            [ast.Return(value=_call("retval", _name(autograph_runtime.RETURN_VALUE)))]

    def block(self, stmts: list, in_loop: bool = False) -> list:
        out = []
        for index, stmt in enumerate(stmts):
            rest = stmts[index + 1:]
            if isinstance(stmt, ast.Return):
                # In a loop no `break` is needed: every enclosing loop's condition checks the flag (below), and
                # the rest of the body is guarded like any code after a possible return.
                out += [ast.copy_location(_assign(autograph_runtime.RETURN_FLAG, ast.Constant(True)), stmt),
                        ast.copy_location(_assign(autograph_runtime.RETURN_VALUE, stmt.value or ast.Constant(None)),
                                          stmt)]
                return out  # what follows a return is dead
            if not _contains([stmt], ast.Return):
                out.append(stmt)
                continue
            if isinstance(stmt, ast.If):
                body_returns, else_returns = _always_returns(stmt.body), _always_returns(stmt.orelse)
                if body_returns and not else_returns:
                    stmt.orelse = stmt.orelse + rest
                    rest = []
                elif else_returns and not body_returns:
                    stmt.body = stmt.body + rest
                    rest = []
                stmt.body = self.block(stmt.body, in_loop)
                stmt.orelse = self.block(stmt.orelse, in_loop)
                out.append(stmt)
                if body_returns and else_returns:
                    return out
            elif isinstance(stmt, (ast.While, ast.For)):
                stmt.body = self.block(stmt.body, in_loop=True)
                _stop_when(stmt, autograph_runtime.RETURN_FLAG)
                out.append(stmt)
            else:  # with / try / match: their bodies
                for field in ("body", "orelse", "finalbody"):
                    if hasattr(stmt, field):
                        setattr(stmt, field, self.block(getattr(stmt, field), in_loop))
                for handler in getattr(stmt, "handlers", []):
                    handler.body = self.block(handler.body, in_loop)
                out.append(stmt)
            if rest:  # the statement may have returned: guard the rest
                guard = ast.If(test=_call("not_", _name(autograph_runtime.RETURN_FLAG)),
                               body=self.block(rest, in_loop), orelse=[])
                out.append(ast.copy_location(guard, rest[0]))
            return out
        return out


def _stop_when(loop, flag: str) -> None:
    """Makes `loop` stop before an iteration once `flag` is set: a while's test becomes `not flag and test`; a
    for loop gets the flag in `ag_stop_flags` (checked by for_stmt's extra test)."""
    if isinstance(loop, ast.While):
        loop.test = ast.copy_location(_call("and_", _lambda(_call("not_", _name(flag))), _lambda(loop.test)),
                                      loop.test)
    else:
        loop.ag_stop_flags = [*getattr(loop, "ag_stop_flags", []), flag]


def _walk_function(fn: ast.FunctionDef):
    """The nodes of `fn`'s body, not looking into nested functions."""
    todo = list(fn.body)
    while todo:
        node = todo.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            todo.extend(ast.iter_child_nodes(node))


# ---------------------------------------------------------------------------------------- 2. break/continue
class _BreakContinue(ast.NodeTransformer):
    """Turns break/continue of each loop into flags and guards the statements after them."""

    def __init__(self, counter):
        self.counter = counter

    def visit_FunctionDef(self, node):
        return node  # nested functions are not converted

    visit_AsyncFunctionDef = visit_Lambda = visit_ClassDef = visit_FunctionDef

    def _loop(self, node):
        node.body = [s for stmt in node.body for s in _as_list(self.visit(stmt))]  # inner loops first
        has_break = _loop_level(node.body, ast.Break)
        has_continue = _loop_level(node.body, ast.Continue)
        n = next(self.counter)
        break_flag, continue_flag = f"{PREFIX}break_{n}", f"{PREFIX}continue_{n}"
        flags = ([break_flag] if has_break else []) + ([continue_flag] if has_continue else [])
        if not flags:
            return node
        node.body = self._block(node.body, break_flag, continue_flag, flags)
        before = []
        if has_continue:
            node.body.insert(0, _assign(continue_flag, ast.Constant(False)))
        if has_break:
            before.append(ast.copy_location(_assign(break_flag, ast.Constant(False)), node))
            _stop_when(node, break_flag)
            if node.orelse:  # for/while ... else: runs when the loop did not break
                node.orelse = [ast.If(test=_call("not_", _name(break_flag)), body=node.orelse, orelse=[])]
        for stmt in before + [node]:
            ast.copy_location(stmt, node)
        return before + [node]

    visit_While = visit_For = _loop

    def _block(self, stmts, break_flag, continue_flag, flags):
        out = []
        for index, stmt in enumerate(stmts):
            if isinstance(stmt, ast.Break):
                out.append(ast.copy_location(_assign(break_flag, ast.Constant(True)), stmt))
                return out
            if isinstance(stmt, ast.Continue):
                out.append(ast.copy_location(_assign(continue_flag, ast.Constant(True)), stmt))
                return out
            if not _loop_level([stmt], (ast.Break, ast.Continue)):
                out.append(stmt)
                continue
            for field in ("body", "orelse", "finalbody"):
                if hasattr(stmt, field) and not isinstance(stmt, (ast.For, ast.While)):
                    setattr(stmt, field, self._block(getattr(stmt, field), break_flag, continue_flag, flags))
            for handler in getattr(stmt, "handlers", []):
                handler.body = self._block(handler.body, break_flag, continue_flag, flags)
            out.append(stmt)
            rest = stmts[index + 1:]
            if rest:
                guard = ast.If(test=_not_flags(flags), body=self._block(rest, break_flag, continue_flag, flags),
                               orelse=[])
                out.append(ast.copy_location(guard, rest[0]))
            return out
        return out


# -------------------------------------------------------------------------------------------- 3. statements
class _ControlFlow(ast.NodeTransformer):
    """if/while/for -> nested functions + runtime calls; and/or/not -> runtime calls."""

    def __init__(self, counter, excluded):
        self.counter = counter
        self.excluded = set(excluded)  # globals / nonlocals of the function: never state
        self.try_depth = 0

    def visit_FunctionDef(self, node):
        return node

    visit_AsyncFunctionDef = visit_ClassDef = visit_FunctionDef

    def visit_Lambda(self, node):
        return self.generic_visit(node) if getattr(node, "ag_generated", False) else node

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
            result = ast.copy_location(_call(helper, _lambda(result), _lambda(value)), node)
        return result

    def visit_UnaryOp(self, node):
        node = self.generic_visit(node)
        if isinstance(node.op, ast.Not):
            return ast.copy_location(_call("not_", node.operand), node)
        return node

    def _def(self, name: str, params: list[str], body: list, returns: list[str], where) -> ast.FunctionDef:
        body = list(body) or [ast.Pass()]
        body.append(ast.Return(value=ast.Tuple(elts=[_name(n) for n in returns], ctx=ast.Load())))
        fn = ast.FunctionDef(name=name, args=ast.arguments(posonlyargs=[], args=[ast.arg(arg=p) for p in params],
                                                           vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None,
                                                           defaults=[]),
                             body=body, decorator_list=[], returns=None, type_params=[])
        return ast.copy_location(fn, where)

    def _state(self, names):
        return _call("load", ast.Call(func=_name("locals"), args=[], keywords=[]),
                     ast.Tuple(elts=[ast.Constant(n) for n in names], ctx=ast.Load()))

    def _finish(self, node, call: ast.Call, names, defs) -> list:
        """The statement assigning the call's results; located on the statement's first line only."""
        call.args += [ast.Tuple(elts=[ast.Constant(n) for n in names], ctx=ast.Load()), ast.Constant(node.lineno),
                      ast.Constant(self.try_depth > 0)]
        if names:
            stmt = ast.Assign(targets=[ast.Tuple(elts=[_name(n, store=True) for n in names], ctx=ast.Store())],
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
        call = _call("if_stmt", node.test, _name(true_fn.name), _name(false_fn.name), self._state(names))
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
        call = _call("while_stmt", _name(test_fn.name), _name(body_fn.name), self._state(names))
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
        unpack = ast.copy_location(ast.Assign(targets=[node.target], value=_name(item)), node)
        body_fn = self._def(f"{PREFIX}for_body_{n}", [item, *names], [unpack, *node.body], list(names), node)
        defs = [body_fn]
        extra = ast.Constant(None)
        if stop_flags:
            test_fn = self._def(f"{PREFIX}for_test_{n}", list(names), [], [], node)
            test_fn.body = [ast.Return(value=_not_flags(stop_flags))]
            defs.append(test_fn)
            extra = _name(test_fn.name)
        call = _call("for_stmt", node.iter, extra, _name(body_fn.name), self._state(names))
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


# ---------------------------------------------------------------------------------------------- conversion
def _function_node(fn) -> tuple[ast.FunctionDef, str, int]:
    source = textwrap.dedent(inspect.getsource(fn))
    tree = ast.parse(source)
    node = tree.body[0]
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        raise TypeError(f"expected a function definition, got {type(node).__name__}")
    ast.increment_lineno(tree, fn.__code__.co_firstlineno - 1)  # line 1 of the source (a decorator or the def)
    node.decorator_list = []
    return node, inspect.getsourcefile(fn) or fn.__code__.co_filename, node.lineno


def _converted_tree(fn) -> ast.Module:
    fn_node, filename, _ = _function_node(fn)
    _CURRENT_FILE[0] = filename
    _check_supported(fn_node)
    excluded = set()
    for node in ast.walk(fn_node):
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            excluded.update(node.names)
    counter = itertools.count()
    returns = _Returns()
    returns.function(fn_node)
    fn_node.body = [s for stmt in fn_node.body for s in _as_list(_BreakContinue(counter).visit(stmt))]
    control = _ControlFlow(counter, excluded)
    fn_node.body = [s for stmt in fn_node.body for s in _as_list(control.visit(stmt))]
    free = list(fn.__code__.co_freevars)
    factory = ast.FunctionDef(
        name=f"{PREFIX}factory", args=ast.arguments(posonlyargs=[], args=[ast.arg(arg=a) for a in [RUNTIME, *free]],
                                                    vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None,
                                                    defaults=[]),
        body=[fn_node, ast.Return(value=_name(fn_node.name))], decorator_list=[], returns=None, type_params=[])
    ast.copy_location(factory, fn_node)
    module = ast.Module(body=[factory], type_ignores=[])
    _fix_locations(module, fn_node.lineno, fn_node.col_offset)
    module.ag_return_lines = returns.lines
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


def _as_list(result) -> list:
    if result is None:
        return []
    return result if isinstance(result, list) else [result]


@functools.lru_cache(maxsize=256)
def _compiled(fn):
    module = _converted_tree(fn)
    code = compile(module, _CURRENT_FILE[0], "exec")
    if module.ag_return_lines:
        autograph_runtime.register_return_lines(code, module.ag_return_lines)
    return code, module


def convert(fn):
    """The AutoGraph version of `fn` (a new function with the same globals and closure values), or `fn` itself
    for lambdas and functions whose source cannot be read (logged at INFO on the "tfc.autograph" logger)."""
    if isinstance(fn, (types.MethodType, functools.partial)) or not isinstance(fn, types.FunctionType):
        return fn
    if fn.__name__ == "<lambda>":
        return fn  # a lambda holds no statements to convert
    if is_straight_line(fn.__code__):
        return fn  # nothing to rewrite: skips reading and parsing the source (~20 ms of a first call)
    try:
        code, _ = _compiled(fn)
    except (OSError, TypeError) as error:
        # Logged, not warned (as TensorFlow): code made by exec/eval has no source, and runs fine as written when
        # it has no tensor-dependent Python control flow; when it has, bool(tensor) raises a clear error.
        logging.getLogger("tfc.autograph").info("could not convert %s with AutoGraph (%s); it runs as written",
                                                fn.__qualname__, error)
        return fn
    namespace: dict = {}
    exec(code, fn.__globals__, namespace)  # noqa: S102  (our own compiled AST of the user's function)
    closure = [cell.cell_contents for cell in (fn.__closure__ or ())]
    converted = namespace[f"{PREFIX}factory"](autograph_runtime, *closure)
    converted.__defaults__ = fn.__defaults__
    converted.__kwdefaults__ = fn.__kwdefaults__
    return converted


def to_code(fn) -> str:
    """The source AutoGraph makes of `fn` (a Python function, or a tfc.function)."""
    fn = getattr(fn, "python_function", fn)
    _, module = _compiled(fn)
    inner = module.body[0].body[0]
    return ast.unparse(inner) + "\n"
