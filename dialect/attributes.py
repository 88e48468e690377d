"""Parsing tensor types and attribute values back into the Python values op rules and implementations expect.

One parser per attribute kind of `tfc.core.ATTR_KINDS`, each the inverse of `tfc.graph.print_attr` /
`print_dense`: `3 : i64` -> 3, `array<i64: 2, -1>` -> (2, -1) (a `shape` maps -1 to None), `true` -> True,
`0x7FF0000000000000 : f64` -> inf, `f32` -> tfc.float32, `"text"` -> "text", `dense<...> : tensor<...>` -> a numpy
array of the tensor's shape and dtype, bit-exact (-0.0 and NaN payloads survive).
"""
from __future__ import annotations

import re

import numpy as np

from tfc import dtypes
from tfc.graph import TensorType

from .cursor import Cursor, STRING

__all__ = ["parse_tensor_type", "parse_attribute", "parse_dense", "SYNTAX"]

# How each kind is spelled, for "expected ..." messages.
SYNTAX = {
    "int": "an integer like `3 : i64`",
    "ints": "an integer array like `array<i64: 0, 1>`",
    "bool": "`true` or `false`",
    "float": "a float like `0.5 : f64`",
    "dtype": "an element type like `f32`",
    "shape": "a shape like `array<i64: 2, -1>` (-1 is a dynamic size)",
    "dense": "a constant like `dense<1.0> : tensor<2xf32>`",
    "str": "a quoted string",
}

_TENSOR = re.compile(r"tensor<([^<>]*)>")
_WORD = re.compile(r"[A-Za-z_][\w.]*")
_INTEGER = re.compile(r"[-+]?\d+(?![\w.])")
_LITERAL = re.compile(r"true|false|[-+]?(?:0x[0-9A-Fa-f]+|\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)(?![\w.])")
_UNSIGNED_OF_WIDTH = {2: np.uint16, 4: np.uint32, 8: np.uint64}


# ------------------------------------------------------------------------------------------------------ types
def element_type(cur: Cursor, name: str, pos: int) -> dtypes.DType:
    try:
        return dtypes.from_mlir(name)
    except ValueError:
        supported = ", ".join(d.mlir for d in dtypes.ALL)
        raise cur.error(f"unsupported element type '{name}'; tfc supports: {supported}", pos) from None


def parse_tensor_type(cur: Cursor) -> TensorType:
    """`tensor<2x?xf32>` (static sizes, `?` for sizes known at run time, any tfc element type)."""
    pos = cur.skip()
    match = cur.match(_TENSOR, "a tensor type like tensor<2x?xf32>")
    *dims, element = match.group(1).replace(" ", "").split("x")
    for dim in dims:
        if dim == "*":
            raise cur.error(f"unranked tensor type {match.group()} is not supported; give the rank", pos)
        if not (dim.isdigit() or dim == "?"):
            raise cur.error(f"bad dimension '{dim}' in {match.group()}: expected a size or '?'", pos)
    shape = [None if d == "?" else int(d) for d in dims]
    return TensorType(shape, element_type(cur, element, pos + len("tensor<") + len(match.group(1)) - len(element)))


# --------------------------------------------------------------------------------------------------- literals
def read_literal(cur: Cursor, what: str) -> tuple[str, int]:
    """The text of one scalar literal (true, false, an integer, a float or a 0x hex number) and its position."""
    pos = cur.skip()
    return cur.match(_LITERAL, what).group(), pos


def literal_value(cur: Cursor, text: str, pos: int, dtype: dtypes.DType):
    """A literal as a numpy scalar of `dtype`, except floats: their bit pattern as an unsigned integer, so that
    arrays built from them keep -0.0 and NaN payloads exactly (view the result as `dtype` afterwards)."""
    if dtype.is_bool:
        if text not in ("true", "false"):
            raise cur.error(f"expected true or false for an i1 value, found '{text}'", pos)
        return np.bool_(text == "true")
    if text in ("true", "false"):
        raise cur.error(f"expected a number for {dtype.mlir}, found '{text}'", pos)
    if dtype.is_floating:
        return _float_bits(cur, text, pos, dtype)
    return _integer(cur, text, pos, dtype)


