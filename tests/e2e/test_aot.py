"""`tfc compile`: packages importable with numpy alone, their weights, checks, C header and relocation."""
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from click.testing import CliRunner

import tfc
from tfc.passes import aot
from tfc.runtime.cpu import IncompatibleTargetError
from tfc.runtime.errors import SignatureMismatchError, TfcValueError
from tfc.tools.cli import main

from conftest import assert_same

SOURCE = '''
import numpy as np
import tfc

W = tfc.constant(np.linspace(-1, 1, 2048, dtype=np.float32).reshape(2, 1024))   # large: becomes a weight
b = tfc.constant(np.float32(0.5))                                                # small: stays a literal


@tfc.function(input_signature=[tfc.TensorSpec([2, 1024], tfc.float32)])
def affine(x):
    """x * W + b"""
    return tfc.exp(x) * W + b


@tfc.function(input_signature=[tfc.TensorSpec([3], tfc.float32),
                               (tfc.TensorSpec([3], tfc.float32), tfc.TensorSpec([], tfc.float32))])
def combo(x, pair):
    y, s = pair
    return {"sum": x + y, "scaled": (x * s, 7)}


@tfc.function
def no_signature(x):
    return x
'''



def blocker(blocked: list[str]) -> str:
    """Code run in a subprocess before `import model`: any import of the named modules fails loudly."""
    return textwrap.dedent(f"""
        import sys
        class Blocker:
            def find_spec(self, name, path=None, target=None):
                if any(name == b or name.startswith(b + ".") for b in {blocked!r}):
                    raise ImportError(f"blocked import of {{name}}")
        sys.meta_path.insert(0, Blocker())
    """)


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    """(package folder, source module): model.py compiled into OUT/model/."""
    root = tmp_path_factory.mktemp("aot")
    (root / "model.py").write_text(SOURCE)
    report = aot.compile_file(str(root / "model.py"), out_dir=str(root / "out"))
    assert [r.name for r in report.rows] == ["affine", "combo"]
    return root / "out" / "model", aot.import_source(str(root / "model.py"))


def _inputs():
    rng = np.random.default_rng(0)
    return (rng.uniform(-1, 1, (2, 1024)).astype(np.float32), np.arange(3, dtype=np.float32),
            np.ones(3, np.float32), np.float32(2.5))


def _expected(source):
    x, a, y, s = _inputs()
    return source.affine.python_function(tfc.constant(x)).numpy(), (a + y), (a * s)


def test_package_layout_and_manifest(package):
    folder, _ = package
    names = sorted(os.listdir(folder))
    assert names == ["__init__.py", "_tfc_runtime", "manifest.json", "model.h", "model.so", "weights.npz"]
    manifest = json.loads((folder / "manifest.json").read_text())
    affine = manifest["entries"][0]
    assert affine["python_name"] == "affine" and affine["args"][0] == {"name": "x", "shape": [2, 1024],
                                                                        "dtype": "float32"}
    assert len(affine["weights"]) == 1 and affine["weights"][0]["shape"] == [2, 1024]
    assert manifest["target"]["cpu"] and "+" in manifest["target"]["features"]
    assert {"tfc", "llvmlite", "mlir-opt"} <= set(manifest["versions"])
    with np.load(folder / "weights.npz") as weights:
        assert weights[affine["weights"][0]["name"]].shape == (2, 1024)


def test_large_captured_constants_become_weights_not_literals():
    big = tfc.constant(np.ones((64, 64), np.float32))

    @tfc.function(input_signature=[tfc.TensorSpec([64, 64], tfc.float32)])
    def f(x):
        return x + big

    concrete = f.get_concrete_function()
    assert "dense<" not in concrete.as_text("linalg")  # a 4096-element literal would be here
    assert_same(f(np.full((64, 64), 2, np.float32)).numpy(), np.full((64, 64), 3, np.float32))


def test_results_match_eager_and_load_returns_the_imported_module(package, monkeypatch):
    folder, source = package
    monkeypatch.syspath_prepend(str(folder.parent))
    sys.modules.pop("model", None)
    import model
    assert tfc.runtime.load(str(folder)) is model
    x, a, y, s = _inputs()
    expected_affine, expected_sum, expected_scaled = _expected(source)
    result = model.affine(x)
    assert isinstance(result, tfc.Tensor)
    assert_same(result.numpy(), expected_affine)
    out = model.combo(tfc.constant(a), pair=(y, s))  # tfc tensors and arrays; keyword arguments
    assert set(out) == {"sum", "scaled"} and out["scaled"][1] == 7
    assert_same(out["sum"].numpy(), expected_sum)
    assert_same(out["scaled"][0].numpy(), expected_scaled)
    model.set_options(return_numpy=True)
    try:
        assert isinstance(model.affine(x), np.ndarray)
    finally:
        model.set_options(return_numpy=False)
    sys.modules.pop("model", None)


