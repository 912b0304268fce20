"""Training runs that outlive the script run that started them.

A Streamlit script run lasts a moment and any click interrupts it; a training
lasts minutes. So each training runs in its own thread and only writes what it
sees into a `Run`, and pages read consistent `Snapshot`s of it. One
`RunRegistry` per server process finds a session's run again after reruns,
page switches and reloads, keeps finished runs for a while, and refuses a start
while the server's limit of trainings is running.

Nothing here imports Streamlit: the training thread has no script-run context
and must never touch the page.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import math
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from ae import metrics
from ae import model as ae_model
from ae.inference import Inference
from ae.train import BatchEnd, EpochEnd, TrainConfig, TrainResult, save_atomic, train

log = logging.getLogger(__name__)

# A run's life: RUNNING, then EVALUATING on the test images, then one of the ends.
RUNNING, EVALUATING = "running", "evaluating"
FINISHED, STOPPED, DIVERGED, FAILED = "finished", "stopped", "diverged", "failed"
ACTIVE = (RUNNING, EVALUATING)

EMA_DECAY = 0.9  # the training curve is smoothed over about the last 10 batches
CURVE_POINTS = 300  # enough for a smooth line, few enough to redraw every second


# ---------------------------------------------------------------------------
# Page runs first: a training steps aside while pages are being computed

class PageRuns:
    """Counts the page runs in progress, so that trainings can wait for them.

    A training and the pages share the server's cores. With one training
    running, a page run took three times as long (0.16 s against 0.06 s, one
    browser), and in a room of 20 the difference is what people feel. So a
    training waits between batches while any page is running, at most
    `max_pause` each time: a busy room slows it down, never stops it.
    """

    def __init__(self, max_pause: float = 0.25):
        self.max_pause = max_pause
        self._running = 0
        self._changed = threading.Condition()
        self._thread = threading.local()

    @contextlib.contextmanager
    def running(self, name: str = ""):
        """Around a page's (or fragment's) run. Its duration is logged at DEBUG level."""
        started, outermost = time.perf_counter(), not getattr(self._thread, "inside", False)
        self._thread.inside = True  # a full run calls its fragments inside it: log it once
        with self._changed:
            self._running += 1
        try:
            yield
        finally:
            with self._changed:
                self._running -= 1
                self._changed.notify_all()
            if outermost:
                self._thread.inside = False
                log.debug("page run %.4f s %s", time.perf_counter() - started, name)

    def counted(self, function):
        """`function` counted as a page run: for fragments, which rerun without app.py."""
        @functools.wraps(function)
        def counted_run(*args, **kwargs):
            with self.running(function.__name__):
                return function(*args, **kwargs)
        return counted_run

    def wait_for_quiet(self) -> None:
        """Called by trainings between batches."""
        with self._changed:
            self._changed.wait_for(lambda: self._running == 0, timeout=self.max_pause)


PAGE_RUNS = PageRuns()


# ---------------------------------------------------------------------------
# What a page sees

@dataclass(frozen=True)
class Snapshot:
    """A consistent copy of a run's state at one moment, safe to read anywhere."""

    id: str
    owner: str
    config: TrainConfig
    resumed: bool  # continued from the shipped model rather than from scratch
    images: int  # training images actually used
    status: str
    started_at: float  # wall-clock time.time()
    elapsed: float  # seconds of training so far (frozen when training ends)
    epoch: int  # the epoch in progress or last finished, from 1; 0 before the first batch
    batch: int
    batches_per_epoch: int
    images_per_second: float
    stop_requested: bool
    stop_seconds: float | None  # from the stop request until training had stopped
    train_curve: tuple[tuple[float, float], ...]  # (epochs, smoothed batch loss), downsampled
    val_curve: tuple[tuple[int, float], ...]  # (epoch, validation loss)
    preview: np.ndarray | None  # reconstructions of the preview images after the last epoch
    result: TrainResult | None
    scores: metrics.Scores | None  # on the test images, once evaluated
    error: str | None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    @property
    def fraction_done(self) -> float:
        if not self.batches_per_epoch:
            return 0.0
        done = (self.epoch - 1) * self.batches_per_epoch + self.batch
        return min(1.0, done / (self.config.epochs * self.batches_per_epoch))

    @property
    def seconds_left(self) -> float | None:
        """Estimated from the pace so far (which includes validation); None until there is one."""
        if self.status != RUNNING or self.fraction_done <= 0:
            return None
        return self.elapsed * (1 - self.fraction_done) / self.fraction_done


