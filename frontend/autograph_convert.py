"""Recursive conversion: which callables AutoGraph converts, where their source is, and the cache of converted code.

Converted code calls `ag__.converted(f)(args)` for every call (TensorFlow's `converted_call`). `converted(f)`
returns what to call:
- user functions, lambdas, bound methods and staticmethods of user classes, `functools.partial` of those, and
  objects whose class defines `__call__` in user code: their converted version, made once per function object
  (the AST work once per code object: nested functions re-created on every call share it);
- `tfc.function`s: themselves (their own traces, inlined: nested-function semantics);
- library code (tfc, numpy, the standard library, installed packages, builtins and C functions), classes,
  generators, code the converter made and functions marked `do_not_convert`: themselves;
- a function whose source cannot be read (exec, eval, an interactive prompt): itself, wrapped so that when it
  uses a tensor as a Python bool the error says why it was not converted, with an AutoGraphWarning.
Conversion is lazy, when a call runs, so a recursive function (with a Python base case) is converted once and
its calls find the cached version. A helper whose code cannot be converted (e.g. `while ... else`) runs as
written, with an AutoGraphWarning naming its line.
"""
from __future__ import annotations

import ast
import copy
import functools
import inspect
import linecache
import logging
import sys
import types
import warnings
import weakref

from . import autograph_ag, autograph_runtime, autograph_transform
from .errors import Location, OperatorNotAllowedInGraphError, UnsupportedError

__all__ = ["AutoGraphWarning", "converted", "convert_entry", "code_of", "DO_NOT_CONVERT"]

DO_NOT_CONVERT = "_tfc_do_not_convert"  # the attribute tfc.autograph.experimental.do_not_convert sets

# Top-level packages whose functions always run as written (besides the standard library).
_LIBRARY_PACKAGES = frozenset({"tfc", "numpy", "ml_dtypes", "llvmlite", "click", "pytest", "_pytest", "pluggy"}) \
    | frozenset(sys.stdlib_module_names)
_NOT_CONVERTIBLE_FLAGS = inspect.CO_GENERATOR | inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR


class AutoGraphWarning(UserWarning):
    """A function called from converted code could not be converted and ran as written."""


class NoSource(Exception):
    """The function's source cannot be found: it is called as written."""


# function -> its converted function, None (runs as written) or a str (no source: why).
_FUNCTIONS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
# code object -> {(file name, recursive): (converted code object, the converted module's AST)}
_CODES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
# Code objects the converter compiled: never converted again (nested functions of converted code, its lambdas).
_ARTIFACTS: "weakref.WeakSet" = weakref.WeakSet()
_LIBRARY_MODULES: dict[str, bool] = {}


# ----------------------------------------------------------------------------------------------- converted()
def converted(f):
    """What converted code calls in place of `f` (see the module docstring)."""
    if isinstance(f, types.FunctionType):
        return _function(f)
    if isinstance(f, types.MethodType):
        func = f.__func__
        new = _function(func) if isinstance(func, types.FunctionType) else func
        return f if new is func else types.MethodType(new, f.__self__)
    if isinstance(f, functools.partial):
        func = converted(f.func)
        return f if func is f.func else functools.partial(func, *f.args, **f.keywords)
    if isinstance(f, type):
        return f  # constructors run as written
    call = getattr(type(f), "__call__", None)
    if isinstance(call, types.FunctionType):  # an object of a user class with __call__
        new = _function(call)
        if new is not call:
            return types.MethodType(new, f)
    return f


def _function(f: types.FunctionType):
    try:
        found = _FUNCTIONS[f]
    except KeyError:
        found = _FUNCTIONS[f] = _decide(f)
    if found is None:
        return f
    if isinstance(found, str):
        return _as_written(f, found)
    return found


def _decide(f: types.FunctionType):
    if not _should_convert(f):
        return None
    try:
        return instantiate(f, code_of(f, recursive=True)[0])
    except NoSource as reason:
        logging.getLogger("tfc.autograph").info("AutoGraph did not convert %s (%s); it runs as written",
                                                f.__qualname__, reason)
        return str(reason)
    except UnsupportedError as error:
        where = error.location or Location(f.__code__.co_filename, f.__code__.co_firstlineno)
        warnings.warn_explicit(f"AutoGraph could not convert {f.__qualname__}(): {error.message}; it runs as "
                               "written (its Python control flow cannot depend on tensors)", AutoGraphWarning,
                               where.file, where.line)
        return None


def _should_convert(f: types.FunctionType) -> bool:
    code = f.__code__
    if getattr(f, DO_NOT_CONVERT, False) or code in _ARTIFACTS or code.co_flags & _NOT_CONVERTIBLE_FLAGS:
        return False
    return not _is_library(f)


