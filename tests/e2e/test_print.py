"""tfc.print: tf.print's format, and compiled code printing each time it runs a print (top level, tensor if/while/for,
nested), in program order, exactly as the same function prints eagerly (the eager run is the oracle), also when
the library is loaded from disk."""
import sys

import numpy as np
import pytest

import tfc
from tfc.runtime import printing

F32, I32 = np.float32, np.int32


def _top_level(x, y):
    tfc.print("x:", x, "sum", tfc.reduce_sum(x))
    tfc.print(y, x * 2.0, sep=" | ", end=" <end>\n")


def _branches(x, y):
    if tfc.reduce_sum(x) > 0.0:
        tfc.print("positive", x)
    else:
        tfc.print("negative", -x, "y", y)
    tfc.print("after")


def _while(x, n):
    i = tfc.constant(0)
    while i < n:
        tfc.print("i =", i, x * tfc.cast(i, tfc.float32))
        i = i + 1


def _nested(x, n):
    tfc.print("start", n)
    for i in tfc.range(n):
        if i % 2 == 0:
            tfc.print("even", i)
        else:
            for j in tfc.range(i):
                tfc.print("  inner", i, j, x[j])
    tfc.print("done")


def _structures(x, y):
    tfc.print({"b": x, "a": [1, y]}, (x,), "braces {} {{x}}", None, 2.5, summarize=1, sep=", ", end="!\n")


def _layouts(m, y):
    tfc.print(tfc.transpose(m), m[:, 1], m[1:, ::2], m[::-1, 0], tfc.reshape(m, [-1]))
    if y[0] > 0.0:
        tfc.print("in a branch", m[:, 2], tfc.transpose(m)[1])


def _dtypes(x, y):
    tfc.print(tfc.cast(x, tfc.bool), tfc.cast(x, tfc.int8), tfc.cast(tfc.abs(x), tfc.uint8),
              tfc.cast(x, tfc.float16), tfc.cast(x, tfc.bfloat16), tfc.cast(x, tfc.float64) / 3.0,
              tfc.cast(x, tfc.int64) * 2**40, y / 3.0)


def _summarize(big, n):
    tfc.print(big)
    tfc.print(big, summarize=1)
    tfc.print(big, summarize=-1, output_stream=sys.stdout)
    i = tfc.constant(0)
    while i < n:
        tfc.print("row", big[i], summarize=2)
        i = i + 1


PRINT_CASES = {
    "top-level": (_top_level, [(np.array([1, 2, 3], F32), np.array([[1.5, -2.0]], F32)),
                               (np.array([4, 5, 6], F32), np.array([[0.1, 1 / 3]], F32))]),
    "cond": (_branches, [(np.array([1.0, 2.0], F32), np.array(7, I32)),
                         (np.array([-1.0, -2.0], F32), np.array(8, I32))]),
    "while": (_while, [(np.array([1.0, 2.0], F32), np.array(3, I32)), (np.array([5.0, 6.0], F32), np.array(0, I32))]),
    "nested-for-if": (_nested, [(np.arange(6, dtype=F32), np.array(5, I32))]),
    "structures": (_structures, [(np.array([1, 2, 3], F32), np.array(7, I32))]),
    "layouts": (_layouts, [(np.arange(12, dtype=F32).reshape(3, 4), np.array([1.0], F32))]),
    "dtypes": (_dtypes, [(np.array([-1.5, 0.0, 2.25, 3.0], F32), np.array([1.0, 2.0], np.float64))]),
    "summarize": (_summarize, [(np.arange(40, dtype=I32).reshape(4, 10), np.array(2, I32))]),
}


def _run_eagerly(fn, calls):
    tfc.config.run_functions_eagerly(True)
    try:
        for args in calls:
            fn(*args)
    finally:
        tfc.config.run_functions_eagerly(False)


@pytest.mark.parametrize("name", PRINT_CASES)
def test_compiled_prints_like_eager(name, capsys):
    fn, calls = PRINT_CASES[name]
    compiled = tfc.function(fn)
    _run_eagerly(compiled, calls)
    eager = capsys.readouterr()
    assert eager.err or eager.out, "the case prints something"
    for args in calls:
        compiled(*args)
    assert capsys.readouterr() == eager, "compiled vs eager"
    assert compiled.experimental_get_tracing_count() == 1
    module = tfc.runtime.load(compiled.get_concrete_function(*calls[0])._module.path)
    (entry,) = module.entries.values()
    for args in calls:
        entry(*args)
    assert capsys.readouterr() == eager, "loaded from disk vs eager"


def test_expected_text_of_a_loop(capsys):
    """The oracle itself, checked by hand once: tf.print's format and one line per iteration."""
    f = tfc.function(_while)
    f(np.array([1.0, 2.5], F32), np.array(3, I32))
    assert capsys.readouterr().err == "i = 0 [0 0]\ni = 1 [1 2.5]\ni = 2 [2 5]\n"


def test_dynamic_shapes_print_their_run_time_sizes(capsys):
    f = tfc.function(_while, input_signature=[tfc.TensorSpec([None], tfc.float32), tfc.TensorSpec([], tfc.int32)])
    calls = [(np.arange(2, dtype=F32), np.array(2, I32)), (np.arange(9, dtype=F32), np.array(1, I32))]
    _run_eagerly(f, calls)
    eager = capsys.readouterr().err
    for args in calls:
        f(*args)
    assert capsys.readouterr().err == eager == "i = 0 [0 0]\ni = 1 [0 1]\ni = 0 [0 0 0 ... 0 0 0]\n"


