"""The run state and registry shared between the training threads and the pages.

Tiny real trainings (a few hundred images, one epoch) through ae.train, plus
fake training functions where a real one cannot produce the case quickly.
"""

import threading
import time

import numpy as np
import pytest

from ae import data
from ae import model as ae_model
from ae.train import TrainConfig, TrainResult
from ui.training_run import (
    DIVERGED, FAILED, FINISHED, STOPPED, Busy, PageRuns, RunRegistry, _Curve,
)

JOIN_TIMEOUT = 120  # generous: the machine is shared and TensorFlow's first trace is slow


@pytest.fixture(scope="module")
def images():
    """400 training, 100 validation and 200 test images, float (N, 28, 28, 1)."""
    x = data.to_float(data.load_test_split()[0][:700])
    return x[:400], x[400:500], x[500:]


def tiny(**changes) -> TrainConfig:
    return TrainConfig(**{"epochs": 1, "batch_size": 50, **changes})


def wait_until(condition, timeout=JOIN_TIMEOUT):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


def test_a_run_trains_reports_progress_and_evaluates(images):
    x_train, x_val, x_test = images
    registry = RunRegistry()
    run = registry.start("alice", tiny(epochs=2), x_train, x_val,
                         preview_images=x_test[:8], test_images=x_test)
    curve_lengths = []
    while run.active:
        curve_lengths.append(len(run.snapshot().train_curve))
        time.sleep(0.05)
    assert run.join(JOIN_TIMEOUT)

    final = run.snapshot()
    assert final.status == FINISHED, final.error
    assert final.result.epochs_completed == 2 and not final.result.stopped_early
    assert final.images == 400 and final.batches_per_epoch == 8
    assert final.fraction_done == 1.0
    # The series grew while the page could watch it: 2 epochs x 8 batches, one point each.
    assert curve_lengths == sorted(curve_lengths) and curve_lengths[-1] > 0
    assert len(final.train_curve) == 16
    assert [epoch for epoch, _ in final.val_curve] == [1, 2]
    assert final.train_curve[-1][0] == pytest.approx(2.0)
    assert final.preview.shape == (8, 28, 28)
    # Evaluated on the test images, usable for inference, downloadable as a loadable file.
    assert final.scores.bce > 0 and np.isfinite(final.scores.psnr)
    assert run.test_bce.shape == (len(x_test),)  # the Explorer's percentile reference
    assert run.test_bce.mean() == pytest.approx(final.scores.bce)
    assert run.inference.reconstruct(x_test[:3, ..., 0]).shape == (3, 28, 28)
    assert run.model_bytes[:2] == b"PK"  # a .keras file is a zip archive


def test_stop_ends_training_soon_and_keeps_the_weights_reached(images):
    x_train, x_val, x_test = images
    registry = RunRegistry()
    run = registry.start("alice", tiny(epochs=50, batch_size=10), x_train, x_val,
                         test_images=x_test)
    wait_until(lambda: run.snapshot().batch >= 3)
    run.request_stop()
    assert run.join(JOIN_TIMEOUT), "the run did not end after a stop"

    stopped = run.snapshot()
    print(f"\nstop request to training stopped: {stopped.stop_seconds * 1000:.0f} ms")
    assert stopped.status == STOPPED and stopped.result.stopped_early
    assert stopped.stop_requested and stopped.epoch < 50
    assert stopped.scores is not None and run.inference is not None and run.model_bytes


def test_a_second_start_is_refused_with_the_first_runs_start_time(images):
    x_train, x_val, _ = images
    release = threading.Event()

    def training_until_released(model, x, x_v, config, on_event, stop, preview_images):
        release.wait(JOIN_TIMEOUT)
        return TrainResult(epochs_completed=config.epochs, stopped_early=False, diverged=False)

    registry = RunRegistry(train_function=training_until_released)
    first = registry.start("alice", tiny(), x_train)
    with pytest.raises(Busy) as refused:
        registry.start("bob", tiny(), x_train)
    assert [(s.owner, s.started_at) for s in refused.value.running] == [("alice", first.started_at)]

    # A server configured for two trainings lets a second one start.
    second = registry.start("bob", tiny(), x_train, max_concurrent=2)
    assert {run.id for run in registry.running()} == {first.id, second.id}
    release.set()
    assert first.join(JOIN_TIMEOUT) and second.join(JOIN_TIMEOUT)
    assert registry.running() == []