def _is_library(f: types.FunctionType) -> bool:
    module = getattr(f, "__module__", None) or ""
    library = _LIBRARY_MODULES.get(module)
    if library is None:
        library = module.partition(".")[0] in _LIBRARY_PACKAGES
        _LIBRARY_MODULES[module] = library
    filename = f.__code__.co_filename
    return library or "site-packages" in filename or "dist-packages" in filename or filename.startswith("<frozen")


def _as_written(f, reason: str):
    """`f` called as written; a tensor used as a Python bool inside it gets the reason it was not converted."""
    @functools.wraps(f)
    def call(*args, **kwargs):
        try:
            return f(*args, **kwargs)
        except OperatorNotAllowedInGraphError as error:
            if getattr(error, "ag_explained", False):
                raise
            message = (f"AutoGraph could not convert {f.__qualname__}() ({reason}), so its Python control flow ran "
                       "as written and cannot depend on a tensor: define it in a source file, or use tfc.cond / "
                       "tfc.while_loop in it")
            where = error.location
            if where is not None:
                warnings.warn_explicit(message, AutoGraphWarning, where.file, where.line)
            else:
                warnings.warn(message, AutoGraphWarning, stacklevel=2)
            explained = OperatorNotAllowedInGraphError(f"{error.message}. {message}", location=where)
            explained.ag_explained = True
            raise explained from None
    return call


# ------------------------------------------------------------------------------------------- converted code
def convert_entry(fn):
    """The converted version of a tfc.function's Python function: as `converted` does for callees, except that
    a construct that cannot be converted raises (the user asked for this function to be converted), and that
    endless recursion while tracing becomes an error naming the function that recursed."""
    # A generator is converted too, to be refused with the line of its `yield`.
    if isinstance(fn, types.FunctionType) and (_should_convert(fn) or fn.__code__.co_flags & inspect.CO_GENERATOR
                                               and not getattr(fn, DO_NOT_CONVERT, False)):
        try:
            entry = instantiate(fn, code_of(fn, recursive=True)[0])
        except NoSource as reason:
            entry = _as_written(fn, str(reason))
    else:
        entry = converted(fn)

    @functools.wraps(entry)
    def traced(*args, **kwargs):
        try:
            return entry(*args, **kwargs)
        except RecursionError as error:
            raise _endless_recursion(error) from None
    return traced


def _endless_recursion(error: RecursionError) -> UnsupportedError:
    """The user function that appears most often in the traceback is the one that recursed."""
    from .errors import _package_roots

    internal = _package_roots() + ("<frozen",)
    frames = []
    tb = error.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if not code.co_filename.startswith(internal):  # the user's frames, and those of their converted code
            frames.append((code, tb.tb_lineno))
        tb = tb.tb_next
    counts: dict = {}
    for code, _ in frames:
        if not code.co_name.startswith(autograph_transform.PREFIX):
            counts[code] = counts.get(code, 0) + 1
    if not counts:
        return UnsupportedError(f"tracing recursed without end: {error}")
    code = max(counts, key=counts.get)
    calls = [i for i, (c, _) in enumerate(frames) if c is code]
    line = frames[calls[1] - 1][1] if len(calls) > 1 else frames[calls[0]][1]  # where it first called itself
    return UnsupportedError(
        f"{code.co_name}() called itself {counts[code]} times while tracing without reaching its base case: a "
        "recursive call under a tensor condition is traced for both branches, so only a Python condition (e.g. on "
        "a Python int argument) can end the recursion while tracing; write the loop as a tensor `while` or "
        "tfc.while_loop instead", location=Location(code.co_filename, line))


def instantiate(f: types.FunctionType, code: types.CodeType) -> types.FunctionType:
    """A function running `code` with `f`'s globals, defaults and closure CELLS (so later assignments to the
    variables it closes over are seen, as by `f`); `ag__` is the runtime."""
    cells = dict(zip(f.__code__.co_freevars, f.__closure__ or ()))
    closure = tuple(cells[name] if name in cells else types.CellType(autograph_ag)
                    for name in code.co_freevars)
    new = types.FunctionType(code, f.__globals__, f.__name__, f.__defaults__, closure)
    new.__kwdefaults__ = f.__kwdefaults__
    new.__qualname__, new.__module__, new.__doc__ = f.__qualname__, f.__module__, f.__doc__
    new.__dict__.update(f.__dict__)
    return new


def code_of(f: types.FunctionType, recursive: bool = True) -> tuple[types.CodeType, ast.Module]:
    """The converted code of `f` (and the AST it was compiled from), made once per code object."""
    code = f.__code__
    entries = _CODES.get(code)
    if entries is None:
        entries = _CODES[code] = {}
    key = (code.co_filename, recursive)
    if key not in entries:
        node, filename = source_node(f)
        _mangle_private_names(node, code)
        free = code.co_freevars
        if isinstance(node, ast.Lambda):
            module = autograph_transform.convert_lambda(node, filename, free, recursive)
        else:
            module = autograph_transform.convert_function(node, filename, free, recursive)
        compiled = compile(module, filename, "exec")
        (factory,) = [c for c in compiled.co_consts if isinstance(c, types.CodeType)]
        (inner,) = [c for c in factory.co_consts if isinstance(c, types.CodeType)]
        _register(inner, module.ag_functions)
        entries[key] = (inner, module)
    return entries[key]


