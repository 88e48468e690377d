"""The design's import direction: runtime <- frontend <- dialect <- passes <- tools, checked on the source."""
import ast
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
LAYERS = {"runtime": 0, "frontend": 1, "dialect": 2, "passes": 3, "tools": 4}
PACKAGE_OF = {"tfc.runtime": "runtime", "tfc.dialect": "dialect", "tfc.passes": "passes", "tfc.tools": "tools",
              "tfc": "frontend"}
STDLIB = set(sys.stdlib_module_names)


def _module_level_imports(path: pathlib.Path):
    """Imports executed when the module loads (not those inside functions, which are lazy by design)."""
    tree = ast.parse(path.read_text())
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                yield "." * node.level + (node.module or "")
            else:
                yield node.module


def _layer_of(module: str) -> str | None:
    for prefix in sorted(PACKAGE_OF, key=len, reverse=True):
        if module == prefix or module.startswith(prefix + "."):
            return PACKAGE_OF[prefix]
    return None


@pytest.mark.parametrize("folder", list(LAYERS))
def test_no_module_imports_a_higher_layer(folder):
    for path in (ROOT / folder).rglob("*.py"):
        for module in _module_level_imports(path):
            if module.startswith("."):
                continue
            layer = _layer_of(module)
            if layer is not None:
                assert LAYERS[layer] <= LAYERS[folder], f"{path.relative_to(ROOT)} imports {module} ({layer})"


def test_runtime_needs_only_numpy_ctypes_and_the_standard_library():
    """ml_dtypes (bfloat16) is the one exception, and only lazily: libraries without bfloat16 never import it."""
    lazy = set()
    for path in (ROOT / "runtime").rglob("*.py"):
        tree = ast.parse(path.read_text())
        top_level = set(map(id, tree.body))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and not node.level else []
            for name in names:
                top = name.split(".")[0]
                if top == "ml_dtypes" and id(node) not in top_level:
                    lazy.add(path.name)
                    continue
                assert top in STDLIB or top == "numpy" or name.startswith("tfc.runtime"), \
                    f"{path.relative_to(ROOT)} imports {name}"
    assert lazy == {"abi.py"}, f"ml_dtypes is imported lazily in {sorted(lazy)}; expected only in abi.numpy_dtype"


def test_the_runtime_imports_ml_dtypes_only_for_bfloat16():
    """The runtime alone (as a compiled package's `_tfc_runtime` copy is), without tfc: float32 needs nothing more,
    bfloat16 imports ml_dtypes, and a missing ml_dtypes is an error that says what to install."""
    code = ("import importlib.util, sys\n"
            f"spec = importlib.util.spec_from_file_location('rt', {str(ROOT / 'runtime' / '__init__.py')!r})\n"
            "rt = importlib.util.module_from_spec(spec); sys.modules['rt'] = rt; spec.loader.exec_module(rt)\n"
            "from rt import abi\n"
            "assert abi.numpy_dtype('float32').name == 'float32'\n"
            "assert 'ml_dtypes' not in sys.modules and 'tfc' not in sys.modules, sorted(sys.modules)\n"
            "assert abi.numpy_dtype('bfloat16').name == 'bfloat16' and 'ml_dtypes' in sys.modules\n"
            "sys.modules['ml_dtypes'] = None  # as if it were not installed\n"
            "try:\n"
            "    abi.numpy_dtype('bfloat16')\n"
            "except ImportError as error:\n"
            "    assert 'pip install ml_dtypes' in str(error), error\n"
            "else:\n"
            "    raise AssertionError('no error without ml_dtypes')\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_importing_tfc_loads_no_compiler():
    code = ("import sys, tfc; tfc.constant(1.0) + 1; "
            "bad = [m for m in ('llvmlite', 'tfc.passes', 'tfc.dialect', 'click') if m in sys.modules]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_tfc_imports_ml_dtypes_on_the_first_bfloat16_use():
    """Importing ml_dtypes costs ~1 s of CPU: float32 programs never pay it; bfloat16 ones still work."""
    code = ("import sys, numpy as np, tfc\n"
            "x = tfc.constant([1.0, 2.5]) * 2.0; assert tfc.as_dtype(np.float32) == tfc.float32\n"
            "assert 'ml_dtypes' not in sys.modules\n"
            "y = tfc.cast(x, tfc.bfloat16) + 1.0\n"
            "assert 'ml_dtypes' in sys.modules and y.dtype == tfc.bfloat16 and y.numpy().dtype == tfc.bfloat16.np\n"
            "assert tfc.as_dtype(y.numpy().dtype) == tfc.bfloat16 and y.numpy().astype(np.float32).tolist() == [3, 6]\n")
    subprocess.run([sys.executable, "-c", code], check=True)
