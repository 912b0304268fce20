"""The tutorial's convolutional autoencoder, and the views of it the app needs.

The architecture is the seed's, layer for layer (4,385 parameters). It is built
with the functional API so that the encoder, the decoder and every layer's
activations can be read from one trained model without copying weights.
"""

from __future__ import annotations

from pathlib import Path

import keras
from keras import layers

IMAGE_SHAPE = (28, 28, 1)
CODE_SHAPE = (4, 4, 8)
BOTTLENECK = "bottleneck"
PARAMETER_COUNT = 4385
SHIPPED_MODEL = Path(__file__).parent / "assets" / "autoencoder.keras"

# Why two poolings but three upsamplings: the stride-2 convolution with 'same'
# padding takes 7 to ceil(7/2) = 4, and the 'valid' convolution takes 16 to 14.
_ENCODER = [
    ("enc_conv1", lambda: layers.Conv2D(16, 3, padding="same", activation="relu")),
    ("enc_pool1", lambda: layers.MaxPooling2D(2, padding="same")),
    ("enc_conv2", lambda: layers.Conv2D(8, 3, padding="same", activation="relu")),
    ("enc_pool2", lambda: layers.MaxPooling2D(2, padding="same")),
    (BOTTLENECK, lambda: layers.Conv2D(8, 3, strides=2, padding="same", activation="relu")),
]
_DECODER = [
    ("dec_conv1", lambda: layers.Conv2D(8, 3, padding="same", activation="relu")),
    ("dec_up1", lambda: layers.UpSampling2D(2)),
    ("dec_conv2", lambda: layers.Conv2D(8, 3, padding="same", activation="relu")),
    ("dec_up2", lambda: layers.UpSampling2D(2)),
    ("dec_conv3", lambda: layers.Conv2D(16, 3, padding="valid", activation="relu")),
    ("dec_up3", lambda: layers.UpSampling2D(2)),
    ("output", lambda: layers.Conv2D(1, 3, padding="same", activation="sigmoid")),
]
ENCODER_LAYERS = tuple(name for name, _ in _ENCODER)
DECODER_LAYERS = tuple(name for name, _ in _DECODER)


class ModelFileError(Exception):
    """A model file that is missing, unreadable, unsafe or of another architecture."""


def build_autoencoder() -> keras.Model:
    """A fresh, untrained autoencoder with the seed's layers and readable names."""
    x = inputs = keras.Input(IMAGE_SHAPE, name="image")
    for name, make in _ENCODER + _DECODER:
        layer = make()
        layer.name = name
        x = layer(x)
    return keras.Model(inputs, x, name="autoencoder")


def encoder(model: keras.Model) -> keras.Model:
    """Images (N, 28, 28, 1) to bottleneck codes (N, 4, 4, 8), sharing the model's weights."""
    return keras.Model(model.inputs[0], model.get_layer(BOTTLENECK).output, name="encoder")


def decoder(model: keras.Model) -> keras.Model:
    """Codes (N, 4, 4, 8) to images (N, 28, 28, 1), sharing the model's weights."""
    x = codes = keras.Input(CODE_SHAPE, name="code")
    for name in DECODER_LAYERS:
        x = model.get_layer(name)(x)
    return keras.Model(codes, x, name="decoder")


def activations_model(model: keras.Model) -> keras.Model:
    """One output per layer, in order: what each layer makes of the input."""
    names = ENCODER_LAYERS + DECODER_LAYERS
    outputs = [model.get_layer(name).output for name in names]
    return keras.Model(model.inputs[0], outputs, name="activations")


def clone(model: keras.Model) -> keras.Model:
    """A copy with its own weights, so training it leaves the original untouched."""
    copy = build_autoencoder()
    copy.set_weights(model.get_weights())
    return copy


def load(path: str | Path) -> keras.Model:
    """Load a `.keras` autoencoder in Keras's safe mode, or raise `ModelFileError`.

    Safe mode refuses files that would run arbitrary code (lambda layers); the
    architecture check refuses files that are valid Keras but another model.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"No model file at {path}.")
    try:
        model = keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as error:  # Keras raises many types for a bad file
        raise ModelFileError(f"Could not read the model file {path}: {error}") from error
    check_architecture(model, source=path)
    return model


def check_architecture(model: keras.Model, source: str | Path = "the model") -> None:
    """Raise `ModelFileError` unless `model` has the seed's layers and shapes."""
    expected = build_autoencoder()
    try:
        found = [(layer.name, layer.output.shape) for layer in model.layers]
    except (AttributeError, ValueError) as error:
        raise ModelFileError(f"{source} is not a functional autoencoder: {error}") from error
    wanted = [(layer.name, layer.output.shape) for layer in expected.layers]
    if found != wanted or model.count_params() != PARAMETER_COUNT:
        raise ModelFileError(
            f"{source} is not this app's autoencoder: expected the 12 layers "
            f"{', '.join(ENCODER_LAYERS + DECODER_LAYERS)} with {PARAMETER_COUNT:,} "
            f"parameters, found {len(model.layers) - 1} layers with "
            f"{model.count_params():,}."
        )


def summary_rows(model: keras.Model) -> list[tuple[str, str, tuple, int]]:
    """(layer name, layer type, output shape without the batch, parameters), as Keras's summary."""
    return [
        (layer.name, type(layer).__name__, tuple(layer.output.shape[1:]), layer.count_params())
        for layer in model.layers
    ]
