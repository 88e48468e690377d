"""Broadcasting of sizes known only at run time (None in input_signature), as TensorFlow does it: a run-time size
of 1 broadcasts, sizes that differ otherwise raise InvalidArgumentError naming the op and the user's line.
Table-driven: each case is called with equal sizes, 1 against n, n against 1 and incompatible sizes; eager numpy
is the oracle. The function traces once; calls whose size 1 broadcasts run a specialization of its graph."""
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import tfc
from tests.conftest import assert_same
from tfc.ops.known_gaps import KNOWN_GAPS

S = tfc.TensorSpec
F32 = np.float32


def _grads(x, y):
    with tfc.GradientTape() as tape:
        tape.watch([x, y])
        z = tfc.reduce_sum(tfc.tanh(x * y + y))
    return tape.gradient(z, [x, y])


# (name, function, input_signature, argument shapes of successive calls). Each function's ops sit on the line
# of its `lambda`, which the errors must name.
CASES = [
    ("add, two Nones", lambda x, y: x + y, [S([None]), S([None])],
     [[(4,), (4,)], [(1,), (5,)], [(5,), (1,)], [(1,), (1,)], [(0,), (1,)], [(1,), (0,)], [(3,), (5,)],
      [(0,), (3,)]]),
    ("multiply, rows and columns", lambda x, y: x * y, [S([None, None]), S([None, None])],
     [[(2, 3), (2, 3)], [(1, 3), (4, 3)], [(4, 1), (4, 3)], [(4, 1), (1, 3)], [(2, 3), (3, 3)]]),
    ("None against a static size", lambda x, y: x - y, [S([None]), S([4])],
     [[(4,), (4,)], [(1,), (4,)], [(3,), (4,)]]),
    ("static 1 against None", lambda x, y: tfc.maximum(x, y), [S([1, None]), S([None, None])],
     [[(1, 3), (4, 3)], [(1, 1), (4, 3)], [(1, 3), (4, 1)], [(1, 3), (1, 3)], [(1, 2), (4, 3)]]),
    ("lower rank, None against None", lambda x, y: x / (y * y + 1.0), [S([None, None, 3]), S([None, 3])],
     [[(2, 4, 3), (4, 3)], [(2, 4, 3), (1, 3)], [(2, 1, 3), (5, 3)], [(2, 4, 3), (5, 3)]]),
    ("select, three operands", lambda c, x, y: tfc.where(c > 0.0, x, y), [S([None]), S([None]), S([None])],
     [[(5,), (5,), (5,)], [(1,), (5,), (5,)], [(5,), (1,), (1,)], [(5,), (1,), (5,)], [(5,), (3,), (5,)]]),
    ("comparison", lambda x, y: tfc.cast(x < y, tfc.float32), [S([None, 2]), S([None, 2])],
     [[(3, 2), (3, 2)], [(3, 2), (1, 2)], [(3, 2), (2, 2)]]),
    ("chain of three", lambda x, y, z: tfc.exp(x) * y + z, [S([None]), S([None]), S([None])],
     [[(3,), (3,), (3,)], [(1,), (3,), (1,)], [(3,), (1,), (3,)], [(1,), (1,), (4,)], [(3,), (3,), (2,)]]),
    ("reduction after a broadcast", lambda x, y: tfc.reduce_sum(x * y, axis=0) + tfc.reduce_max(x + y),
     [S([None, 3]), S([None, 3])], [[(4, 3), (4, 3)], [(4, 3), (1, 3)], [(1, 3), (4, 3)], [(4, 3), (2, 3)]]),
    ("broadcast, reduce, broadcast", lambda x, y: x - tfc.reduce_mean(x * y, axis=0, keepdims=True),
     [S([None, None]), S([None, None])], [[(3, 2), (3, 2)], [(3, 2), (1, 2)], [(3, 2), (3, 1)], [(1, 2), (3, 2)]]),
    ("matmul batch dimensions", lambda a, b: tfc.matmul(a, b), [S([None, 2, 3]), S([None, 3, 4])],
     [[(4, 2, 3), (4, 3, 4)], [(1, 2, 3), (4, 3, 4)], [(4, 2, 3), (1, 3, 4)], [(2, 2, 3), (3, 3, 4)]]),
    ("matmul inner dimension", lambda a, b: tfc.matmul(a, b) * 2.0, [S([None, None]), S([None, None])],
     [[(2, 3), (3, 4)], [(2, 1), (1, 4)], [(2, 3), (4, 5)], [(2, 1), (3, 4)]]),
    ("dense layer with a run-time bias", lambda x, w, b: tfc.nn.relu(tfc.matmul(x, w) + b),
     [S([None, 8]), S([8, None]), S([None])], [[(4, 8), (8, 3), (3,)], [(4, 8), (8, 3), (1,)], [(4, 8), (8, 1), (3,)],
                                               [(4, 8), (8, 3), (2,)]]),
    ("broadcast_to", lambda x: tfc.broadcast_to(x, [4, 3]) * 2.0, [S([None, 3])], [[(4, 3)], [(1, 3)], [(2, 3)]]),
    ("expand_dims against a batch", lambda x, s: s + tfc.expand_dims(x, 1), [S([None, None]), S([None, None, None])],
     [[(3, 4), (3, 2, 4)], [(1, 4), (3, 2, 4)], [(3, 1), (3, 2, 4)], [(3, 4), (1, 2, 4)], [(2, 4), (3, 2, 4)]]),
    ("gradients of a broadcast", _grads, [S([None, 3]), S([None, 3])],
     [[(5, 3), (5, 3)], [(5, 3), (1, 3)], [(1, 3), (5, 3)], [(1, 3), (1, 3)], [(5, 3), (2, 3)]]),
]

