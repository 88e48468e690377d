"""The tfc demo: TensorFlow's `add_and_multiply` example, traced once, compiled to a native library, called."""
import os
import tempfile

import numpy as np

import tfc as tf

dump_dir = os.environ.setdefault("TFC_DUMP_DIR", os.path.join(tempfile.gettempdir(), "tfc-demo"))


@tf.function
def add_and_multiply(x, y, z):
    print("tracing add_and_multiply (Python side effects run only while tracing)")
    return (x + y) * z


x, y, z = tf.constant(2.0), tf.constant(3.0), tf.constant(4.0)
print("first call :", add_and_multiply(x, y, z))
print("second call:", add_and_multiply(x, y, z * 2), "(no retrace)")
print("tracing count:", add_and_multiply.experimental_get_tracing_count())

concrete = add_and_multiply.get_concrete_function(x, y, z)
print("\n== the traced graph (tfc dialect)\n" + concrete.as_text("tfc"))
print("== after fusion (linalg)\n" + concrete.as_text("fused"))


@tf.function
def chain(a, b):
    return tf.math.exp((a + b) * b) + tf.math.tanh(a) * 0.5


a = np.random.default_rng(0).random(1 << 16, dtype=np.float32)
b = np.random.default_rng(1).random(1 << 16, dtype=np.float32)
result = chain(a, b)
expected = np.exp((a + b) * b) + np.tanh(a) * np.float32(0.5)
print(f"chain on {a.size} floats: max |compiled - numpy| = {np.abs(result.numpy() - expected).max():.2e}")
print(f"\ncompiled stages, objects and .so files are in {dump_dir}:")
for folder in sorted(os.listdir(dump_dir)):
    files = sorted(os.listdir(os.path.join(dump_dir, folder)))
    print(f"  {folder}/: {', '.join(files)}")
