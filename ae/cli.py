"""The command line: `python -m ae train | evaluate | summary`.

Bad arguments and missing data give one clear line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from ae import cores, data
from ae import model as ae_model
from ae.train import LOSSES, SCHEDULES, BatchEnd, EpochEnd, TrainConfig, save_atomic, train


class UsageError(Exception):
    """A problem the user can fix by changing the command."""


# ---------------------------------------------------------------------------
# Commands

def command_train(args) -> int:
    mnist = data.find_mnist(args.data, allow_download=args.download)
    print(f"Data: {mnist.source}.", file=sys.stderr)
    model = _load(args.resume) if args.resume else ae_model.build_autoencoder()
    config = TrainConfig(
        epochs=args.epochs, batch_size=args.batch_size, learning_rate=args.learning_rate,
        schedule=args.schedule, loss=args.loss, train_images=args.train_images, seed=args.seed,
    )
    try:
        config.check(len(mnist.x_train))
    except ValueError as error:
        raise UsageError(error) from error

    # The first Ctrl-C stops after the current batch and still saves; a second one kills.
    stop = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: (stop.set(), signal.signal(signal.SIGINT, previous)))
    try:
        result = train(model, mnist.x_train, mnist.x_test, config,
                       on_event=_print_progress, stop=stop)
    finally:
        signal.signal(signal.SIGINT, previous)
    print(file=sys.stderr)
    if result.diverged:
        print("Training stopped: the loss became NaN or infinite. Try a lower learning rate; "
              "nothing was saved.", file=sys.stderr)
        return 1
    save_atomic(model, args.out)
    print(f"Saved {args.out} after {result.epochs_completed} full epochs"
          f"{' (stopped early)' if result.stopped_early else ''}.", file=sys.stderr)
    _print_scores(model, mnist.x_test)
    return 0


def command_evaluate(args) -> int:
    mnist = data.find_mnist(args.data) if args.data else None
    images = mnist.x_test if mnist else data.load_test_split()[0]
    _print_scores(_load(args.model), images)
    return 0


def command_summary(args) -> int:
    model = _load(args.model) if args.model else ae_model.build_autoencoder()
    rows = ae_model.summary_rows(model)
    print(f"{'Layer (type)':<30} {'Output shape':<16} {'Param #':>8}")
    for name, kind, shape, params in rows:
        print(f"{f'{name} ({kind})':<30} {str(shape):<16} {params:>8,}")
    print(f"Total params: {model.count_params():,}")
    return 0


# ---------------------------------------------------------------------------
# Output helpers

def _load(path):
    try:
        return ae_model.load(path)
    except ae_model.ModelFileError as error:
        raise UsageError(error) from error


def _print_progress(event: BatchEnd | EpochEnd) -> None:
    if isinstance(event, BatchEnd):
        if not sys.stderr.isatty():
            return  # a log file gets the epoch lines, not 469 redrawn bars an epoch
        done = event.batch / event.batches_per_epoch
        bar = "#" * int(done * 30)
        print(f"\repoch {event.epoch} [{bar:<30}] {event.batch}/{event.batches_per_epoch} "
              f"loss {event.loss:.4f} {event.images_per_second:,.0f} img/s",
              end="", file=sys.stderr, flush=True)
    else:
        val = f"val_loss {event.val_loss:.4f}" if event.val_loss is not None else "stopped"
        print(f"\repoch {event.epoch}/{event.epochs} loss {event.loss:.4f} {val} "
              f"{event.elapsed:.0f}s {event.images_per_second:,.0f} img/s" + " " * 30,
              file=sys.stderr)


def _print_scores(model, images) -> None:
    from ae import metrics
    from ae.inference import Inference  # TensorFlow; only commands that need it pay for it

    targets = data.to_float(images)[..., 0]
    scores = metrics.scores(targets, Inference(model).reconstruct(targets))
    print(f"Test images: {len(images):,}")
    print(f"BCE:        {scores.bce:.5f}")
    print(f"excess BCE: {scores.excess_bce:.5f}  (BCE above the {metrics.BCE_FLOOR} floor "
          "that grayscale targets impose)")
    print(f"MSE:        {scores.mse:.6f}")
    print(f"PSNR:       {scores.psnr:.3f} dB")


# ---------------------------------------------------------------------------
# Arguments

def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m ae", description=__doc__.splitlines()[0])
    commands = root.add_subparsers(dest="command", required=True)
    defaults = TrainConfig()

    train_ = commands.add_parser("train", help="train the autoencoder (the tutorial's defaults)")
    train_.add_argument("--epochs", type=int, default=defaults.epochs)
    train_.add_argument("--batch-size", type=int, default=defaults.batch_size)
    train_.add_argument("--learning-rate", type=float, default=defaults.learning_rate)
    train_.add_argument("--schedule", choices=SCHEDULES, default=defaults.schedule,
                        help="'cosine' decays the learning rate to 0 by the last batch")
    train_.add_argument("--loss", choices=LOSSES, default=defaults.loss)
    train_.add_argument("--train-images", type=int, default=None,
                        help="train on a random subset of this many images")
    train_.add_argument("--seed", type=int, default=defaults.seed)
    train_.add_argument("--data", help="MNIST folder of IDX files or mnist.npz "
                        "(default: $MNIST_DIR, Keras's cache, else the bundled test split)")
    train_.add_argument("--download", action="store_true",
                        help="let Keras download MNIST when nothing local is found")
    train_.add_argument("--resume", metavar="MODEL", help="start from this model's weights")
    train_.add_argument("--out", type=Path, default=Path("autoencoder.keras"),
                        help="where to save (default: %(default)s)")
    train_.set_defaults(run=command_train)

    evaluate = commands.add_parser("evaluate", help="test-set BCE, excess BCE, MSE and PSNR")
    evaluate.add_argument("--model", default=ae_model.SHIPPED_MODEL,
                          help="default: the shipped model")
    evaluate.add_argument("--data", help="MNIST folder or npz whose test split to use "
                          "(default: the bundled test split)")
    evaluate.set_defaults(run=command_evaluate)

    summary = commands.add_parser("summary", help="the tutorial's model summary table")
    summary.add_argument("--model", help="a saved model (default: a fresh one)")
    summary.set_defaults(run=command_summary)
    return root


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    cores.use_one_thread_per_op()
    try:
        return args.run(args)
    except (UsageError, data.DataError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
