"""bfloat16 end to end: numpy interop (ml_dtypes), eager ops on every float op, exact rounding in compiled casts and
elementwise code (special values and subnormals included), the runtime and `tfc ops`. The op table itself runs
bfloat16 wherever it runs float16 (tests/e2e/op_cases*.py)."""
import ml_dtypes
import numpy as np
import pytest

import tfc
from conftest import make_input
from op_cases import CASES
from tfc.ops.known_gaps import KNOWN_GAPS

BF16 = np.dtype(ml_dtypes.bfloat16)
EVERY_BFLOAT16 = np.arange(2**16, dtype=np.uint32).astype(np.uint16).view(ml_dtypes.bfloat16)  # all bit patterns


def _bits_equal_or_both_nan(got, want, what):
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype, f"{what}: dtype {got.dtype} != {want.dtype}"
    if tfc.dtypes.is_float_array(want.dtype):
        nan = np.isnan(want.astype(np.float64))
        assert np.array_equal(np.isnan(got.astype(np.float64)), nan), f"{what}: nan positions differ"
        got, want = got[~nan], want[~nan]
        got, want = got.view(f"u{got.itemsize}"), want.view(f"u{want.itemsize}")
    bad = np.nonzero(got != want)[0]
    assert bad.size == 0, f"{what}: {bad.size} elements differ, first at {bad[:5]}: {got[bad[:5]]} vs {want[bad[:5]]}"


def test_numpy_interop_both_ways():
    x = tfc.constant([1.0, 2.5, -0.0], dtype=tfc.bfloat16)
    assert x.dtype == tfc.bfloat16 and tfc.as_dtype("bfloat16") is tfc.bfloat16
    assert tfc.as_dtype(ml_dtypes.bfloat16) is tfc.bfloat16 and tfc.bfloat16.mlir == "bf16"
    assert x.numpy().dtype == BF16 and x.numpy().tolist() == [1.0, 2.5, -0.0]
    y = tfc.constant(np.array([0.1, 3.0], ml_dtypes.bfloat16))
    assert y.dtype == tfc.bfloat16 and y.numpy()[0] == ml_dtypes.bfloat16(0.1)
    assert tfc.constant(1.0, dtype=tfc.bfloat16).numpy().dtype == BF16  # 0-d: a numpy scalar, as TensorFlow
    with pytest.raises(tfc.errors.TfcTypeError, match="it is a float value"):
        tfc.constant(np.ones(2, ml_dtypes.bfloat16), dtype=tfc.int32)


def test_eager_rounds_once_to_nearest_even():
    # 1 + 2**-8 lies halfway between the bfloat16 neighbours 1 and 1 + 2**-7: ties go to the even one (1)
    x = tfc.constant([1.0, 1.0 + 2**-7], dtype=tfc.bfloat16)
    half_ulp = tfc.constant([2**-8, 2**-8], dtype=tfc.bfloat16)
    assert (x + half_ulp).numpy().tolist() == [1.0, 1.0 + 2**-6]
    assert tfc.reduce_sum(tfc.ones([300], tfc.bfloat16)).numpy() == 300  # one rounding, not one per step


FLOAT32_CASES = [case for case in CASES if "float32" in case.dtypes and "bfloat16" not in case.dtypes]


@pytest.mark.parametrize("case", FLOAT32_CASES, ids=[c.id for c in FLOAT32_CASES])
def test_every_float32_case_runs_eagerly_in_bfloat16(case):
    """Every op the table runs in float32 accepts bfloat16 eagerly and agrees with float32 numpy on the same
    values, within bfloat16's rounding."""
    rng = np.random.default_rng(7)
    inputs = [make_input(s, "bfloat16", rng, case.domain) for s in case.shapes[0]]
    results = case.fn(*(tfc.constant(x) for x in inputs))
    expected = case.reference(*(x.astype(np.float32) for x in inputs))
    results = results if isinstance(results, (list, tuple)) else [results]
    expected = expected if isinstance(expected, (list, tuple)) else [expected]
    for i, (got, want) in enumerate(zip(results, expected)):
        want = np.asarray(want)
        if want.dtype == np.float32:  # bfloat16 when computed from the inputs; creation ops make float32
            assert got.dtype in (tfc.bfloat16, tfc.float32), f"result {i}: {got.dtype}"
            np.testing.assert_allclose(got.numpy().astype(np.float32), want, rtol=2e-2, atol=2e-2, err_msg=f"result {i}")
        else:
            np.testing.assert_array_equal(got.numpy(), want, err_msg=f"result {i}")


