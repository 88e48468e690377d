"""examples/train_mlp.py, shortened: the compiled train step makes the loss fall; one trace; bar and rate print."""
import importlib.util
import io
import pathlib

import numpy as np

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "train_mlp.py"


def _example():
    spec = importlib.util.spec_from_file_location("train_mlp", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_short_training_run_lowers_the_loss():
    out = io.StringIO()
    losses = _example().train(steps=60, batch=32, sizes=(32, 32, 10), features=64, learning_rate=1e-2, out=out)
    assert np.isfinite(losses).all()
    assert np.mean(losses[-5:]) < 0.8 * np.mean(losses[:5]), losses
    text = out.getvalue()
    assert "step 60/60" in text and "steps/second" in text and "traces: 1" in text


def test_composed_relu_and_cross_entropy_match_numpy():
    import tfc

    module = _example()
    x = np.array([[-2.0, -0.5, 0.0, 0.25, 3.0]], np.float32)
    np.testing.assert_array_equal(module._composed_relu(tfc.constant(x)).numpy(), np.maximum(x, 0))
    labels = np.eye(5, dtype=np.float32)[[3]]
    expected = np.log(np.exp(x).sum()) - x[0, 3]
    got = module._composed_softmax_cross_entropy(tfc.constant(labels), tfc.constant(x)).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-6)
