"""AutoGraph, table-driven: each construct's graph (ops with regions, checked on the tfc text) and its results
compared with running the same Python eagerly (tfc.config.run_functions_eagerly)."""
import numpy as np
import pytest

import tfc
from tests.conftest import assert_same
from tests.filecheck import filecheck


def if_else(x):
    if tfc.reduce_sum(x) > 0.0:
        y = x * 2.0
    else:
        y = -x
    return y


def if_elif_else(x):
    s = tfc.reduce_sum(x)
    if s > 1.0:
        y = x + 1.0
    elif s < -1.0:
        y = x - 1.0
    else:
        y = x * 0.0
    return y


def if_without_else(x):
    y = x
    if tfc.reduce_sum(x) > 0.0:
        y = y * 10.0
    return y


def temporary_in_one_branch(x):
    if tfc.reduce_sum(x) > 0.0:
        t = x * 3.0
        y = t + 1.0
    else:
        y = x
    return y


def while_two_dtypes(x):
    i = 0
    acc = x
    while i < 5:
        acc = acc * 2.0
        i += 1
    return i, acc


def while_tensor_bound(x, n):
    i = tfc.constant(0)
    total = tfc.constant(0.0)
    while i < n:
        total = total + tfc.reduce_sum(x)
        i = i + 1
    return total


def for_range(n):
    total = tfc.constant(0, tfc.int64)
    for i in tfc.range(n):
        total = total + tfc.cast(i * i, tfc.int64)
    return total


def for_over_tensor_rows(x):
    total = tfc.constant(0.0)
    for row in x:
        total = total + tfc.reduce_sum(row) * 2.0
    return total


def for_with_break(n):
    total = tfc.constant(0)
    for i in tfc.range(n):
        if i > 4:
            break
        total = total + i
    return total