def test_casts_round_like_ml_dtypes_bit_for_bit():
    """Every bfloat16 bit pattern to each dtype, and float32/float64 (random bits plus the rounding edges:
    subnormals, ties, overflow to inf, nan payloads) to bfloat16: compiled == eager == ml_dtypes."""
    targets = (tfc.float16, tfc.float32, tfc.float64, tfc.int32, tfc.int8, tfc.uint8, tfc.bool)
    edges = np.array([0x00000001, 0x00400000, 0x007FFFFF, 0x00800000, 0x3F808000, 0x3F818000, 0x3F808001,
                      0x7F7FFFFF, 0x7F7F7FFF, 0x7F800000, 0xFF800000, 0x7FC00000, 0x7F800001, 0xFFC00001,
                      0x80000000, 0x80000001, 0x807FFFFF], np.uint32)
    wide = np.concatenate([edges, np.random.default_rng(0).integers(0, 2**32, 50000, dtype=np.uint64)
                           .astype(np.uint32)]).view(np.float32)
    as_float = EVERY_BFLOAT16.astype(np.float32)
    # float -> int of values the target cannot hold is undefined (C, LLVM's fptosi/fptoui, and numpy, which wraps
    # -1.5 to 255 on some x86 CPUs where ml_dtypes saturates to 0): compare in-range values only.
    in_range = {t: (np.abs(as_float) < 100) & ((as_float > -1) if t.np.kind == "u" else True) for t in targets}

    def f(b, w):
        return [tfc.cast(b, t) for t in targets] + [tfc.cast(w, tfc.bfloat16),
                                                    tfc.cast(tfc.cast(w, tfc.float64), tfc.bfloat16)]

    compiled = tfc.function(f)(EVERY_BFLOAT16, wide)
    eager = f(tfc.constant(EVERY_BFLOAT16), tfc.constant(wide))
    with np.errstate(invalid="ignore", over="ignore"):
        references = [EVERY_BFLOAT16.astype(t.np) if not t.is_bool else EVERY_BFLOAT16.astype(np.float32) != 0
                      for t in targets] + [wide.astype(BF16), wide.astype(np.float64).astype(BF16)]
    for i, (c, e, want) in enumerate(zip(compiled, eager, references)):
        keep = in_range[targets[i]] if i < len(targets) and targets[i].is_integer else slice(None)
        _bits_equal_or_both_nan(e.numpy()[keep], want[keep], f"cast {i}: eager vs ml_dtypes")
        _bits_equal_or_both_nan(c.numpy()[keep], want[keep], f"cast {i}: compiled vs ml_dtypes")


def test_special_values_and_subnormals_compiled_equal_eager():
    x = np.concatenate([np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, 1e-30, -2.5, 2.5, 3.5, 3.389e38], BF16),
                        np.array([0x0001, 0x8001, 0x007F, 0x0080], np.uint16).view(BF16)])  # subnormals, min normal

    def f(x):
        return [x * 0.5, x + x, -x, tfc.math.sqrt(x), tfc.math.exp(x), tfc.math.log(x), tfc.math.is_nan(x),
                tfc.math.is_inf(x), tfc.maximum(x, 0.0), tfc.math.sigmoid(x), tfc.sign(x), tfc.round(x), x // 2.0,
                tfc.abs(x), x > 0.0]

    compiled = tfc.function(f)(x)
    eager = f(tfc.constant(x))
    for i, (c, e) in enumerate(zip(compiled, eager)):
        _bits_equal_or_both_nan(c.numpy(), e.numpy(), f"result {i}")
    halved = compiled[0].numpy().view(np.uint16)
    assert halved[10] == 0x0000 and halved[11] == 0x8000  # +-2**-133 / 2 is a tie between 0 and 2**-133: +-0.0
    assert halved[12] == 0x0040  # 127 subnormal ulps / 2 = 63.5 ulps: the tie goes to the even 64


def test_the_runtime_loads_a_bfloat16_entry():
    x = np.array([1.0, -2.5, 3.0], BF16)
    function = tfc.function(lambda a, b: tfc.cast(a, tfc.float32) * b)
    function(x, np.ones(3, np.float32))  # compiles
    concrete = function.get_concrete_function(x, np.ones(3, np.float32))
    assert "tensor<3xbf16>" in concrete.as_text()
    module = tfc.runtime.load(concrete._artifact.library)
    entry = module.entries[concrete._entry]
    assert [a["dtype"] for a in entry.args] == ["bfloat16", "float32"]
    result = entry(x, np.full(3, 2.0, np.float32))
    np.testing.assert_array_equal(result[0] if isinstance(result, list) else result, [2.0, -5.0, 6.0])
    with pytest.raises(tfc.errors.SignatureMismatchError, match="expected bfloat16"):
        entry(x.astype(np.float32), np.ones(3, np.float32))


def test_tfc_ops_lists_bfloat16_for_the_float_ops():
    from tfc.tools.op_table import op_table

    table = {row["name"]: row["dtypes"] for row in op_table()}
    for name in ("add", "exp", "matmul", "cast", "reduce_sum", "conv2d", "random_uniform", "sigmoid"):
        assert "bfloat16" in table[name], f"tfc ops does not list bfloat16 for {name}"
    assert "bfloat16" not in table["logical_and"] and "bfloat16" not in KNOWN_GAPS
