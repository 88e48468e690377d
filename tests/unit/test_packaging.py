"""A regular (non-editable) install contains every sub-package and compiles; the editable one is the venv's."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    target = tmp_path_factory.mktemp("site")
    build = tmp_path_factory.mktemp("build")
    # --no-build-isolation: use the venv's setuptools instead of downloading one; no network needed.
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                    "--target", str(target), ROOT], check=True, cwd=build, capture_output=True)
    return target


def test_regular_install_has_every_package_and_compiles(installed):
    code = (
        "import tfc, tfc.ops, tfc.dialect, tfc.passes, tfc.runtime, tfc.tools.cli, numpy as np\n"
        f"assert tfc.__file__.startswith({str(installed)!r}), tfc.__file__\n"
        "f = tfc.function(lambda x: tfc.math.exp(x) * 2)\n"
        "assert np.allclose(f(np.zeros(3, np.float32)).numpy(), 2)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(installed))
    result = subprocess.run([sys.executable, "-c", code], cwd=str(installed), env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_every_source_package_is_listed_in_pyproject():
    """A sub-package missing from the explicit list is silently left out of regular installs."""
    import tomllib

    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        config = tomllib.load(f)["tool"]["setuptools"]
    for package, folder in config["package-dir"].items():
        base = os.path.join(ROOT, folder)
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = [d for d in dirnames if d != "__pycache__"]
            if "__init__.py" in filenames:
                relative = os.path.relpath(dirpath, base)
                name = package if relative == "." else f"{package}.{relative.replace(os.sep, '.')}"
                assert name in config["packages"], f"{name} ({dirpath}) is missing from [tool.setuptools] packages"
