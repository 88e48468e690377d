"""Every op has a gradient rule next to its definition, or is explicitly marked NOT_DIFFERENTIABLE."""
import pytest

import tfc
from tfc.core import NOT_DIFFERENTIABLE, REGISTRY, defgrad, defop


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_op_has_a_gradient_or_is_marked_not_differentiable(name):
    gradient = REGISTRY[name].gradient
    assert gradient is NOT_DIFFERENTIABLE or callable(gradient), (
        f"tfc.{name} has no gradient: add `@defgrad({name})` after its definition, or "
        f"`defgrad({name}, NOT_DIFFERENTIABLE)` if it has none")


def test_a_second_gradient_for_one_op_is_refused():
    with pytest.raises(ValueError, match="two gradients"):
        defgrad(tfc.add, lambda node, g: (g, g))


def test_an_op_without_a_gradient_fails_clearly_when_differentiated():
    op = defop("test_grad_missing", infer=lambda x: x, impl=lambda x: x * 1, doc="test only")
    try:
        x = tfc.constant([1.0, 2.0])
        with tfc.GradientTape() as tape:
            tape.watch(x)
            y = tfc.core.bind(op, x)
        with pytest.raises(NotImplementedError, match="tfc.test_grad_missing has no gradient"):
            tape.gradient(y, x)
    finally:
        del REGISTRY["test_grad_missing"]
