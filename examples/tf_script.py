"""A TensorFlow-style script that runs unchanged with `import tfc as tf`: eager, then under @tf.function."""
import numpy as np

import tfc as tf


def model(images, filters, weights, labels):
    x = tf.nn.conv2d(images, filters, strides=1, padding="SAME")
    x = tf.nn.relu(x)
    x = tf.nn.max_pool2d(x, ksize=2, strides=2, padding="VALID")
    x = tf.reshape(x, [x.shape[0], -1])
    logits = tf.matmul(x, weights)
    probs = tf.nn.softmax(logits)
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
    predictions = tf.argmax(probs, axis=-1)
    accuracy = tf.reduce_mean(tf.cast(tf.equal(predictions, tf.cast(labels, tf.int64)), tf.float32))
    mean, variance = tf.nn.moments(logits, axes=[0])
    stats = tf.stack([tf.reduce_max(logits), tf.reduce_min(logits), tf.math.reduce_logsumexp(logits)])
    clipped = tf.clip_by_value(logits[:, ::-1], -1.0, 1.0)
    noise = tf.random.stateless_uniform([2, 3], seed=[4, 2])
    return {"loss": loss, "accuracy": accuracy, "mean": mean, "variance": variance, "stats": stats,
            "clipped": clipped, "noise": noise, "where": tf.where(logits > 0, logits, tf.zeros_like(logits))}


def main():
    rng = np.random.default_rng(0)
    images = tf.constant(rng.normal(size=(4, 8, 8, 1)).astype(np.float32))
    filters = tf.constant(rng.normal(size=(3, 3, 1, 2)).astype(np.float32))
    weights = tf.constant(rng.normal(size=(32, 3)).astype(np.float32))
    labels = tf.constant([0, 2, 1, 2])
    eager = model(images, filters, weights, labels)
    compiled = tf.function(model)(images, filters, weights, labels)
    for name in eager:
        np.testing.assert_allclose(compiled[name].numpy(), eager[name].numpy(), rtol=1e-5, atol=1e-6)
        print(f"{name:>9}: {np.round(eager[name].numpy(), 4).tolist()}")
    print("eager and @tf.function agree")


if __name__ == "__main__":
    main()
