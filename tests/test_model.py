"""The model's shapes, its views (encoder, decoder, activations), loading and the fast inference path."""

import threading

import keras
import numpy as np
import pytest

from ae import model as ae_model
from ae.inference import Inference
from ae.train import save_atomic

EXPECTED_SHAPES = [
    (28, 28, 16), (14, 14, 16), (14, 14, 8), (7, 7, 8), (4, 4, 8), (4, 4, 8),
    (8, 8, 8), (8, 8, 8), (16, 16, 8), (14, 14, 16), (28, 28, 16), (28, 28, 1),
]


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(1)
    return ae_model.build_autoencoder()


@pytest.fixture(scope="module")
def inference(model):
    return Inference(model)


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(0).random((40, 28, 28), dtype=np.float32)


def test_layers_match_the_tutorial(model):
    rows = ae_model.summary_rows(model)[1:]  # after the input
    assert [shape for _, _, shape, _ in rows] == EXPECTED_SHAPES
    assert [name for name, *_ in rows] == list(ae_model.ENCODER_LAYERS + ae_model.DECODER_LAYERS)
    assert model.count_params() == ae_model.PARAMETER_COUNT == 4385
    assert sum(params for *_, params in rows) == 4385


def test_encode_then_decode_is_the_whole_model(inference, model, images):
    codes = inference.encode(images)
    assert codes.shape == (40, 4, 4, 8)
    np.testing.assert_allclose(inference.decode(codes), inference.reconstruct(images), atol=1e-6)
    np.testing.assert_allclose(
        inference.reconstruct(images), model.predict(images[..., None], verbose=0)[..., 0], atol=1e-6
    )


def test_views_share_the_models_weights(model, images):
    encoder = ae_model.encoder(model)
    before = encoder.predict(images[:2, ..., None], verbose=0)
    weights = model.get_layer("bottleneck").get_weights()
    model.get_layer("bottleneck").set_weights([w + 0.5 for w in weights])
    try:
        assert not np.allclose(encoder.predict(images[:2, ..., None], verbose=0), before)
    finally:
        model.get_layer("bottleneck").set_weights(weights)


def test_explain_gives_every_layer(inference, images):
    explanation = inference.explain(images[0])
    assert list(explanation.activations) == list(inference.layer_names)
    assert [a.shape for a in explanation.activations.values()] == EXPECTED_SHAPES
    np.testing.assert_allclose(explanation.code, inference.encode(images[:1])[0], atol=1e-6)
    np.testing.assert_allclose(explanation.output, inference.reconstruct(images[:1])[0], atol=1e-6)


def test_reconstruct_handles_batches_larger_than_its_chunk(model, images):
    small_chunks = Inference(model, batch_size=7)
    np.testing.assert_allclose(
        small_chunks.reconstruct(images), Inference(model).reconstruct(images), atol=1e-6
    )
    assert small_chunks.reconstruct(images[..., None]).shape == (40, 28, 28, 1)


def test_inference_is_safe_from_several_threads(inference, images):
    expected = inference.reconstruct(images)
    results, errors = {}, []

    def worker(index):
        try:
            results[index] = inference.explain(images[index]).output
        except Exception as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(images))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    for index, output in results.items():
        np.testing.assert_allclose(output, expected[index], atol=1e-6)


def test_clone_has_its_own_weights(model):
    copy = ae_model.clone(model)
    for a, b in zip(copy.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    copy.get_layer("output").set_weights([np.zeros((3, 3, 16, 1)), np.zeros(1)])
    assert np.any(model.get_layer("output").get_weights()[0] != 0)


# ---------------------------------------------------------------------------
# Loading: every way a model file can be bad gives ModelFileError

def test_load_round_trip(model, tmp_path, images):
    path = save_atomic(model, tmp_path / "m.keras")
    loaded = ae_model.load(path)
    np.testing.assert_allclose(
        Inference(loaded).reconstruct(images[:3]), Inference(model).reconstruct(images[:3]), atol=1e-6
    )


def test_load_missing_file(tmp_path):
    with pytest.raises(ae_model.ModelFileError, match="No model file"):
        ae_model.load(tmp_path / "absent.keras")


def test_load_truncated_file(model, tmp_path):
    path = save_atomic(model, tmp_path / "m.keras")
    path.write_bytes(path.read_bytes()[:500])
    with pytest.raises(ae_model.ModelFileError, match="Could not read"):
        ae_model.load(path)


def test_load_another_architecture(tmp_path):
    other = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(784, activation="sigmoid"),
                              keras.layers.Reshape((28, 28, 1))])
    path = tmp_path / "other.keras"
    other.save(path)
    with pytest.raises(ae_model.ModelFileError, match="not this app's autoencoder"):
        ae_model.load(path)


def test_load_refuses_code_in_the_file(tmp_path):
    inputs = keras.Input((28, 28, 1))
    unsafe = keras.Model(inputs, keras.layers.Lambda(lambda x: x * 2)(inputs))
    path = tmp_path / "unsafe.keras"
    unsafe.save(path)
    with pytest.raises(ae_model.ModelFileError, match="Could not read"):
        ae_model.load(path)
