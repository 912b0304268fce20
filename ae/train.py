"""Training: one function for the command line and the web page.

`train` trains a model it is given (so the caller decides whether that is a
fresh model, a copy of the shipped one to resume from, or anything else),
reports progress to a callback after every batch, and stops after the batch
that is running when asked. Its loop is Keras's `fit` without the parts this
model does not need: the forward pass is `ae.fused.logits` (the same model in
cheaper operations) and each step runs one part of the batch per core
(`ae.cores`); together about twice as fast as `fit` (benchmarks/bench_speed.py).

`save_atomic` writes a model so that a crash mid-save leaves the previous file whole.
"""

from __future__ import annotations

import math
import os
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from ae import cores, fused
from ae import model as ae_model

LOSSES = ("bce", "mse")  # binary cross-entropy, mean squared error
SCHEDULES = ("constant", "cosine")


# ---------------------------------------------------------------------------
# Configuration

@dataclass
class TrainConfig:
    """What to train for. The defaults are the tutorial's: 50 epochs, batch 128, Adam, BCE."""

    epochs: int = 50
    batch_size: int = 128
    learning_rate: float = 1e-3
    schedule: str = "constant"  # "cosine" decays the rate to 0 by the last batch
    loss: str = "bce"
    train_images: int | None = None  # a subset of the training images; None = all
    seed: int = 0

    def check(self, available_images: int) -> None:
        """Raise ValueError with a sentence a person can act on."""
        images = self.images_used(available_images)
        if self.epochs < 1:
            raise ValueError(f"Epochs must be at least 1, not {self.epochs}.")
        if self.train_images is not None and self.train_images < 1:
            raise ValueError(f"Training images must be at least 1, not {self.train_images}.")
        if not 1 <= self.batch_size <= images:
            raise ValueError(
                f"Batch size must be between 1 and the {images:,} training images, "
                f"not {self.batch_size}."
            )
        if not 1e-6 <= self.learning_rate <= 1.0:
            raise ValueError(
                f"Learning rate {self.learning_rate:g} is outside 0.000001 to 1; "
                "Adam's usual rate is 0.001."
            )
        if self.loss not in LOSSES:
            raise ValueError(f"Loss must be one of {', '.join(LOSSES)}, not {self.loss!r}.")
        if self.schedule not in SCHEDULES:
            raise ValueError(
                f"Schedule must be one of {', '.join(SCHEDULES)}, not {self.schedule!r}."
            )

    def images_used(self, available_images: int) -> int:
        return min(self.train_images or available_images, available_images)


# ---------------------------------------------------------------------------
# Progress events, delivered to the caller's callback from the training thread

@dataclass(frozen=True)
class BatchEnd:
    epoch: int  # counted from 1
    batch: int  # counted from 1
    batches_per_epoch: int
    loss: float  # this batch's own loss, not the epoch's running mean
    elapsed: float  # seconds since training started
    images_per_second: float


@dataclass(frozen=True)
class EpochEnd:
    epoch: int
    epochs: int
    loss: float  # the mean over the epoch
    val_loss: float | None  # None when the epoch was cut short by a stop
    elapsed: float
    images_per_second: float
    preview: np.ndarray | None = None  # reconstructions of `preview_images`, if given


@dataclass
class TrainResult:
    epochs_completed: int
    stopped_early: bool  # by the stop event
    diverged: bool  # the loss became NaN or infinite; training stopped there
    history: list[EpochEnd] = field(default_factory=list)


ProgressCallback = Callable[[BatchEnd | EpochEnd], None]


# ---------------------------------------------------------------------------
# Training