def while_with_continue(n):
    i = tfc.constant(0)
    odd_sum = tfc.constant(0)
    while i < n:
        i = i + 1
        if tfc.equal(i - (i // 2) * 2 if False else i * 0 + i % 2 if False else tfc.cast(i, tfc.float32) * 0.5 -
                     tfc.cast(tfc.cast(tfc.cast(i, tfc.float32) * 0.5, tfc.int32), tfc.float32), 0.0):
            continue
        odd_sum = odd_sum + i
    return odd_sum


def early_return(x):
    if tfc.reduce_sum(x) > 0.0:
        return x * 2.0
    return x - 1.0


def early_return_elif_chain(x):
    s = tfc.reduce_sum(x)
    if s > 1.0:
        return x + 1.0
    elif s < -1.0:
        return x - 1.0
    return x * 0.0


def nested_loops(n):
    total = tfc.constant(0)
    for i in tfc.range(n):
        j = tfc.constant(0)
        while j < i:
            if (i + j) > 3:
                total = total + 1
            j = j + 1
    return total


def logical_operators(x):
    s = tfc.reduce_sum(x)
    if s > 0.0 and not s > 5.0 or s < -10.0:
        y = x + 100.0
    else:
        y = x
    return y


def python_if_unrolled(x, flag):
    if flag:
        x = x + 1.0
    for k in [1.0, 2.0]:
        x = x * k
    return x


def python_while_on_python_values(x):
    k = 0
    while k < 3:
        x = x + 1.0
        k += 1
    return x


def first_index_above(x, t):
    for i in tfc.range(tfc.shape(x)[0]):
        if tfc.gather(x, i) > t:
            return i
    return tfc.constant(-1)  # a tensor: the eager oracle then has the compiled result's dtype


def while_with_return(n):
    i = tfc.constant(0)
    acc = tfc.constant(0)
    while i < n and not acc > 50:  # `and`/`not` inside the condition that also checks the return flag
        acc = acc + i
        if acc > 10:
            return acc * 100
        i = i + 1
    return acc


def return_in_inner_loop(x, target):
    n = tfc.shape(x)[0]
    for i in tfc.range(n):
        for j in tfc.range(n):
            if tfc.gather(x, i) + tfc.gather(x, j) == target:
                return i * 10 + j
    return tfc.constant(-1)


def return_structure_from_loop(x):
    for i in tfc.range(tfc.shape(x)[0]):
        v = tfc.gather(x, i)
        if v < 0.0:
            return i, v * 2.0
    return tfc.constant(-1), tfc.constant(0.0)


def return_in_python_loop(x):
    for k in range(5):
        if k == 3:
            return x * k
    return x


F32 = np.float32
I32 = np.int32
CASES = [
    # (function, calls (argument tuples), number of tfc.cond, number of tfc.while in the traced graph)
    (if_else, [(np.array([1, 2], F32),), (np.array([-1, -2], F32),)], 1, 0),
    (if_elif_else, [(np.array([1, 2], F32),), (np.array([-1, -2], F32),), (np.array([0.5], F32),)], 2, 0),
    (if_without_else, [(np.array([1, 2], F32),), (np.array([-3], F32),)], 1, 0),
    (temporary_in_one_branch, [(np.array([1], F32),), (np.array([-1], F32),)], 1, 0),
    (while_two_dtypes, [(np.array([1.5, 2], F32),)], 0, 0),
    (while_tensor_bound, [(np.array([1, 2], F32), np.int32(0)), (np.array([1, 2], F32), np.int32(4))], 0, 1),
    (for_range, [(np.int32(0),), (np.int32(7),)], 0, 1),
    (for_over_tensor_rows, [(np.arange(6, dtype=F32).reshape(3, 2),)], 0, 1),
    (for_with_break, [(np.int32(3),), (np.int32(10),)], 2, 1),  # the break's if, and the guard after it
    (while_with_continue, [(np.int32(6),), (np.int32(9),)], 2, 1),
    (early_return, [(np.array([1], F32),), (np.array([-1], F32),)], 1, 0),
    (early_return_elif_chain, [(np.array([3], F32),), (np.array([-3], F32),), (np.array([0], F32),)], 2, 0),
    (nested_loops, [(np.int32(5),)], 1, 2),
    (logical_operators, [(np.array([1], F32),), (np.array([7], F32),), (np.array([-20], F32),)], 1, 0),
    (python_if_unrolled, [(np.array([1], F32), True), (np.array([1], F32), False)], 0, 0),
    (python_while_on_python_values, [(np.array([1], F32),)], 0, 0),
    # A return in a tensor loop: the loop's if, and the guard of the code after the loop.
    (first_index_above, [(np.array([1, 5, 3], F32), F32(2)), (np.array([1, 1], F32), F32(2)),
                         (np.array([9, 1], F32), F32(0))], 2, 1),
    (while_with_return, [(I32(0),), (I32(3),), (I32(6),), (I32(20),)], 2, 1),
    (return_in_inner_loop, [(np.array([1, 2, 3], F32), F32(5)), (np.array([1, 2], F32), F32(9)),
                            (np.array([4], F32), F32(8))], 2, 2),
    (return_structure_from_loop, [(np.array([1, -2, -3], F32),), (np.array([1, 2], F32),)], 2, 1),
    (return_in_python_loop, [(np.array([1, 2], F32),)], 0, 0),
]


def _eager(fn, args):
    tfc.config.run_functions_eagerly(True)
    try:
        return tfc.function(fn)(*[tfc.constant(a) if isinstance(a, (np.ndarray, np.generic)) else a for a in args])
    finally:
        tfc.config.run_functions_eagerly(False)


@pytest.mark.parametrize("fn,calls,conds,whiles", CASES, ids=[c[0].__name__ for c in CASES])
def test_autograph_construct(fn, calls, conds, whiles):
    compiled = tfc.function(fn)
    for args in calls:
        got, want = compiled(*args), _eager(fn, args)
        for g, w in zip(tfc.nest.flatten(got), tfc.nest.flatten(want)):
            assert_same(np.asarray(g), np.asarray(w))
        text = compiled.get_concrete_function(*args).as_text()
        assert text.count('"tfc.cond"') == conds, text
        assert text.count('"tfc.while"') == whiles, text


def test_if_graph_and_locations():
    concrete = tfc.function(if_else).get_concrete_function(np.ones(2, F32))
    line = if_else.__code__.co_firstlineno
    filecheck(concrete.as_text(), f"""
CHECK: "tfc.reduce_sum"(%arg0)
CHECK: %[[P:.*]] = "tfc.greater"
CHECK-SAME: :{line + 1}:
CHECK: "tfc.cond"(%[[P]]) ({{
CHECK: "tfc.multiply"
CHECK-SAME: :{line + 2}:
CHECK: "tfc.yield"
CHECK: }}, {{
CHECK: "tfc.negative"
CHECK-SAME: :{line + 4}:
CHECK: }}) : (tensor<i1>) -> tensor<2xf32> loc("{__file__}":{line + 1}:
""")


def test_million_iteration_autograph_loop_is_native():
    def count(n):
        i = tfc.constant(0)
        acc = tfc.constant(0.0, tfc.float64)
        while i < n:
            acc = acc + 0.5
            i = i + 1
        return acc

    f = tfc.function(count)
    assert float(f(np.int32(1_000_000))) == 500_000.0
    assert '"tfc.while"' in f.get_concrete_function(np.int32(1)).as_text()
    assert f.experimental_get_tracing_count() == 1


def test_to_code_shows_the_conversion():
    code = tfc.autograph.to_code(tfc.function(for_with_break))
    assert "ag__.for_stmt(ag__.converted(tfc.range)(n)" in code and "ag__break_" in code and "ag__.if_stmt" in code
    assert code.startswith("def for_with_break(n):")


# ---------------------------------------------------------------------------------------------- errors
def used_after_one_branch(x):
    if tfc.reduce_sum(x) > 0.0:
        y = x * 2.0
    return y


def returns_in_one_arm_only(x):
    s = tfc.reduce_sum(x)
    if s > 1.0:
        return x + 1.0
    elif s < -1.0:
        x = x - 1.0


def dtype_changes_in_loop(x):
    i = tfc.constant(0)
    while i < 3:
        i = tfc.cast(i, tfc.float32) + 1.0
    return i


def generator(x):
    yield x


def tensor_if_in_try(x):
    try:
        if tfc.reduce_sum(x) > 0.0:
            x = x + 1.0
    except ValueError:
        pass
    return x


def loop_return_dtype_differs(n):
    i = tfc.constant(0)
    while i < n:
        if i > 2:
            return i
        i = i + 1
    return tfc.cast(i, tfc.float32)


def loop_return_structure_differs(n):
    i = tfc.constant(0)
    while i < n:
        if i > 2:
            return i, i
        i = i + 1
    return i


def python_loop_becomes_tensor(x):
    k = 0
    while k < 3:
        k = k + tfc.reduce_sum(x)
    return k


def python_value_in_tensor_branches(x):
    if tfc.reduce_sum(x) > 0.0:
        mode = "up"
    else:
        mode = "down"
    return x


ERRORS = [
    (used_after_one_branch, ValueError, r"'y' is defined only in the true branch of the tensor `if` at line {0}", 1),
    (returns_in_one_arm_only, ValueError, r"the if at line {0} returns in one branch only", 2),
    (dtype_changes_in_loop, TypeError, r"'i' changes dtype from int32 to float32 in the loop at line {0}", 2),
    (generator, tfc.errors.UnsupportedError, r"`yield`", 1),
    (tensor_if_in_try, tfc.errors.UnsupportedError, r"inside a `try` block", 2),
    (python_loop_becomes_tensor, ValueError, r"the condition of the while loop at line {0} was a Python value", 2),
    (python_value_in_tensor_branches, ValueError, r"'mode' is assigned different Python values", 1),
]


@pytest.mark.parametrize("fn,error,message,offset", ERRORS, ids=[e[0].__name__ for e in ERRORS])
def test_unsupported_constructs_name_the_line(fn, error, message, offset):
    line = fn.__code__.co_firstlineno + offset
    arg = np.ones(2, F32)
    with pytest.raises(error, match=message.format(line)) as info:
        tfc.function(fn)(arg)
    assert f"{__file__}:" in str(info.value)


@pytest.mark.parametrize("fn,got", [(loop_return_dtype_differs, r"float32\[\] on one path and int32\[\] on another"),
                                    (loop_return_structure_differs, r"on one path and .* on another")])
def test_returns_from_a_tensor_loop_must_agree(fn, got):
    first = fn.__code__.co_firstlineno
    message = (rf"{got} \(merged by the if at line {first + 6}\) \(the returns at lines {first + 4}, {first + 6}\): "
               r"with a return inside a tensor-dependent loop every return must give the same structure")
    with pytest.raises(ValueError, match=message) as info:
        tfc.function(fn)(np.int32(5))
    assert f"{__file__}:{first + 6}" in str(info.value)
    tfc.config.run_functions_eagerly(True)
    try:  # eagerly (as Python) the function runs, whatever it returns
        assert int(tfc.nest.flatten(tfc.function(fn)(np.int32(5)))[0]) == 3
    finally:
        tfc.config.run_functions_eagerly(False)


def _straight(x, y):
    z = tfc.exp(x) * y
    scale = [v * 2.0 for v in (1.0, 2.0)]  # a comprehension without branches
    helper = lambda v: v if v is not None else 0  # noqa: E731  (nested scopes are never converted)
    return helper(z) + scale[0]


def _generator(x):
    yield x


def test_a_straight_line_function_converts_the_helpers_it_calls():
    """No control flow of its own, but its helper branches on a tensor: the conversion is recursive, so the
    caller is converted too (its calls wrapped), never skipped for having no branch."""
    def helper(v):
        if tfc.reduce_sum(v) > 0:
            return v * 2.0
        return v - 1.0

    def caller(x):
        return helper(x) + 1.0
    for x in (np.ones(3, np.float32), -np.ones(3, np.float32)):
        want = (x * 2.0 if x.sum() > 0 else x - 1.0) + 1.0
        assert_same(tfc.function(caller)(x).numpy(), want.astype(np.float32))


def test_generators_still_reach_the_conversion_error():
    with pytest.raises(tfc.errors.UnsupportedError, match="yield"):
        tfc.function(_generator)(tfc.constant(1.0))


def test_straight_line_function_compiles_and_runs():
    x = np.linspace(-1, 1, 5, dtype=np.float32)
    assert_same(tfc.function(_straight)(x, x).numpy(), np.exp(x) * x + np.float32(2.0), rtol=2e-6)
