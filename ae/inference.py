"""Fast, thread-safe inference on a trained autoencoder.

Keras's `predict` builds a data pipeline on every call (~50-100 ms for one
image). Here each view of the model is a `tf.function` traced once for any
batch size, so one image costs about a millisecond; batches are reconstructed
by the fused forward pass, one part per core (`ae.fused`, `ae.cores`). Traced
functions only read the weights, so many Streamlit sessions can call them at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from ae import cores, fused
from ae import model as ae_model

_IMAGES = tf.TensorSpec((None, *ae_model.IMAGE_SHAPE), tf.float32)
_CODES = tf.TensorSpec((None, *ae_model.CODE_SHAPE), tf.float32)


@dataclass(frozen=True)
class Explanation:
    """One image through the model: what goes in, the bottleneck, what comes out."""

    image: np.ndarray  # (28, 28), what the model receives
    code: np.ndarray  # (4, 4, 8), the bottleneck
    output: np.ndarray  # (28, 28), the reconstruction
    activations: dict[str, np.ndarray]  # every layer's output, by layer name, in order


class Inference:
    """Compiled views of one model: reconstruct, encode, decode, explain."""

    def __init__(self, model: keras.Model, batch_size: int = 250):
        self.model = model
        self.batch_size = batch_size  # bounds memory: 1,000 kept ~80 MB more after a 10,000-image call
        self.layer_names = ae_model.ENCODER_LAYERS + ae_model.DECODER_LAYERS
        self._reconstruct = tf.function(
            lambda batch: cores.per_part(lambda part: tf.sigmoid(fused.logits(model, part)), batch),
            input_signature=[_IMAGES],
        )
        self._encode = _compile(ae_model.encoder(model), _IMAGES)
        self._decode = _compile(ae_model.decoder(model), _CODES)
        self._activations = _compile(ae_model.activations_model(model), _IMAGES)
        self.explain(np.zeros(ae_model.IMAGE_SHAPE[:2], np.float32))  # trace now, not on first use

    def reconstruct(self, images: np.ndarray) -> np.ndarray:
        """Images (N, 28, 28) or (N, 28, 28, 1) in [0, 1] to reconstructions of the same shape."""
        return self._batched(self._reconstruct, images, ae_model.IMAGE_SHAPE)

    def encode(self, images: np.ndarray) -> np.ndarray:
        """Images to bottleneck codes (N, 4, 4, 8)."""
        return self._batched(self._encode, images, ae_model.IMAGE_SHAPE, keep_shape=False)

    def decode(self, codes: np.ndarray) -> np.ndarray:
        """Codes (N, 4, 4, 8) to images (N, 28, 28)."""
        return self._batched(self._decode, codes, ae_model.CODE_SHAPE, keep_shape=False)[..., 0]

    def explain(self, image: np.ndarray) -> Explanation:
        """Every layer's activations for one (28, 28) image."""
        batch = np.asarray(image, np.float32).reshape(1, *ae_model.IMAGE_SHAPE)
        # To numpy first: indexing a TF tensor is an op of its own, ~2 ms for the twelve layers.
        outputs = [np.asarray(tensor)[0] for tensor in self._activations(batch)]
        activations = dict(zip(self.layer_names, outputs, strict=True))
        return Explanation(
            image=batch[0, ..., 0],
            code=activations[ae_model.BOTTLENECK],
            output=outputs[-1][..., 0],
            activations=activations,
        )

    def _batched(self, function, array, item_shape, keep_shape=True) -> np.ndarray:
        array = np.asarray(array, np.float32)
        batch = array.reshape(-1, *item_shape)
        parts = [
            np.asarray(function(batch[start:start + self.batch_size]))
            for start in range(0, len(batch), self.batch_size)
        ]
        result = np.concatenate(parts) if parts else np.zeros((0, 28, 28, 1), np.float32)
        return result.reshape(array.shape) if keep_shape else result


def _compile(view: keras.Model, spec: tf.TensorSpec):
    return tf.function(lambda batch: view(batch, training=False), input_signature=[spec])
