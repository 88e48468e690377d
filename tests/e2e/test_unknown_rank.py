"""reduce_retracing's unknown-rank trace (TensorFlow: a call with a new rank traces once for any rank). The Python
function runs once for all later ranks; each rank's code is a specialization of the graph (shape inference re-run,
compiled once per rank). Table-driven: one row per shape rule, compiled results compared with eager numpy."""
import numpy as np
import pytest

import tfc
from tests.conftest import assert_same
from tfc.ops.known_gaps import KNOWN_GAPS

F32 = np.float32


def if_on_sum(x):
    return x * 2.0 if tfc.reduce_sum(x) > 0.0 else -x  # a tfc.cond whose branches have an unknown rank


def while_doubling(x):
    x = tfc.abs(x) + 0.5
    while tfc.reduce_sum(x) < 50.0:
        x = x * 2.0
    return x


RANKS = [[(3,)], [(2, 3)], [(2, 2, 3)], [(1, 5)]]  # (1, 5): a size-1 dimension, which broadcasts
# (rule, function, argument shapes of successive calls; the first two calls bring two ranks)
CASES = [
    ("elementwise", lambda x: tfc.exp(x) * 2.0 - x, RANKS),
    ("broadcast", lambda x, y: x * y + 1.0, [[(3,), (3,)], [(2, 3), (2, 3)], [(2, 1, 3), (2, 4, 1)],
                                             [(5,), (1,)]]),
    ("cast and compare", lambda x: tfc.cast(x > 0.0, tfc.int32), RANKS),
    ("where", lambda x: tfc.where(x > 0.0, x, tfc.zeros_like(x)), RANKS),
    ("reduce all axes", lambda x: (tfc.reduce_sum(x), tfc.reduce_mean(x), tfc.reduce_max(x)), RANKS),
    ("reduce keepdims", lambda x: x - tfc.reduce_min(x, keepdims=True), RANKS),
    ("reduce last axis", lambda x: tfc.reduce_sum(x, axis=-1) + tfc.reduce_mean(x, axis=-1), RANKS),
    ("softmax", lambda x: tfc.nn.softmax(x) + tfc.nn.log_softmax(x), RANKS),
    ("activations", lambda x: tfc.nn.relu(x) + tfc.math.sigmoid(x) * tfc.nn.gelu(x), RANKS),
    ("argmax", lambda x: tfc.argmax(x, axis=-1), RANKS),
    ("reshape to a known rank", lambda x: tfc.reshape(x, [-1]) * 3.0, RANKS),
    ("transpose", lambda x: tfc.transpose(x) + 1.0, RANKS),
    ("matmul", lambda x, w: tfc.matmul(x, w), [[(2, 3), (3, 4)], [(5, 2, 3), (3, 4)], [(4, 3), (3, 4)]]),
    ("tensor if", if_on_sum, RANKS),
    ("tensor while", while_doubling, RANKS),
]


@pytest.mark.parametrize("name,fn,calls", CASES, ids=[c[0] for c in CASES])
def test_one_trace_for_every_new_rank(name, fn, calls, rng):
    runs = []
    f = tfc.function(lambda *args: runs.append(1) or fn(*args), reduce_retracing=True)
    for shapes in calls:
        args = [rng.uniform(-1, 1, size=s).astype(F32) for s in shapes]
        got, want = f(*args), fn(*[tfc.constant(a) for a in args])
        for g, w in zip(tfc.nest.flatten(got), tfc.nest.flatten(want)):
            assert_same(np.asarray(g), np.asarray(w), rtol=1e-5, what=f"{name} {shapes}")
    assert f.experimental_get_tracing_count() == len(runs) == 2  # the exact first call, then any rank
    # The trace for any rank: unknown rank where the rank changed, the first call's shape elsewhere.
    specs = [tfc.TensorSpec(None if len({len(shapes[i]) for shapes in calls}) > 1 else calls[0][i])
             for i in range(len(calls[0]))]
    concrete = f.get_concrete_function(*specs)
    assert "tensor<*xf32>" in concrete.as_text()
    assert len(concrete.specializations) >= 1


