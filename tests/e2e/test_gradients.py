"""Numeric gradient checks for every op in the e2e op table: the tape's gradient (eager, and compiled inside
@tfc.function) against central differences in float64 of the op's own numpy oracle path.

The target is sum(op(inputs) * weights) with random weights, so a wrong gradient cannot hide behind all-ones
output gradients. Ops whose result is not floating (cast to int or bool, comparisons) must give None.
"""
import numpy as np
import pytest

import tfc
from tfc.core import NOT_DIFFERENTIABLE, REGISTRY

from conftest import central_differences, make_input
from op_cases import CASES

EPS = 1e-6


def _gradient_cases():
    """One (case, shapes) per shape of each op case that accepts floating inputs, run in float64."""
    for case in CASES:
        if not any(tfc.as_dtype(d).is_floating for d in case.dtypes):
            continue
        for shapes in case.shapes:
            label = "-".join("x".join(map(str, s)) or "scalar" for s in shapes)
            yield pytest.param(case, shapes, id=f"{case.id}-{label}")


def _inputs(case, shapes, seed=7):
    rng = np.random.default_rng(seed)
    return [make_input(s, "float64", rng, case.domain) for s in shapes]


def _leaves(value):
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _weights(case, arrays):
    """Random weights per result (None for non-floating results), and whether any result is floating."""
    rng = np.random.default_rng(99)
    outs = [np.asarray(o) for o in _leaves(case.reference(*arrays))]
    weights = [rng.uniform(0.5, 1.5, size=o.shape) if o.dtype.kind == "f" else None for o in outs]
    return weights, any(w is not None for w in weights)


def _target(outs, weights):
    terms = [tfc.reduce_sum(tfc.cast(out, tfc.float64) * w) for out, w in zip(_leaves(outs), weights)
             if w is not None]
    return sum(terms[1:], terms[0]) if terms else _leaves(outs)[0]


def _tape_gradient(case, weights, *xs):
    with tfc.GradientTape() as tape:
        tape.watch(xs)
        target = _target(case.fn(*xs), weights)
    return tape.gradient(target, list(xs))


def _numeric_gradient(case, arrays, weights):
    def objective(values):
        outs = _leaves(case.fn(*[tfc.constant(v) for v in values]))
        return sum(float(np.sum(np.asarray(o.numpy(), dtype=np.float64) * w)) for o, w in zip(outs, weights)
                   if w is not None)

    return central_differences(objective, arrays, EPS)


@pytest.mark.parametrize("case,shapes", list(_gradient_cases()))
def test_eager_gradient_matches_central_differences(case, shapes):
    arrays = _inputs(case, shapes)
    weights, differentiable = _weights(case, arrays)
    grads = _tape_gradient(case, weights, *[tfc.constant(a) for a in arrays])
    if not differentiable:
        assert grads == [None] * len(arrays), f"{case.id}: non-floating results must give None gradients"
        return
    for got, expected in zip(grads, _numeric_gradient(case, arrays, weights)):
        if got is None:  # not connected, or piecewise constant (floor, round): the true gradient is 0
            np.testing.assert_allclose(expected, 0, atol=1e-6)
            continue
        assert got.dtype == tfc.float64 and tuple(got.shape) == expected.shape
        np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5, atol=1e-6)


def _compiled_cases():
    """The last (usually broadcasting or largest) shape of each differentiable case: one compile per case."""
    seen = {}
    for param in _gradient_cases():
        case, shapes = param.values
        if _weights(case, _inputs(case, shapes))[1]:  # a floating result: there is a gradient to compile
            seen[case.id] = param
    return list(seen.values())


@pytest.mark.parametrize("case,shapes", _compiled_cases())
def test_compiled_gradient_equals_eager(case, shapes):
    arrays = _inputs(case, shapes)
    weights = _weights(case, arrays)[0]

    @tfc.function
    def gradients(*xs):
        return _tape_gradient(case, weights, *xs)

    eager = _tape_gradient(case, weights, *[tfc.constant(a) for a in arrays])
    compiled = gradients(*arrays)
    for got, expected in zip(compiled, eager):
        assert (got is None) == (expected is None)
        if got is not None:
            np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-10, atol=1e-12)


def test_every_differentiable_op_has_a_numeric_gradient_check():
    checked = {param.values[0].op for param in _gradient_cases()}
    differentiable = {name for name, op in REGISTRY.items()
                      if op.gradient is not NOT_DIFFERENTIABLE and name != "constant"}
    assert differentiable <= checked, f"no numeric gradient check for: {sorted(differentiable - checked)}"