def _float_bits(cur: Cursor, text: str, pos: int, dtype: dtypes.DType):
    carrier = _UNSIGNED_OF_WIDTH[dtype.itemsize]
    if text.lower().startswith("0x"):  # MLIR spells inf and NaN as the type's bit pattern
        bits = int(text, 16)
        if bits >= 1 << (8 * dtype.itemsize):
            raise cur.error(f"hex float {text} has more bits than {dtype.mlir} holds", pos)
        return carrier(bits)
    with np.errstate(over="ignore"):
        value = np.array(float(text), dtype=dtype.np)
    if np.isinf(value) and not np.isinf(float(text)):
        raise cur.error(f"{text} is out of range for {dtype.mlir}", pos)
    return value.view(carrier)[()]


def _integer(cur: Cursor, text: str, pos: int, dtype: dtypes.DType):
    if text.lower().startswith("0x"):
        value = int(text, 16)
    elif "." in text or "e" in text.lower():
        raise cur.error(f"expected an integer for {dtype.mlir}, found '{text}'", pos)
    else:
        value = int(text)
    info = np.iinfo(dtype.np)
    if not info.min <= value <= info.max:
        raise cur.error(f"{value} does not fit {dtype.mlir} (range {info.min} to {info.max})", pos)
    return dtype.np.type(value)


def as_array(values, dtype: dtypes.DType) -> np.ndarray:
    """An array from (nested lists of) `literal_value` results."""
    if dtype.is_floating:
        return np.array(values, dtype=_UNSIGNED_OF_WIDTH[dtype.itemsize]).view(dtype.np)
    return np.array(values, dtype=dtype.np)


# ------------------------------------------------------------------------------------------- attribute kinds
def _parse_int(cur: Cursor, what: str) -> int:
    value = int(cur.match(_INTEGER, f"{SYNTAX['int']} for {what}").group())
    if cur.accept(":"):
        cur.match(re.compile(r"i\d+"), f"an integer type like i64 for {what}")
    return value


def _parse_int_array(cur: Cursor, what: str) -> tuple[int, ...]:
    cur.expect("array<i64", f"{SYNTAX['ints']} for {what}")
    if cur.accept(">"):
        return ()
    cur.expect(":", "':' or '>'")
    return tuple(cur.comma_list(lambda: int(cur.match(_INTEGER, f"an integer in {what}").group()), ">"))


def _parse_shape(cur: Cursor, what: str) -> tuple[int | None, ...]:
    return tuple(None if d == -1 else d for d in _parse_int_array(cur, what))


def _parse_bool(cur: Cursor, what: str) -> bool:
    if cur.accept("true"):
        return True
    if cur.accept("false"):
        return False
    raise cur.error(f"expected {SYNTAX['bool']} for {what}, found {cur.found()}")


def _parse_float(cur: Cursor, what: str) -> float:
    text, pos = read_literal(cur, f"{SYNTAX['float']} for {what}")
    dtype = dtypes.float64
    if cur.accept(":"):
        type_pos = cur.skip()
        dtype = element_type(cur, cur.match(_WORD, "a float type like f64").group(), type_pos)
        if not dtype.is_floating:
            raise cur.error(f"expected a float type for {what}, found {dtype.mlir}", type_pos)
    return float(literal_value(cur, text, pos, dtype).view(dtype.np))


def _parse_dtype(cur: Cursor, what: str) -> dtypes.DType:
    pos = cur.skip()
    return element_type(cur, cur.match(_WORD, f"{SYNTAX['dtype']} for {what}").group(), pos)


def _parse_str(cur: Cursor, what: str) -> str:
    return cur.string(f"{SYNTAX['str']} for {what}")


def _parse_dense_value(cur: Cursor, what: str) -> np.ndarray:
    return parse_dense(cur, what)[0]


_PARSERS = {"int": _parse_int, "ints": _parse_int_array, "bool": _parse_bool, "float": _parse_float,
            "dtype": _parse_dtype, "shape": _parse_shape, "dense": _parse_dense_value, "str": _parse_str}


def parse_attribute(cur: Cursor, kind: str, what: str):
    """The value of an attribute of `kind` (one of tfc.core.ATTR_KINDS); `what` names it in messages."""
    return _PARSERS[kind](cur, what)


