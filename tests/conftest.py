"""Shared pytest fixtures."""

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def shared_mnist_dir() -> Path:
    """The real MNIST IDX files: $MNIST_DIR if it is a folder, else ../shared/data/mnist.

    Skips the test when neither exists (e.g. on a machine without the shared data).
    """
    candidates = [Path(__file__).resolve().parents[2] / "shared/data/mnist"]
    if os.environ.get("MNIST_DIR"):
        candidates.insert(0, Path(os.environ["MNIST_DIR"]))
    for folder in candidates:
        if folder.is_dir():
            return folder
    pytest.skip("no real MNIST folder ($MNIST_DIR or ../shared/data/mnist)")
