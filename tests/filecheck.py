"""Runs LLVM's FileCheck on text produced in a test: `filecheck(text, "CHECK: ...\nCHECK-NEXT: ...")`."""
import os
import subprocess
import tempfile

FILECHECK = "/usr/lib/llvm-22/bin/FileCheck"


def filecheck(text: str, checks: str) -> None:
    with tempfile.NamedTemporaryFile("w", suffix=".checks", delete=False) as f:
        f.write(checks)
    try:
        proc = subprocess.run([FILECHECK, f.name, "--input-file=-", "--dump-input=never"], input=text,
                              capture_output=True, text=True)
    finally:
        os.unlink(f.name)
    assert proc.returncode == 0, f"FileCheck failed:\n{proc.stderr}\n--- input ---\n{text}"
