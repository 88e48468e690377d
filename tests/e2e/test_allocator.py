"""The compiled code's allocator (passes/allocator.py): large temporaries are reused from call to call (no page
faults in the steady state), across run-time sizes that fill and cycle the cache, and from several threads at
once; every result against numpy."""
import os
import subprocess
import sys
import threading

import numpy as np

import tfc
from tfc.passes import allocator


def _mlp(seed=0):
    """W5's model (784-512-512-10, relu, softmax): packed panels (1.6 MB, 1 MB) and 256x512 activations are heap
    temporaries on every call."""
    rng = np.random.default_rng(seed)
    w1, w2, w3 = (tfc.constant(rng.standard_normal(s, dtype=np.float32) * 0.05)
                  for s in [(784, 512), (512, 512), (512, 10)])
    b1, b2, b3 = (tfc.constant(rng.standard_normal(n, dtype=np.float32) * 0.1) for n in (512, 512, 10))

    def forward(x):
        h = tfc.nn.relu(tfc.matmul(x, w1) + b1)
        h = tfc.nn.relu(tfc.matmul(h, w2) + b2)
        return tfc.nn.softmax(tfc.matmul(h, w3) + b3)

    def expected(x):
        h = np.maximum(x @ w1.numpy() + b1.numpy(), 0)
        h = np.maximum(h @ w2.numpy() + b2.numpy(), 0)
        logits = h @ w3.numpy() + b3.numpy()
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    return forward, expected


def test_the_library_allocates_through_tfcs_allocator():
    forward, _ = _mlp()
    x = np.ones((256, 784), np.float32)
    llvm = tfc.function(forward).get_concrete_function(x).as_text("llvm-unoptimized")
    assert allocator.needed(llvm) and "@malloc(" not in llvm


STEADY_STATE_FAULTS = """
import resource, sys
import numpy as np
sys.path.insert(0, {folder!r})
import tfc
from test_allocator import _mlp
forward, expected = _mlp()
f = tfc.function(forward)
x = np.random.default_rng(1).random((256, 784), dtype=np.float32)
for _ in range(3):  # compile, then fill the cache
    np.testing.assert_allclose(f(x).numpy(), expected(x), rtol=1e-4, atol=1e-6)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):
    f(x)
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 20)
"""


def test_large_temporaries_are_reused_without_page_faults():
    """In a fresh interpreter (malloc's thresholds move with the process's history): through malloc/free, each
    call of this function returned its large temporaries to the OS and faulted ~870 pages in again."""
    code = STEADY_STATE_FAULTS.format(folder=os.path.dirname(os.path.abspath(__file__)))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert float(done.stdout) < 50


def test_run_time_sizes_fill_and_cycle_the_cache():
    """Forty batch sizes: each call frees blocks of new sizes, so the cache fills its slots and then replaces
    its oldest; blocks taken back must be the right size (a wrong one would corrupt results or the heap)."""
    forward, expected = _mlp(seed=2)
    f = tfc.function(forward, input_signature=[tfc.TensorSpec([None, 784], tfc.float32)])
    rng = np.random.default_rng(3)
    sizes = [int(n) for n in rng.integers(33, 400, 40)]
    for n in sizes + sizes[::-1]:
        x = rng.random((n, 784), dtype=np.float32)
        np.testing.assert_allclose(f(x).numpy(), expected(x), rtol=1e-4, atol=1e-6)
    assert f.experimental_get_tracing_count() == 1


def test_threads_share_the_cache():
    """Python threads call the library at once (ctypes releases the GIL); OpenMP workers allocate too."""
    forward, expected = _mlp(seed=4)
    f = tfc.function(forward)
    inputs = [np.random.default_rng(10 + i).random((256, 784), dtype=np.float32) for i in range(4)]
    wanted = [expected(x) for x in inputs]
    f(inputs[0])
    failures = []

    def worker(i):
        for _ in range(15):
            got = f(inputs[i]).numpy()
            if not np.allclose(got, wanted[i], rtol=1e-4, atol=1e-6):
                failures.append(i)
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