# ---------------------------------------------------------------------------
# One training

class Run:
    """The state one training thread writes and any session reads, behind one lock."""

    def __init__(self, owner: str, config: TrainConfig, images: int, resumed: bool):
        self.id = uuid.uuid4().hex
        self.owner, self.config, self.images, self.resumed = owner, config, images, resumed
        self.started_at = time.time()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._status = RUNNING
        self._started = time.perf_counter()
        self._ended: float | None = None
        self._stop_requested_at: float | None = None
        self._latest: BatchEnd | None = None
        self._ema, self._batches_seen = 0.0, 0
        self._curve = _Curve()
        self._val_curve: list[tuple[int, float]] = []
        self._preview: np.ndarray | None = None
        self._result: TrainResult | None = None
        self._scores: metrics.Scores | None = None
        self._error: str | None = None
        # Set once, when the run has finished well; read-only afterwards.
        self.inference: Inference | None = None
        self.model_bytes: bytes | None = None
        self.test_bce: np.ndarray | None = None  # per test image, once evaluated

    # --- read by pages -----------------------------------------------------

    @property
    def active(self) -> bool:
        with self._lock:
            return self._status in ACTIVE

    def snapshot(self) -> Snapshot:
        with self._lock:
            latest = self._latest
            ended = self._ended if self._ended is not None else time.perf_counter()
            stop_seconds = None
            if self._stop_requested_at is not None and self._ended is not None:
                stop_seconds = max(0.0, self._ended - self._stop_requested_at)
            return Snapshot(
                id=self.id, owner=self.owner, config=self.config, resumed=self.resumed,
                images=self.images, status=self._status, started_at=self.started_at,
                elapsed=ended - self._started,
                epoch=latest.epoch if latest else 0,
                batch=latest.batch if latest else 0,
                batches_per_epoch=latest.batches_per_epoch if latest else 0,
                images_per_second=latest.images_per_second if latest else 0.0,
                stop_requested=self._stop.is_set(), stop_seconds=stop_seconds,
                train_curve=self._curve.points(CURVE_POINTS),
                val_curve=tuple(self._val_curve), preview=self._preview,
                result=self._result, scores=self._scores, error=self._error,
            )

    def request_stop(self) -> None:
        """Ask the training to stop after its current batch; the weights reached are kept."""
        with self._lock:
            if self._stop_requested_at is None:
                self._stop_requested_at = time.perf_counter()
            self._stop.set()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the thread to end; True if it has."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.active

    # --- written by the training thread ------------------------------------

    def _record(self, event: BatchEnd | EpochEnd) -> None:
        PAGE_RUNS.wait_for_quiet()
        with self._lock:
            if isinstance(event, BatchEnd):
                self._latest = event
                self._batches_seen += 1
                # Debiased like Adam's moments, so the curve starts at the first loss, not at 0.
                self._ema = EMA_DECAY * self._ema + (1 - EMA_DECAY) * event.loss
                self._curve.add(event.epoch - 1 + event.batch / event.batches_per_epoch,
                                self._ema / (1 - EMA_DECAY ** self._batches_seen))
            else:
                if event.val_loss is not None:
                    self._val_curve.append((event.epoch, event.val_loss))
                if event.preview is not None:
                    self._preview = event.preview[..., 0]

    def _training_ended(self, result: TrainResult) -> None:
        with self._lock:
            self._ended = time.perf_counter()
            self._result = result
            self._status = DIVERGED if result.diverged else EVALUATING

    def _finish(self, status: str, scores=None, error: str | None = None) -> None:
        with self._lock:
            if self._ended is None:
                self._ended = time.perf_counter()
            self._status, self._scores, self._error = status, scores, error

    def _work(self, train_function, start_from, x_train, x_val, preview_images, test_images):
        try:
            # Cloned here, off the script thread: the shared model is never trained in place.
            model = ae_model.clone(start_from) if start_from is not None else ae_model.build_autoencoder()
            result = train_function(model, x_train, x_val, self.config, on_event=self._record,
                                    stop=self._stop, preview_images=preview_images)
            self._training_ended(result)
            if result.diverged:
                return  # NaN weights: nothing worth evaluating, using or downloading
            self.inference = Inference(model)
            scores = None
            if test_images is not None:
                outputs = self.inference.reconstruct(test_images)
                self.test_bce = metrics.bce(test_images, outputs)
                scores = metrics.scores(test_images, outputs, image_bce=self.test_bce)
            self.model_bytes = keras_file_bytes(model)
            self._finish(STOPPED if result.stopped_early else FINISHED, scores=scores)
        except Exception as error:  # anything at all: the page shows it, the server lives on
            log.exception("Training run %s failed", self.id)
            self.inference = None
            self._finish(FAILED, error=f"{type(error).__name__}: {error}")