INCOMPATIBLE = re.compile(r"tfc\.\w+: (Incompatible shapes: \[[\d,]*\]( vs\. \[[\d,]*\])+|Matrix size-incompatible: "
                          r"In\[0\]: \[[\d,]+\], In\[1\]: \[[\d,]+\]|In\[0\] and In\[1\] must have compatible batch "
                          r"dimensions: \[[\d,]+\] vs\. \[[\d,]+\])")


def _line_of(fn) -> int:
    """The line of the op that fails: the lambda's own, or the line of `z = ...` in _grads."""
    return fn.__code__.co_firstlineno + (3 if fn is _grads else 0)


@pytest.mark.parametrize("name,fn,signature,calls", CASES, ids=[c[0] for c in CASES])
def test_run_time_sizes_broadcast_like_eager(name, fn, signature, calls, rng):
    f = tfc.function(fn, input_signature=signature)
    for shapes in calls:
        args = [rng.uniform(-1, 1, size=s).astype(F32) for s in shapes]
        try:
            want = fn(*[tfc.constant(a) for a in args])
        except tfc.errors.InvalidArgumentError:
            with pytest.raises(tfc.errors.InvalidArgumentError) as info:
                f(*args)
            assert not isinstance(info.value, tfc.errors.UncompiledBroadcastError), str(info.value)
            assert INCOMPATIBLE.search(str(info.value)), str(info.value)
            assert str(info.value).startswith(f"{__file__}:{_line_of(fn)}: "), str(info.value)
            continue
        got = f(*args)
        for g, w in zip(tfc.nest.flatten(got), tfc.nest.flatten(want)):
            assert_same(g.numpy(), w.numpy(), rtol=1e-5, what=f"{name} {shapes}")
    assert f.experimental_get_tracing_count() == 1


def test_equal_sizes_run_the_one_library_and_each_pattern_compiles_once():
    f = tfc.function(lambda x, y: x * y + 1.0, input_signature=[S([None, None]), S([None, None])])
    for n in (1, 3, 7):  # equal sizes (1 against 1 included) need no broadcasting
        f(np.ones((n, 2), F32), np.ones((n, 2), F32))
    concrete = f.get_concrete_function()
    assert concrete.specializations == []
    for rows in (4, 9, 4):  # one pattern of sizes of 1, whatever the other sizes
        x = np.arange(rows * 2, dtype=F32).reshape(rows, 2)
        assert_same(f(x, np.full((1, 2), 3.0, F32)).numpy(), x * 3.0 + 1.0)
    (special,) = concrete.specializations
    assert special.inputs[1].shape == tfc.TensorShape([1, None])
    assert "affine_map<(d0, d1) -> (0, d1)>" in special.as_text("linalg")  # static 1: read at index 0
    text = f.explain_retracing()
    assert text.count("specialized for run-time sizes of 1, which broadcast (y: float32[1, None])") == 1, text
    assert f.experimental_get_tracing_count() == 1


def test_a_size_of_1_computed_by_the_graph_is_compiled_for_its_shape():
    # reshape(x, [-1, 4]) has 1 row when x has 4 elements: no argument's size is 1, so the exact shape is compiled
    f = tfc.function(lambda y, x: y + tfc.reshape(x, [-1, 4]), input_signature=[S([None, 4]), S([None])])
    for rows, n in [(3, 12), (3, 4), (1, 8)]:
        y, x = np.ones((rows, 4), F32), np.arange(n, dtype=F32)
        assert_same(f(y, x).numpy(), y + x.reshape(-1, 4))
    text = f.explain_retracing()
    assert "specialized for this shape (a size computed from the arguments is 1 and broadcasts) " \
           "(y: float32[3, 4]; x: float32[4])" in text, text
    assert "specialized for this shape (the code for its sizes of 1 does not compile" in text, text


