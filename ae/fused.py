"""The autoencoder's forward pass for training: the same model in fewer, cheaper operations.

Training spends most of its time on large, thin tensors: the 28x28x16 images
that the last upsampling makes only for the 16-to-1 output convolution to
read, and the full-size activations before each pooling. Two exact rewrites
take them away; the weights, the outputs and the gradients are the model's
(to float rounding, about 1e-6), so training with them is training the model.

1. Nearest-neighbour upsampling by 2, then a 3x3 convolution, equals one
   convolution on the small grid with four times the output channels (one per
   position in each 2x2 block) followed by `depth_to_space`. Each of those
   kernels sums the 3x3 kernel's taps that land on the same small-grid pixel.
2. Max-pooling commutes with adding a per-channel bias and with ReLU (both are
   non-decreasing), so bias and ReLU run on the pooled quarter-size tensor.

`logits` computes the model's output before the sigmoid (what the losses
want); `tests/test_fused.py` checks it, and its gradients, against the model.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

# For an output row in phase p (even p=0, odd p=1) of the upsampled grid, which
# small-grid row offset each kernel row (top, middle, bottom) reads.
# 'same' padding: offsets -1, 0, +1 (a 3-row kernel on the small grid).
_SAME_ROWS = (
    np.array([[1, 0, 0], [0, 1, 1], [0, 0, 0]], np.float32),  # 2a-1, 2a, 2a+1 -> a-1, a, a
    np.array([[0, 0, 0], [1, 1, 0], [0, 0, 1]], np.float32),  # 2a, 2a+1, 2a+2 -> a, a, a+1
)
# 'valid' padding: offsets 0, +1 (a 2-row kernel; 16 -> 14 becomes 8 -> 7, twice).
_VALID_ROWS = (
    np.array([[1, 1, 0], [0, 0, 1]], np.float32),  # 2a, 2a+1, 2a+2 -> a, a, a+1
    np.array([[1, 0, 0], [0, 1, 1]], np.float32),  # 2a+1, 2a+2, 2a+3 -> a, a+1, a+1
)


def upsample_then_conv(small: tf.Tensor, layer: keras.layers.Conv2D) -> tf.Tensor:
    """`layer(UpSampling2D(2)(small))` without the upsampled tensor, before bias and activation."""
    rows = _SAME_ROWS if layer.padding == "same" else _VALID_ROWS
    # depth_to_space reads channel block (row phase * 2 + column phase).
    kernels = [
        tf.einsum("ay,bx,yxio->abio", rows[row_phase], rows[column_phase], layer.kernel)
        for row_phase in (0, 1) for column_phase in (0, 1)
    ]
    phases = tf.nn.conv2d(small, tf.concat(kernels, axis=-1), 1, layer.padding.upper())
    return tf.nn.depth_to_space(phases, 2)


def conv_relu_pool(images: tf.Tensor, layer: keras.layers.Conv2D) -> tf.Tensor:
    """MaxPool(2)(layer(images)) with the bias and ReLU after the pooling."""
    pooled = tf.nn.max_pool2d(tf.nn.conv2d(images, layer.kernel, 1, "SAME"), 2, 2, "SAME")
    return tf.nn.relu(pooled + layer.bias)


def conv_relu(images: tf.Tensor, layer: keras.layers.Conv2D) -> tf.Tensor:
    return tf.nn.relu(tf.nn.conv2d(images, layer.kernel, layer.strides, "SAME") + layer.bias)


def logits(model: keras.Model, images: tf.Tensor) -> tf.Tensor:
    """The model's output before its sigmoid, for images (N, 28, 28, 1) in [0, 1]."""
    layer = model.get_layer
    x = conv_relu_pool(images, layer("enc_conv1"))
    x = conv_relu_pool(x, layer("enc_conv2"))
    x = conv_relu(x, layer("bottleneck"))
    x = conv_relu(x, layer("dec_conv1"))
    x = tf.nn.relu(upsample_then_conv(x, layer("dec_conv2")) + layer("dec_conv2").bias)
    x = tf.nn.relu(upsample_then_conv(x, layer("dec_conv3")) + layer("dec_conv3").bias)
    return upsample_then_conv(x, layer("output")) + layer("output").bias
