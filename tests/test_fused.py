"""The fused forward pass used for training is the model: same outputs, same gradients."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from ae import cores, data, fused
from ae import model as ae_model
from ae.inference import Inference


@pytest.fixture(scope="module", params=["fresh", "shipped"])
def model(request):
    if request.param == "shipped":
        return ae_model.load(ae_model.SHIPPED_MODEL)
    keras.utils.set_random_seed(3)
    fresh = ae_model.build_autoencoder()
    # Fresh biases are zero; give them values so a misplaced bias would show.
    fresh.set_weights([w + 0.05 * np.random.default_rng(3).standard_normal(w.shape).astype(np.float32)
                       for w in fresh.get_weights()])
    return fresh


@pytest.fixture(scope="module")
def digits():
    return data.to_float(data.load_test_split()[0][:64])


def test_outputs_match_the_model(model, digits):
    expected = np.asarray(model(digits))
    found = np.asarray(tf.sigmoid(fused.logits(model, digits)))
    assert found.shape == expected.shape == (64, 28, 28, 1)
    np.testing.assert_allclose(found, expected, atol=1e-5)


def test_random_and_odd_images_match_too(model):
    images = np.random.default_rng(0).random((5, 28, 28, 1), np.float32)
    images[0] = 0.0
    images[1, :, :14] = 1.0  # a hard edge across the middle of every 2x2 block row
    np.testing.assert_allclose(np.asarray(tf.sigmoid(fused.logits(model, images))),
                               np.asarray(model(images)), atol=1e-5)


def test_gradients_match_keras_binary_crossentropy(model, digits):
    variables = model.trainable_variables
    with tf.GradientTape() as tape:
        expected_loss = tf.reduce_mean(keras.losses.binary_crossentropy(digits, model(digits)))
    expected = tape.gradient(expected_loss, variables)
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(
            labels=digits, logits=fused.logits(model, digits)))
    found = tape.gradient(loss, variables)
    assert float(loss) == pytest.approx(float(expected_loss), rel=1e-5)
    for variable, a, b in zip(variables, found, expected, strict=True):
        scale = float(tf.reduce_max(tf.abs(b)))
        assert scale > 0, variable.path
        np.testing.assert_allclose(a, b, atol=1e-4 * scale, err_msg=variable.path)


@pytest.mark.parametrize("cores_count, batch, sizes", [
    (2, 128, [64, 64]), (2, 5, [3, 2]), (3, 10, [4, 3, 3]), (1, 7, [7]),
    (2, 1, [1, 1]), (3, 2, [1, 1, 1]),  # fewer items than cores: zero-padded, no empty part
])
def test_per_part_gives_each_core_a_part(monkeypatch, cores_count, batch, sizes):
    monkeypatch.setattr(cores, "available", lambda: cores_count)
    images = tf.reshape(tf.range(batch, dtype=tf.float32), (batch, 1))
    seen = []
    result = cores.per_part(lambda part: seen.append(int(part.shape[0])) or part * 2, images)
    np.testing.assert_array_equal(result, images * 2)  # in order, nothing lost
    assert seen == sizes


def test_one_image_reconstructs_with_two_cores(monkeypatch, model, digits):
    monkeypatch.setattr(cores, "available", lambda: 2)
    np.testing.assert_allclose(Inference(model).reconstruct(digits[:1]),
                               np.asarray(model(digits[:1])), atol=1e-5)