def train(
    model: keras.Model,
    x_train: np.ndarray,
    x_val: np.ndarray | None,
    config: TrainConfig,
    on_event: ProgressCallback = lambda event: None,
    stop: threading.Event | None = None,
    preview_images: np.ndarray | None = None,
) -> TrainResult:
    """Train `model` in place to reconstruct its input images.

    Images are uint8 (N, 28, 28) as `ae.data` loads them, or float (N, 28, 28, 1)
    in [0, 1]; uint8 saves the caller a float copy (188 MB for the 60,000).
    Resuming is passing a model that already has weights. To keep a model
    others are using untouched, pass `ae.model.clone(model)`.
    """
    config.check(len(x_train))
    stop = stop or threading.Event()
    keras.utils.set_random_seed(config.seed)
    shuffle = np.random.default_rng(config.seed)
    images = config.images_used(len(x_train))
    if images < len(x_train):
        x_train = x_train[np.sort(shuffle.choice(len(x_train), images, replace=False))]
    batches = math.ceil(images / config.batch_size)
    rate = config.learning_rate
    if config.schedule == "cosine":
        rate = keras.optimizers.schedules.CosineDecay(rate, decay_steps=batches * config.epochs)
    step = _train_step(model, keras.optimizers.Adam(rate), config.loss)
    batch_losses = _batch_losses(model, config.loss)

    result = TrainResult(epochs_completed=0, stopped_early=False, diverged=False)
    started = time.perf_counter()
    for epoch in range(1, config.epochs + 1):
        epoch_started, loss_sum, seen = time.perf_counter(), 0.0, 0
        order = shuffle.permutation(images)
        for batch in range(1, batches + 1):
            chosen = order[(batch - 1) * config.batch_size:batch * config.batch_size]
            loss = float(step(x_train[chosen]))
            if not math.isfinite(loss):
                result.diverged = True
                return result
            loss_sum, seen = loss_sum + loss * len(chosen), seen + len(chosen)
            now = time.perf_counter()
            on_event(BatchEnd(
                epoch=epoch, batch=batch, batches_per_epoch=batches, loss=loss,
                elapsed=now - started, images_per_second=seen / max(now - epoch_started, 1e-9),
            ))
            if stop.is_set():
                result.stopped_early = True
                break
        seconds = time.perf_counter() - epoch_started
        val_loss = None
        if x_val is not None and not result.stopped_early:
            val_loss = _mean_loss(batch_losses, x_val, stop)
            result.stopped_early = val_loss is None
        if not result.stopped_early:
            result.epochs_completed += 1
        preview = None if preview_images is None else np.asarray(model(preview_images))
        event = EpochEnd(
            epoch=epoch, epochs=config.epochs, loss=loss_sum / seen, val_loss=val_loss,
            elapsed=time.perf_counter() - started, images_per_second=seen / max(seconds, 1e-9),
            preview=preview,
        )
        result.history.append(event)
        on_event(event)
        if result.stopped_early:
            break
    return result


def _images(batch: tf.Tensor) -> tf.Tensor:
    """uint8 (N, 28, 28) or float (N, 28, 28, 1) to float (N, 28, 28, 1) in [0, 1]."""
    images = tf.cast(batch, tf.float32)
    if batch.dtype == tf.uint8:
        images = images / 255.0  # as ae.data.to_float does
    return tf.reshape(images, (-1, *ae_model.IMAGE_SHAPE))


def _per_image_loss(model: keras.Model, images: tf.Tensor, loss: str) -> tf.Tensor:
    """Each image's loss, as Keras's binary_crossentropy or mean_squared_error computes it."""
    logits = fused.logits(model, images)
    if loss == "bce":  # Keras also takes the sigmoid's logits for BCE: no clipping, no log(0)
        pixels = tf.nn.sigmoid_cross_entropy_with_logits(labels=images, logits=logits)
    else:
        pixels = tf.square(tf.sigmoid(logits) - images)
    return tf.reduce_mean(pixels, axis=(1, 2, 3))


def _summed_loss(model, batch, loss) -> tf.Tensor:
    # One part per core; TensorFlow runs the parts side by side (see ae.cores).
    return tf.reduce_sum(cores.per_part(lambda part: _per_image_loss(model, part, loss),
                                        _images(batch)))


def _train_step(model: keras.Model, optimizer: keras.optimizers.Optimizer, loss: str):
    variables = model.trainable_variables

    # Traced once per image dtype; reduce_retracing leaves the batch dimension open
    # after the first other size, so the last, smaller batch of each epoch reuses it.
    @tf.function(reduce_retracing=True)
    def step(batch):
        with tf.GradientTape() as tape:
            mean = _summed_loss(model, batch, loss) / tf.cast(tf.shape(batch)[0], tf.float32)
        optimizer.apply(tape.gradient(mean, variables), variables)
        return mean

    return step


def _batch_losses(model: keras.Model, loss: str):
    return tf.function(lambda batch: _summed_loss(model, batch, loss), reduce_retracing=True)


def _mean_loss(batch_losses, images: np.ndarray, stop: threading.Event,
               batch_size: int = 250) -> float | None:
    """The mean loss over `images`, or None if `stop` was set on the way."""
    total = 0.0
    for start in range(0, len(images), batch_size):
        if stop.is_set():
            return None
        total += float(batch_losses(images[start:start + batch_size]))
    return total / len(images)


# ---------------------------------------------------------------------------
# Saving

def save_atomic(model: keras.Model, path: str | Path) -> Path:
    """Save to a temporary file beside `path`, then rename it over `path`.

    The rename is atomic on one file system, so readers see the old file or
    the new one, never half of either.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.stem}.{os.getpid()}.{threading.get_ident()}.keras")
    try:
        model.save(temporary)
        _deflate(temporary)
        with open(temporary, "rb") as written:
            os.fsync(written.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


def _deflate(keras_file: Path) -> None:
    """Keras stores its zip uncompressed; deflating it halves the file (115 kB to 55 kB here)."""
    with zipfile.ZipFile(keras_file) as stored:
        entries = [(info.filename, stored.read(info)) for info in stored.infolist()]
    with zipfile.ZipFile(keras_file, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as packed:
        for name, content in entries:
            packed.writestr(name, content)
