"""Autoencoder Lab's library: the tutorial's MNIST autoencoder, its data, training and metrics.

No Streamlit here: the command line (`python -m ae`), the web pages and the tests all use it.
"""

import os

# TensorFlow prints several lines of start-up notes to stderr; keep warnings and errors.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
