"""tfc's CPU matmul kernel (dialect/matmul_kernel.py), conv2d on it (dialect/conv_kernel.py) and their fused
epilogues (dialect/epilogue.py), compiled and compared with float64 numpy or eager tfc: shapes the tiles do not
divide, empty and unit dimensions, every numeric dtype, operands read transposed, run-time sizes, thread counts,
convolution geometries, and which elementwise consumers are fused."""
import numpy as np
import pytest

import tfc
from tfc.dialect import epilogue
from tfc.dialect.lowering import Emitter
from tfc.passes import graph_passes

from conftest import assert_same

SHAPES = [  # (m, k, n)
    (64, 33, 256),      # one block; odd k
    (128, 64, 96),      # two row blocks, three column panels
    (8, 5, 32),         # a single register tile
    (65, 33, 257),      # one row past the register tiles, one column past the panels
    (1, 64, 256),       # one row: the one-row tile only
    (256, 512, 10),     # the MLP's last layer: one-vector panels (NR = 16 for 10 columns), masked
    (2048, 300, 16),    # one-vector panels without a mask; threaded
    (1, 1, 1),
    (3, 7, 5),
    (130, 17, 300),     # full and partial blocks in both dimensions
    (300, 1001, 129),   # four K slices, the last partial; threaded (above SERIAL_MACS)
    (0, 4, 3), (4, 0, 3), (4, 3, 0),  # empty: K = 0 gives zeros
]


def _operands(m, k, n, dtype=np.float32, seed=0):
    rng = np.random.default_rng(seed)
    if np.issubdtype(dtype, np.integer):
        return rng.integers(-9, 9, (m, k)).astype(dtype), rng.integers(-9, 9, (k, n)).astype(dtype)
    return rng.standard_normal((m, k)).astype(dtype), rng.standard_normal((k, n)).astype(dtype)


def _uses_kernel(fn, *args) -> bool:
    return "vector.outerproduct" in tfc.function(fn).get_concrete_function(*args).as_text("linalg")


