"""Recursive AutoGraph: the functions a converted function calls are converted too (as in TensorFlow), each kind of
callee one row of a table; library code runs as written. Compiled results are compared with running the same Python
eagerly (tfc.config.run_functions_eagerly), and the graphs' tfc.cond / tfc.while counts show what was converted."""
import functools
import re
import warnings

import numpy as np
import pytest

import tfc
from tfc import autograph_convert, autograph_transform
from tests.conftest import assert_same
import autograph_helpers as helpers

F32 = np.float32
POS, NEG = np.array([1.0, 2.0], F32), np.array([-1.0, -3.0], F32)


def halve_if_positive(x):
    if tfc.reduce_sum(x) > 0.0:
        x = x * 0.5
    return x


class Model:
    def __init__(self, limit):
        self.limit = limit
        self.__scale = 4.0

    def scale_down(self, x):
        return self.__scaled(x)  # private names: compiled as self._Model__scaled

    def __scaled(self, x):
        while tfc.reduce_max(x) > 1.0:
            x = x / self.__scale
        return x

    def grow(self, x):
        while tfc.reduce_sum(x) < self.limit:
            x = x + 1.0
        return x

    @staticmethod
    def clamp(x):
        return x if tfc.reduce_max(x) < 10.0 else x * 0.0

    @classmethod
    def shifted(cls, x):
        if tfc.reduce_min(x) < 0.0:
            x = x + 100.0
        return x

    def __call__(self, x):
        if tfc.reduce_sum(x) > self.limit:
            x = x - self.limit
        return x


def scaled(x, factor):
    if tfc.reduce_max(x) > 1.0:
        return x * factor
    return x


def power(x, n):
    """Recursion with a Python base case: unrolled while tracing."""
    return x if n == 0 else x * power(x, n - 1)


def calls_plain(x):
    return halve_if_positive(x)


def calls_other_module(x):
    return helpers.clip_loop(x * 8.0, 1.5)


def calls_helper_chain(x):
    return helpers.twice_flipped(x)


def calls_nested_def(x):
    def inner(y):
        if tfc.reduce_sum(y) > 0.0:
            y = y + 10.0
        return y
    return inner(x) + inner(-x)


def calls_lambda(x):
    pick = lambda v: v * 2.0 if tfc.reduce_sum(v) > 0.0 else v - 1.0  # noqa: E731
    return pick(x)


def calls_method(x):
    return Model(20.0).grow(x)


def calls_static_and_class_methods(x):
    return Model.clamp(x) + Model.shifted(x)


def calls_private_method(x):
    return Model(1.0).scale_down(x * 10.0)


def calls_callable_object(x):
    return Model(1.0)(x)


def calls_partial(x):
    return functools.partial(scaled, factor=3.0)(x)


def calls_recursive(x):
    return power(halve_if_positive(x), 3)


def nested_body_for_library(x):
    """A nested function handed to library code (tfc.while_loop) is converted in place."""
    def body(i, v):
        if tfc.reduce_sum(v) > 0.0:
            v = v - 1.0
        else:
            v = v + 2.0
        return i + 1, v
    return tfc.while_loop(lambda i, v: i < 3, body, (tfc.constant(0), x))[1]


def calls_library(x):
    return tfc.math.exp(x) + float(np.sqrt(4.0)) + functools.reduce(lambda a, b: a + b, [x, x])


# (function, conds, whiles in its graph)
CASES = [
    (calls_plain, 1, 0),
    (calls_other_module, 0, 1),
    (calls_helper_chain, 2, 0),
    (calls_nested_def, 2, 0),
    (calls_lambda, 1, 0),
    (calls_method, 0, 1),
    (calls_static_and_class_methods, 2, 0),
    (calls_private_method, 0, 1),
    (calls_callable_object, 1, 0),
    (calls_partial, 1, 0),
    (calls_recursive, 1, 0),
    (nested_body_for_library, 1, 1),
    (calls_library, 0, 0),
]


