"""`tfc.print`: tf.print's API and output, eagerly and on every execution of compiled code.

`tfc.print(*inputs)` becomes ONE op, `tfc.print(tensors...) {template, stream, summarize}`: the Python values
and the separators are rendered into the template at trace time (as tf.print does: strings as they are, other
values with pprint, tensors nested in lists/dicts at their places), and the tensors are its operands. Eagerly the
op's implementation prints at once; compiled, the lowering (dialect/lower_print.py) calls back into the runtime
each time the op executes, loops and branches included, and the runtime formats with the same code
(runtime/printing.py), so the text is the same on every path.
"""
from __future__ import annotations

import pprint
import re
import string
import sys

import numpy as np

from tfc.runtime import printing as _printing

from . import errors, nest
from .core import NOT_DIFFERENTIABLE, bind, defgrad, defop
from .tensor import Tensor, convert_to_tensor

__all__ = ["print", "print_op"]


def _print_rule(*inputs, template: str, stream: str, summarize: int) -> tuple:
    expected = sum(1 for _, field, _, _ in string.Formatter().parse(template) if field is not None)
    if len(inputs) != expected:
        raise errors.ShapeRuleError(f"the template has {expected} slot(s) for {len(inputs)} tensor(s)")
    return ()


def _print_impl(*arrays, template: str, stream: str, summarize: int) -> tuple:
    _printing.emit(template, stream, summarize, arrays)
    return ()


print_op = defop("print", infer=_print_rule, impl=_print_impl, num_inputs=None, num_outputs=0, side_effects=True,
                 attrs={"template": "str", "stream": "str", "summarize": "int"},
                 sample_attrs={"template": "{} {}", "stream": "stderr", "summarize": 3},
                 doc="Prints its operands into `template` (str.format syntax, one {} per operand) on `stream` "
                     "(stderr, stdout or file://PATH), each summarized to `summarize` items per dimension.")
defgrad(print_op, NOT_DIFFERENTIABLE)


def _is_tensor(value) -> bool:
    return isinstance(value, (Tensor, np.ndarray, np.generic)) or hasattr(value, "_as_tensor")


class _Slot:
    """Stands for the i-th tensor while a nested input is pretty-printed (its repr is a marker found after)."""

    def __init__(self, index: int):
        self.index = index

    def __repr__(self) -> str:
        return f"\x00{self.index}\x00"


def _escape(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def _input_template(value, tensors: list) -> str:
    """One input's part of the template, appending its tensors (in the order their slots appear)."""
    if isinstance(value, str):
        return _escape(value)
    if _is_tensor(value):
        tensors.append(value)
        return "{}"
    leaves = nest.flatten(value)
    if not any(_is_tensor(leaf) for leaf in leaves):
        return _escape(pprint.pformat(value))
    slots = [_Slot(i) if _is_tensor(leaf) else leaf for i, leaf in enumerate(leaves)]
    pieces = re.split("\x00([0-9]+)\x00", pprint.pformat(nest.pack_sequence_as(value, slots)))
    for index in pieces[1::2]:
        tensors.append(leaves[int(index)])
    return "{}".join(_escape(text) for text in pieces[0::2])


def _stream_name(output_stream) -> str:
    if output_stream is None or output_stream is sys.stderr or output_stream is sys.__stderr__:
        return "stderr"
    if output_stream is sys.stdout or output_stream is sys.__stdout__:
        return "stdout"
    if isinstance(output_stream, str) and output_stream.startswith("file://") and len(output_stream) > 7:
        return output_stream
    raise errors.TfcValueError(f"tfc.print: unsupported output_stream {output_stream!r}; expected sys.stderr (the "
                               "default), sys.stdout or a 'file:///path' string (appended to)",
                               location=errors.user_location())


def print(*inputs, output_stream=None, summarize: int | None = 3, sep: str = " ", end: str = "\n",  # noqa: A001
          name=None):
    """Prints tensors and Python values like tf.print, to stderr by default. Inside a tfc.function it prints
    every time the compiled code reaches it (in loops and branches too), with the values the tensors have there.

    >>> tfc.print("x =", tfc.constant([1, 2, 3]))
    x = [1 2 3]

    `summarize`: the first and last items printed per dimension (None: 3, -1: all); `output_stream`: sys.stderr,
    sys.stdout or "file:///path"; `sep` and `end` as for Python's print.
    """
    if not isinstance(sep, str) or not isinstance(end, str):
        raise errors.TfcTypeError("tfc.print: sep and end must be strings", location=errors.user_location())
    if summarize is None:
        summarize = 3
    if not isinstance(summarize, (int, np.integer)) or isinstance(summarize, bool) or summarize < -1:
        raise errors.TfcValueError(f"tfc.print: summarize must be an int >= -1 (or None), got {summarize!r}",
                                   location=errors.user_location())
    tensors: list = []
    template = _escape(sep).join(_input_template(value, tensors) for value in inputs) + _escape(end)
    stream = _stream_name(output_stream)
    bind(print_op, *[convert_to_tensor(value) for value in tensors], template=template, stream=stream,
         summarize=int(summarize))
    return None
