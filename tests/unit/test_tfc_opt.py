"""tfc-opt's command line, run in-process (the lit tests run it as a program)."""
import io
import shutil
import subprocess
import sys

import pytest

from tfc.dialect import irdl
from tfc.tools import opt
from tfc.tools.diagnostics import expected_errors

needs_mlir_opt = pytest.mark.skipif(shutil.which("mlir-opt-22") is None, reason="mlir-opt-22 is not installed")

FUNCTION = """func.func @f(%arg0: tensor<3xf32>) -> (tensor<3xf32>) {
  %0 = "tfc.exp"(%arg0) : (tensor<3xf32>) -> tensor<3xf32> loc("model.py":4:11)
  %1 = "tfc.exp"(%arg0) : (tensor<3xf32>) -> tensor<3xf32> loc("model.py":5:11)
  %2 = "tfc.log"(%0) : (tensor<3xf32>) -> tensor<3xf32> loc("model.py":6:11)
  func.return %1 : tensor<3xf32>
}
"""


def run(args, stdin="", monkeypatch=None):
    """(exit status, stdout, stderr) of `tfc-opt args` with `stdin` as standard input."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    try:
        status = opt.main(args)
    except SystemExit as exit:  # argparse's --help and usage errors
        status = exit.code
    return status, out.getvalue(), err.getvalue()


def test_prints_without_locations_unless_asked(monkeypatch):
    status, out, _ = run([], FUNCTION, monkeypatch)
    assert status == 0 and "loc(" not in out and out.startswith("func.func @f(")
    status, out, _ = run(["--mlir-print-debuginfo"], FUNCTION, monkeypatch)
    assert out == FUNCTION


def test_graph_passes_apply_in_command_line_order(monkeypatch):
    _, dce_first, _ = run(["--dce", "--cse"], FUNCTION, monkeypatch)
    assert dce_first.count("tfc.exp") == 1 and "tfc.log" not in dce_first
    _, cse_only, _ = run(["--cse"], FUNCTION, monkeypatch)
    assert cse_only.count("tfc.exp") == 1 and "tfc.log" in cse_only
    assert opt.build_argument_parser().parse_args(["--fold", "--dce", "--fold"]).passes == ["fold", "dce", "fold"]


def test_split_input_file_keeps_chunks_apart(monkeypatch):
    text = FUNCTION + "// -----\n" + FUNCTION
    status, out, _ = run(["--split-input-file"], text, monkeypatch)
    assert status == 0 and out.count("func.func @f(") == 2 and out.count("// -----\n") == 1
    status, _, err = run([], text, monkeypatch)  # unsplit, the file defines @f twice
    assert status == 1 and "<stdin>:8:1: error: redefinition of function @f" in err


def test_a_bad_chunk_fails_the_run_but_the_others_are_printed(monkeypatch):
    text = FUNCTION.replace("tfc.log", "tfc.lgo") + "// -----\n" + FUNCTION.replace("@f", "@g")
    status, out, err = run(["--split-input-file"], text, monkeypatch)
    assert status == 1
    assert err == ("<stdin>:4:8: error: unknown op 'tfc.lgo' (did you mean 'tfc.log'?); known ops: "
                   + ", ".join(f"tfc.{n}" for n in sorted(opt.parse_module.__globals__["REGISTRY"])) + "\n")
    assert "func.func @g(" in out and "@f" not in out


@pytest.mark.parametrize("args, message", [
    (["/no/such/file.mlir"], "tfc-opt: error: [Errno 2] No such file or directory: '/no/such/file.mlir'"),
    (["--pipeline", "fusion,fuse"], "tfc-opt: error: unknown pipeline 'fuse'; known pipelines: fusion, "),
    (["--print-pipeline", "nope"], "tfc-opt: error: unknown pipeline 'nope'"),
    (["--no-such-flag"], "tfc-opt: error: unrecognized arguments: --no-such-flag"),
])
def test_usage_errors_exit_1_with_a_message(args, message, monkeypatch):
    status, _, err = run(args, FUNCTION, monkeypatch)
    assert status == 1 and message in err and "Traceback" not in err


def test_emit_irdl_is_the_committed_declaration(monkeypatch):
    status, out, _ = run(["--emit-irdl"], "", monkeypatch)
    assert status == 0 and out == irdl.IRDL_FILE.read_text()


def test_print_pipeline(monkeypatch):
    status, out, _ = run(["--print-pipeline", "fusion"], "", monkeypatch)
    assert status == 0 and out.startswith("fusion:\n  func.func(linalg-generalize-named-ops)")


def test_lower_prints_one_function_per_graph(monkeypatch):
    status, out, _ = run(["--dce", "--lower"], FUNCTION, monkeypatch)
    assert status == 0 and out.count("func.func @f(") == 1 and "math.exp" in out and "loc(" not in out
    _, out, _ = run(["--lower", "--mlir-print-debuginfo"], FUNCTION, monkeypatch)
    assert 'loc("model.py":4:11)' in out


def test_unsupported_lowering_is_an_error_not_a_traceback(monkeypatch):
    text = ("func.func @f(%arg0: tensor<?xf32>) -> (tensor<?x2xf32>) {\n"
            '  %0 = "tfc.reshape"(%arg0) {shape = array<i64: -1, 2>} : (tensor<?xf32>) -> tensor<?x2xf32>\n'
            "  func.return %0 : tensor<?x2xf32>\n}\n")
    status, _, err = run(["--lower"], text, monkeypatch)
    assert status == 1 and err == "<stdin>:1:1: error: reshape to a dynamic shape\n"


@needs_mlir_opt
def test_pipeline_runs_mlir_opt(monkeypatch):
    status, out, _ = run(["--dce", "--pipeline", "fusion,bufferize"], FUNCTION, monkeypatch)
    assert status == 0 and "memref.alloc" not in out and "math.exp" in out and "loc(" not in out


def test_verify_diagnostics(monkeypatch):
    text = ("func.func @f(%arg0: tensor<3xf32>) -> (tensor<3xf32>) {\n"
            "  // expected-error @below {{use of undefined value %7}}\n"
            "  %0 = \"tfc.exp\"(%7) : (tensor<3xf32>) -> tensor<3xf32>\n"
            "  func.return %0 : tensor<3xf32>\n}\n")
    assert run(["--verify-diagnostics"], text, monkeypatch)[0] == 0
    status, _, err = run(["--verify-diagnostics"], text.replace("%7}}", "%8}}"), monkeypatch)
    assert status == 1
    assert "<stdin>:3:18: error: unexpected error: use of undefined value %7" in err
    assert '<stdin>:2: error: expected error "use of undefined value %8" on line 3 was not produced' in err


def test_expected_error_targets():
    lines = ["a // expected-error {{same}}", "// expected-error @+2 {{two down}}", "// expected-error @below {{b}}",
             "x", "y // expected-error @-1 {{one up}}", "z", "// expected-error @above {{above}}"]
    found = {e.text: e.line for e in expected_errors("\n".join(lines), first_line=10)}
    assert found == {"same": 10, "two down": 13, "b": 13, "one up": 13, "above": 15}


def test_console_script_runs():
    proc = subprocess.run([sys.executable, "-m", "tfc.tools.opt", "--dce", "-"], input=FUNCTION,
                          capture_output=True, text=True)
    assert proc.returncode == 0 and "tfc.log" not in proc.stdout
