"""The op table behind `tfc ops`: every registered op with its attributes, accepted dtypes and targets."""
from __future__ import annotations


def accepted_dtypes(op) -> list[str]:
    """The dtypes an op's rule accepts, found by asking the rule itself (no second list to keep in sync)."""
    import tfc
    from tfc.errors import RuleError
    from tfc.graph import TensorType

    if op.name == "constant":
        return [d.name for d in tfc.dtypes.ALL]
    accepted = []
    for dtype in tfc.dtypes.ALL:
        if op.sample_types is not None:
            inputs = op.sample_types(dtype)
        else:
            inputs = [TensorType((2, 2), dtype)] * (op.num_inputs if op.num_inputs is not None else 2)
        attrs = dict(op.sample_attrs)
        if op.attrs.get("dtype") == "dtype" and "dtype" not in attrs:
            attrs["dtype"] = dtype  # creation ops: the dtype is an attribute, not an input's
        try:
            op.infer(*inputs, **attrs)
        except RuleError:
            continue
        accepted.append(dtype.name)
    return accepted


# Ops that lower for the CPU but not (yet) for CUDA, with the reason `tfc ops` prints. Every other op of the
# registry compiles for CUDA (tests/e2e/test_cuda_compile.py assembles each with ptxas); what the CUDA target
# lacks for all ops alike is dynamic shapes (the launch plan fixes grids at compile time).
def _state_gap() -> str:
    from tfc.ops.known_gaps import KNOWN_GAPS
    return KNOWN_GAPS["cuda-state"]


CUDA_GAPS: dict[str, str] = {name: _state_gap() for name in ("print", "read_variable", "assign_variable")}


def targets(op) -> list[str]:
    if op.lowering is None:
        return []
    return ["cpu"] + ([] if op.name in CUDA_GAPS else ["cuda"])


def op_table() -> list[dict]:
    import tfc
    import tfc.dialect  # noqa: F401  (registers lowerings)
    from tfc.core import REGISTRY

    rows = []
    for name, op in sorted(REGISTRY.items()):
        rows.append({"name": name, "inputs": "variadic" if op.num_inputs is None else str(op.num_inputs),
                     "attrs": dict(op.attrs), "dtypes": accepted_dtypes(op),
                     "targets": targets(op), "gaps": {"cuda": CUDA_GAPS[name]} if name in CUDA_GAPS else {},
                     "any_rank": op.any_rank is not None,  # accepted in reduce_retracing's trace for any rank
                     "doc": op.doc})
    return rows


def known_gaps() -> dict[str, str]:
    from tfc.ops.known_gaps import KNOWN_GAPS
    return dict(KNOWN_GAPS)