def test_sizes_in_control_flow_are_checked_and_broadcast():
    def fn(x, y):
        if tfc.reduce_sum(x) > 0.0:
            x = x + y
        while tfc.reduce_max(x) < 5.0:
            x = x * 2.0 + y * y
        return x

    f = tfc.function(fn, input_signature=[S([None]), S([None])])
    for shapes in [[(3,), (3,)], [(3,), (1,)]]:
        args = [np.abs(np.random.default_rng(0).uniform(0.5, 1, size=s)).astype(F32) for s in shapes]
        assert_same(f(*args).numpy(), fn(*[tfc.constant(a) for a in args]).numpy(), rtol=1e-5)
    with pytest.raises(tfc.errors.InvalidArgumentError, match=r"tfc\.add: Incompatible shapes: \[3\] vs\. \[2\]"):
        f(np.ones(3, F32), np.ones(2, F32))


def test_a_size_computed_at_run_time_cannot_be_an_output_where_it_broadcasts():
    # which of the two sizes the result has is known only once the code runs: refused, never a wrong size
    f = tfc.function(lambda n, y: tfc.cast(tfc.range(n), tfc.float32) + y,
                     input_signature=[S([], tfc.int32), S([None])])
    with pytest.raises(tfc.errors.UnsupportedError, match="dimension 0 cannot be known before the call: it is "
                                                          "computed at run time"):
        f(np.int32(3), np.ones(3, F32))


@pytest.mark.xfail(reason=KNOWN_GAPS["computed-size-broadcast"], raises=AssertionError, strict=True)
def test_a_size_computed_at_run_time_is_checked_where_it_broadcasts():
    f = tfc.function(lambda n, y: tfc.reduce_sum(tfc.cast(tfc.range(n), tfc.float32) + y),
                     input_signature=[S([], tfc.int32), S([None])])
    assert_same(f(np.int32(3), np.ones(3, F32)).numpy(), np.float32(6.0))
    try:  # TensorFlow: Incompatible shapes: [3] vs. [5]
        f(np.int32(3), np.ones(5, F32))
    except tfc.errors.InvalidArgumentError:
        return
    raise AssertionError("the sizes 3 (tfc.range) and 5 were taken to be equal")


@pytest.mark.xfail(reason=KNOWN_GAPS["broadcast-checks-in-branches"], raises=tfc.errors.InvalidArgumentError,
                   strict=True)
def test_sizes_in_a_branch_that_does_not_run_are_not_checked():
    def fn(x, y):
        if tfc.reduce_sum(x) > 0.0:
            x = x + y
        return x * 2.0

    f = tfc.function(fn, input_signature=[S([None]), S([None])])
    assert_same(f(-np.ones(3, F32), np.ones(2, F32)).numpy(), np.full(3, -2.0, F32))


def test_a_specialized_call_updates_variables_and_prints_once(capsys):
    total = tfc.Variable(0.0)

    @tfc.function(input_signature=[S([None]), S([None])])
    def f(x, y):
        s = tfc.reduce_sum(x * y)
        total.assign_add(s)
        tfc.print("sum", s)
        return {"s": s, "xy": x * y}

    for n, m in [(3, 3), (3, 1), (1, 4)]:
        got = f(np.ones(n, F32), np.full(m, 2.0, F32))
        assert_same(got["xy"].numpy(), np.full(max(n, m), 2.0, F32))
    assert total.numpy() == 6.0 + 6.0 + 8.0
    assert capsys.readouterr().err == "sum 6\nsum 6\nsum 8\n"  # tf.print writes to stderr


def test_reduce_retracing_relaxed_sizes_broadcast():
    f = tfc.function(lambda x, y: x * y, reduce_retracing=True)
    for n, m in [(3, 3), (4, 4), (1, 5), (5, 1), (2, 2)]:  # the second call relaxes both sizes to None
        x, y = np.arange(n, dtype=F32) + 1, np.arange(m, dtype=F32) + 2
        assert_same(f(x, y).numpy(), x * y)
    with pytest.raises(tfc.errors.InvalidArgumentError, match=r"tfc\.multiply: Incompatible shapes: \[3\] vs\. \[2\]"):
        f(np.ones(3, F32), np.ones(2, F32))
    assert f.experimental_get_tracing_count() == 2


