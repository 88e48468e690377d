"""runtime/broadcasts.py on hand-written manifest sites: what is compared before a call, and what it raises."""
import numpy as np
import pytest

from tfc.runtime.broadcasts import SizeChecks
from tfc.runtime.errors import InvalidArgumentError, UncompiledBroadcastError

ARGS = [{"name": "x", "shape": [None]}, {"name": "y", "shape": [None, 4]}]


def _site(operands, kind="broadcast", op="add", line=7):
    return {"op": op, "kind": kind, "file": "model.py", "line": line, "operands": operands}


def _check(sites, *shapes, args=ARGS):
    SizeChecks(sites, args).check([np.empty(shape, np.float32) for shape in shapes])


def test_equal_sizes_pass_and_sizes_that_do_not_broadcast_raise_at_the_op():
    sites = [_site([[[0, 0], 4], [[1, 0], 4]])]
    _check(sites, (3,), (3, 4))
    with pytest.raises(InvalidArgumentError, match=r"^model\.py:7: tfc\.add: Incompatible shapes: \[3,4\] vs\. "
                                                   r"\[5,4\]") as info:
        _check(sites, (3,), (5, 4))
    assert not isinstance(info.value, UncompiledBroadcastError)


def test_a_run_time_size_of_1_that_broadcasts_names_the_argument_and_a_static_signature():
    sites = [_site([[[0, 0], 4], [[1, 0], 4]])]
    with pytest.raises(UncompiledBroadcastError, match=r"argument 'y' has size 1 in dimension 0 and broadcasts to "
                                                       r"size 3 here \(shapes \[3,4\] vs\. \[1,4\]\)") as info:
        _check(sites, (3,), (1, 4))
    assert "TensorSpec([1, 4], ...)" in str(info.value) and info.value.sizes == (1, 0, 1, 3)


def test_a_size_computed_from_the_arguments_is_evaluated():
    quarter = {"scale": [1, 4], "product": [[0, 0, 1]]}  # reshape(x, [-1, 4]).shape[0]
    sites = [_site([[[1, 0], 4], [quarter, 4]])]
    _check(sites, (8,), (2, 4))
    with pytest.raises(UncompiledBroadcastError, match=r"a size computed from the arguments \(1/4\*x\.shape\[0\]\) "
                                                       r"is 1 and broadcasts to size 3"):
        _check(sites, (4,), (3, 4))
    with pytest.raises(InvalidArgumentError, match=r"Incompatible shapes: \[3,4\] vs\. \[2,4\]"):
        _check(sites, (8,), (3, 4))


def test_static_ones_unknown_sizes_and_one_form_are_not_compared():
    sites = [_site([[1], [[0, 0]]]), _site([[None], [[0, 0]]]), _site([[[0, 0]], [[0, 0]]])]
    assert SizeChecks(sites, ARGS)._pairs == () and SizeChecks(sites, ARGS)._groups == ()
    _check(sites, (5,), (2, 4))


def test_matmul_inner_and_batch_dimensions():
    args = [{"name": "a", "shape": [None, None, None]}, {"name": "b", "shape": [None, None, None]}]
    sites = [_site([[[0, 0], [0, 1], [0, 2]], [[1, 0], [1, 1], [1, 2]]], kind="matmul", op="matmul")]
    _check(sites, (2, 2, 3), (2, 3, 4), args=args)
    with pytest.raises(InvalidArgumentError, match=r"tfc\.matmul: Matrix size-incompatible: In\[0\]: \[2,2,3\], "
                                                   r"In\[1\]: \[2,4,4\]"):
        _check(sites, (2, 2, 3), (2, 4, 4), args=args)
    with pytest.raises(InvalidArgumentError, match=r"In\[0\] and In\[1\] must have compatible batch dimensions: "
                                                   r"\[2,2,3\] vs\. \[3,3,4\]"):
        _check(sites, (2, 2, 3), (3, 3, 4), args=args)
    with pytest.raises(UncompiledBroadcastError, match="argument 'a' has size 1 in dimension 0"):
        _check(sites, (1, 2, 3), (3, 3, 4), args=args)


def test_sites_after_one_that_broadcasts_are_not_judged():
    # Once a site broadcasts, the sizes later sites were compiled with (the first operand's) are wrong: the call
    # goes to a specialization, whose own sites decide.
    sites = [_site([[[0, 0], 4], [[1, 0], 4]], line=1), _site([[[0, 0], 4], [5, 4]], line=2)]
    with pytest.raises(UncompiledBroadcastError, match=r"^model\.py:1:"):
        _check(sites, (3,), (1, 4))
    with pytest.raises(InvalidArgumentError, match=r"^model\.py:2: tfc\.add: Incompatible shapes: \[3,4\] vs\. "
                                                   r"\[5,4\]"):
        _check(sites, (3,), (3, 4))
