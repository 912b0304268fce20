"""How good a reconstruction is: per-image losses, and what they can be compared with.

MNIST's pixels are grays, not 0 or 1, so even a perfect reconstruction has a
binary cross-entropy above zero: the targets' own binary entropy. The part of the
BCE above that floor (the excess) is what a model can still improve.

Every function takes targets and outputs in [0, 1] as a batch (N, 28, 28) or
(N, 28, 28, 1), giving one value per image, or as one image (28, 28), giving a
0-d array. The arithmetic is float64, a chunk of images at a time: the 10,000
test images at once made ~500 MB of float64 temporaries, in a server that
others share.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EPSILON = 1e-7  # Keras's: its binary cross-entropy clips outputs to [EPSILON, 1 - EPSILON]
BCE_FLOOR = 0.0581  # mean binary entropy of the MNIST test set: no model's test BCE is lower
CHUNK = 500  # images converted to float64 at a time


def bce(target, output) -> np.ndarray:
    """Binary cross-entropy per image, the mean over pixels, computed as Keras does."""
    def pixel_bce(target, output):
        output = np.clip(output, EPSILON, 1 - EPSILON)
        return -(target * np.log(output) + (1 - target) * np.log(1 - output))

    return _per_image(pixel_bce, target, output)


def binary_entropy(target) -> np.ndarray:
    """Per image, the BCE of a perfect reconstruction: the target's own entropy."""
    return bce(target, target)


def mse(target, output) -> np.ndarray:
    """Mean squared error per image."""
    return _per_image(lambda target, output: (target - output) ** 2, target, output)


def psnr(target, output) -> np.ndarray:
    """Peak signal-to-noise ratio per image, in dB for a peak of 1.0; inf for a perfect copy."""
    return _decibels(mse(target, output))


def percentile_of(value: float, reference: np.ndarray) -> float:
    """The percentage of `reference` below `value`, ties counting half (0 to 100)."""
    reference = np.asarray(reference).ravel()
    if reference.size == 0:
        raise ValueError("percentile_of needs at least one reference value")
    below = np.count_nonzero(reference < value)
    ties = np.count_nonzero(reference == value)
    return 100 * (below + ties / 2) / reference.size


@dataclass(frozen=True)
class Scores:
    """Means over a batch (or one image's values)."""

    bce: float
    excess_bce: float  # bce minus the targets' binary entropy: what the model can still improve
    mse: float
    psnr: float  # inf when some image is reproduced exactly


def scores(target, output, image_bce: np.ndarray | None = None) -> Scores:
    """All the measures for a batch of reconstructions, as means over its images.

    `image_bce` is `bce(target, output)` when the caller has it already.
    """
    image_bce = bce(target, output) if image_bce is None else image_bce
    image_mse = mse(target, output)
    return Scores(
        bce=float(np.mean(image_bce)),
        excess_bce=float(np.mean(image_bce - binary_entropy(target))),
        mse=float(np.mean(image_mse)),
        psnr=float(np.mean(_decibels(image_mse))),
    )


def _per_image(pixel_values, target, output) -> np.ndarray:
    """The mean over each image's pixels of `pixel_values(target, output)`, in float64 chunks."""
    target, output = _without_channel(target), _without_channel(output)
    if target.shape != output.shape:
        raise ValueError(f"target shape {target.shape} differs from output shape {output.shape}")
    if target.ndim == 2:
        return np.asarray(pixel_values(_float64(target), _float64(output)).mean())
    if len(target) == 0:
        return np.zeros(0)
    return np.concatenate([
        pixel_values(_float64(target[start:start + CHUNK]),
                     _float64(output[start:start + CHUNK])).mean(axis=(-2, -1))
        for start in range(0, len(target), CHUNK)
    ])


def _without_channel(images) -> np.ndarray:
    """`images` as (N, H, W) or (H, W): the channel axis Keras adds dropped, the rank checked."""
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim not in (2, 3):
        raise ValueError(
            f"expected images (N, H, W), (N, H, W, 1) or (H, W), got shape {images.shape}"
        )
    return images


def _float64(images: np.ndarray) -> np.ndarray:
    images = np.asarray(images, dtype=np.float64)
    if images.size and not (0 <= images.min() and images.max() <= 1):
        raise ValueError("pixel values must lie in [0, 1] (divide uint8 images by 255)")
    return images


def _decibels(mean_squared_error: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):  # an exact copy has no noise: inf dB
        return -10 * np.log10(mean_squared_error)