def _register(inner: types.CodeType, functions: list) -> None:
    """Marks every code object the converter made, and tells the runtime the return lines of each converted
    function (for its messages about returns inside tensor loops)."""
    lines_by_def = {(n.name, min([n.lineno] + [d.lineno for d in n.decorator_list])): lines
                    for n, lines in functions if lines}
    todo = [(inner, ())]
    while todo:
        code, lines = todo.pop()
        _ARTIFACTS.add(code)
        if not code.co_name.startswith(autograph_transform.PREFIX):  # a user function: its own returns
            lines = lines_by_def.get((code.co_name, code.co_firstlineno), ())
        if lines:
            autograph_runtime.register_return_lines(code, lines)
        todo.extend((c, lines) for c in code.co_consts if isinstance(c, types.CodeType))


def _mangle_private_names(node: ast.AST, code: types.CodeType) -> None:
    """Inside a class, Python compiles `self.__x` as `self._Class__x`; the converted source is compiled outside the
    class, so such names are renamed as the original code object has them."""
    names: set = set()
    todo = [code]
    while todo:
        c = todo.pop()
        names.update(c.co_names + c.co_varnames + c.co_freevars + c.co_cellvars)
        todo.extend(k for k in c.co_consts if isinstance(k, types.CodeType))
    mangled = {}
    for name in names:
        head, sep, private = name[1:].partition("__")
        if name.startswith("_") and sep and head and not head.startswith("_") and not private.endswith("__"):
            mangled["__" + private] = name
    if not mangled:
        return
    for child in ast.walk(node):
        if isinstance(child, ast.Attribute) and child.attr in mangled:
            child.attr = mangled[child.attr]
        elif isinstance(child, ast.Name) and child.id in mangled:
            child.id = mangled[child.id]


# ---------------------------------------------------------------------------------------------------- source
_TREES: dict[str, tuple[list, dict]] = {}  # file name -> (its linecache lines, {first line: [def/lambda nodes]})


def source_node(f: types.FunctionType) -> tuple[ast.AST, str]:
    """A fresh copy of the FunctionDef or Lambda node that defines `f`, from its file parsed as a whole (so the
    nodes carry the file's real lines and columns); raises NoSource."""
    code = f.__code__
    filename = code.co_filename
    by_line = _definitions(filename, f.__globals__)
    if code.co_name == "<lambda>":
        candidates = [n for n in by_line.get(code.co_firstlineno, ()) if isinstance(n, ast.Lambda)]
        if len(candidates) > 1:
            candidates = [_closest_lambda(code, candidates)]
    else:
        candidates = [n for n in by_line.get(code.co_firstlineno, ())
                      if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == code.co_name]
    if len(candidates) != 1:
        raise NoSource(f"its definition was not found at {filename}:{code.co_firstlineno}")
    node = candidates[0]
    if isinstance(node, ast.AsyncFunctionDef):
        raise NoSource("it is an async function")
    return copy.deepcopy(node), filename  # the passes mutate it; the parsed file stays cached


def _definitions(filename: str, module_globals) -> dict:
    lines = linecache.getlines(filename, module_globals)
    if not lines:
        raise NoSource("its source is not available: it was made by exec/eval or at an interactive prompt")
    cached = _TREES.get(filename)
    if cached is not None and cached[0] is lines:
        return cached[1]
    try:
        tree = ast.parse("".join(lines), filename)
    except (SyntaxError, ValueError) as error:
        raise NoSource(f"its file {filename} does not parse: {error}") from None
    by_line: dict = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            by_line.setdefault(first, []).append(node)
        elif isinstance(node, ast.Lambda):
            by_line.setdefault(node.lineno, []).append(node)
    _TREES[filename] = (lines, by_line)
    return by_line


def _closest_lambda(code: types.CodeType, candidates: list) -> ast.Lambda:
    """Of several lambdas on one line, the one whose span holds most of the code's instruction positions (the
    innermost among equals: an inner lambda's positions also lie in the outer one)."""
    positions = [(line, col) for line, _, col, _ in code.co_positions() if line is not None and col is not None]

    def inside(node, line, col):
        return (node.lineno, node.col_offset) <= (line, col) < (node.end_lineno, node.end_col_offset)

    def score(node):
        span = (node.end_lineno - node.lineno, node.end_col_offset - node.col_offset)
        return (-sum(inside(node, line, col) for line, col in positions), span)
    return min(candidates, key=score)
