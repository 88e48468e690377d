"""The op table the e2e tests run: for every registry op, callables and input specs, with a numpy reference
written independently of the op's own implementation."""
from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np

import tfc
from tfc.ops.sequence import resize_rows, row, write_row
from tfc.ops.shape import broadcast_like, shape_op, unbroadcast

FLOATS = ("float32", "float64", "float16", "bfloat16")
INTS = ("int32", "int64", "int8", "uint8")
NUMERIC = FLOATS + INTS

# Shapes per arity: 0-d, vector, matrix, broadcasting (row against matrix, scalar against matrix), odd sizes.
UNARY_SHAPES = [(), (7,), (3, 5), (2, 3, 4)]
BINARY_SHAPES = [((), ()), ((7,), (7,)), ((3, 5), (3, 5)), ((3, 5), (5,)), ((4, 1), (1, 6)), ((), (2, 3)),
                 ((2, 1, 3), (4, 3))]


@dataclasses.dataclass
class Case:
    op: str                       # registry name this case covers
    fn: Callable                  # the tfc call, on tensors
    reference: Callable           # numpy, written independently
    shapes: list                  # one tuple of input shapes per case
    dtypes: tuple                 # dtypes to run each shape with
    domain: str = "any"           # "positive" for log/sqrt inputs
    id: str = ""

    def __post_init__(self):
        self.id = self.id or self.op


def _unary(op, fn, reference, dtypes=FLOATS, domain="any"):
    return Case(op, fn, reference, [(s,) for s in UNARY_SHAPES], dtypes, domain)


def _binary(op, fn, reference, dtypes=NUMERIC):
    return Case(op, fn, reference, BINARY_SHAPES, dtypes)


def _truediv_reference(x, y):
    if x.dtype.kind in "iu":
        target = np.float32 if x.dtype.itemsize <= 2 else np.float64
        x, y = x.astype(target), y.astype(target)
    return x / y


CASES = [
    _binary("add", lambda x, y: x + y, np.add),
    _binary("subtract", lambda x, y: tfc.subtract(x, y), np.subtract),
    _binary("multiply", lambda x, y: x * y, np.multiply),
    Case("divide", lambda x, y: x / y, _truediv_reference, BINARY_SHAPES, FLOATS + ("int32", "int8"),
         domain="positive"),
    _unary("negative", lambda x: -x, np.negative, dtypes=NUMERIC),
    _unary("exp", tfc.math.exp, np.exp),
    _unary("log", tfc.math.log, np.log, domain="positive"),
    _unary("tanh", tfc.math.tanh, np.tanh),
    _unary("sqrt", tfc.math.sqrt, np.sqrt, domain="positive"),
    Case("cast", lambda x: tfc.cast(x, tfc.int32), lambda x: np.trunc(x).astype(np.int32),
         [(s,) for s in UNARY_SHAPES], FLOATS, id="cast-float-to-int"),
    Case("cast", lambda x: tfc.cast(x, tfc.float64), lambda x: x.astype(np.float64),
         [(s,) for s in UNARY_SHAPES], ("int32", "uint8", "int8", "float32", "bool"), id="cast-to-float64"),
    Case("cast", lambda x: tfc.cast(x, tfc.bool), lambda x: x != 0, [(s,) for s in UNARY_SHAPES],
         ("float32", "int64"), id="cast-to-bool"),
    Case("matmul", tfc.matmul, np.matmul, [((3, 4), (4, 5)), ((1, 1), (1, 1)), ((2, 3, 4), (4, 2)),
                                           ((2, 1, 3, 4), (5, 4, 2)), ((8, 16), (16, 3))], ("float32", "float64", "int32")),
    Case("matmul", lambda a, b: tfc.matmul(a, b, transpose_a=True, transpose_b=True),
         lambda a, b: np.swapaxes(a, -1, -2) @ np.swapaxes(b, -1, -2), [((4, 3), (5, 4)), ((2, 4, 3), (2, 5, 4))],
         ("float32",), id="matmul-transposed"),
    Case("reduce_sum", lambda x: tfc.reduce_sum(x), lambda x: np.sum(x, dtype=x.dtype),
         [(s,) for s in UNARY_SHAPES], ("float32", "int32", "float64"), id="reduce_sum-all"),
    Case("reduce_sum", lambda x: tfc.reduce_sum(x, axis=-1, keepdims=True),
         lambda x: np.sum(x, axis=-1, keepdims=True, dtype=x.dtype), [((7,),), ((3, 5),), ((2, 3, 4),)],
         ("float32", "int64"), id="reduce_sum-last-keepdims"),
    Case("reduce_sum", lambda x: tfc.reduce_sum(x, axis=[0, 2]), lambda x: np.sum(x, axis=(0, 2), dtype=x.dtype),
         [((2, 3, 4),), ((5, 1, 2),)], ("float32", "int32"), id="reduce_sum-axes"),
    Case("reshape", lambda x: tfc.reshape(x, [-1]), lambda x: x.reshape(-1), [(s,) for s in UNARY_SHAPES],
         ("float32", "int8", "bool"), id="reshape-flatten"),
    Case("reshape", lambda x: tfc.reshape(x, [3, 2, 2]), lambda x: x.reshape(3, 2, 2), [((12,),), ((2, 6),)],
         ("float32",), id="reshape-3d"),
    Case("reshape", lambda x: tfc.reshape(x, []), lambda x: x.reshape(()), [((1,),), ((1, 1),)], ("int32",),
         id="reshape-to-scalar"),
    Case("transpose", tfc.transpose, lambda x: x.T, [((3, 5),), ((2, 3, 4),), ((7,),)], ("float32", "int64", "bool")),
    Case("transpose", lambda x: tfc.transpose(x, [1, 2, 0]), lambda x: np.transpose(x, (1, 2, 0)),
         [((2, 3, 4),)], ("float32",), id="transpose-perm"),
]


