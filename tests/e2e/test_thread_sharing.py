"""Idle thread pools sleep (runtime/threads.py): after a threaded call, tfc's OpenMP workers stop spinning within
about a millisecond, and so do numpy's OpenBLAS workers when tfc is imported first. Measured as the process's CPU
time while its Python thread sleeps, in a fresh interpreter (the environment is read when the pools start)."""
import os
import subprocess
import sys

import pytest

IDLE_CPU = """
import time
import tfc
import numpy as np
a = np.random.default_rng(0).random((512, 512), dtype=np.float32)
matmul = tfc.function(lambda a: tfc.matmul(a, a))
assert np.allclose(matmul(a).numpy(), a @ a, rtol=1e-4)

def idle_cpu_ms(call):
    call()
    start = time.process_time()
    time.sleep(0.1)
    return (time.process_time() - start) * 1e3
print(idle_cpu_ms(lambda: matmul(a)), idle_cpu_ms(lambda: a @ a))
"""
_POOL_SETTINGS = ("KMP_BLOCKTIME", "OPENBLAS_THREAD_TIMEOUT")


def _run(code: str, **env) -> str:
    environment = {k: v for k, v in os.environ.items() if k not in _POOL_SETTINGS}
    environment.update(env)
    done = subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.skipif(os.cpu_count() < 2, reason="one core: neither pool starts worker threads")
def test_idle_pools_sleep_after_a_call():
    after_tfc, after_numpy = map(float, _run(IDLE_CPU).split())
    # 100 ms of sleep with a worker spinning costs up to 100 ms of CPU per spinning thread (libomp's default
    # blocktime is 200 ms, OpenBLAS's ~0.1 s); sleeping workers cost about nothing.
    assert after_tfc < 20, f"tfc's OpenMP workers spun {after_tfc:.1f} ms while idle"
    assert after_numpy < 20, f"numpy's OpenBLAS workers spun {after_numpy:.1f} ms while idle"


def test_user_settings_are_kept():
    code = "import os, tfc; print(os.environ['KMP_BLOCKTIME'], os.environ['OPENBLAS_THREAD_TIMEOUT'])"
    assert _run(code, KMP_BLOCKTIME="200", OPENBLAS_THREAD_TIMEOUT="28").split() == ["200", "28"]


def test_numpy_imported_first_is_left_alone():
    """OpenBLAS read its settings when numpy loaded: setting them later would change nothing in this process."""
    code = "import os, numpy, tfc; print(os.environ.get('OPENBLAS_THREAD_TIMEOUT'), os.environ['KMP_BLOCKTIME'])"
    assert _run(code).split() == ["None", "1"]
