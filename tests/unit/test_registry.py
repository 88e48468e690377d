"""Every op is complete: rule, numpy implementation, docstring, lowering; `tfc ops` lists them all."""
import json

import pytest
from click.testing import CliRunner

import tfc
import tfc.dialect  # noqa: F401  (registers lowerings)
from tfc.core import REGISTRY
from tfc.runtime import abi
from tfc.tools.cli import main


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_op_is_complete(name):
    op = REGISTRY[name]
    assert callable(op.infer) and callable(op.impl)
    assert op.doc, f"tfc.{name} has no docstring"
    assert op.lowering is not None, f"tfc.{name} has no lowering"


def test_tfc_ops_lists_every_op_with_dtypes_and_targets():
    result = CliRunner().invoke(main, ["ops", "--json"])
    assert result.exit_code == 0, result.output
    table = {row["name"]: row for row in json.loads(result.output)}
    assert set(table) == set(REGISTRY)
    for name, row in table.items():
        assert row["dtypes"], f"tfc ops found no dtype that tfc.{name} accepts"
        assert row["targets"] == ["cpu", "cuda"] or row["gaps"].get("cuda")
    assert "int32" not in table["exp"]["dtypes"] and "int32" in table["add"]["dtypes"]


def test_doctor_reports_the_toolchain():
    result = CliRunner().invoke(main, ["doctor"])
    assert result.exit_code == 0, result.output
    for tool in ("mlir-opt-22", "mlir-translate-22", "FileCheck", "llvmlite", "cc"):
        assert tool in result.output
    assert "LLVM 22." in result.output


def test_doctor_fails_clearly_when_a_tool_is_missing(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr("tfc.passes.mlir_tools.shutil.which", lambda *a, **k: None)
    result = CliRunner().invoke(main, ["doctor"])
    assert result.exit_code == 1
    assert "mlir-opt-22 not found: apt-get install mlir-22-tools" in result.output


def test_inspect_prints_a_manifest(tmp_path):
    @tfc.function
    def area(w, h):
        return w * h

    concrete = area.get_concrete_function(tfc.TensorSpec([3], tfc.float32), tfc.TensorSpec([3], tfc.float32))
    concrete(*[[1, 2, 3]] * 2)
    result = CliRunner().invoke(main, ["inspect", concrete._artifact.library])
    assert result.exit_code == 0, result.output
    assert "area(w: float32[3], h: float32[3]) -> (float32[3])" in result.output
    assert f"ABI version {abi.ABI_VERSION}" in result.output


def test_doctor_refuses_an_llvm_major_mismatch(monkeypatch):
    import llvmlite.binding as llvm

    monkeypatch.setattr(llvm, "llvm_version_info", (21, 1, 0))
    result = CliRunner().invoke(main, ["doctor"])
    assert result.exit_code == 1
    assert "llvmlite's LLVM is 21.1.0 but the MLIR tools are LLVM 22" in result.output


@pytest.mark.parametrize("name", sorted(n for n, op in REGISTRY.items() if op.any_rank is not None))
def test_any_rank_rule_agrees_with_the_known_rank_rule(name):
    """An op that accepts unknown ranks: its rule on unknown-rank samples gives the dtype the known-rank rule
    gives (and the known rank or an unknown one), and its resolver turns the attributes into ones the rule takes."""
    from tfc.graph import TensorType
    from tfc.tools.op_table import accepted_dtypes

    op = REGISTRY[name]
    dtype = tfc.as_dtype(accepted_dtypes(op)[0])
    known = op.sample_types(dtype) if op.sample_types else [TensorType((2, 2), dtype)] * (op.num_inputs or 2)
    attrs = dict(op.sample_attrs, **({"dtype": dtype} if op.attrs.get("dtype") == "dtype" else {}))
    want = op.infer(*known, **attrs)
    unknown = [TensorType(None, t.dtype) for t in known]
    got = op.infer(*unknown, **attrs)
    for w, g in zip([want] if isinstance(want, TensorType) else want, [got] if isinstance(got, TensorType) else got):
        assert g.dtype == w.dtype and g.rank in (None, w.rank), (w, g)
    assert op.infer(*known, **op.any_rank(*known, **attrs)) == want