def _while_reference(x):
    while np.sum(x, dtype=x.dtype) < 10:
        x = x + np.asarray(1, x.dtype)
    return x


def _write_row_reference(x, v):
    out = x.copy()
    out[1] = v
    return out


def _unbroadcast_reference(x, like):
    """Sums x over the axes like was broadcast along (written against numpy's broadcasting, not the op's axes)."""
    ones = np.broadcast_to(np.ones(like.shape, np.float64), x.shape)
    total = x.astype(np.float64)
    for axis in range(x.ndim):
        if ones.strides[axis] == 0 and x.shape[axis] != 1:
            total = total.sum(axis=axis, keepdims=True)
    return total.reshape(like.shape).astype(x.dtype)


def _resized_rows(x, counts):
    """Each resize's rows (one result per row: a resized tensor has a run-time size, which no output may have)."""
    results = []
    for n in counts:
        resized = resize_rows(x, tfc.constant(n))
        results += [row(resized, tfc.constant(i)) for i in range(n)]
    return results


def _resized_rows_reference(x):
    return [x[i] if i < x.shape[0] else np.zeros_like(x[0]) for n in [5, 1, 0] for i in range(n)]


# Comparisons, logical ops, range/row, stacks and control flow (tracing issue).
CASES += [
    _binary("equal", lambda x, y: tfc.equal(x, y), np.equal),
    _binary("not_equal", lambda x, y: x != y, np.not_equal),
    _binary("less", lambda x, y: x < y, np.less),
    _binary("less_equal", lambda x, y: x <= y, np.less_equal),
    _binary("greater", lambda x, y: x > y, np.greater),
    _binary("greater_equal", lambda x, y: x >= y, np.greater_equal),
    Case("logical_and", lambda x, y: x & y, np.logical_and, BINARY_SHAPES, ("bool",)),
    Case("logical_or", lambda x, y: x | y, np.logical_or, BINARY_SHAPES, ("bool",)),
    Case("logical_not", lambda x: ~x, np.logical_not, [(s,) for s in UNARY_SHAPES], ("bool",)),
    Case("range", lambda n: tfc.reduce_sum(tfc.range(n)), lambda n: np.sum(np.arange(n), dtype=n.dtype), [((),)],
         ("int32", "int64")),
    Case("row", lambda x: row(x, tfc.constant(1)), lambda x: x[1], [((3, 4),), ((2,),)],
         ("float32", "int8")),
    Case("write_row", lambda x, v: write_row(x, tfc.constant(1), v), _write_row_reference,
         [((3, 4), (4,)), ((2,), ()), ((2, 2, 3), (2, 3))], ("float32", "float64", "int8", "bool")),
    Case("resize_rows", lambda x: _resized_rows(x, [5, 1, 0]), _resized_rows_reference, [((3, 4),), ((2,),)],
         ("float32", "float64", "int32")),
    Case("broadcast_like", lambda x, like: broadcast_like(x, like), lambda x, like: np.broadcast_to(x, like.shape),
         [((1, 4), (3, 4)), ((), (2, 3)), ((4,), (2, 4))], ("float32", "float64", "int64", "bool")),
    Case("unbroadcast", lambda x, like: unbroadcast(x, like), _unbroadcast_reference,
         [((3, 2), (1, 2)), ((2, 3, 4), (3, 1)), ((4,), (4,)), ((2, 3), ())],
         ("float32", "float64", "float16", "int32")),
    Case("shape", lambda x: [tfc.core.bind(shape_op, x, dtype=tfc.int32), tfc.core.bind(shape_op, x, dtype=tfc.int64)],
         lambda x: [np.array(x.shape, np.int32), np.array(x.shape, np.int64)], [((3, 4),), ((),), ((2, 1, 5),)],
         ("float32", "bool")),
    # round: the numeric gradient check sees a piecewise-constant function (0), where stop_gradient gives None
    Case("stop_gradient", lambda x: tfc.stop_gradient(tfc.round(x)) * 2, lambda x: np.round(x) * 2,
         [(s,) for s in UNARY_SHAPES], ("float32", "float64")),
    Case("cond", lambda x: tfc.cond(tfc.reduce_sum(x) > 0, lambda: x * 2, lambda: -x),
         lambda x: x * 2 if np.sum(x, dtype=x.dtype) > 0 else -x, [(s,) for s in UNARY_SHAPES], ("float32", "int32")),
    Case("while", lambda x: tfc.while_loop(lambda v: tfc.reduce_sum(v) < 10, lambda v: v + 1, x), _while_reference,
         [((),), ((3,),), ((2, 2),)], ("float32", "int64")),
]


def expand():
    """(case, shapes, dtype) triples, each a pytest parameter with a readable id."""
    for case in CASES:
        for shapes in case.shapes:
            for dtype in case.dtypes:
                label = "-".join("x".join(map(str, s)) or "scalar" for s in shapes)
                yield case, shapes, dtype, f"{case.id}-{dtype}-{label}"

# TensorFlow's wider op set (issue 3) lives in its own module to keep this one small.
from op_cases_tf import CASES as _TF_CASES  # noqa: E402

CASES += _TF_CASES
