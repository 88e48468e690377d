"""lit configuration for tfc's FileCheck tests: one file per pass, cases split by `// -----`.

Run from the repository root: `.venv/bin/lit tests/lit -q`. `%tfc-opt` runs the tfc-opt of the Python that runs
lit (the project's venv), so an installed tfc-opt elsewhere on PATH is never picked up by mistake.
"""
import os
import sys

import lit.formats

config.name = "tfc"
# The internal shell: ShTest(True) (an external shell) raises a ValueError in lit 23.
config.test_format = lit.formats.ShTest()
config.suffixes = [".mlir", ".py"]
config.excludes = ["lit.cfg.py", "Inputs"]
config.test_source_root = os.path.dirname(__file__)

LLVM_BIN = "/usr/lib/llvm-22/bin"  # FileCheck, not, count, split-file (Debian's llvm-22-tools)
python_bin = os.path.dirname(sys.executable)
config.environment["PATH"] = os.pathsep.join([LLVM_BIN, python_bin, os.environ.get("PATH", "")])

tfc_opt = os.path.join(python_bin, "tfc-opt")
if not os.path.exists(tfc_opt):  # tfc installed without console scripts: run the module
    tfc_opt = f"{sys.executable} -m tfc.tools.opt"
config.substitutions.append(("%tfc-opt", tfc_opt))
config.substitutions.append(("%python", sys.executable))