# ---------------------------------------------------------------------------------------------------- dense
def parse_dense(cur: Cursor, what: str = "a constant") -> tuple[np.ndarray, TensorType]:
    """`dense<...> : tensor<...>` as (array, type). The body is read first and converted once the type (which
    follows it) gives the element type: a splat literal, `"0xHEX"` little-endian bytes, nested lists, or empty."""
    start = cur.skip()
    cur.expect("dense<", f"{SYNTAX['dense']} for {what}")
    body = _read_dense_body(cur)
    cur.expect(":", "':' and the constant's tensor type")
    type_pos = cur.skip()
    type = parse_tensor_type(cur)
    if not type.is_static:
        raise cur.error(f"a dense constant needs a static shape, got {type.mlir()}", type_pos)
    return _dense_array(cur, body, type, start), type


def _read_dense_body(cur: Cursor):
    """('empty', None) | ('hex', (text, pos)) | ('splat', (text, pos)) | ('list', nested lists of (text, pos))."""
    if cur.accept(">"):
        return "empty", None
    pos = cur.skip()
    if cur.peek('"'):
        body = ("hex", (cur.string(), pos))
    elif cur.peek("["):
        body = ("list", _read_nested(cur))
    else:
        body = ("splat", read_literal(cur, "a literal, a \"0x...\" hex string or a [...] list in dense<...>"))
    cur.expect(">", "'>' closing dense<...>")
    return body


def _read_nested(cur: Cursor):
    cur.expect("[")
    return cur.comma_list(lambda: _read_nested(cur) if cur.peek("[") else read_literal(cur, "a literal"), "]")


def _dense_array(cur: Cursor, body, type: TensorType, start: int) -> np.ndarray:
    form, content = body
    dtype = type.dtype
    if form == "empty":
        if type.num_elements != 0:
            raise cur.error(f"dense<> is empty but {type.mlir()} has {type.num_elements} element(s)", start)
        return np.zeros(type.shape, dtype=dtype.np)
    if form == "splat":
        return splat(as_array(literal_value(cur, *content, dtype), dtype), type)
    if form == "hex":
        return _hex_array(cur, *content, type)
    try:
        array = as_array(_convert_nested(cur, content, dtype), dtype)
    except ValueError:  # numpy refuses nested lists of unequal lengths
        raise cur.error("the list in dense<...> is ragged: its rows have different lengths", start) from None
    if array.shape != type.shape:
        raise cur.error(f"the list in dense<...> has shape {array.shape} but its type {type.mlir()} has shape "
                        f"{type.shape}", start)
    return array


def _convert_nested(cur: Cursor, items, dtype: dtypes.DType):
    if isinstance(items, tuple):
        return literal_value(cur, *items, dtype)
    return [_convert_nested(cur, item, dtype) for item in items]


def _hex_array(cur: Cursor, text: str, pos: int, type: TensorType) -> np.ndarray:
    dtype = type.dtype
    if dtype.is_bool:
        raise cur.error("hex data for an i1 constant is not supported (MLIR packs it into bits); write "
                        "[true, false, ...] instead", pos)
    if not re.fullmatch(r"0x(?:[0-9A-Fa-f]{2})*", text):
        raise cur.error(f'expected "0x" followed by pairs of hex digits, found "{text[:40]}"', pos)
    data = bytes.fromhex(text[2:])
    if len(data) not in (dtype.itemsize, dtype.itemsize * type.num_elements):
        raise cur.error(f"hex data has {len(data)} bytes but {type.mlir()} needs "
                        f"{type.num_elements * dtype.itemsize}", pos)
    flat = np.frombuffer(data, dtype=dtype.np.newbyteorder("<")).astype(dtype.np)
    if flat.size == 1:  # MLIR's hex splat: one element's bytes for the whole tensor
        return splat(flat.reshape(()), type)
    return flat.reshape(type.shape)


def splat(scalar: np.ndarray, type: TensorType) -> np.ndarray:
    """`type`'s shape filled with a 0-d array, copied bit for bit (np.full could canonicalize a NaN)."""
    return np.broadcast_to(scalar, type.shape).copy()