@pytest.mark.parametrize("mkn", SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_shapes(mkn):
    a, b = _operands(*mkn)
    assert _uses_kernel(tfc.matmul, a, b)
    expected = (a.astype(np.float64) @ b).astype(np.float32)
    assert_same(tfc.function(tfc.matmul)(a, b).numpy(), expected, rtol=1e-4)


@pytest.mark.parametrize("dtype", ["float64", "float16", "bfloat16", "int32", "int8", "int64", "uint8"])
def test_dtypes(dtype):
    """16-bit floats multiply in float32 and round once (as eager); integers wrap like numpy's."""
    np_dtype = tfc.as_dtype(dtype).np
    a, b = _operands(70, 300, 45, np_dtype if not dtype.endswith("16") else np.float32)
    a, b = a.astype(np_dtype), b.astype(np_dtype)
    compiled = tfc.function(tfc.matmul)(a, b).numpy()
    eager = tfc.matmul(tfc.constant(a), tfc.constant(b)).numpy()
    assert compiled.dtype == np_dtype
    if dtype.endswith("16"):
        wide = a.astype(np.float32).astype(np.float64) @ b.astype(np.float32)
        assert_same(compiled.astype(np.float32), wide.astype(np_dtype).astype(np.float32), rtol=1e-2)
        assert_same(eager.astype(np.float32), compiled.astype(np.float32), rtol=1e-2)
    else:
        assert_same(compiled, eager, rtol=1e-12 if dtype == "float64" else None)
        if np.issubdtype(np_dtype, np.integer):
            assert np.array_equal(compiled, (a.astype(np.int64) @ b).astype(np_dtype))


@pytest.mark.parametrize("transpose_a,transpose_b", [(True, False), (False, True), (True, True)])
def test_transposed_operands_are_read_in_place(transpose_a, transpose_b):
    rng = np.random.default_rng(4)
    a = rng.standard_normal((33, 65) if transpose_a else (65, 33), dtype=np.float32)
    b = rng.standard_normal((257, 33) if transpose_b else (33, 257), dtype=np.float32)

    def f(a, b):
        return tfc.matmul(a, b, transpose_a=transpose_a, transpose_b=transpose_b)
    linalg = tfc.function(f).get_concrete_function(a, b).as_text("linalg")
    assert "vector.outerproduct" in linalg
    expected = (a.T if transpose_a else a).astype(np.float64) @ (b.T if transpose_b else b)
    assert_same(tfc.function(f)(a, b).numpy(), expected.astype(np.float32), rtol=1e-4)


@pytest.mark.parametrize("dtype", ["float16", "int32", "float64"])
def test_transposed_b_of_run_time_size_and_other_dtypes(dtype):
    """A B stored [N, K] is packed a stored row at a time: widened 16-bit floats, integers, a last panel past N
    (zeros), and N known only at run time."""
    np_dtype = tfc.as_dtype(dtype).as_numpy_dtype
    f = tfc.function(lambda a, b: tfc.matmul(a, b, transpose_b=True),
                     input_signature=[tfc.TensorSpec([None, None], dtype), tfc.TensorSpec([None, None], dtype)])
    for m, k, n in [(70, 40, 45), (9, 300, 33), (16, 1, 1)]:
        a, b = _operands(m, k, n, seed=m * n)
        a, bt = a.astype(np_dtype), np.ascontiguousarray(b.T).astype(np_dtype)
        compiled, eager = f(a, bt).numpy(), tfc.matmul(a, bt, transpose_b=True).numpy()
        if dtype == "float16":
            assert_same(compiled.astype(np.float32), (a.astype(np.float32) @ bt.T.astype(np.float32)), rtol=1e-2)
        else:
            assert_same(compiled, eager, rtol=1e-12 if dtype == "float64" else None)


def test_run_time_sizes():
    """One compile for every size: the block counts, tile ends and panel count are computed at run time."""
    f = tfc.function(lambda a, b: tfc.matmul(a, b), input_signature=[tfc.TensorSpec([None, None], tfc.float32),
                                                  tfc.TensorSpec([None, None], tfc.float32)])
    for m, k, n in [(65, 33, 257), (1, 1, 1), (300, 600, 40), (0, 3, 2), (5, 0, 7)]:
        a, b = _operands(m, k, n, seed=m + k + n)
        assert_same(f(a, b).numpy(), (a.astype(np.float64) @ b).astype(np.float32), rtol=1e-4)
    assert f.experimental_get_tracing_count() == 1


def test_one_thread_gives_the_same_bits(monkeypatch):
    """Threads split blocks, never a sum: TFC_NUM_THREADS=1 (plain loops) is bit-identical."""
    a, b = _operands(300, 1001, 129, seed=9)
    threaded = tfc.function(tfc.matmul)(a, b).numpy()
    monkeypatch.setenv("TFC_NUM_THREADS", "1")
    assert np.array_equal(tfc.function(tfc.matmul)(a, b).numpy(), threaded)


# --------------------------------------------------------------------------------------------------- epilogues
def _dense(activation):
    return lambda x, w, b, r: activation(tfc.matmul(x, w) + b)


EPILOGUES = [  # (name, function, op names fused into the kernel)
    ("bias", _dense(lambda h: h), ["add"]),
    ("relu", _dense(tfc.nn.relu), ["add", "maximum"]),
    ("gelu", _dense(tfc.nn.gelu), ["add", "multiply", "multiply", "erf", "add", "multiply"]),
    ("leaky_relu: a bool intermediate", _dense(tfc.nn.leaky_relu), ["add", "greater", "multiply", "select"]),
    ("sigmoid", _dense(tfc.sigmoid), ["add", "sigmoid"]),
    ("residual [M, N] and scalar", lambda x, w, b, r: tfc.matmul(x, w) * 0.5 + r, ["multiply", "add"]),
    ("column [M, 1]", lambda x, w, b, r: tfc.matmul(x, w) - r[:, :1], ["subtract"]),
    ("two results: the bias add is also returned",
     lambda x, w, b, r: (tfc.matmul(x, w) + b, tfc.nn.relu(tfc.matmul(x, w) + b)), ["add"]),
    ("the product is returned too", lambda x, w, b, r: (tfc.matmul(x, w), tfc.matmul(x, w) + b), []),
    ("a cast changes the dtype", lambda x, w, b, r: tfc.cast(tfc.matmul(x, w) + b, tfc.float64), ["add"]),
    ("a consumer that broadcasts the product", lambda x, w, b, r: tfc.matmul(x, w)[None] + r[None], []),
    ("an operand computed after the product is lowered first",
     lambda x, w, b, r: tfc.matmul(x, w) + tfc.math.exp(r), ["add"]),
    ("an operand that needs the product",
     lambda x, w, b, r: tfc.matmul(x, w) - tfc.reduce_max(tfc.matmul(x, w), axis=1, keepdims=True), []),
]


@pytest.mark.parametrize("name,fn,fused", EPILOGUES, ids=[e[0] for e in EPILOGUES])
def test_epilogues(name, fn, fused):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((300, 200), dtype=np.float32)
    w = rng.standard_normal((200, 130), dtype=np.float32) * 0.1
    b = rng.standard_normal((130,), dtype=np.float32)
    r = rng.standard_normal((300, 130), dtype=np.float32)
    concrete = tfc.function(fn).get_concrete_function(x, w, b, r)
    graph = graph_passes.optimize(concrete.graph)
    matmul = next(n for n in graph.nodes if n.op.name == "matmul")
    assert [n.op.name for n in epilogue.plan(Emitter(512), matmul, matmul.outputs[0].type.dtype)] == fused
    compiled = tfc.function(fn)(x, w, b, r)
    eager = fn(*(tfc.constant(v) for v in (x, w, b, r)))
    for got, want in zip(tfc.nest.flatten(compiled), tfc.nest.flatten(eager)):
        assert_same(got.numpy(), want.numpy(), rtol=2e-5)


# ------------------------------------------------------------------------------------------------------ conv2d
CONVS = [  # (input NHWC, filters HWIO, strides, padding, dilations)
    ((8, 16, 16, 32), (3, 3, 32, 64), 1, "SAME", 1),    # W7's geometry, smaller: 2 K slices, 32 row blocks
    ((1, 16, 8, 32), (3, 3, 32, 64), 1, "VALID", 1),    # exactly 2 row blocks and 2 K slices, threaded (an LLVM
                                                         # SLP miscompile of signed pixel indices showed here)
    ((2, 9, 11, 3), (3, 3, 3, 5), 1, "SAME", 1),        # 3 channels, 5 filters: masked panel
    ((2, 9, 11, 3), (2, 3, 3, 5), 2, "VALID", 1),       # strides
    ((1, 7, 7, 4), (3, 3, 4, 6), 1, "SAME", 2),         # dilations
    ((3, 5, 5, 17), (1, 1, 17, 40), 1, "VALID", 1),     # 1x1: a plain matmul over pixels
    ((2, 10, 10, 8), (5, 5, 8, 33), (2, 1), "SAME", 1), # 25 taps, 33 filters
    ((1, 6, 6, 128), (3, 3, 128, 8), 1, "SAME", 1),     # 2 taps per K slice, 5 slices
]


@pytest.mark.parametrize("x_shape,f_shape,strides,padding,dilations", CONVS, ids=lambda v: str(v))
def test_conv2d(x_shape, f_shape, strides, padding, dilations):
    rng = np.random.default_rng(6)
    x = rng.standard_normal(x_shape, dtype=np.float32)
    f = rng.standard_normal(f_shape, dtype=np.float32) * np.float32(0.1)
    bias = rng.standard_normal(f_shape[-1:], dtype=np.float32)

    def conv(x, f, bias):
        return tfc.nn.relu(tfc.nn.conv2d(x, f, strides=strides, padding=padding, dilations=dilations) + bias)
    concrete = tfc.function(conv).get_concrete_function(x, f, bias)
    assert "vector.outerproduct" in concrete.as_text("linalg")
    graph = graph_passes.optimize(concrete.graph)
    node = next(n for n in graph.nodes if n.op.name == "conv2d")
    assert [n.op.name for n in epilogue.plan(Emitter(512), node, node.outputs[0].type.dtype)] == ["add", "maximum"]
    assert_same(tfc.function(conv)(x, f, bias).numpy(), conv(*map(tfc.constant, (x, f, bias))).numpy(), rtol=2e-5)


def test_conv2d_threads_and_dtypes(monkeypatch):
    """One thread gives the same bits; float64 and bfloat16 take the kernel too."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 16, 16, 32), dtype=np.float32)
    f = rng.standard_normal((3, 3, 32, 64), dtype=np.float32)
    conv = lambda x, f: tfc.nn.conv2d(x, f, 1, "SAME")  # noqa: E731
    threaded = tfc.function(conv)(x, f).numpy()
    monkeypatch.setenv("TFC_NUM_THREADS", "1")
    assert np.array_equal(tfc.function(conv)(x, f).numpy(), threaded)
    monkeypatch.delenv("TFC_NUM_THREADS")
    for dtype in (np.float64, tfc.bfloat16.np):
        xd, fd = x.astype(dtype), f.astype(dtype)
        compiled = tfc.function(conv)(xd, fd).numpy()
        eager = conv(tfc.constant(xd), tfc.constant(fd)).numpy()
        assert compiled.dtype == dtype
        assert_same(compiled.astype(np.float64), eager.astype(np.float64), rtol=1e-12 if dtype == np.float64 else 2e-2)


@pytest.mark.parametrize("old_value_used_after", [False, True])
def test_sgd_update_is_built_in_the_variables_buffer(old_value_used_after):
    """`w.assign(w - lr * x^T g)` fused into the dW kernel builds the new value in w's own buffer, reading each
    block's old values from it: no copy of w in or out. When w's old value is still needed afterwards,
    bufferization keeps a copy and the results stay right."""
    rng = np.random.default_rng(12)
    x = rng.standard_normal((256, 200), dtype=np.float32)
    g = rng.standard_normal((256, 130), dtype=np.float32)
    w = tfc.Variable(rng.standard_normal((200, 130), dtype=np.float32))
    eager_w = tfc.Variable(w.numpy())

    def step(w, x, g):
        old = w.read_value()
        w.assign(w - 0.1 * tfc.matmul(x, g, transpose_a=True))
        return tfc.reduce_sum(old * 2.0) if old_value_used_after else tfc.constant(0.0)

    fn = tfc.function(lambda x, g: step(w, x, g))
    bufferized = fn.get_concrete_function(x, g).as_text("bufferized")
    weight_copies = [line for line in bufferized.splitlines() if "memref.copy" in line and "200x130" in line]
    assert bool(weight_copies) == old_value_used_after, weight_copies
    for _ in range(2):
        got, want = fn(x, g), step(eager_w, tfc.constant(x), tfc.constant(g))
        assert_same(got.numpy(), want.numpy(), rtol=1e-4)
        assert_same(w.numpy(), eager_w.numpy(), rtol=2e-5)


@pytest.mark.parametrize("operand", ["a", "b"])
def test_update_of_a_variable_that_is_also_the_products_operand(operand):
    """`w.assign(w - lr * (w @ g))`: the kernel reads w as an operand while its result is assigned to w; building
    the result in w's buffer must not let one block read another's new values."""
    rng = np.random.default_rng(13)
    w = tfc.Variable(rng.standard_normal((300, 300), dtype=np.float32))
    eager_w = tfc.Variable(w.numpy())
    g = rng.standard_normal((300, 300), dtype=np.float32)

    def step(w, g):
        product = tfc.matmul(w, g) if operand == "a" else tfc.matmul(g, w)
        w.assign(w - 0.01 * product)

    fn = tfc.function(lambda g: step(w, g))
    for _ in range(2):
        fn(g)
        step(eager_w, tfc.constant(g))
        assert_same(w.numpy(), eager_w.numpy(), rtol=1e-4)


def test_epilogues_read_variables_when_no_assignment_intervenes():
    """A bias Variable read after its matmul, and an SGD update `w - lr * (x^T g)` whose fresh read of `w`
    follows other variables' updates, fuse; a read that follows an assignment to the same variable made after
    the product does not (moved before the kernel, it would miss the new value)."""
    rng = np.random.default_rng(8)
    x = rng.standard_normal((300, 200), dtype=np.float32)
    g = rng.standard_normal((300, 130), dtype=np.float32)

    def make():
        return (tfc.Variable(rng.standard_normal((200, 130), dtype=np.float32)),
                tfc.Variable(rng.standard_normal((130,), dtype=np.float32)),
                tfc.Variable(np.zeros((130,), np.float32)))

    def step(w, b, other, x, g):
        y = tfc.matmul(x, w) + b                       # b read after the matmul: fused
        other.assign(b * 2.0)                          # another variable's update between ...
        w.assign(w - 0.1 * tfc.matmul(x, g, transpose_a=True))   # ... and w's read: fused
        product = tfc.matmul(x, w)
        b.assign(b + 1.0)
        z = product + b                                # b read after its assignment, after the product: not fused
        return y, z

    compiled_vars = make()
    eager_vars = tuple(tfc.Variable(v.numpy()) for v in compiled_vars)
    plans = []
    fn = tfc.function(lambda x, g: step(*compiled_vars, x, g))
    graph = graph_passes.optimize(fn.get_concrete_function(x, g).graph)
    for node in (n for n in graph.nodes if n.op.name == "matmul"):
        plans.append([n.op.name for n in epilogue.plan(Emitter(512), node, node.outputs[0].type.dtype)])
    assert plans == [["add"], ["multiply", "subtract"], []]
    for _ in range(2):  # the variables' new values carry into the second call
        compiled = fn(x, g)
        eager = step(*eager_vars, tfc.constant(x), tfc.constant(g))
        for got, want in zip(compiled, eager):
            assert_same(got.numpy(), want.numpy(), rtol=2e-5)
    for got, want in zip(compiled_vars, eager_vars):
        assert_same(got.numpy(), want.numpy(), rtol=2e-5)


# ----------------------------------------------------------------------------------------------- batched matmul
BATCHED = [  # (a shape, b shape, kernel?)
    ((4, 65, 33), (4, 33, 70), True),           # both batched
    ((65, 33), (3, 33, 70), True),              # A broadcast over B's batch
    ((2, 3, 65, 33), (2, 3, 33, 70), True),     # two batch axes, flattened and restored
    ((2, 3, 65, 33), (33, 70), True),           # B broadcast
    ((1, 65, 33), (5, 33, 70), True),           # a batch axis of 1 is a broadcast
    ((3, 64, 256), (3, 256, 32), True),         # whole tiles, several blocks per batch
    ((0, 5, 3), (0, 3, 2), True),               # empty batch
    ((2, 1, 8, 9), (1, 3, 9, 4), False),        # axes broadcast against each other: the generic loops
]


@pytest.mark.parametrize("a_shape,b_shape,kernel", BATCHED, ids=lambda v: str(v))
def test_batched(a_shape, b_shape, kernel):
    rng = np.random.default_rng(9)
    a, b = rng.standard_normal(a_shape, dtype=np.float32), rng.standard_normal(b_shape, dtype=np.float32)
    bias = rng.standard_normal(b_shape[-1:], dtype=np.float32)

    def dense(a, b, bias):  # the bias add and relu fuse into the batched kernel's blocks
        return tfc.nn.relu(tfc.matmul(a, b) + bias)
    assert _uses_kernel(dense, a, b, bias) == kernel
    expected = np.maximum(a.astype(np.float64) @ b + bias, 0).astype(np.float32)
    assert_same(tfc.function(dense)(a, b, bias).numpy(), expected, rtol=1e-4)


def test_batched_transposes_residuals_and_run_time_batches(monkeypatch):
    rng = np.random.default_rng(10)
    q, k = rng.standard_normal((6, 40, 16), dtype=np.float32), rng.standard_normal((6, 50, 16), dtype=np.float32)
    residual = rng.standard_normal((6, 40, 50), dtype=np.float32)
    scores = lambda q, k, r: tfc.matmul(q, k, transpose_b=True) * 0.25 + r  # noqa: E731  (attention-like)
    compiled = tfc.function(scores)(q, k, residual).numpy()
    assert_same(compiled, (q.astype(np.float64) @ np.swapaxes(k, 1, 2) * 0.25 + residual).astype(np.float32),
                rtol=1e-4)
    monkeypatch.setenv("TFC_NUM_THREADS", "1")
    assert np.array_equal(tfc.function(scores)(q, k, residual).numpy(), compiled)
    monkeypatch.delenv("TFC_NUM_THREADS")
    f = tfc.function(lambda x, w: tfc.matmul(x, w), input_signature=[tfc.TensorSpec([None, None, 16], tfc.float32),
                                                                    tfc.TensorSpec([16, 24], tfc.float32)])
    for batch, rows in [(1, 10), (3, 65), (0, 4)]:
        x, w = rng.standard_normal((batch, rows, 16), dtype=np.float32), rng.standard_normal((16, 24), dtype=np.float32)
        assert_same(f(x, w).numpy(), (x.astype(np.float64) @ w).astype(np.float32), rtol=1e-4)
    assert "vector.outerproduct" in f.get_concrete_function().as_text("linalg")