def test_explain_retracing_shows_the_relaxation_and_each_specialization():
    f = tfc.function(lambda x: tfc.nn.softmax(x), reduce_retracing=True)
    for shape in [(3,), (2, 3), (4, 5), (1, 2, 3), (7,)]:
        f(np.ones(shape, F32))
    text = f.explain_retracing()
    assert text.startswith("<lambda>: 2 trace(s)")
    assert "x: float32[3] -> float32[unknown rank] (reduce_retracing: a new rank, traced once for any rank" in text
    ranks = [line.strip() for line in text.splitlines() if line.strip().startswith("specialized")]
    assert [r.split(" (")[0] for r in ranks] == ["specialized for rank 2", "specialized for rank 3",
                                                 "specialized for rank 1"], text
    assert "specialized for rank 3 (x: float32[1, None, None]) at " + __file__ in text


def test_one_library_per_rank_whatever_the_sizes():
    f = tfc.function(lambda x: x * 2.0 + tfc.reduce_max(x), reduce_retracing=True)
    f(np.ones(3, F32))
    for shape in [(2, 3), (4, 5), (9, 2), (3, 3, 3), (2, 7, 5)]:
        assert_same(f(np.full(shape, 2.0, F32)).numpy(), np.full(shape, 6.0, F32))
    concrete = f.get_concrete_function(tfc.TensorSpec(None))
    libraries = {spec._artifact.library for spec in concrete.specializations if spec._artifact}
    assert len(concrete.specializations) == 2 and len(libraries) == 2
    assert [spec.inputs[0].shape.rank for spec in concrete.specializations] == [2, 3]
    assert "memref<?x?x?xf32>" in concrete.specializations[1].as_text("bufferized")


def test_code_that_needs_sizes_per_shape_falls_back_to_exact_shapes():
    f = tfc.function(lambda x: tfc.reshape(x, [2, -1]), reduce_retracing=True)  # 2 * d0 * d1 / 2: no arg size
    f(np.ones(4, F32))
    x = np.arange(6, dtype=F32).reshape(3, 2)
    assert_same(f(x).numpy(), x.reshape(2, 3))
    assert "specialized for this shape (the code for any size of this rank does not compile" in f.explain_retracing()


def test_signature_with_unknown_rank_traces_once():
    f = tfc.function(lambda x: tfc.reduce_sum(x * x, axis=0), input_signature=[tfc.TensorSpec(None, tfc.float32)])
    for shape in [(3,), (2, 3), (2, 2, 2)]:
        x = np.arange(np.prod(shape), dtype=F32).reshape(shape)
        assert_same(f(x).numpy(), (x * x).sum(axis=0))
    assert f.experimental_get_tracing_count() == 1
    assert f.get_concrete_function().pretty_printed_signature() == "<lambda>(x: float32[unknown rank]) -> " \
                                                                   "(float32[unknown rank])"
    with pytest.raises(TypeError, match="has dtype int32, expected float32"):
        f(tfc.constant([1, 2]))


def test_shape_queries_follow_tensorflow_inside_the_trace():
    seen = []

    @tfc.function(input_signature=[tfc.TensorSpec(None)])
    def f(x):
        seen.append((x.shape.rank, x.shape[0], str(x.shape), x.shape == tfc.TensorShape(None)))
        return x + 1.0

    f(np.ones((2, 2), F32))
    assert seen == [(None, None, "<unknown>", True)]


def test_nested_function_traced_for_any_rank_is_specialized_for_its_caller():
    inner = tfc.function(lambda x: tfc.reduce_sum(x, axis=-1, keepdims=True), input_signature=[tfc.TensorSpec(None)])
    outer = tfc.function(lambda x: inner(x) * 2.0)
    x = np.arange(6, dtype=F32).reshape(2, 3)
    assert_same(outer(x).numpy(), x.sum(axis=-1, keepdims=True) * 2.0)
    assert "tensor<2x1xf32>" in outer.get_concrete_function(x).as_text()
    assert inner.experimental_get_tracing_count() == 1


def _call_twice(fn, first, second):
    f = tfc.function(fn, reduce_retracing=True)
    f(np.ones(first, F32))
    f(np.ones(second, F32))


