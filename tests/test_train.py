"""Training: it learns, it stops when asked, it resumes, it notices divergence, it saves atomically."""

import threading
import zipfile

import keras
import numpy as np
import pytest

from ae import data
from ae import model as ae_model
from ae.inference import Inference
from ae.train import BatchEnd, EpochEnd, TrainConfig, save_atomic, train


@pytest.fixture(scope="module")
def digits():
    images = data.to_float(data.load_test_split()[0][:1200])
    return images[:1000], images[1000:]


def mean_bce(model, images):
    output = Inference(model).reconstruct(images)
    clipped = np.clip(output, 1e-7, 1 - 1e-7)
    return float(-np.mean(images * np.log(clipped) + (1 - images) * np.log(1 - clipped)))


def test_one_epoch_lowers_the_loss_and_reports_progress(digits):
    x_train, x_val = digits
    model = ae_model.build_autoencoder()
    before = mean_bce(model, x_val)
    events = []
    result = train(model, x_train, x_val, TrainConfig(epochs=1, batch_size=50, learning_rate=5e-3),
                   on_event=events.append, preview_images=x_val[:4])
    batches = [e for e in events if isinstance(e, BatchEnd)]
    epochs = [e for e in events if isinstance(e, EpochEnd)]
    assert [b.batch for b in batches] == list(range(1, 21))
    assert all(b.batches_per_epoch == 20 and b.images_per_second > 0 for b in batches)
    assert len(epochs) == 1 and epochs[0].val_loss is not None
    assert epochs[0].preview.shape == (4, 28, 28, 1)
    assert result.epochs_completed == 1 and not result.stopped_early and not result.diverged
    after = mean_bce(model, x_val)
    assert after < before - 0.05
    assert epochs[0].val_loss == pytest.approx(after, abs=1e-3)
    # The per-batch losses are each batch's own, so their mean is the epoch's mean.
    assert np.mean([b.loss for b in batches]) == pytest.approx(epochs[0].loss, rel=1e-3)


def test_a_subset_of_training_images(digits):
    x_train, _ = digits
    events = []
    train(ae_model.build_autoencoder(), x_train, None,
          TrainConfig(epochs=1, batch_size=32, train_images=100), on_event=events.append)
    assert [e.batches_per_epoch for e in events if isinstance(e, BatchEnd)] == [4] * 4


def test_stop_ends_within_one_batch_and_keeps_the_weights(digits):
    x_train, x_val = digits
    model = ae_model.build_autoencoder()
    initial = [w.copy() for w in model.get_weights()]
    stop = threading.Event()
    seen = []

    def on_event(event):
        seen.append(event)
        if isinstance(event, BatchEnd) and event.batch == 3:
            stop.set()

    result = train(model, x_train, x_val, TrainConfig(epochs=5, batch_size=50),
                   on_event=on_event, stop=stop)
    batches = [e for e in seen if isinstance(e, BatchEnd)]
    assert batches[-1].batch == 3  # the batch that was running when the flag was set
    assert result.stopped_early and result.epochs_completed == 0
    assert result.history[-1].val_loss is None  # validation skipped
    assert any(not np.array_equal(a, b) for a, b in zip(initial, model.get_weights()))


def test_resume_continues_from_existing_weights(digits, tmp_path):
    x_train, x_val = digits
    first = ae_model.build_autoencoder()
    train(first, x_train, None, TrainConfig(epochs=2, batch_size=50))
    trained_bce = mean_bce(first, x_val)
    path = save_atomic(first, tmp_path / "first.keras")

    resumed = ae_model.clone(ae_model.load(path))
    assert mean_bce(resumed, x_val) == pytest.approx(trained_bce, abs=1e-6)
    train(resumed, x_train, None, TrainConfig(epochs=1, batch_size=50, seed=1))
    assert mean_bce(resumed, x_val) < trained_bce
    assert mean_bce(first, x_val) == pytest.approx(trained_bce, abs=1e-6)  # the original is untouched


def test_nan_loss_stops_the_run_as_diverged(digits):
    x_train, _ = digits
    poisoned = x_train[:200].copy()
    poisoned[60:] = np.nan
    seen = []
    result = train(ae_model.build_autoencoder(), poisoned, None,
                   TrainConfig(epochs=3, batch_size=50), on_event=seen.append)
    assert result.diverged and result.epochs_completed == 0
    assert all(np.isfinite(e.loss) for e in seen if isinstance(e, BatchEnd))


@pytest.mark.parametrize("change, message", [
    (dict(epochs=0), "Epochs must be at least 1"),
    (dict(batch_size=5000), "Batch size must be between 1 and the 1,000"),
    (dict(learning_rate=50.0), "Learning rate 50 is outside"),
    (dict(loss="hinge"), "Loss must be one of bce, mse"),
    (dict(train_images=0), "Training images must be at least 1"),
    (dict(schedule="step"), "Schedule must be one of"),
])
def test_impossible_settings_are_refused_with_a_sentence(digits, change, message):
    with pytest.raises(ValueError, match=message):
        train(ae_model.build_autoencoder(), digits[0], None, TrainConfig(**change))


def test_saved_files_are_deflated(tmp_path):
    path = save_atomic(ae_model.build_autoencoder(), tmp_path / "model.keras")
    with zipfile.ZipFile(path) as saved:
        assert {entry.compress_type for entry in saved.infolist()} == {zipfile.ZIP_DEFLATED}
    assert path.stat().st_size < 60_000


def test_save_is_atomic_when_the_save_crashes(tmp_path, monkeypatch):
    model = ae_model.build_autoencoder()
    path = save_atomic(model, tmp_path / "model.keras")
    original = path.read_bytes()

    def crash_midway(self, filepath, *args, **kwargs):
        with open(filepath, "wb") as partial:
            partial.write(b"PK\x03\x04 half a zip")
        raise OSError("disk full")

    monkeypatch.setattr(keras.Model, "save", crash_midway)
    with pytest.raises(OSError, match="disk full"):
        save_atomic(model, path)
    assert path.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.keras"]  # no temporary left


def test_uint8_images_train_exactly_as_their_floats():
    raw = data.load_test_split()[0][:300]  # uint8 (N, 28, 28), as ae.data loads them
    losses = {}
    for kind, images in (("uint8", raw), ("float", data.to_float(raw))):
        keras.utils.set_random_seed(4)
        events = []
        train(ae_model.build_autoencoder(), images, images[:100],
              TrainConfig(epochs=1, batch_size=50, seed=4), on_event=events.append)
        losses[kind] = [e.loss for e in events if isinstance(e, BatchEnd)] + [events[-1].val_loss]
    np.testing.assert_allclose(losses["uint8"], losses["float"], rtol=1e-5)
