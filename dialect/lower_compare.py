"""Comparisons and logical ops: scalar bodies for the shared elementwise emitter (results are i1)."""
from __future__ import annotations

from tfc import ops

from .lower_elementwise import ScalarBuilder, _elementwise
from .lowering import lowers

# predicate per op: (float predicate (ordered, like numpy: NaN compares false except !=), signed, unsigned)
_PREDICATES = {
    "equal": ("oeq", "eq", "eq"), "not_equal": ("une", "ne", "ne"),
    "less": ("olt", "slt", "ult"), "less_equal": ("ole", "sle", "ule"),
    "greater": ("ogt", "sgt", "ugt"), "greater_equal": ("oge", "sge", "uge"),
}


def _compare(name: str):
    float_pred, signed_pred, unsigned_pred = _PREDICATES[name]

    def body(b: ScalarBuilder, x: str, y: str) -> str:
        if b.dtype.is_floating:
            return b.op(f"arith.cmpf {float_pred}, {x}, {y}")
        predicate = unsigned_pred if b.dtype.kind in "ub" else signed_pred
        return b.op(f"arith.cmpi {predicate}, {x}, {y}")
    return body


for _name in _PREDICATES:
    lowers(getattr(ops, _name))(_elementwise(_compare(_name)))

lowers(ops.logical_and)(_elementwise(lambda b, x, y: b.op(f"arith.andi {x}, {y}")))
lowers(ops.logical_or)(_elementwise(lambda b, x, y: b.op(f"arith.ori {x}, {y}")))
lowers(ops.logical_not)(_elementwise(lambda b, x: b.op(f"arith.xori {x}, {b.constant(True)}")))