def _eager(fn, x):
    tfc.config.run_functions_eagerly(True)
    try:
        return tfc.function(fn)(tfc.constant(x))
    finally:
        tfc.config.run_functions_eagerly(False)


@pytest.mark.parametrize("fn,conds,whiles", CASES, ids=[c[0].__name__ for c in CASES])
def test_callee_is_converted(fn, conds, whiles):
    compiled = tfc.function(fn)
    for x in (POS, NEG):
        assert_same(compiled(x).numpy(), _eager(fn, x).numpy())
    text = compiled.get_concrete_function(POS).as_text()
    assert (text.count('"tfc.cond"'), text.count('"tfc.while"')) == (conds, whiles), text
    assert compiled.experimental_get_tracing_count() == 1


def test_other_tfc_functions_keep_nested_semantics():
    @tfc.function
    def inner(x):
        if tfc.reduce_sum(x) > 0.0:  # converted by inner's own tracing
            x = x * 3.0
        return x

    outer = tfc.function(lambda x: inner(x) + 1.0)
    assert_same(outer(POS).numpy(), POS * 3.0 + 1.0)
    assert_same(inner(POS).numpy(), POS * 3.0)  # the trace made inside outer serves the direct call
    assert inner.experimental_get_tracing_count() == 1


def test_do_not_convert_runs_as_written():
    @tfc.autograph.experimental.do_not_convert
    def python_only(x, n):
        for _ in range(n):  # a Python loop either way
            x = x + 1.0
        return x

    @tfc.autograph.experimental.do_not_convert()
    def tensor_if(x):
        if tfc.reduce_sum(x) > 0.0:
            x = -x
        return x

    f = tfc.function(lambda x: python_only(x, 2))
    assert_same(f(POS).numpy(), POS + 2.0)
    with pytest.raises(tfc.errors.OperatorNotAllowedInGraphError, match="as a Python bool"):
        tfc.function(lambda x: tensor_if(x))(POS)
    with pytest.raises(TypeError, match="as a Python bool"):  # do_not_convert on the tfc.function's own body
        tfc.function(tensor_if)(POS)


