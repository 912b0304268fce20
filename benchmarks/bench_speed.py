"""Speed of the project's paths beside the seed tutorial's own calls, measured in one run.

    python benchmarks/bench_speed.py [--data ../shared/data/mnist] [--skip-training]

Prints single-image latency (reconstruction + bottleneck) against the seed's
`model.predict` on one image, 10,000-image throughput against `predict`, and
seconds per training epoch on the training images against the seed's `fit`.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import keras  # noqa: E402
from keras import Sequential, layers  # noqa: E402

from ae import data  # noqa: E402
from ae import model as ae_model  # noqa: E402
from ae.inference import Inference  # noqa: E402
from ae.train import EpochEnd, TrainConfig, train  # noqa: E402


def seed_autoencoder():
    """The tutorial's model, written as the tutorial writes it."""
    autoencoder = Sequential()
    autoencoder.add(layers.Input(shape=(28, 28, 1)))
    autoencoder.add(layers.Conv2D(16, kernel_size=3, padding="same", activation="relu"))
    autoencoder.add(layers.MaxPooling2D(pool_size=2, padding="same"))
    autoencoder.add(layers.Conv2D(8, kernel_size=3, activation="relu", padding="same"))
    autoencoder.add(layers.MaxPooling2D(pool_size=2, padding="same"))
    autoencoder.add(layers.Conv2D(8, kernel_size=3, strides=2, padding="same", activation="relu"))
    autoencoder.add(layers.Conv2D(8, kernel_size=3, padding="same", activation="relu"))
    autoencoder.add(layers.UpSampling2D())
    autoencoder.add(layers.Conv2D(8, kernel_size=3, padding="same", activation="relu"))
    autoencoder.add(layers.UpSampling2D())
    autoencoder.add(layers.Conv2D(16, kernel_size=3, activation="relu"))
    autoencoder.add(layers.UpSampling2D())
    autoencoder.add(layers.Conv2D(1, kernel_size=3, padding="same", activation="sigmoid"))
    autoencoder.compile(optimizer="adam", loss="binary_crossentropy")
    return autoencoder


def latencies(call, repeats) -> list[float]:
    call()  # the first call traces or builds; steady state is what a user sees after warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return times


def percentile(values, q) -> float:
    return float(np.percentile(values, q))


def report(name, ours, seed, unit, better="lower"):
    ratio = seed / ours if better == "lower" else ours / seed
    print(f"{name:<44} ours {ours:>9.2f} {unit:<6} seed {seed:>9.2f} {unit:<6} -> {ratio:.1f}x")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="MNIST folder for the training figure (default: as ae finds it)")
    parser.add_argument("--repeats", type=int, default=300)
    parser.add_argument("--skip-training", action="store_true")
    args = parser.parse_args()

    test_images = data.to_float(data.load_test_split()[0])
    one = test_images[:1]
    seed = seed_autoencoder()
    ours = Inference(ae_model.load(ae_model.SHIPPED_MODEL))

    print("Single image, reconstruction and bottleneck (ms):")
    seed_times = latencies(lambda: seed.predict(one, verbose=0), args.repeats // 3)
    our_times = latencies(lambda: ours.explain(one[0]), args.repeats)
    for q in (50, 95):
        report(f"  p{q}", percentile(our_times, q) * 1e3, percentile(seed_times, q) * 1e3, "ms")

    print("Batch of 10,000 test images (images/s):")
    seed_seconds = min(latencies(lambda: seed.predict(test_images, batch_size=128, verbose=0), 3))
    our_seconds = min(latencies(lambda: ours.reconstruct(test_images), 3))
    report("  throughput", len(test_images) / our_seconds, len(test_images) / seed_seconds,
           "img/s", better="higher")

    if args.skip_training:
        return
    mnist = data.find_mnist(args.data)
    x_train = data.to_float(mnist.x_train)
    print(f"Training, batch 128, on {mnist.source} (s per epoch):")
    seed_epochs = epoch_times(lambda callback: seed.fit(
        x_train, x_train, epochs=2, batch_size=128, shuffle=True, verbose=0,
        callbacks=[keras.callbacks.LambdaCallback(on_epoch_end=lambda *_: callback())]))
    our_epochs = epoch_times(lambda callback: train(
        ae_model.build_autoencoder(), x_train, None, TrainConfig(epochs=2),
        on_event=lambda event: isinstance(event, EpochEnd) and callback()))
    report("  first epoch (with tracing)", our_epochs[0], seed_epochs[0], "s")
    report("  second epoch", our_epochs[1], seed_epochs[1], "s")


def epoch_times(run) -> list[float]:
    """Wall-clock seconds of each epoch of `run(callback)`, the first including set-up."""
    marks = [time.perf_counter()]
    run(lambda: marks.append(time.perf_counter()))
    return list(np.diff(marks))

if __name__ == "__main__":
    main()