def test_arguments_are_checked_against_the_manifest(package):
    module = tfc.runtime.load(str(package[0]))
    with pytest.raises(SignatureMismatchError, match=r"affine\(\): argument 'x' has shape \(2, 3\), expected "
                                                     r"\(2, 1024\)"):
        module.affine(np.ones((2, 3), np.float32))
    with pytest.raises(SignatureMismatchError, match="argument 'x' has dtype float64, expected float32"):
        module.affine(np.ones((2, 1024)))
    with pytest.raises(SignatureMismatchError, match=r"argument 'pair' should be a sequence of 2 item\(s\)"):
        module.combo(np.ones(3, np.float32), np.ones(3, np.float32))
    with pytest.raises(SignatureMismatchError, match="missing argument"):
        module.combo(np.ones(3, np.float32))


def _run(code: str, env: dict, cwd) -> str:
    proc = subprocess.run([sys.executable, *env.pop("_flags", []), "-c", code], env=env, cwd=cwd,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_import_needs_no_compiler_tools_or_tracing(package, tmp_path):
    """tfc importable, but llvmlite, the compiler, click, the MLIR tools and cc are not."""
    folder, source = package
    expected_affine, _, _ = _expected(source)
    np.save(tmp_path / "x.npy", _inputs()[0])
    np.save(tmp_path / "expected.npy", expected_affine)
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    compiler = ["llvmlite", "tfc.passes", "tfc.dialect", "click"]
    code = blocker(compiler) + textwrap.dedent(f"""
        import shutil, subprocess, numpy as np
        assert shutil.which("mlir-opt-22") is None and shutil.which("cc") is None
        subprocess.Popen = None  # no tool may be run
        sys.path.insert(0, {str(folder.parent)!r})
        import model, tfc
        result = model.affine(np.load({str(tmp_path / 'x.npy')!r}))
        assert isinstance(result, tfc.Tensor)
        np.testing.assert_allclose(result.numpy(), np.load({str(tmp_path / 'expected.npy')!r}), rtol=1e-5, atol=1e-6)
        bad = [m for m in sys.modules if m.startswith(tuple({compiler!r})) or m.startswith("_tfc_compile")
               or (getattr(sys.modules[m], "__file__", "") or "").endswith("model.py")]
        assert not bad, bad
        print("ok")
    """)
    assert _run(code, dict(os.environ, PATH=str(empty_bin)), tmp_path) == "ok\n"


def test_copied_package_imports_with_numpy_alone(package, tmp_path):
    """Relocated (copied, original gone) and without tfc at all: `python -S` with a PYTHONPATH of the output
    folder and numpy only. Results are numpy arrays; errors come from the bundled runtime."""
    folder, source = package
    moved = tmp_path / "elsewhere" / "model"
    shutil.copytree(folder, moved)
    x, a, y, s = _inputs()
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "expected.npy", _expected(source)[0])
    numpy_site = os.path.dirname(os.path.dirname(np.__file__))
    code = textwrap.dedent(f"""
        import importlib.util, sys, numpy as np
        assert importlib.util.find_spec("tfc") is None, "tfc must not be importable here"
        import model
        assert model.__file__.startswith({str(moved)!r})
        result = model.affine(np.load({str(tmp_path / 'x.npy')!r}))
        assert type(result) is np.ndarray
        np.testing.assert_allclose(result, np.load({str(tmp_path / 'expected.npy')!r}), rtol=1e-5, atol=1e-6)
        try:
            model.affine(np.ones((2, 3), np.float32))
        except TypeError as error:
            print(type(error).__module__, error)
    """)
    env = {"PYTHONPATH": f"{moved.parent}{os.pathsep}{numpy_site}", "PATH": "", "_flags": ["-S"]}
    out = _run(code, env, tmp_path)
    assert out.startswith("model._tfc_runtime.errors ") and "argument 'x' has shape (2, 3)" in out


THREADED_SOURCE = """
import tfc

@tfc.function(input_signature=[tfc.TensorSpec([256, 384], tfc.float32), tfc.TensorSpec([384, 320], tfc.float32)])
def product(a, b):
    return tfc.matmul(a, b)
"""


