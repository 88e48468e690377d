"""Runs mlir-opt-22 and mlir-translate-22. On failure the input is saved and the exact replay command printed."""
from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import subprocess
import tempfile
import threading
from typing import NoReturn

from tfc.errors import CompilerError

MLIR_OPT = "mlir-opt-22"
MLIR_TRANSLATE = "mlir-translate-22"
# The compile path does not verify the IR after every pass (W5's mlir-opt: 112 -> 95 ms of CPU, W1: 68 -> 65,
# medians of 12): mlir-translate still verifies the final module, and a failure's replay command (written
# without this flag) verifies after each pass and names the pass that broke the IR.
NO_VERIFY = "--verify-each=0"


def find_tool(name: str) -> str:
    path = shutil.which(name) or shutil.which(name, path="/usr/lib/llvm-22/bin")
    if path is None:
        raise CompilerError(f"{name} was not found on PATH; install the Debian packages mlir-22-tools and "
                            "llvm-22-tools (the README's setup does this), then check with `tfc doctor`")
    return path


def reproducer_dir() -> str:
    path = os.environ.get("TFC_REPRO_DIR") or os.path.join(tempfile.gettempdir(), "tfc-reproducers")
    os.makedirs(path, exist_ok=True)
    return path


def run_tool(tool: str, args: list[str], text: str, what: str) -> str:
    """Feeds `text` to `tool args...` and returns its stdout; raises CompilerError with a reproducer."""
    command = [find_tool(tool), *args]
    try:
        proc = subprocess.run(command, input=text, capture_output=True, text=True)
    except OSError as error:  # e.g. the binary cannot execute
        proc = subprocess.CompletedProcess(command, -1, "", str(error))
    if proc.returncode == 0:
        return proc.stdout
    _fail(tool, args, text, what, proc)


def _fail(tool: str, args: list[str], text: str, what: str, proc) -> NoReturn:
    """Raises the CompilerError of a failed tool run: the input saved as a reproducer, the replay command."""
    fd, path = tempfile.mkstemp(prefix=f"{what}-", suffix=".mlir", dir=reproducer_dir())
    with os.fdopen(fd, "w") as f:
        f.write(text)
    replay = " ".join(shlex.quote(a) for a in [tool, *args, path] if a != NO_VERIFY)
    reason = "crashed" if proc.returncode < 0 or "Stack dump" in proc.stderr else f"exited with {proc.returncode}"
    errors = "\n".join(proc.stderr.strip().splitlines()[:20])
    raise CompilerError(f"{tool} {reason} during {what}:\n{errors}", reproducer=path, command=replay)


def mlir_opt(text: str, pipeline: str, what: str = "mlir-opt", debug_info: bool = True, verify: bool = True) -> str:
    """Runs `pipeline` on `text`; with debug_info the output keeps every op's loc(...); verify=False: see
    NO_VERIFY."""
    args = [f"--pass-pipeline={pipeline}"] + (["--mlir-print-debuginfo"] if debug_info else []) + \
        ([] if verify else [NO_VERIFY])
    return run_tool(MLIR_OPT, args, text, what)


def verify_tfc_ir(text: str) -> str:
    """Runs `mlir-opt-22 --irdl-file=tfc.irdl.mlir` on tfc IR and returns its output. Raises CompilerError
    (input saved, replay command printed) when the IR breaks the dialect's IRDL declaration."""
    from tfc.dialect.irdl import IRDL_FILE

    return run_tool(MLIR_OPT, [f"--irdl-file={IRDL_FILE}"], text, "irdl-verify")


def mlir_to_llvmir(text: str) -> str:
    return run_tool(MLIR_TRANSLATE, ["--mlir-to-llvmir"], text, "mlir-translate")


def mlir_opt_to_llvmir(text: str, pipeline: str, what: str, rewrite=None) -> str:
    """`mlir-opt` then `mlir-translate --mlir-to-llvmir`, connected by a pipe: the translator loads (~30 ms of
    each tool's start is loading MLIR) while mlir-opt works, and the LLVM dialect passes between them as bytecode
    (cheaper to print and parse than text), never through Python. Failures raise as run_tool's do; for a
    translator failure the mlir-opt output is made again, as text, to be its reproducer. `rewrite(text)`: an
    edit of the llvm-dialect text between the tools (then it passes as text, through Python; the translator
    still loads meanwhile). Inside `tools_started_early`, the tools already started take the input (as text)."""
    started = _take_started()
    if started is not None:
        return _run_started(started, text, pipeline, what, rewrite)
    if rewrite is not None:
        return _opt_rewrite_translate(text, pipeline, what, rewrite)
    opt_args = [f"--pass-pipeline={pipeline}", "--emit-bytecode", NO_VERIFY]
    try:
        translate = _popen(MLIR_TRANSLATE, ["--mlir-to-llvmir"])
    except OSError:
        return mlir_to_llvmir(run_tool(MLIR_OPT, opt_args[:1], text, what))  # reports the failure as usual
    try:
        opt = subprocess.Popen([find_tool(MLIR_OPT), *opt_args], stdin=subprocess.PIPE, stdout=translate.stdin,
                               stderr=subprocess.PIPE)
    except OSError as error:
        translate.kill()
        translate.communicate()
        _fail(MLIR_OPT, opt_args[:1], text, what, subprocess.CompletedProcess([], -1, "", str(error)))
    translate.stdin.close()  # mlir-opt holds the pipe's write end now: the translator sees EOF when it exits
    translate.stdin = None
    _, opt_errors = opt.communicate(text.encode())
    llvm_ir, translate_errors = translate.communicate()
    if opt.returncode:
        _fail(MLIR_OPT, opt_args[:1], text, what,
              subprocess.CompletedProcess([], opt.returncode, "", opt_errors.decode(errors="replace")))
    if translate.returncode:
        return mlir_to_llvmir(run_tool(MLIR_OPT, opt_args[:1], text, what))  # raises with the text reproducer
    return llvm_ir.decode()