def keras_file_bytes(model: keras.Model) -> bytes:
    """The model as the bytes of a `.keras` file, for a download."""
    with tempfile.TemporaryDirectory() as folder:
        return save_atomic(model, Path(folder) / "autoencoder.keras").read_bytes()


class _Curve:
    """The smoothed training loss in bounded memory, however many batches a run has.

    Every `stride`-th batch is kept; when the kept points pass the budget, every
    other one is dropped and the stride doubles, so they stay evenly spaced. The
    newest point is always known, so the line ends where training is.
    """

    def __init__(self, budget: int = 4 * CURVE_POINTS):
        self.budget, self.stride, self.added = budget, 1, 0
        self.xs: list[float] = []
        self.ys: list[float] = []
        self.newest: tuple[float, float] | None = None

    def add(self, x: float, y: float) -> None:
        self.newest = (x, y)
        if self.added % self.stride == 0:
            self.xs.append(x)
            self.ys.append(y)
            if len(self.xs) > self.budget:
                del self.xs[1::2], self.ys[1::2]
                self.stride *= 2
        self.added += 1

    def points(self, count: int) -> tuple[tuple[float, float], ...]:
        xs, ys = self.xs, self.ys
        if self.newest is not None and xs[-1] != self.newest[0]:
            xs, ys = xs + [self.newest[0]], ys + [self.newest[1]]
        return _downsample(xs, ys, count)


def _downsample(xs: list[float], ys: list[float], points: int) -> tuple[tuple[float, float], ...]:
    """At most about `points` evenly spaced points, always ending with the newest."""
    if not xs:
        return ()
    step = max(1, math.ceil(len(xs) / points))
    pairs = list(zip(xs[::step], ys[::step]))
    if (len(xs) - 1) % step:
        pairs.append((xs[-1], ys[-1]))
    return tuple(pairs)


# ---------------------------------------------------------------------------
# All trainings of this server process

class Busy(Exception):
    """A start refused because the server's limit of trainings is running."""

    def __init__(self, running: list[Snapshot]):
        super().__init__(f"{len(running)} training(s) already running")
        self.running = running


class RunRegistry:
    """Every run of this process, findable by owner; running ones plus the last `keep` finished."""

    def __init__(self, keep: int = 16, train_function=train):
        self.keep = keep
        self._train_function = train_function  # replaceable in tests
        self._lock = threading.Lock()
        self._runs: list[Run] = []  # oldest first

    def start(self, owner: str, config: TrainConfig, x_train: np.ndarray,
              x_val: np.ndarray | None = None, *, start_from: keras.Model | None = None,
              preview_images: np.ndarray | None = None, test_images: np.ndarray | None = None,
              max_concurrent: int = 1) -> Run:
        """Start training a copy of `start_from` (or a fresh model) in a new thread.

        Raises ValueError (from `TrainConfig.check`) for impossible settings and
        `Busy` when `max_concurrent` trainings are already running.
        """
        config.check(len(x_train))
        with self._lock:
            running = [run for run in self._runs if run.active]
            if len(running) >= max_concurrent:
                raise Busy([run.snapshot() for run in running])
            run = Run(owner, config, config.images_used(len(x_train)), resumed=start_from is not None)
            run._thread = threading.Thread(
                target=run._work, name=f"training-{run.id[:8]}", daemon=True,
                args=(self._train_function, start_from, x_train, x_val, preview_images, test_images),
            )
            run._thread.start()
            self._runs.append(run)
            self._forget_old()
        return run

    def latest(self, owner: str) -> Run | None:
        """The owner's newest run, running or finished."""
        with self._lock:
            self._forget_old()
            return next((run for run in reversed(self._runs) if run.owner == owner), None)

    def running(self) -> list[Run]:
        with self._lock:
            return [run for run in self._runs if run.active]

    def _forget_old(self) -> None:
        # Called under the lock on start and lookup, so runs that ended since are counted.
        finished = [run for run in self._runs if not run.active]
        forgotten = set(map(id, finished[:max(0, len(finished) - self.keep)]))
        self._runs = [run for run in self._runs if id(run) not in forgotten]
