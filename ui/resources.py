"""What every session shares, loaded once per server process.

`st.cache_resource` keeps one copy for all sessions. A loader that raises is
not cached, so a fixed model file is picked up on the next rerun.
"""

from __future__ import annotations

import gc

import keras
import numpy as np
import streamlit as st

from ae import cores, data, metrics
from ae import model as ae_model
from ae.inference import Inference


@st.cache_resource(show_spinner=False)
def settle_tensorflow() -> None:
    """Keep Streamlit's after-run clean-ups off TensorFlow, once per process.

    After every script and fragment run Streamlit calls
    `keras.backend.clear_session()` (meant for scripts that build a model on
    each run) and collects all garbage. This app builds no model per run, and
    both land in the middle of a background training: clear_session resets
    Keras's per-thread state and TensorFlow's kernel cache under it, and each
    full collection over TensorFlow's ~400,000 objects holds the GIL for
    0.2-0.9 s (a training slowed six-fold with one page refreshing every second).
    Freezing those objects takes them out of later collections.

    It also gives each TensorFlow operation one thread and each core one
    operation (`ae.cores`), before the first operation runs.
    """
    cores.use_one_thread_per_op()
    keras.backend.clear_session = lambda free_memory=True: None
    gc.freeze()


@st.cache_resource(show_spinner=False)
def shipped_inference() -> Inference:
    """The shipped model, compiled for inference. Raises `ModelFileError` if it is missing or bad."""
    return Inference(ae_model.load(ae_model.SHIPPED_MODEL))


@st.cache_resource(show_spinner=False)
def test_split() -> tuple[np.ndarray, np.ndarray]:
    """The bundled 10,000 MNIST test images (uint8, 28x28) and labels."""
    return data.load_test_split()


@st.cache_resource(show_spinner=False)
def test_floats() -> np.ndarray:
    """The same 10,000 test digits as float32 (N, 28, 28) in [0, 1], one copy for every page."""
    return data.to_float(test_split()[0])[..., 0]


@st.cache_resource(show_spinner=False)
def shipped_test_bce() -> np.ndarray:
    """Each test digit's BCE under the shipped model: the reference for "how typical is this input".

    (A model trained on the Training page brings its own, from its evaluation.)
    """
    images = test_floats()
    return metrics.bce(images, shipped_inference().reconstruct(images))
