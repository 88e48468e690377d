"""AutoGraph's first two passes and the AST helpers every pass uses (see autograph_transform.py for the order).

1. Returns nested in compound statements become a flag and a value (`ag__do_return`, `ag__retval`).
2. `break` / `continue` become flags guarding the rest of the loop body.
After them, the only jumps left are the function's final return: the statement passes can turn `if`/`while`/`for`
into functions of the variables they assign.
"""
from __future__ import annotations

import ast

from . import autograph_runtime

PREFIX = "ag__"
RUNTIME = "ag__"  # the name converted code uses for its runtime (autograph_ag.py)

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


def contains(stmts, kinds, stop=(ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)) -> bool:
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


def name_node(id_: str, store: bool = False) -> ast.Name:
    return ast.Name(id=id_, ctx=ast.Store() if store else ast.Load())


def runtime_call(func: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=ast.Attribute(value=name_node(RUNTIME), attr=func, ctx=ast.Load()), args=list(args),
                    keywords=[])


def _assign(name: str, value: ast.expr) -> ast.Assign:
    return ast.Assign(targets=[name_node(name, store=True)], value=value)


def not_flags(flags: list[str]) -> ast.expr:
    test = name_node(flags[0])
    for flag in flags[1:]:
        test = ast.Call(func=ast.Attribute(value=name_node(RUNTIME), attr="or_", ctx=ast.Load()),
                        args=[thunk(test), thunk(name_node(flag))], keywords=[])
    return runtime_call("not_", test)


def thunk(expr: ast.expr) -> ast.Lambda:
    """A generated `lambda: expr` (marked, so the control-flow pass still converts `and`/`not` inside it)."""
    node = ast.Lambda(args=ast.arguments(posonlyargs=[], args=[], vararg=None, kwonlyargs=[], kw_defaults=[],
                                         kwarg=None, defaults=[]), body=expr)
    node.ag_generated = True
    return node


# ----------------------------------------------------------------------------------------------- 1. returns
class Returns:
    """Lowers returns nested in compound statements (see the module docstring)."""

    def __init__(self):
        self.needed = False
        self.lines: tuple[int, ...] = ()  # of the function's return statements, for error messages

    def function(self, fn: ast.FunctionDef) -> None:
        nested = any(contains([s], ast.Return) for s in fn.body if not isinstance(s, ast.Return))
        if not nested:
            return
        self.needed = True
        self.lines = tuple(sorted(n.lineno for n in walk_function(fn) if isinstance(n, ast.Return)))
        body = self.block(fn.body)
        fn.body = [_assign(autograph_runtime.RETURN_FLAG, ast.Constant(False)),
                   _assign(autograph_runtime.RETURN_VALUE,
                           ast.Call(func=ast.Attribute(value=name_node(RUNTIME), attr="Undefined", ctx=ast.Load()),
                                    args=[ast.Constant("return value")], keywords=[]))] + body + \
            [ast.Return(value=runtime_call("retval", name_node(autograph_runtime.RETURN_VALUE)))]

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
            if not contains([stmt], ast.Return):
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
                guard = ast.If(test=runtime_call("not_", name_node(autograph_runtime.RETURN_FLAG)),
                               body=self.block(rest, in_loop), orelse=[])
                out.append(ast.copy_location(guard, rest[0]))
            return out
        return out


def _stop_when(loop, flag: str) -> None:
    """Makes `loop` stop before an iteration once `flag` is set: a while's test becomes `not flag and test`; a
    for loop gets the flag in `ag_stop_flags` (checked by for_stmt's extra test)."""
    if isinstance(loop, ast.While):
        not_flag = thunk(runtime_call("not_", name_node(flag)))
        loop.test = ast.copy_location(runtime_call("and_", not_flag, thunk(loop.test)), loop.test)
    else:
        loop.ag_stop_flags = [*getattr(loop, "ag_stop_flags", []), flag]


def walk_function(fn: ast.FunctionDef):
    """The nodes of `fn`'s body, not looking into nested functions."""
    todo = list(fn.body)
    while todo:
        node = todo.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            todo.extend(ast.iter_child_nodes(node))


# ---------------------------------------------------------------------------------------- 2. break/continue
class BreakContinue(ast.NodeTransformer):
    """Turns break/continue of each loop into flags and guards the statements after them."""

    def __init__(self, counter):
        self.counter = counter

    def visit_FunctionDef(self, node):
        return node  # nested functions are converted on their own (their loops are theirs)

    visit_AsyncFunctionDef = visit_Lambda = visit_ClassDef = visit_FunctionDef

    def _loop(self, node):
        node.body = [s for stmt in node.body for s in as_list(self.visit(stmt))]  # inner loops first
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
                node.orelse = [ast.If(test=runtime_call("not_", name_node(break_flag)), body=node.orelse, orelse=[])]
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
                guard = ast.If(test=not_flags(flags), body=self._block(rest, break_flag, continue_flag, flags),
                               orelse=[])
                out.append(ast.copy_location(guard, rest[0]))
            return out
        return out


def as_list(result) -> list:
    if result is None:
        return []
    return result if isinstance(result, list) else [result]
