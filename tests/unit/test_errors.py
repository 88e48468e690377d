"""Bad input gets a clear tfc error naming the user's file:line, the op or argument, and expected vs got."""
import os
import subprocess

import numpy as np
import pytest

import tfc
from tfc.errors import CompilerError, InvalidArgumentError, SignatureMismatchError

HERE = os.path.basename(__file__)


def test_eager_dtype_mismatch_is_invalid_argument():
    with pytest.raises(InvalidArgumentError) as info:
        tfc.constant(1.0) + tfc.constant(1)
    message = str(info.value)
    assert f"{HERE}:" in message and "tfc.add" in message and "float32" in message and "int32" in message


def test_traced_dtype_mismatch_is_type_error():
    @tfc.function
    def f(x, y):
        return x + y

    with pytest.raises(TypeError, match=r"tfc\.add: x is float32 but y is int32") as info:
        f(tfc.constant(1.0), tfc.constant(1))
    assert info.value.location.file == __file__


def test_incompatible_shapes_eager_and_traced():
    with pytest.raises(InvalidArgumentError, match=r"tfc\.matmul: inner dimensions differ.*3 vs 4"):
        tfc.matmul(tfc.constant(np.ones((2, 3), np.float32)),
                   tfc.constant(np.ones((4, 5), np.float32)))

    @tfc.function
    def f(x, y):
        return x + y

    with pytest.raises(ValueError, match=r"incompatible shapes for broadcasting.*\(2,\).*\(3,\)") as info:
        f(np.ones(2, np.float32), np.ones(3, np.float32))
    assert f"{HERE}:" in str(info.value)


def test_python_float_into_int_tensor_is_type_error():
    with pytest.raises(TypeError, match="2.5"):
        tfc.constant(3) * 2.5


def test_unsupported_argument_type():
    @tfc.function
    def f(x):
        return x + 1

    with pytest.raises(TypeError, match="cannot convert a value of type str"):
        tfc.constant("text")
    with pytest.raises(TypeError, match="unexpected keyword argument 'y'"):
        f(np.ones(2), y=3)


def test_concrete_function_argument_checks():
    @tfc.function
    def f(x):
        return x * 2

    concrete = f.get_concrete_function(tfc.TensorSpec([2, 3], tfc.float32))
    with pytest.raises(SignatureMismatchError, match=r"argument 'x' has dtype int32, expected float32") as info:
        concrete(np.ones((2, 3), np.int32))
    assert info.value.location.file == __file__
    with pytest.raises(SignatureMismatchError, match=r"argument 'x' has shape \(2, 4\), expected \(2, 3\)"):
        concrete(np.ones((2, 4), np.float32))
    with pytest.raises(SignatureMismatchError, match=r"shape \(6,\), expected \(2, 3\)"):
        concrete(np.ones(6, np.float32))
    with pytest.raises(SignatureMismatchError, match="takes 1 tensor argument"):
        concrete(np.ones((2, 3), np.float32), np.ones((2, 3), np.float32))
    # TypeError and ValueError both catch it (TensorFlow raises TypeError for signature mismatches).
    assert issubclass(SignatureMismatchError, TypeError) and issubclass(SignatureMismatchError, ValueError)


def test_symbolic_tensor_misuse():
    @tfc.function(autograph=False)
    def f(x):
        if x:  # without AutoGraph a tensor-dependent Python if is a clear error, not a wrong answer
            return x
        return -x

    with pytest.raises(TypeError, match="as a Python bool is not allowed while tracing"):
        f(tfc.constant(True))

    @tfc.function
    def g(x):
        return x.numpy()

    with pytest.raises(TypeError, match=r"numpy\(\) is not available on a symbolic tensor"):
        g(tfc.constant(1.0))


def test_axis_out_of_range():
    with pytest.raises(InvalidArgumentError, match=r"tfc\.reduce_sum: axis 2 is out of range for a tensor of rank 2"):
        tfc.reduce_sum(tfc.constant(np.ones((2, 2))), axis=2)


def test_mlir_failure_saves_a_reproducer_and_replays(tmp_path, monkeypatch):
    from tfc.passes.mlir_tools import mlir_opt

    monkeypatch.setenv("TFC_REPRO_DIR", str(tmp_path))
    with pytest.raises(CompilerError) as info:
        mlir_opt("func.func @f() { %0 = arith.addf : f32 }", "builtin.module(canonicalize)", what="test-stage")
    error = info.value
    assert os.path.dirname(error.reproducer) == str(tmp_path) and os.path.exists(error.reproducer)
    assert "mlir-opt-22" in error.command and error.reproducer in error.command
    assert "input saved to" in str(error) and "replay with" in str(error)
    replay = subprocess.run(error.command, shell=True, capture_output=True, text=True)
    assert replay.returncode != 0 and "error" in replay.stderr


def test_piped_mlir_opt_and_translate_report_either_failure(tmp_path, monkeypatch):
    """The compile's mlir-opt | mlir-translate pipe: LLVM IR on success; on failure the failing tool's input is
    the reproducer (the translator's as MLIR text, made again) and the replay command names that tool."""
    from tfc.passes.mlir_tools import mlir_opt_to_llvmir

    monkeypatch.setenv("TFC_REPRO_DIR", str(tmp_path))
    llvm_func = "llvm.func @f(%a: f32) -> f32 { %b = llvm.fadd %a, %a : f32\n llvm.return %b : f32 }"
    assert "fadd float" in mlir_opt_to_llvmir(llvm_func, "builtin.module(canonicalize)", what="ok")
    with pytest.raises(CompilerError) as opt_failure:
        mlir_opt_to_llvmir("func.func @f() { %0 = arith.addf : f32 }", "builtin.module(canonicalize)", what="bad-opt")
    assert "mlir-opt-22" in opt_failure.value.command and "bytecode" not in opt_failure.value.command
    with pytest.raises(CompilerError) as translate_failure:  # func.func has no LLVM IR translation
        mlir_opt_to_llvmir("func.func @g() { return }", "builtin.module(canonicalize)", what="bad-translate")
    error = translate_failure.value
    assert "mlir-translate-22" in error.command
    with open(error.reproducer) as saved:
        assert "func.func @g()" in saved.read()