def test_function_without_source_warns_when_a_tensor_condition_hits_it():
    namespace = {"tfc": tfc}
    exec("def no_source(x):\n    if tfc.reduce_sum(x) > 0.0:\n        x = -x\n    return x\n"  # noqa: S102
         "def no_source_python(x, n):\n    return x * n if n > 1 else x\n", namespace)
    fine = tfc.function(lambda x: namespace["no_source_python"](x, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning for code that runs fine as written
        assert_same(fine(POS).numpy(), POS * 2.0)
    f = tfc.function(lambda x: namespace["no_source"](x))
    with pytest.warns(tfc.autograph.AutoGraphWarning, match=r"could not convert no_source\(\) \(its source is not "
                                                            r"available"):
        with pytest.raises(TypeError, match=r"as a Python bool.*AutoGraph could not convert no_source\(\)"):
            f(POS)


def test_recursion_is_converted_once_and_terminates(monkeypatch):
    calls = []
    original = autograph_transform.convert_function
    monkeypatch.setattr(autograph_transform, "convert_function",
                        lambda node, *args, **kw: calls.append(node.name) or original(node, *args, **kw))

    def count_down(x, n):
        if n == 0:
            return x
        if tfc.reduce_sum(x) > 0.0:  # a tensor condition at every level
            x = x - 1.0
        return count_down(x, n - 1)

    f = tfc.function(count_down)
    assert_same(f(POS, 4).numpy(), _eager(lambda x: count_down(x, 4), POS).numpy())
    f(np.ones(3, F32), 4)  # a second trace: nothing converted again
    assert calls == ["count_down"]
    assert f.get_concrete_function(POS, 4).as_text().count('"tfc.cond"') == 4


def test_converted_code_is_cached_per_function_and_per_code_object():
    def outer(x):
        def inner(y):
            return y * 2.0
        return inner(x)

    code, module = autograph_convert.code_of(outer)
    assert autograph_convert.code_of(outer) == (code, module)
    clone = type(outer)(outer.__code__, outer.__globals__, "clone")  # another function object, same code
    assert autograph_convert.code_of(clone)[0] is code
    assert autograph_convert.converted(halve_if_positive) is autograph_convert.converted(halve_if_positive)


def test_library_code_is_not_converted():
    converted = autograph_convert.converted
    for f in (np.sum, np.asarray, functools.reduce, tfc.reduce_sum, tfc.cond, print, len, re.compile,
              tfc.function(halve_if_positive), warnings.warn, Model):
        assert converted(f) is f, f
    assert converted(halve_if_positive) is not halve_if_positive
    assert converted(Model(1.0).grow).__func__ is not Model.grow


def test_errors_in_a_helper_name_the_helper_line():
    line = helpers.bad_matmul.__code__.co_firstlineno + 1
    with pytest.raises(ValueError, match="tfc.matmul") as info:
        tfc.function(lambda x: helpers.bad_matmul(x))(POS)
    assert str(info.value).startswith(f"{helpers.__file__}:{line}:")


def test_helper_that_cannot_be_converted_runs_as_written_with_a_warning():
    def while_else(x, n):
        while n > 0:
            x, n = x + 1.0, n - 1
        else:
            x = x * 2.0
        return x

    with pytest.warns(tfc.autograph.AutoGraphWarning, match=r"could not convert .*while_else\(\): `while \.\.\. "
                                                            r"else` is not supported"):
        out = tfc.function(lambda x: while_else(x, 2))(POS)
    assert_same(out.numpy(), (POS + 2.0) * 2.0)


TO_CODE = [
    (calls_method, True, "return ag__.converted(ag__.converted(Model)(20.0).grow)(x)"),
    (calls_method, False, "return Model(20.0).grow(x)"),
    (calls_lambda, True, "pick = lambda v: ag__.if_exp(ag__.converted(tfc.reduce_sum)(v) > 0.0, lambda: v * 2.0, "
                         "lambda: v - 1.0"),
    (calls_nested_def, False, "y, = ag__.if_stmt(tfc.reduce_sum(y) > 0.0, ag__if_true_0, ag__if_false_0"),
    (Model.clamp, True, "return ag__.if_exp(ag__.converted(tfc.reduce_max)(x) < 10.0, lambda: x, lambda: x * 0.0"),
    (lambda x: halve_if_positive(x) + 1.0, True, "lambda x: ag__.converted(halve_if_positive)(x) + 1.0"),
]


@pytest.mark.parametrize("fn,recursive,expected", TO_CODE)
def test_to_code_shows_recursive_conversion(fn, recursive, expected):
    assert expected in tfc.autograph.to_code(fn, recursive=recursive)


def test_to_graph_returns_the_converted_function():
    converted = tfc.autograph.to_graph(calls_plain)
    graph = tfc.function(converted).get_concrete_function(POS).as_text()
    assert graph.count('"tfc.cond"') == 1
    assert_same(tfc.function(converted)(NEG).numpy(), NEG)


def test_recursion_on_a_tensor_condition_is_a_clear_error():
    def down(x):
        if tfc.reduce_sum(x) > 0.0:
            return down(x - 1.0)  # traced on both branches: never ends
        return x

    with pytest.raises(tfc.errors.UnsupportedError, match=r"down\(\) called itself \d+ times while tracing without "
                                                          r"reaching its base case") as info:
        tfc.function(down)(POS)
    assert str(info.value).startswith(f"{__file__}:{down.__code__.co_firstlineno + 2}:")
    assert_same(tfc.function(calls_plain)(POS).numpy(), POS * 0.5)  # tracing still works afterwards
