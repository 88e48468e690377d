"""What a first compile does to start sooner: the host's vector width without llvmlite, and the MLIR tools started
before the compiler is imported (passes/mlir_tools.py `tools_started_early`), which must compile, fail and clean
up exactly as tools started on demand."""
import numpy as np
import pytest

import tfc
from tfc.errors import CompilerError
from tfc.passes import mlir_tools, pipeline
from tfc.passes.target import host, host_vector_bits, vector_bits

LINALG = """func.func @scale(%a: memref<4xf32>, %out: memref<4xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]}
      ins(%a : memref<4xf32>) outs(%out : memref<4xf32>) {
  ^bb0(%x: f32, %y: f32):
    %two = arith.constant 2.0 : f32
    %r = arith.mulf %x, %two : f32
    linalg.yield %r : f32
  }
  return
}
"""
LOWER = pipeline.pass_string("lower-cpu")


def test_host_vector_width_from_cpu_flags_is_llvms():
    assert host_vector_bits() == vector_bits(host())


@pytest.mark.parametrize("rewrite", [None, lambda text: text + "\n"], ids=["piped", "rewritten"])
def test_tools_started_early_give_the_same_llvm_ir(rewrite):
    on_demand = mlir_tools.mlir_opt_to_llvmir(LINALG, LOWER, "test", rewrite)
    with mlir_tools.tools_started_early():
        early = mlir_tools.mlir_opt_to_llvmir(LINALG, LOWER, "test", rewrite)
        assert not mlir_tools._STARTED  # taken
    assert early == on_demand and "fmul" in early


def test_unused_tools_are_stopped():
    with mlir_tools.tools_started_early():
        (pair,) = mlir_tools._STARTED
    assert not mlir_tools._STARTED and all(proc.returncode is not None for proc in pair)
    with mlir_tools.tools_started_early(enabled=False):
        assert not mlir_tools._STARTED


def test_a_failure_replays_as_the_usual_pass_pipeline():
    with mlir_tools.tools_started_early(), pytest.raises(CompilerError) as caught:
        mlir_tools.mlir_opt_to_llvmir("func.func @broken(", LOWER, "test")
    assert "--pass-pipeline=" in caught.value.command and "--run-reproducer" not in caught.value.command
    with open(caught.value.reproducer) as f:
        assert f.read() == "func.func @broken("


def test_a_first_call_takes_the_tools_started_early(monkeypatch, tmp_path):
    monkeypatch.setenv("TFC_CACHE_DIR", str(tmp_path))
    taken = []
    take = mlir_tools._take_started
    monkeypatch.setattr(mlir_tools, "_take_started", lambda: taken.append(take()) or taken[-1])

    @tfc.function
    def f(x):
        return x * 3.0 + 1.0
    np.testing.assert_allclose(f(np.arange(5, dtype=np.float32)).numpy(), np.arange(5) * 3.0 + 1.0)
    assert len(taken) == 1 and taken[0] is not None


@pytest.mark.parametrize("early", [False, True])
def test_a_translator_failure_saves_the_llvm_dialect_text(early):
    """No passes: mlir-opt passes linalg through, which mlir-translate cannot translate."""
    with mlir_tools.tools_started_early(early), pytest.raises(CompilerError) as caught:
        mlir_tools.mlir_opt_to_llvmir(LINALG, "builtin.module()", "test")
    assert caught.value.command.startswith(mlir_tools.MLIR_TRANSLATE)
    with open(caught.value.reproducer) as f:
        assert "linalg.generic" in f.read()
