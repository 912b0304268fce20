"""Tests for ae.metrics against hand-computed values, Keras, and the MNIST test set."""

import math

import numpy as np
import pytest

from ae import metrics
from ae.data import load_test_split
from ae.metrics import (
    BCE_FLOOR,
    EPSILON,
    Scores,
    bce,
    binary_entropy,
    mse,
    percentile_of,
    psnr,
    scores,
)


def full(value: float, n: int = 1) -> np.ndarray:
    return np.full((n, 28, 28), value)


def test_bce_by_hand():
    assert bce(full(1.0), full(0.5)) == pytest.approx([math.log(2)])
    assert bce(full(0.25), full(0.5)) == pytest.approx([math.log(2)])
    # A confident mistake costs -log(EPSILON), not infinity, because outputs are clipped.
    assert bce(full(1.0), full(0.0)) == pytest.approx([-math.log(EPSILON)])
    assert bce(full(0.0), full(0.0)) == pytest.approx([-math.log(1 - EPSILON)])
    half = np.zeros((1, 28, 28))
    half[:, :14] = 1.0
    assert bce(half, full(0.9)) == pytest.approx([-(math.log(0.9) + math.log(0.1)) / 2])


def test_mse_and_psnr_by_hand():
    target, output = full(0.0, n=2), full(0.1, n=2)
    output[1] = 0.0
    assert mse(target, output) == pytest.approx([0.01, 0.0])
    np.testing.assert_array_equal(psnr(target, output), [pytest.approx(20.0), np.inf])


def test_one_image_gives_a_0d_result_and_the_channel_axis_is_optional():
    rng = np.random.default_rng(0)
    target, output = rng.random((3, 28, 28)), rng.random((3, 28, 28))
    for measure in (bce, mse, psnr):
        per_image = measure(target, output)
        assert per_image.shape == (3,)
        np.testing.assert_array_equal(measure(target[..., None], output[..., None]), per_image)
        single = measure(target[1], output[1])
        assert single.shape == ()
        assert single == per_image[1]
    assert binary_entropy(target[0]).shape == ()


def test_bce_matches_keras():
    import keras  # deferred: TensorFlow takes seconds to import

    # float64 on both sides: in float32, 1 - EPSILON rounds and the clipped extremes differ.
    rng = np.random.default_rng(1)
    target, output = rng.random((8, 28, 28)), rng.random((8, 28, 28))
    output[:, 0, :4] = [0.0, 1.0, 1e-9, 1 - 1e-9]  # where the clipping matters
    theirs = keras.losses.binary_crossentropy(target.reshape(8, -1), output.reshape(8, -1))
    np.testing.assert_allclose(bce(target, output), np.asarray(theirs), rtol=1e-12)


def test_bce_floor_is_the_test_sets_binary_entropy():
    images, _ = load_test_split()
    # Independently of ae.metrics: the entropy of each of the 256 gray levels, weighted by count.
    level = np.arange(256) / 255
    clipped = np.clip(level, EPSILON, 1 - EPSILON)  # Keras clips predictions, not targets
    entropy = -(level * np.log(clipped) + (1 - level) * np.log(1 - clipped))
    counts = np.bincount(images.ravel(), minlength=256)
    floor = (counts * entropy).sum() / counts.sum()
    assert round(floor, 4) == BCE_FLOOR
    assert binary_entropy(images / 255).mean() == pytest.approx(floor, rel=1e-9)


def test_no_output_beats_the_binary_entropy():
    rng = np.random.default_rng(2)
    target = rng.random((4, 28, 28)) ** 3  # mostly dark, like MNIST
    floor = binary_entropy(target)
    for output in (target, np.clip(target + 0.01, 0, 1), rng.random((4, 28, 28)), full(0.5, n=4)):
        assert (bce(target, output) >= floor - 1e-12).all()


def test_scores_are_batch_means():
    rng = np.random.default_rng(3)
    target, output = rng.random((5, 28, 28)), rng.random((5, 28, 28))
    result = scores(target, output)
    assert result == Scores(
        bce=pytest.approx(bce(target, output).mean()),
        excess_bce=pytest.approx((bce(target, output) - binary_entropy(target)).mean()),
        mse=pytest.approx(mse(target, output).mean()),
        psnr=pytest.approx(psnr(target, output).mean()),
    )
    assert result.excess_bce > 0


def test_a_perfect_copy_scores_no_excess_and_infinite_psnr():
    target = np.random.default_rng(4).random((2, 28, 28))
    result = scores(target, target)
    assert result.excess_bce == 0 and result.mse == 0 and result.psnr == np.inf
    assert result.bce == pytest.approx(binary_entropy(target).mean())


def test_scores_take_the_per_image_bce_the_caller_has_already():
    rng = np.random.default_rng(6)
    target, output = rng.random((3, 28, 28)), rng.random((3, 28, 28))
    assert scores(target, output, image_bce=bce(target, output)) == scores(target, output)


def test_percentile_of():
    reference = np.array([4.0, 1.0, 3.0, 2.0])
    assert percentile_of(0.5, reference) == 0
    assert percentile_of(2.5, reference) == 50
    assert percentile_of(2.0, reference) == 37.5  # one below, one tie counting half
    assert percentile_of(9.0, reference) == 100
    assert percentile_of(3.0, np.full(7, 3.0)) == 50
    with pytest.raises(ValueError):
        percentile_of(1.0, np.array([]))


@pytest.mark.parametrize(
    "target, output",
    [
        (full(0.5), full(0.5, n=2)),  # different batch sizes
        (np.zeros((1, 28, 28), np.uint8) + 255, full(0.5)),  # uint8, not scaled to [0, 1]
        (full(0.5)[0, 0], full(0.5)[0, 0]),  # one row is not an image
    ],
)
def test_mismatched_or_unscaled_inputs_are_refused(target, output):
    with pytest.raises(ValueError):
        bce(target, output)


def test_batches_longer_than_a_chunk_give_each_image_its_own_value():
    rng = np.random.default_rng(5)
    count = 2 * metrics.CHUNK + 7  # three chunks, the last short
    targets, outputs = rng.random((count, 28, 28)), rng.random((count, 28, 28, 1))
    for measure in (metrics.bce, metrics.mse):
        one_by_one = [float(measure(t, o)) for t, o in zip(targets, outputs[..., 0])]
        np.testing.assert_allclose(measure(targets, outputs), one_by_one, rtol=1e-12)