def test_nested_signature_function_broadcasts_for_its_caller():
    # inlined into a trace with static sizes: re-inferred for them, its gradient summed over the broadcast rows
    inner = tfc.function(_grads, input_signature=[S([None, 3]), S([None, 3])])
    outer = tfc.function(lambda x, y: [g * 2.0 for g in inner(x, y)])
    x, y = np.ones((4, 3), F32), np.arange(3, dtype=F32).reshape(1, 3)
    got, want = outer(x, y), _grads(tfc.constant(x), tfc.constant(y))
    for g, w in zip(got, want):
        assert_same(g.numpy(), w.numpy() * 2.0, rtol=1e-5)
    assert inner.experimental_get_tracing_count() == 1


def test_loaded_library_checks_sizes_before_the_native_call():
    f = tfc.function(lambda x, y: x + y, input_signature=[S([None]), S([None], name="y")])
    concrete = f.get_concrete_function()
    f(np.ones(2, F32), np.ones(2, F32))
    module = tfc.runtime.load(concrete._artifact.library)
    entry = module.entries[concrete._entry]
    assert entry.entry["broadcasts"] == [{"op": "add", "kind": "broadcast", "file": __file__,
                                          "line": test_loaded_library_checks_sizes_before_the_native_call.__code__
                                          .co_firstlineno + 1, "operands": [[[0, 0]], [[1, 0]]]}]
    assert_same(entry(np.ones(3, F32), np.ones(3, F32))[0], np.full(3, 2.0, F32))
    with pytest.raises(tfc.errors.UncompiledBroadcastError, match=r"argument 'y' has size 1 in dimension 0 and "
                                                                  r"broadcasts to size 3 here"):
        entry(np.ones(3, F32), np.ones(1, F32))


MODEL = textwrap.dedent("""
    import tfc

    S = tfc.TensorSpec


    @tfc.function(input_signature=[S([None, 3]), S([None, 3])])
    def add(x, y):
        return x + y


    @tfc.function(input_signature=[S([1, 3]), S([None, 3])])
    def add_row(x, y):
        return x + y


    @tfc.function(input_signature=[S([None, None]), S([None, None])])
    def product(a, b):
        return tfc.matmul(a, b)
""")


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    from tfc.passes import aot

    root = tmp_path_factory.mktemp("dynbcast")
    (root / "model.py").write_text(MODEL)
    aot.compile_file(str(root / "model.py"), out_dir=str(root / "out"))
    return root


def test_package_broadcasts_only_what_it_was_compiled_for(package):
    model = tfc.runtime.load(str(package / "out" / "model"))
    source = str(package / "model.py")
    x, y = np.arange(12, dtype=F32).reshape(4, 3), np.ones((4, 3), F32)
    assert_same(model.add(x, y).numpy(), x + y)
    assert_same(model.add_row(x[:1], y).numpy(), x[:1] + y)
    with pytest.raises(tfc.errors.UncompiledBroadcastError) as info:
        model.add(x[:1], y)
    message = str(info.value)
    assert message.startswith(f"{source}:9: tfc.add: argument 'x' has size 1 in dimension 0 and broadcasts to "
                              "size 4 here (shapes [1,3] vs. [4,3])"), message
    assert "input_signature gives that dimension the static size 1 (TensorSpec([1, 3], ...))" in message
    with pytest.raises(tfc.errors.InvalidArgumentError, match=r"tfc\.add: Incompatible shapes: \[2,3\] vs\. \[4,3\]"):
        model.add(x[:2], y)
    with pytest.raises(tfc.errors.InvalidArgumentError, match=r"model\.py:19: tfc\.matmul: Matrix size-incompatible: "
                                                            r"In\[0\]: \[2,3\], In\[1\]: \[4,5\]"):
        model.product(np.ones((2, 3), F32), np.ones((4, 5), F32))
    header = (package / "out" / "model" / "model.h").read_text()
    add_notes = header[header.index("/* add:"):header.index("/* add_row:")]
    assert "run-time sizes (?) that meet where the code broadcasts must be equal" in add_notes
    assert "must be equal" not in header[header.index("/* add_row:"):header.index("/* product:")]


def test_package_checks_sizes_with_numpy_alone(package):
    script = textwrap.dedent("""
        import sys
        class Blocker:
            def find_spec(self, name, path=None, target=None):
                if name == "tfc" or name.startswith("tfc."):
                    raise ImportError("blocked")
        sys.meta_path.insert(0, Blocker())
        import numpy as np
        import model
        from model._tfc_runtime.errors import InvalidArgumentError
        ones = np.ones((4, 3), np.float32)
        print(model.add(ones, ones).sum())
        for args in [(ones[:1], ones), (ones[:2], ones)]:
            try:
                model.add(*args)
            except InvalidArgumentError as error:
                print(type(error).__name__, type(error).__mro__[1].__name__)
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=package / "out", capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:3] == ["24.0", "UncompiledBroadcastError InvalidArgumentError",
                                           "InvalidArgumentError TfcError"], done.stdout
