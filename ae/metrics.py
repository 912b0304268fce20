"""How good a reconstruction is: per-image losses, and what they can be compared with.

MNIST's pixels are grays, not 0 or 1, so even a perfect reconstruction has a
binary cross-entropy above zero: the targets' own binary entropy. The part of the
BCE above that floor (the excess) is what a model can still improve.

Every function takes targets and outputs in [0, 1] as a batch (N, 28, 28) or
(N, 28, 28, 1), giving one value per image, or as one image (28, 28), giving a
0-d array. The arithmetic is float64.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EPSILON = 1e-7  # Keras's: its binary cross-entropy clips outputs to [EPSILON, 1 - EPSILON]
BCE_FLOOR = 0.0581  # mean binary entropy of the MNIST test set: no model's test BCE is lower


def bce(target, output) -> np.ndarray:
    """Binary cross-entropy per image, the mean over pixels, computed as Keras does."""
    target, output = _pair(target, output)
    output = np.clip(output, EPSILON, 1 - EPSILON)
    return _per_image(-(target * np.log(output) + (1 - target) * np.log(1 - output)))


def binary_entropy(target) -> np.ndarray:
    """Per image, the BCE of a perfect reconstruction: the target's own entropy."""
    return bce(target, target)


def mse(target, output) -> np.ndarray:
    """Mean squared error per image."""
    target, output = _pair(target, output)
    return _per_image((target - output) ** 2)


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


def scores(target, output) -> Scores:
    """All the measures for a batch of reconstructions, as means over its images."""
    image_bce, image_mse = bce(target, output), mse(target, output)
    return Scores(
        bce=float(np.mean(image_bce)),
        excess_bce=float(np.mean(image_bce - binary_entropy(target))),
        mse=float(np.mean(image_mse)),
        psnr=float(np.mean(_decibels(image_mse))),
    )


def _pair(target, output) -> tuple[np.ndarray, np.ndarray]:
    """Both as float64 arrays of the same shape, checked."""
    target, output = _images(target), _images(output)
    if target.shape != output.shape:
        raise ValueError(f"target shape {target.shape} differs from output shape {output.shape}")
    return target, output


def _images(images) -> np.ndarray:
    """`images` as float64 (..., H, W), without the channel axis Keras adds."""
    images = np.asarray(images, dtype=np.float64)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim not in (2, 3):
        raise ValueError(
            f"expected images (N, H, W), (N, H, W, 1) or (H, W), got shape {images.shape}"
        )
    if images.size and not (0 <= images.min() and images.max() <= 1):
        raise ValueError("pixel values must lie in [0, 1] (divide uint8 images by 255)")
    return images


def _per_image(values: np.ndarray) -> np.ndarray:
    return np.asarray(values.mean(axis=(-2, -1)))


def _decibels(mean_squared_error: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):  # an exact copy has no noise: inf dB
        return -10 * np.log10(mean_squared_error)