def test_a_threaded_package_ships_its_openmp_runtime(tmp_path):
    """A package whose code runs on OpenMP threads carries libomp beside its library (run path $ORIGIN first):
    copied elsewhere and imported with numpy alone, it loads that copy."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "threaded.py").write_text(THREADED_SOURCE)
    aot.compile_file(str(tmp_path / "src" / "threaded.py"), out_dir=str(tmp_path / "out"))
    folder = tmp_path / "out" / "threaded"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["needs"] == ["libomp.so"] and (folder / "libomp.so.5").exists()
    moved = tmp_path / "elsewhere" / "threaded"
    shutil.copytree(folder, moved)
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((256, 384), dtype=np.float32), rng.standard_normal((384, 320), dtype=np.float32)
    np.save(tmp_path / "a.npy", a)
    np.save(tmp_path / "b.npy", b)
    np.save(tmp_path / "expected.npy", a.astype(np.float64) @ b)
    code = textwrap.dedent(f"""
        import importlib.util, numpy as np
        assert importlib.util.find_spec("tfc") is None, "tfc must not be importable here"
        import threaded
        result = threaded.product(np.load({str(tmp_path / 'a.npy')!r}), np.load({str(tmp_path / 'b.npy')!r}))
        np.testing.assert_allclose(result, np.load({str(tmp_path / 'expected.npy')!r}), rtol=1e-4, atol=1e-3)
        print([line.split()[-1] for line in open("/proc/self/maps") if "libomp" in line][0])
    """)
    numpy_site = os.path.dirname(os.path.dirname(np.__file__))
    env = {"PYTHONPATH": f"{moved.parent}{os.pathsep}{numpy_site}", "PATH": "", "_flags": ["-S"]}
    assert _run(code, env, tmp_path).strip() == str(moved / "libomp.so.5")


def test_c_program_calls_an_entry_through_the_header(package, tmp_path):
    folder, _ = package
    program = tmp_path / "main.c"
    program.write_text(textwrap.dedent("""
        #include <stdio.h>
        #include "model.h"
        int main(void) {
            float x[3] = {1, 2, 3}, y[3] = {10, 20, 30}, s = 2, sum[3], scaled[3];
            tfc_memref_1d mx = {x, x, 0, {3}, {1}}, my = {y, y, 0, {3}, {1}};
            tfc_memref_0d ms = {&s, &s, 0};
            tfc_memref_1d msum = {sum, sum, 0, {3}, {1}}, mscaled = {scaled, scaled, 0, {3}, {1}};
            model_combo(&mx, &my, &ms, &mscaled, &msum);  /* results by sorted key */
            printf("%g %g %g | %g %g %g\\n", sum[0], sum[1], sum[2], scaled[0], scaled[1], scaled[2]);
            return 0;
        }
    """))
    binary = tmp_path / "main"
    subprocess.run(["cc", "-Wall", "-Werror", f"-I{folder}", str(program), str(folder / "model.so"), "-o",
                    str(binary), f"-Wl,-rpath,{folder}"], check=True)
    header = (folder / "model.h").read_text()
    assert ("void _mlir_ciface_tfc_combo(tfc_memref_1d *x, tfc_memref_1d *pair_0, tfc_memref_0d *pair_1, "
            "tfc_memref_1d *result_scaled_0, tfc_memref_1d *result_sum);") in header
    out = subprocess.run([str(binary)], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "11 22 33 | 2 4 6"


def _doctored(folder, tmp_path, edit):
    copy = tmp_path / "doctored" / "model"
    shutil.copytree(folder, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    edit(manifest)
    (copy / "manifest.json").write_text(json.dumps(manifest))
    return copy


def test_a_cpu_without_the_target_features_is_refused_at_load(package, tmp_path, monkeypatch):
    from tfc.runtime import cpu
    copy = _doctored(package[0], tmp_path, lambda m: m["target"].update(features="+sse2,+avx2,+avx512f,-sse4a"))
    monkeypatch.setattr(cpu, "host_cpu_flags", lambda: frozenset({"sse2", "avx2"}))
    with pytest.raises(IncompatibleTargetError, match=r"features this CPU lacks: \+avx512f; running it would "
                                                      "crash"):
        tfc.runtime.load(str(copy))


def test_another_architecture_or_abi_is_refused_at_load(package, tmp_path):
    copy = _doctored(package[0], tmp_path, lambda m: m["target"].update(triple="aarch64-unknown-linux-gnu"))
    with pytest.raises(IncompatibleTargetError, match="compiled for aarch64"):
        tfc.runtime.load(str(copy))
    shutil.rmtree(copy.parent)
    copy = _doctored(package[0], tmp_path, lambda m: m.update(abi_version=99))
    with pytest.raises(TfcValueError, match="ABI version 99"):
        tfc.runtime.load(str(copy))


def test_cli_compile_inspect_and_signature_errors(tmp_path):
    (tmp_path / "model.py").write_text(SOURCE)
    runner = CliRunner()
    result = runner.invoke(main, ["compile", str(tmp_path / "model.py"), "-f", "combo", "-o", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert "combo(x: float32[3]" in result.output and "native compile" in result.output
    assert "affine" not in result.output
    result = runner.invoke(main, ["inspect", str(tmp_path / "o" / "model")])
    assert "1 entry" in result.output and "combo(x: float32[3], pair[0]: float32[3]" in result.output
    result = runner.invoke(main, ["compile", str(tmp_path / "model.py"), "-f", "no_signature", "-o",
                                  str(tmp_path / "o")])
    assert result.exit_code == 1 and "function 'no_signature' has no input_signature" in result.output
    result = runner.invoke(main, ["compile", str(tmp_path / "model.py"), "-f", "missing"])
    assert result.exit_code == 1 and "no @tfc.function named 'missing'; it has: affine, combo" in result.output


VARIABLE_SOURCE = textwrap.dedent("""
    import numpy as np
    import tfc

    w = tfc.Variable(np.arange(6, dtype=np.float32).reshape(3, 2), name="w")
    b = tfc.Variable(np.ones(2, np.float32), name="b")
    steps = tfc.Variable(0, name="steps")


    @tfc.function(input_signature=[tfc.TensorSpec([None, 3], tfc.float32)])
    def predict(x):
        return tfc.matmul(x, w) + b


    @tfc.function(input_signature=[tfc.TensorSpec([], tfc.int32)])
    def bump(k):
        steps.assign_add(k)
        return steps.read_value()


    @tfc.function(input_signature=[tfc.TensorSpec([4, 3], tfc.float32), tfc.TensorSpec([4, 2], tfc.float32)])
    def train(x, y):
        with tfc.GradientTape() as tape:
            loss = tfc.reduce_mean((tfc.matmul(x, w) + b - y) ** 2)
        gw, gb = tape.gradient(loss, [w, b])
        w.assign_sub(0.01 * gw)
        b.assign_sub(0.01 * gb)
        steps.assign_add(1)
        if loss > 1.0:
            tfc.print("step", steps, "loss", loss, "b", b)
        return loss


    @tfc.function(input_signature=[tfc.TensorSpec([], tfc.int32)])
    def count_to(n):
        for i in tfc.range(n):
            steps.assign_add(1)
            tfc.print("count", steps)
        return steps.read_value()
