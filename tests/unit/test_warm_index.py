"""The warm-start index: a second process's first call loads the cached library without importing the compiler."""
import glob
import json
import os
import subprocess
import sys
import textwrap

import numpy as np

PROGRAM = textwrap.dedent("""
    import sys, json, numpy as np, tfc

    W = np.linspace(-1, 1, SIZE * 2048, dtype=np.float32).reshape(SIZE, 2048) * SALT  # a hoisted weight

    @tfc.function(input_signature=[tfc.TensorSpec([SIZE, 2048], tfc.float32)])
    def poly(x):
        return tfc.reduce_sum(x * W + tfc.exp(x), axis=1)

    out = poly(np.ones((SIZE, 2048), np.float32)).numpy().tolist()
    compiler = sorted(m for m in sys.modules if m.split(".")[0] == "llvmlite"
                      or m.startswith(("tfc.passes", "tfc.dialect")))
    print(json.dumps({"out": out, "compiler": compiler}))
""")


def _run(tmp_path, salt=0.5, size=2, **env):
    code = PROGRAM.replace("SALT", repr(salt)).replace("SIZE", str(size))
    run_env = dict(os.environ, TFC_CACHE_DIR=str(tmp_path), **env)
    done = subprocess.run([sys.executable, "-c", code], env=run_env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    x = np.ones((size, 2048), np.float32)
    weight = np.linspace(-1, 1, size * 2048, dtype=np.float32).reshape(size, 2048) * np.float32(salt)
    np.testing.assert_allclose(result["out"], (x * weight + np.exp(x)).sum(axis=1), rtol=1e-5)
    return result["compiler"]


def _records(tmp_path):
    return sorted(glob.glob(os.path.join(str(tmp_path), "v1", "index", "*", "*.json")))


def test_second_process_hits_the_index_without_importing_the_compiler(tmp_path):
    assert _run(tmp_path) != []  # the first process compiles
    (record,) = _records(tmp_path)
    assert len(json.load(open(record))["weights"]) == 1  # W is a weight: its array is passed at each call
    assert _run(tmp_path) == []  # no tfc.passes, tfc.dialect nor llvmlite module was imported
    # Another weight value: the printed graph (so the key) differs, the full path runs (and may reuse the code,
    # weights being parameters); then the index knows this graph too, and the new value is what is passed.
    assert _run(tmp_path, salt=2.0) != []
    assert _run(tmp_path, salt=2.0) == []


def test_changed_function_shape_or_threads_misses(tmp_path):
    _run(tmp_path, **{"TFC_NUM_THREADS": "1"})
    assert _run(tmp_path, **{"TFC_NUM_THREADS": "1"}) == []
    assert _run(tmp_path, **{"TFC_NUM_THREADS": "2"}) != []  # threads change the code
    assert _run(tmp_path, size=3, **{"TFC_NUM_THREADS": "1"}) != []  # another shape
    assert _run(tmp_path, salt=0.25, **{"TFC_NUM_THREADS": "1"}) != []  # another function body
    assert len(_records(tmp_path)) == 4


def test_corrupted_or_stale_record_is_ignored_and_rebuilt(tmp_path):
    _run(tmp_path)
    (record,) = _records(tmp_path)
    with open(record, "w") as f:
        f.write('{"format": 1, "key": "trunc')
    assert _run(tmp_path) != []  # ignored: the full path ran (and found the compile cache's entry)
    assert json.load(open(record))["key"] in record  # rewritten whole
    assert _run(tmp_path) == []
    rec = json.load(open(record))
    with open(record, "w") as f:
        json.dump(dict(rec, toolchain="another compiler"), f)  # the tools changed since the record was written
    assert _run(tmp_path) != []
    assert _run(tmp_path) == []