def test_tf_print_format():
    cases = [(np.array([[1.5, 2.0], [3.0, 4.0]], F32), 3, "[[1.5 2]\n [3 4]]"), (np.array(True), 3, "1"),
             (np.arange(10), 3, "[0 1 2 ... 7 8 9]"), (np.arange(10), -1, "[0 1 2 3 4 5 6 7 8 9]"),
             (np.float32(1 / 3), 3, "0.333333343"), (np.float32(0.1), 3, "0.1"), (np.float64(1 / 3), 3,
             "0.33333333333333331"), (np.array([np.nan, -np.inf, -0.0], F32), 3, "[nan -inf -0]"),
             (np.arange(12).reshape(2, 6), 1, "[[0 ... 5]\n [6 ... 11]]"), (np.zeros((0, 2), F32), 3, "[]")]
    for value, summarize, text in cases:
        assert printing.format_tensor(value, summarize) == text, (value, summarize)


def test_prints_follow_program_order_across_sites(capsys):
    v = tfc.Variable(0)

    @tfc.function
    def f(n):
        tfc.print("before", v)
        for i in tfc.range(n):
            v.assign_add(1)
            tfc.print("step", i, "v", v)
        tfc.print("after", v)

    f(np.array(2, I32))
    assert capsys.readouterr().err == "before 0\nstep 0 v 1\nstep 1 v 2\nafter 2\n"


def test_nested_function_prints_inside_the_caller(capsys):
    @tfc.function
    def inner(x):
        tfc.print("inner", x)
        return x + 1.0

    @tfc.function
    def outer(x, n):
        for _ in tfc.range(n):
            x = inner(x)
        return x

    outer(np.array(0.0, F32), np.array(3, I32))
    assert capsys.readouterr().err == "inner 0\ninner 1\ninner 2\n"


def test_a_differentiated_loop_prints_once_per_iteration(capsys):
    @tfc.function
    def grad(x, n):
        with tfc.GradientTape() as tape:
            tape.watch(x)
            y = x
            for i in tfc.range(n):
                tfc.print("iteration", i)
                y = y * x
        return tape.gradient(y, x)

    assert float(grad(np.array(2.0, F32), np.array(3, I32))) == pytest.approx(4 * 2.0 ** 3)
    assert capsys.readouterr().err == "iteration 0\niteration 1\niteration 2\n"


def test_file_stream_and_failures_surface_after_the_call(tmp_path):
    (tmp_path / "logs").mkdir()
    target = tmp_path / "logs" / "log.txt"

    @tfc.function
    def f(x, n):
        for i in tfc.range(n):
            tfc.print("i", i, x, output_stream=f"file://{target}")
        return x * 2.0

    f(np.array([1.0], F32), np.array(2, I32))
    assert target.read_text() == "i 0 [1]\ni 1 [1]\n"
    target.unlink()
    (tmp_path / "logs").rmdir()  # the file cannot be created now: the error is raised once the native call returns
    with pytest.raises(FileNotFoundError):
        f(np.array([1.0], F32), np.array(2, I32))
    (tmp_path / "logs").mkdir()  # the next call prints again
    assert f(np.array([3.0], F32), np.array(1, I32)).numpy().tolist() == [6.0]
    assert target.read_text() == "i 0 [3]\n"


@pytest.mark.parametrize("kwargs,error,message", [
    ({"output_stream": object()}, ValueError, "unsupported output_stream"),
    ({"summarize": -2}, ValueError, "summarize must be an int >= -1"),
    ({"sep": 1}, TypeError, "sep and end must be strings"),
])
def test_bad_arguments_name_the_line(kwargs, error, message):
    @tfc.function
    def f(x):
        tfc.print(x, **kwargs)
        return x

    with pytest.raises(error, match=message) as info:
        f(np.ones(2, F32))
    assert "test_print.py" in str(info.value)


def test_ir_calls_the_hook_once_per_site():
    concrete = tfc.function(_nested).get_concrete_function(np.arange(6, dtype=F32), np.array(5, I32))
    tfc_text = concrete.as_text()
    assert tfc_text.count('"tfc.print"') == 4 and 'template = "  inner {} {} {}\\0A"' in tfc_text
    linalg = concrete.as_text("linalg")
    assert linalg.count("llvm.call %print_hook") == 4 and "%print_hook: !llvm.ptr" in linalg
    assert concrete._module.manifest["entries"][0]["prints"][2]["values"] == [
        {"dtype": "int32", "rank": 0}, {"dtype": "int32", "rank": 0}, {"dtype": "float32", "rank": 0}]


@pytest.mark.parametrize("use", ["print", "variable"])
def test_cuda_builds_refuse_prints_and_variables(use):
    from tfc.passes import gpu

    v = tfc.Variable(np.zeros(2, F32))

    def f(x):
        if use == "print":
            tfc.print(x)
        else:
            v.assign_add(x)
        return x * 2.0

    graph = tfc.function(f).get_concrete_function(np.ones(2, F32)).graph
    with pytest.raises(tfc.errors.UnsupportedError, match="compiled for CUDA do not support yet .known gap "
                                                          "cuda-state.") as info:
        gpu.compile_cuda(graph, "f")
    assert "test_print.py" in str(info.value)
