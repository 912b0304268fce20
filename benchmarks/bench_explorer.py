"""Server-side work for one drawn digit on the Explorer, step by step.

    python benchmarks/bench_explorer.py [--repeats 300]

Repeats what the page does after a stroke (decode the canvas PNG, make it look
like MNIST, run the model, draw the pictures, score it) on a real 280x280
drawing of a 7, and prints the median and p95 of each step and of the whole.
The goal is a whole under 5 ms.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from ae import data, metrics, preprocess  # noqa: E402
from ae import model as ae_model  # noqa: E402
from ae.inference import Inference  # noqa: E402
from ui import pictures  # noqa: E402


def drawn_seven() -> bytes:
    """The PNG the canvas sends: a white 7 on black, 280x280 RGBA."""
    canvas = Image.new("RGBA", (280, 280), (0, 0, 0, 255))
    ImageDraw.Draw(canvas).line([(70, 70), (210, 70), (170, 150), (125, 240)], fill="white", width=20)
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG")
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=300)
    args = parser.parse_args()

    inference = Inference(ae_model.load(ae_model.SHIPPED_MODEL))
    test_images = data.to_float(data.load_test_split()[0])[..., 0]
    test_bce = metrics.bce(test_images, inference.reconstruct(test_images))
    png = drawn_seven()

    steps = {
        "decode canvas PNG": lambda state: state.update(rgba=np.asarray(Image.open(io.BytesIO(png)))),
        "preprocess (MNIST recipe)": lambda state: state.update(
            image=preprocess.mnist_like(preprocess.canvas_to_gray(state["rgba"]))),
        "model (explain)": lambda state: state.update(explained=inference.explain(state["image"])),
        "pictures": lambda state: (
            pictures.gray(state["image"], 5),
            pictures.value_maps(state["explained"].code, 0.0, float(state["explained"].code.max())),
            pictures.gray(state["explained"].output, 5),
            pictures.colorize(state["explained"].output - state["image"], -1, 1, "RdBu_r", 5)),
        "scores and percentile": lambda state: metrics.percentile_of(
            float(metrics.bce(state["image"], state["explained"].output)), test_bce),
    }
    times = {name: [] for name in [*steps, "whole"]}
    for repeat in range(args.repeats + 1):
        state = {}
        whole = time.perf_counter()
        for name, step in steps.items():
            start = time.perf_counter()
            step(state)
            times[name].append(time.perf_counter() - start)
        times["whole"].append(time.perf_counter() - whole)
    for name, values in times.items():
        values = np.array(values[1:]) * 1e3  # the first round warms caches
        print(f"{name:<28} p50 {np.median(values):6.2f} ms   p95 {np.percentile(values, 95):6.2f} ms")


if __name__ == "__main__":
    main()
