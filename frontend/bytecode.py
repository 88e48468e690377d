"""What a function's code object contains, read from its bytecode (no inspect.getsource, no parsing)."""
from __future__ import annotations

import dis
import inspect
import types

_JUMPS = frozenset(dis.hasjrel) | frozenset(dis.hasjabs)
_NOT = dis.opmap.get("UNARY_NOT", -1)
# A comprehension's own loop: AutoGraph converts `for` statements, not comprehensions.
_COMPREHENSION_LOOP = frozenset(dis.opmap[name] for name in ("FOR_ITER", "JUMP_BACKWARD", "JUMP_ABSOLUTE")
                                if name in dis.opmap)
# Generators and coroutines: AutoGraph refuses `yield` with a clear error, so it must see them.
_GENERATOR_FLAGS = inspect.CO_GENERATOR | inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR | \
    inspect.CO_ITERABLE_COROUTINE


def is_straight_line(code: types.CodeType, comprehension: bool = False) -> bool:
    """True when the code has no branch, loop, `and`/`or`/`not`, `try`/`with` and is no generator, neither in
    its own body nor in its comprehensions (whose own loop is allowed): then AutoGraph's conversion would give
    back the same function, as every construct it rewrites compiles to a jump, UNARY_NOT or an exception-table
    entry. Conservative: a comprehension's `if` filter counts as a branch. Nested functions and lambdas are
    never converted by AutoGraph, so they are not looked at."""
    if code.co_flags & _GENERATOR_FLAGS or getattr(code, "co_exceptiontable", b""):
        return False
    allowed = _COMPREHENSION_LOOP if comprehension else frozenset()
    if any((i.opcode in _JUMPS and i.opcode not in allowed) or i.opcode == _NOT for i in dis.get_instructions(code)):
        return False
    return all(is_straight_line(const, comprehension=True) for const in code.co_consts
               if isinstance(const, types.CodeType) and const.co_name.startswith("<")
               and const.co_name != "<lambda>")  # <listcomp>, <dictcomp>, ...: part of this body for AutoGraph
