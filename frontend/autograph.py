"""`tfc.autograph`: Python control flow on tensors becomes graph control flow (TensorFlow's AutoGraph).

`tfc.function` converts its Python function before tracing: `if`/`while`/`for` whose condition is a tensor
become `tfc.cond` / `tfc.while` (and stay Python on Python values), `a if c else b` likewise, and `and`/`or`/`not`
become tensor-aware. Conversion is recursive, as in TensorFlow: the user functions the body calls (plain
functions, nested functions, lambdas, methods, functions of other modules, `functools.partial`s of them) are
converted when first called; library code runs as written. See autograph_flags.py and autograph_transform.py (the
AST passes), autograph_convert.py (what is converted, the caches) and autograph_ag.py (what converted code calls:
autograph_runtime.py, autograph_loops.py).

>>> def helper(x):
...     if tfc.reduce_sum(x) > 0:
...         x = -x
...     return x
>>> print(tfc.autograph.to_code(lambda x: helper(x) * 2))
lambda x: ag__.converted(helper)(x) * 2
"""
from __future__ import annotations

import ast
import functools
import types

from . import autograph_convert
from .autograph_convert import AutoGraphWarning

__all__ = ["to_code", "to_graph", "do_not_convert", "experimental", "AutoGraphWarning", "convert"]


def convert(fn):
    """The converted version of a tfc.function's Python function (the function itself when it is library code,
    marked do_not_convert, or has no readable source)."""
    return autograph_convert.convert_entry(fn)


def to_graph(entity, recursive: bool = True):
    """The converted version of a Python function (TensorFlow's `tf.autograph.to_graph`); with recursive=False
    the functions it calls run as written."""
    entity = getattr(entity, "python_function", entity)
    target = entity.__func__ if isinstance(entity, types.MethodType) else entity
    if not isinstance(target, types.FunctionType):
        raise TypeError(f"to_graph expects a Python function, got {type(entity).__name__}")
    new = autograph_convert.instantiate(target, autograph_convert.code_of(target, recursive)[0])
    return types.MethodType(new, entity.__self__) if isinstance(entity, types.MethodType) else new


def to_code(entity, recursive: bool = True) -> str:
    """The source AutoGraph makes of `entity` (a function, lambda, method or tfc.function). With recursive=True
    (what tfc.function does) every call is `ag__.converted(f)(...)`: the callee is converted when it runs; with
    recursive=False calls stay as written."""
    entity = getattr(entity, "python_function", entity)
    if isinstance(entity, functools.partial):
        entity = entity.func
    if isinstance(entity, types.MethodType):
        entity = entity.__func__
    if not isinstance(entity, types.FunctionType):
        raise TypeError(f"to_code expects a Python function, got {type(entity).__name__}")
    _, module = autograph_convert.code_of(entity, recursive)
    inner = module.body[0].body[-1].value  # `return <function name>` or `return <lambda>`
    if isinstance(inner, ast.Name):
        inner = module.body[0].body[-2]
    return ast.unparse(inner) + "\n"


def do_not_convert(func=None):
    """Marks `func` to run as written when converted code calls it (and when it is a tfc.function's body):
    TensorFlow's `tf.autograph.experimental.do_not_convert`. Usable as `@do_not_convert` or
    `@do_not_convert()`."""
    if func is None:
        return do_not_convert
    try:
        setattr(func, autograph_convert.DO_NOT_CONVERT, True)
        return func
    except (AttributeError, TypeError):  # builtins and some callables take no attributes: wrap them
        @functools.wraps(func)
        def call(*args, **kwargs):
            return func(*args, **kwargs)
        setattr(call, autograph_convert.DO_NOT_CONVERT, True)
        return call


experimental = types.SimpleNamespace(do_not_convert=do_not_convert)
