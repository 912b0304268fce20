"""The model the app ships: it loads, and it reaches the test BCE its model card states."""

import re

import numpy as np
import pytest

from ae import data, metrics
from ae import model as ae_model
from ae.inference import Inference

MODEL_CARD = ae_model.SHIPPED_MODEL.parent / "MODEL_CARD.md"
SEED_BCE = 0.0826  # the tutorial's own code, 50 epochs, measured here: the bar to clear


def stated(name: str) -> float:
    """A figure from the model card's table, e.g. `| test BCE | 0.0791 |`."""
    match = re.search(rf"^\| {re.escape(name)} \| ([0-9.]+)", MODEL_CARD.read_text(), re.MULTILINE)
    assert match, f"{MODEL_CARD.name} states no '{name}'"
    return float(match.group(1))


@pytest.fixture(scope="module")
def test_scores():
    images = data.to_float(data.load_test_split()[0])[..., 0]
    inference = Inference(ae_model.load(ae_model.SHIPPED_MODEL))
    return metrics.scores(images, inference.reconstruct(images))


def test_shipped_model_reaches_its_stated_bce(test_scores):
    assert test_scores.bce == pytest.approx(stated("test BCE"), abs=5e-5)
    assert test_scores.bce <= SEED_BCE
    assert test_scores.mse == pytest.approx(stated("test MSE"), abs=5e-6)
    assert test_scores.psnr == pytest.approx(stated("test PSNR (dB)"), abs=0.01)


def test_shipped_model_is_small_and_the_seeds_architecture():
    assert ae_model.SHIPPED_MODEL.stat().st_size < 60_000  # tens of kB: it is committed
    model = ae_model.load(ae_model.SHIPPED_MODEL)
    assert model.count_params() == 4385
    assert np.isfinite(np.concatenate([w.ravel() for w in model.get_weights()])).all()