def _opt_rewrite_translate(text: str, pipeline: str, what: str, rewrite) -> str:
    try:
        translate = _popen(MLIR_TRANSLATE, ["--mlir-to-llvmir"])
    except OSError:
        return mlir_to_llvmir(rewrite(mlir_opt(text, pipeline, what, debug_info=False, verify=False)))
    try:
        dialect = rewrite(mlir_opt(text, pipeline, what, debug_info=False, verify=False))
    except BaseException:
        translate.kill()
        translate.communicate()
        raise
    llvm_ir, errors = translate.communicate(dialect.encode())
    if translate.returncode:
        return mlir_to_llvmir(dialect)  # raises with the reproducer
    return llvm_ir.decode()


# ------------------------------------------------------------------------------------------- started early
# Each tool's start costs ~30 ms of CPU (loading and initializing libMLIR/libLLVM). A first compile starts both
# before the driver is imported and the graph lowered, so that work overlaps theirs; mlir-opt reads its pipeline
# from its input then (`--run-reproducer`: the pipeline as a file-level resource), since it is not known yet.
_STARTED: list = []  # (mlir-opt, mlir-translate) pairs started ahead of their input, for any thread to take
_STARTED_LOCK = threading.Lock()


@contextlib.contextmanager
def tools_started_early(enabled: bool = True):
    """Starts mlir-opt and mlir-translate for the next `mlir_opt_to_llvmir` inside the block (in any thread);
    stops them at its end if nothing took them (a compile that hit a cache, or failed before the tools)."""
    pair = None
    if enabled:
        try:
            pair = (_popen(MLIR_OPT, ["--run-reproducer"]), _popen(MLIR_TRANSLATE, ["--mlir-to-llvmir"]))
        except (OSError, CompilerError):
            pair = None  # not installed: the compile reports it as usual
        else:
            with _STARTED_LOCK:
                _STARTED.append(pair)
    try:
        yield
    finally:
        if pair is not None:
            with _STARTED_LOCK:
                unused = pair in _STARTED
                if unused:
                    _STARTED.remove(pair)
            if unused:
                for proc in pair:
                    proc.kill()
                    proc.communicate()


def _popen(tool: str, args: list[str]) -> subprocess.Popen:
    return subprocess.Popen([find_tool(tool), *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def _take_started():
    with _STARTED_LOCK:
        return _STARTED.pop() if _STARTED else None


def _run_started(started, text: str, pipeline: str, what: str, rewrite) -> str:
    """mlir_opt_to_llvmir on tools started early: the llvm dialect passes through Python as text (rewritten
    when `rewrite` is given), and failures report the usual `--pass-pipeline` command and input."""
    opt, translate = started
    quoted = pipeline.replace("\\", "\\\\").replace('"', '\\"')
    reproducer = (f'\n{{-#\n  external_resources: {{\n    mlir_reproducer: {{\n      pipeline: "{quoted}",\n'
                  '      disable_threading: false,\n      verify_each: false\n    }\n  }\n#-}\n')  # NO_VERIFY
    dialect, opt_errors = opt.communicate((text + reproducer).encode())
    if opt.returncode:
        translate.kill()
        translate.communicate()
        _fail(MLIR_OPT, [f"--pass-pipeline={pipeline}"], text, what,
              subprocess.CompletedProcess([], opt.returncode, "", opt_errors.decode(errors="replace")))
    dialect = dialect.decode()
    if rewrite is not None:
        dialect = rewrite(dialect)
    llvm_ir, _ = translate.communicate(dialect.encode())
    if translate.returncode:
        return mlir_to_llvmir(dialect)  # raises with the reproducer
    return llvm_ir.decode()


def tool_version(tool: str) -> str | None:
    path = shutil.which(tool) or shutil.which(tool, path="/usr/lib/llvm-22/bin")
    if path is None:
        return None
    out = subprocess.run([path, "--version"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        if "version" in line.lower():
            return line.strip()
    return out.strip().splitlines()[0] if out.strip() else "unknown"