""")


def test_captured_variables_are_saved_as_weights(tmp_path):
    (tmp_path / "stateful.py").write_text(VARIABLE_SOURCE)
    aot.compile_file(str(tmp_path / "stateful.py"), names=["predict"], out_dir=str(tmp_path / "out"))
    manifest = json.loads((tmp_path / "out" / "stateful" / "manifest.json").read_text())
    (entry,) = manifest["entries"]
    assert [a["name"] for a in entry["args"]] == ["x"]
    variable_weights = [w for w in entry["weights"] if w["name"].startswith("variable:")]
    assert sorted((w["shape"], w["dtype"]) for w in variable_weights) == [([2], "float32"), ([3, 2], "float32")]
    code = ("import numpy as np, stateful; "
            "print(stateful.predict(np.ones((2, 3), np.float32)).numpy().tolist())")
    output = _run(code, dict(os.environ, PYTHONPATH=str(tmp_path / "out")), tmp_path)
    x = np.ones((2, 3), np.float32)
    assert json.loads(output) == (x @ np.arange(6, dtype=np.float32).reshape(3, 2) + 1).tolist()


def test_a_package_keeps_its_variables_state_and_prints(tmp_path, capsys):
    """train/bump update the Variables in place in the loaded package, predict reads the updated values, train
    prints from a branch; run with numpy alone (the bundled runtime), compared with the same calls run eagerly."""
    source_file = tmp_path / "src" / "stateful.py"
    source_file.parent.mkdir()
    source_file.write_text(VARIABLE_SOURCE)
    aot.compile_file(str(source_file), out_dir=str(tmp_path / "out"))
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(4, 3)).astype(np.float32), rng.normal(size=(4, 2)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    calls = "[float(m.train(x, y)), float(m.train(x, y)), int(m.bump(np.int32(5))), m.predict(x).tolist()]"

    source = aot.import_source(str(source_file))  # fresh Variables, run eagerly: the oracle
    tfc.config.run_functions_eagerly(True)
    try:
        m = source
        expected = json.loads(json.dumps([float(m.train(x, y)), float(m.train(x, y)), int(m.bump(np.int32(5))),
                                          np.asarray(m.predict(x)).tolist()]))
    finally:
        tfc.config.run_functions_eagerly(False)
    eager_prints = capsys.readouterr().err
    assert eager_prints.count("step") == 2

    numpy_site = os.path.dirname(os.path.dirname(np.__file__))
    code = textwrap.dedent(f"""
        import importlib.util, json, sys, numpy as np
        assert importlib.util.find_spec("tfc") is None
        import stateful as m
        w = m.variables[next(k for k in m.variables if k.startswith("w_"))]
        address = w.ctypes.data
        x, y = np.load({str(tmp_path / 'x.npy')!r}), np.load({str(tmp_path / 'y.npy')!r})
        print(json.dumps({calls}))
        assert w.ctypes.data == address and m.compiled_module.weights["variable:" + next(
            k for k in m.variables if k.startswith("w_"))] is w
    """)
    env = {"PYTHONPATH": f"{tmp_path / 'out'}{os.pathsep}{numpy_site}", "PATH": ""}
    proc = subprocess.run([sys.executable, "-S", "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)
    np.testing.assert_allclose(got[:2], expected[:2], rtol=1e-5)
    assert got[2] == expected[2] == 7
    np.testing.assert_allclose(got[3], expected[3], rtol=1e-5)
    _assert_same_text(proc.stderr, eager_prints)


def test_c_program_keeps_state_and_receives_prints(tmp_path):
    """The C ABI of a stateful, printing entry: the caller owns the Variable's buffer (updated in place) and
    passes a print hook that decodes each site's values."""
    (tmp_path / "stateful.py").write_text(VARIABLE_SOURCE)
    aot.compile_file(str(tmp_path / "stateful.py"), names=["count_to"], out_dir=str(tmp_path / "out"))
    folder = tmp_path / "out" / "stateful"
    header = (folder / "stateful.h").read_text()
    assert "typedef void (*tfc_print_hook)(int64_t site, const int64_t *values);" in header
    assert "void _mlir_ciface_tfc_count_to(tfc_memref_0d *n, tfc_memref_0d *weight0, tfc_memref_0d *result, " \
           "tfc_print_hook print_hook);" in header and "int32[] (int32_t elements) = " in header
    assert "updated in place" in header
    program = tmp_path / "main.c"
    program.write_text(textwrap.dedent("""
        #include <stdio.h>
        #include "stateful.h"
        static void hook(int64_t site, const int64_t *values) {  /* one int32 scalar: pointer, offset */
            const int32_t *data = (const int32_t *)(intptr_t)values[0];
            printf("site %d: %d\\n", (int)site, data[values[1]]);
        }
        int main(void) {
            int32_t n = 3, steps = 10, result = 0;
            tfc_memref_0d mn = {&n, &n, 0}, msteps = {&steps, &steps, 0}, mresult = {&result, &result, 0};
            stateful_count_to(&mn, &msteps, &mresult, hook);
            stateful_count_to(&mn, &msteps, &mresult, hook);
            printf("steps %d result %d\\n", steps, result);
            return 0;
        }
    """))
    binary = tmp_path / "main"
    subprocess.run(["cc", "-Wall", "-Werror", f"-I{folder}", str(program), str(folder / "stateful.so"), "-o",
                    str(binary), f"-Wl,-rpath,{folder}"], check=True)
    out = subprocess.run([str(binary)], capture_output=True, text=True, check=True).stdout
    assert out == "".join(f"site 0: {k}\n" for k in range(11, 17)) + "steps 16 result 16\n"


def _assert_same_text(got: str, expected: str) -> None:
    """Printed text equal up to float rounding (compiled sums may differ from numpy's in the last bits)."""
    number = r"(-?\d+\.?\d*(?:e[-+]\d+)?)"
    got_parts, expected_parts = re.split(number, got), re.split(number, expected)
    assert got_parts[0::2] == expected_parts[0::2], (got, expected)
    np.testing.assert_allclose([float(p) for p in got_parts[1::2]], [float(p) for p in expected_parts[1::2]],
                               rtol=1e-5)


def test_lowering_refuses_a_short_argument_list():
    # A manifest listing fewer arguments than the native function takes would make the runtime pass too few
    # buffers; lowering refuses it instead.
    from tfc.passes import driver

    concrete = tfc.function(lambda x, y: x + y).get_concrete_function(tfc.TensorSpec([2]), tfc.TensorSpec([2]))
    with pytest.raises(ValueError, match="1 argument names for a graph with 2 inputs"):
        driver.lower(concrete.graph, "f", ["x"])
