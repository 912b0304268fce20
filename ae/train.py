"""Training: one function for the command line and the web page.

`train` runs Keras's `fit` on a model it is given (so the caller decides
whether that is a fresh model, a copy of the shipped one to resume from, or
anything else), reports progress to a callback, and stops within one batch
when asked. `save_atomic` writes a model so that a crash mid-save leaves the
previous file whole.
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

LOSSES = {"bce": "binary_crossentropy", "mse": "mean_squared_error"}
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


class _Reporter(keras.callbacks.Callback):
    """Turns Keras's callback hooks into our events, and checks the stop flag."""

    def __init__(self, config, images, batches, stop, on_event, preview_images):
        super().__init__()
        self.config, self.images, self.batches = config, images, batches
        self.stop, self.on_event, self.preview_images = stop, on_event, preview_images
        self.result = TrainResult(epochs_completed=0, stopped_early=False, diverged=False)

    def on_train_begin(self, logs=None):
        self.started = time.perf_counter()
        self.images_seen = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_started = time.perf_counter()
        self.running_mean, self.seen_this_epoch = 0.0, 0

    def on_train_batch_end(self, batch, logs=None):
        # Keras reports the epoch's running mean, weighted by batch size;
        # undo the mean to get this batch's own loss.
        size = min(self.config.batch_size, self.images - self.seen_this_epoch)
        mean = float(logs["loss"])
        seen = self.seen_this_epoch + size
        batch_loss = (mean * seen - self.running_mean * self.seen_this_epoch) / size
        self.running_mean, self.seen_this_epoch = mean, seen
        self.images_seen += size
        if not math.isfinite(batch_loss):
            self.result.diverged = True
            self.model.stop_training = True
            return
        if self.stop.is_set():
            self.result.stopped_early = True
            self.model.stop_training = True
        now = time.perf_counter()
        self.on_event(BatchEnd(
            epoch=self.result.epochs_completed + 1, batch=batch + 1,
            batches_per_epoch=self.batches, loss=batch_loss,
            elapsed=now - self.started,
            images_per_second=seen / max(now - self.epoch_started, 1e-9),
        ))

    def on_test_batch_end(self, batch, logs=None):
        # A stop during validation should not wait for the 10,000 test images.
        if self.stop.is_set():
            self.result.stopped_early = True
            self.model.stop_evaluating = True

    def on_epoch_end(self, epoch, logs=None):
        if self.result.diverged:
            return
        finished = not self.result.stopped_early
        if finished:
            self.result.epochs_completed += 1
        preview = None
        if self.preview_images is not None:
            preview = np.asarray(self.model(self.preview_images, training=False))
        now = time.perf_counter()
        event = EpochEnd(
            epoch=epoch + 1, epochs=self.config.epochs, loss=float(logs["loss"]),
            val_loss=float(logs["val_loss"]) if finished and "val_loss" in logs else None,
            elapsed=now - self.started,
            images_per_second=self.seen_this_epoch / max(now - self.epoch_started, 1e-9),
            preview=preview,
        )
        self.result.history.append(event)
        self.on_event(event)


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
    """Train `model` in place on float images (N, 28, 28, 1) to reconstruct themselves.

    Resuming is passing a model that already has weights. To keep a model
    others are using untouched, pass `ae.model.clone(model)`.
    """
    config.check(len(x_train))
    keras.utils.set_random_seed(config.seed)
    images = config.images_used(len(x_train))
    if images < len(x_train):
        chosen = np.random.default_rng(config.seed).choice(len(x_train), images, replace=False)
        x_train = x_train[np.sort(chosen)]
    batches = math.ceil(images / config.batch_size)

    rate = config.learning_rate
    if config.schedule == "cosine":
        rate = keras.optimizers.schedules.CosineDecay(rate, decay_steps=batches * config.epochs)
    model.compile(optimizer=keras.optimizers.Adam(rate), loss=LOSSES[config.loss])

    reporter = _Reporter(config, images, batches, stop or threading.Event(), on_event,
                         preview_images)
    model.fit(
        x_train, x_train,
        epochs=config.epochs, batch_size=config.batch_size, shuffle=True,
        validation_data=None if x_val is None else (x_val, x_val),
        callbacks=[reporter], verbose=0,
    )
    return reporter.result


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
