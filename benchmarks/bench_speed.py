"""Speed of the project's paths beside the seed tutorial's own calls, measured in one run.

    python benchmarks/bench_speed.py [--data ../shared/data/mnist] [--skip-training]

Prints single-image latency (reconstruction + bottleneck) against the seed's
`model.predict` on one image, 10,000-image throughput against `predict`, and
seconds per training epoch on the training images against the seed's `fit`.

Each side runs in a process of its own, one after the other, because
TensorFlow's thread settings are per process and fixed at its first
operation: the seed's calls run with TensorFlow's defaults, as the tutorial
runs them; ours with the settings the app and the CLI use (`ae.cores`).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def seed_autoencoder():
    """The tutorial's model, written as the tutorial writes it."""
    from keras import Sequential, layers

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


# ---------------------------------------------------------------------------
# One side's measurements, in its own process; printed as JSON for the parent

def measure(side: str, args) -> dict:
    from ae import cores

    if side == "ours":
        cores.use_one_thread_per_op()
    import keras
    import numpy as np
    import tensorflow as tf

    from ae import data
    from ae import model as ae_model
    from ae.inference import Inference
    from ae.train import EpochEnd, TrainConfig, train

    figures = {"threads": f"{tf.config.threading.get_intra_op_parallelism_threads() or 'all'} per op, "
                          f"{tf.config.threading.get_inter_op_parallelism_threads() or 'all'} ops at once"}
    test_images = data.to_float(data.load_test_split()[0])
    one = test_images[:1]
    if side == "seed":
        seed = seed_autoencoder()
        single = lambda: seed.predict(one, verbose=0)  # noqa: E731
        batch = lambda: seed.predict(test_images, batch_size=128, verbose=0)  # noqa: E731
        repeats = args.repeats // 3  # predict is slow; a third of the calls gives stable percentiles
    else:
        ours = Inference(ae_model.load(ae_model.SHIPPED_MODEL))
        single = lambda: ours.explain(one[0])  # noqa: E731
        batch = lambda: ours.reconstruct(test_images)  # noqa: E731
        repeats = args.repeats
    times = latencies(single, repeats)
    figures["single_p50_ms"] = float(np.percentile(times, 50)) * 1e3
    figures["single_p95_ms"] = float(np.percentile(times, 95)) * 1e3
    figures["batch_images_per_s"] = len(test_images) / min(latencies(batch, 3))

    if not args.skip_training:
        mnist = data.find_mnist(args.data)
        marks = [time.perf_counter()]
        mark = lambda *_: marks.append(time.perf_counter())  # noqa: E731
        if side == "seed":
            x_train = data.to_float(mnist.x_train)
            seed.fit(x_train, x_train, epochs=args.epochs, batch_size=128, shuffle=True, verbose=0,
                     callbacks=[keras.callbacks.LambdaCallback(on_epoch_end=mark)])
        else:
            train(ae_model.build_autoencoder(), mnist.x_train, None, TrainConfig(epochs=args.epochs),
                  on_event=lambda event: isinstance(event, EpochEnd) and mark())
        epochs = np.diff(marks)
        figures["data"] = mnist.source
        figures["first_epoch_s"] = float(epochs[0])
        figures["steady_epoch_s"] = float(np.median(epochs[1:]))
        figures["later_epochs_s"] = [round(float(seconds), 2) for seconds in epochs[1:]]
    return figures


def latencies(call, repeats) -> list[float]:
    call()  # the first call traces or builds; steady state is what a user sees after warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return times


# ---------------------------------------------------------------------------
# The run: both sides, then the comparison

def report(name, ours, seed, unit, better="lower"):
    ratio = seed / ours if better == "lower" else ours / seed
    print(f"{name:<44} ours {ours:>9.2f} {unit:<6} seed {seed:>9.2f} {unit:<6} -> {ratio:.1f}x")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="MNIST folder for the training figure (default: as ae finds it)")
    parser.add_argument("--repeats", type=int, default=300)
    parser.add_argument("--epochs", type=int, default=4, help="epochs per side; the first is timed apart")
    parser.add_argument("--skip-training", action="store_true")
    parser.add_argument("--side", choices=("seed", "ours"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.epochs < 2:
        parser.error("--epochs must be at least 2: the first epoch includes tracing")
    if args.side:
        print(json.dumps(measure(args.side, args)))
        return

    sides = {}
    for side in ("seed", "ours"):
        command = [sys.executable, __file__, "--side", side, *sys.argv[1:]]
        finished = subprocess.run(command, capture_output=True, text=True)
        if finished.returncode:
            sys.exit(f"The {side} side failed:\n{finished.stderr[-3000:]}")
        sides[side] = json.loads(finished.stdout.strip().splitlines()[-1])
        print(f"{side}: TensorFlow threads {sides[side]['threads']}")
    seed, ours = sides["seed"], sides["ours"]

    print("Single image, reconstruction and bottleneck (ms):")
    for q in (50, 95):
        report(f"  p{q}", ours[f"single_p{q}_ms"], seed[f"single_p{q}_ms"], "ms")
    print("Batch of 10,000 test images (images/s):")
    report("  throughput", ours["batch_images_per_s"], seed["batch_images_per_s"], "img/s",
           better="higher")
    if not args.skip_training:
        print(f"Training, batch 128, on {ours['data']} (s per epoch):")
        report("  first epoch (with tracing)", ours["first_epoch_s"], seed["first_epoch_s"], "s")
        report(f"  later epochs, median of {args.epochs - 1}", ours["steady_epoch_s"],
               seed["steady_epoch_s"], "s")
        print(f"  later epochs: ours {ours['later_epochs_s']}, seed {seed['later_epochs_s']}")


if __name__ == "__main__":
    main()