# (function, expected message) for code that needs a rank the trace does not know: at trace time, naming the op
UNSUPPORTED = [
    (lambda x: tfc.concat([x, x], axis=0), r"tfc\.concat needs the rank of a tensor"),
    (lambda x: x[0], r"tfc\.Tensor\.__getitem__ needs the rank of a tensor"),
    (lambda x: tfc.cumsum(x), r"tfc\.cumsum needs the rank of a tensor"),
    (lambda x: x * float(x.ndim), r"tfc\.Tensor\.ndim needs the rank of a tensor \(x\.ndim\)"),
    (lambda x: x * len(x.shape), r"needs the rank of a tensor \(len\(x\.shape\)\)"),
    (lambda x: tfc.gather(x, [0]), r"tfc\.gather needs the rank"),
]


@pytest.mark.parametrize("fn,message", UNSUPPORTED)
def test_ops_that_need_a_rank_name_themselves_and_the_line(fn, message):
    with pytest.raises(tfc.errors.UnknownRankError, match=message) as info:
        _call_twice(fn, (3,), (2, 3))
    assert str(info.value).startswith(f"{__file__}:{fn.__code__.co_firstlineno}:")
    assert "input_signature=[tfc.TensorSpec([None, ...], dtype)]" in str(info.value)


def test_for_loop_over_a_tensor_of_unknown_rank_says_so():
    def rows(x):
        total = tfc.constant(0.0)
        for row in x:
            total = total + tfc.reduce_sum(row)
        return total

    with pytest.raises(tfc.errors.UnknownRankError, match="a `for` loop over a tensor needs the rank") as info:
        _call_twice(rows, (3,), (2, 3))
    assert str(info.value).startswith(f"{__file__}:{rows.__code__.co_firstlineno + 2}:")


@pytest.mark.xfail(reason=KNOWN_GAPS["unknown-rank-gradients"], raises=tfc.errors.UnknownRankError, strict=True)
def test_gradients_in_a_trace_for_any_rank():
    def grad(x):
        with tfc.GradientTape() as tape:
            tape.watch(x)
            y = tfc.reduce_sum(x * x)
        return tape.gradient(y, x)

    _call_twice(grad, (3,), (2, 3))


# (function, first call shape, failing call shape, expected message): rank-dependent errors at call time
CALL_ERRORS = [
    (lambda x: tfc.argmax(x, axis=1), (2, 3), (4,), r"tfc\.argmax: axis 1 is out of range for a tensor of rank 1"),
    (lambda x: tfc.reduce_sum(x, axis=2), (2, 3, 4), (4, 4), r"tfc\.reduce_sum: axis 2 is out of range"),
    (lambda x: tfc.matmul(x, x), (2, 2), (3,), r"tfc\.matmul: expected a and b of rank >= 2"),
    (lambda x, y=np.ones((2, 3), F32): x + y, (3,), (2, 2), r"tfc\.add: incompatible shapes for broadcasting"),
]


@pytest.mark.parametrize("fn,first,failing,message", CALL_ERRORS)
def test_rank_dependent_errors_surface_at_the_call_naming_the_op_line(fn, first, failing, message):
    f = tfc.function(fn, reduce_retracing=True)
    f(np.ones(first, F32))
    with pytest.raises(tfc.errors.InvalidArgumentError, match=message) as info:
        f(np.ones(failing, F32))
    assert str(info.value).startswith(f"{__file__}:{fn.__code__.co_firstlineno}:")


def test_gpu_calls_compile_exact_shapes(monkeypatch):
    """The CUDA launch plan needs static sizes: a trace for any rank is specialized per exact shape there."""
    from tfc.passes import gpu

    compiled = []

    def capture(graph, *args, **kwargs):
        compiled.append(graph)
        raise RuntimeError("captured")
    monkeypatch.setattr(gpu, "compile_cuda", capture)
    f = tfc.function(lambda x: x * 2.0, input_signature=[tfc.TensorSpec(None)], target="cuda")
    with pytest.raises(RuntimeError, match="captured"):
        f(np.ones((2, 3), F32))
    assert "tensor<2x3xf32>" in str(compiled[0]) and "tensor<*x" not in str(compiled[0])


def test_ahead_of_time_packages_need_every_rank():
    from tfc.passes import aot

    f = tfc.function(lambda x: x + 1.0, input_signature=[tfc.TensorSpec(None)])
    with pytest.raises(tfc.errors.UnsupportedError, match=r"f: its input_signature leaves a rank unknown"):
        aot.compile_functions({"f": f})