def test_finished_runs_are_found_by_owner_and_only_the_last_few_are_kept(images):
    x_train, _, _ = images

    def instant_training(model, x, x_v, config, on_event, stop, preview_images):
        return TrainResult(epochs_completed=config.epochs, stopped_early=False, diverged=False)

    registry = RunRegistry(keep=2, train_function=instant_training)
    runs = []
    for owner in ("alice", "bob", "carol"):
        runs.append(registry.start(owner, tiny(), x_train))
        assert runs[-1].join(JOIN_TIMEOUT)
    assert registry.latest("alice") is None  # the oldest finished run was forgotten
    assert registry.latest("bob") is runs[1] and registry.latest("carol") is runs[2]
    assert registry.latest("dave") is None

    newer = registry.start("carol", tiny(seed=1), x_train)
    newer.join(JOIN_TIMEOUT)
    assert registry.latest("carol") is newer


def test_a_nan_loss_stops_the_run_as_diverged(images):
    x_train, _, x_test = images
    poisoned = np.full_like(x_train, np.nan)  # every batch's loss is NaN
    run = RunRegistry().start("alice", tiny(), poisoned, test_images=x_test)
    assert run.join(JOIN_TIMEOUT)
    diverged = run.snapshot()
    assert diverged.status == DIVERGED and diverged.result.diverged
    assert run.inference is None and run.model_bytes is None and diverged.scores is None
    assert all(np.isfinite(loss) for _, loss in diverged.train_curve)


def test_an_error_in_the_training_thread_becomes_the_runs_error_text(images):
    x_train, _, _ = images

    def broken_training(*args, **kwargs):
        raise RuntimeError("out of disk")

    run = RunRegistry(train_function=broken_training).start("alice", tiny(), x_train)
    assert run.join(JOIN_TIMEOUT)
    failed = run.snapshot()
    assert failed.status == FAILED and failed.error == "RuntimeError: out of disk"
    assert run.inference is None


def test_impossible_settings_are_refused_before_any_thread_starts(images):
    x_train, _, _ = images
    registry = RunRegistry()
    with pytest.raises(ValueError, match="Batch size"):
        registry.start("alice", tiny(batch_size=1000), x_train)
    assert registry.latest("alice") is None and registry.running() == []


def test_resuming_from_the_shipped_model_leaves_its_file_and_weights_untouched(images):
    if not ae_model.SHIPPED_MODEL.is_file():
        pytest.skip("no shipped model file")
    x_train, x_val, _ = images
    before = ae_model.SHIPPED_MODEL.read_bytes()
    shipped = ae_model.load(ae_model.SHIPPED_MODEL)
    weights = [w.copy() for w in shipped.get_weights()]

    run = RunRegistry().start("alice", tiny(learning_rate=1e-2), x_train, x_val, start_from=shipped)
    assert run.join(JOIN_TIMEOUT)
    assert run.snapshot().status == FINISHED and run.snapshot().resumed
    assert ae_model.SHIPPED_MODEL.read_bytes() == before
    assert all(np.array_equal(a, b) for a, b in zip(weights, shipped.get_weights()))
    trained = run.inference.model.get_weights()
    assert not all(np.array_equal(a, b) for a, b in zip(weights, trained))


def test_the_training_curve_stays_small_and_even_however_long_the_run():
    curve = _Curve(budget=40)
    for batch in range(100_000):
        curve.add(float(batch), float(batch) * 2)
    assert len(curve.xs) <= 41  # the budget, not the 100,000 batches
    assert len(set(np.diff(curve.xs))) == 1  # evenly spaced
    points = curve.points(30)
    assert len(points) <= 31 and points[0] == (0.0, 0.0)
    assert points[-1] == (99_999.0, 199_998.0)  # ends at the newest batch


def test_training_waits_for_page_runs_but_never_longer_than_its_pause():
    page_runs = PageRuns(max_pause=5.0)
    start = time.perf_counter()
    page_runs.wait_for_quiet()
    assert time.perf_counter() - start < 0.5  # nothing running: no wait

    page_started, page_may_end = threading.Event(), threading.Event()

    def page():
        with page_runs.running():
            page_started.set()
            page_may_end.wait()

    threading.Thread(target=page).start()
    page_started.wait()
    threading.Timer(0.3, page_may_end.set).start()
    start = time.perf_counter()
    page_runs.wait_for_quiet()
    assert 0.25 < time.perf_counter() - start < 4  # until the page ended, not the 5 s cap

    capped = PageRuns(max_pause=0.2)
    with capped.running():  # a page that outlasts the cap
        start = time.perf_counter()
        capped.wait_for_quiet()
        assert 0.15 < time.perf_counter() - start < 2


def test_a_counted_fragment_is_a_page_run_even_when_it_raises():
    page_runs = PageRuns()
    seen = []

    @page_runs.counted
    def fragment(value):
        seen.append(page_runs._running)
        if value is None:
            raise RuntimeError("rerun")
        return value * 2

    assert fragment(4) == 8 and seen == [1]
    with pytest.raises(RuntimeError):
        fragment(None)
    assert page_runs._running == 0
