"""Explorer: put one digit through the autoencoder and see every step.

The digit comes from one of three sources: drawn on a canvas, picked from
MNIST's test set, or uploaded. Whatever it is, the page shows what the model
receives, the 128 numbers of the bottleneck, the reconstruction, the error, and
how typical the digit is next to MNIST's 10,000 test digits. The canvas and its
results live in a fragment, so a stroke reruns only them, not the page.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from ae import metrics, preprocess
from ae import model as ae_model
from ae.inference import Inference
from ui import pictures, resources
from ui.entry import through_app
from ui.i18n import t
from ui.training_run import PAGE_RUNS

through_app()

SCALE = 5  # one model pixel as 5x5 screen pixels: 28 -> 140
CANVAS_SIDE = 280  # ten screen pixels a model pixel, so a 20 px pen draws MNIST-like 2 px strokes
PEN_WIDTH = 20
STRIP_SIZE = 5  # the tutorial's result figure: digits over their reconstructions
UPLOAD_TYPES = ["png", "jpg", "jpeg"]
TRAIN_COMMAND = "python -m ae train --data <folder> --out ae/assets/autoencoder.keras"
ERROR_COLORS = "RdBu_r"  # red: ink the model added, blue: ink it lost
CODE_COLORS = "viridis"


# --- Models: the shipped one, and one trained on the Training page ------------

def available_models() -> dict[str, Inference]:
    """The models this session can use, by kind; says so on the page when the shipped one is missing."""
    models = {}
    try:
        models["shipped"] = resources.shipped_inference()
        # The percentiles' reference, made now: behind the first digit of a busy room it
        # held every session's first digit for seconds (they wait for the same cache entry).
        resources.shipped_test_bce()
    except ae_model.ModelFileError as error:
        st.error(t("explorer.no_model", detail=error))
        st.page_link("pages/training.py", label=t("explorer.no_model_link"), icon=":material/show_chart:")
        st.code(TRAIN_COMMAND, language="bash")
    if st.session_state.get("trained_inference") is not None:
        models["trained"] = st.session_state["trained_inference"]
    return models


def model_name(kind: str) -> str:
    if kind == "trained":
        return t("explorer.trained_model", label=st.session_state.get("trained_label", ""))
    return t("explorer.shipped_model")


def choose_models(models: dict[str, Inference]) -> tuple[str | None, str | None]:
    """The kind of model to explain with, and of one to compare with (or None)."""
    if len(models) < 2:
        return next(iter(models), None), None
    names = {kind: model_name(kind) for kind in models}
    left, right = st.columns([2, 1], vertical_alignment="bottom")
    kind = left.segmented_control(t("explorer.model"), list(names), format_func=names.get,
                                  default="shipped", required=True, key="explorer_model")
    other = "trained" if kind == "shipped" else "shipped"
    compare = right.toggle(t("explorer.compare", other=names[other]), key="explorer_compare")
    return kind, other if compare else None


def reference_bce(kind: str) -> np.ndarray:
    """Each test digit's BCE under the model: the shipped one's is cached for everyone,
    a trained one's came with its run's evaluation."""
    return resources.shipped_test_bce() if kind == "shipped" else st.session_state["trained_test_bce"]


# --- One digit, all the way through --------------------------------------------

def model_input(make_ink, center: bool, empty_prompt: str) -> np.ndarray | None:
    """The 28x28 image the model receives, or None after a friendly message on the page."""
    try:
        return preprocess.mnist_like(make_ink(), center=center)
    except preprocess.EmptyImageError:
        st.info(empty_prompt)
    except preprocess.InputError as error:
        st.error(t("explorer.bad_image", detail=error))
    return None


def show_digit(image: np.ndarray, models: dict[str, Inference], kind: str | None,
               other: str | None) -> None:
    """Side by side: what the model sees, the bottleneck, the output and the error; then the scores."""
    if kind is None:  # no model: the input is all there is to show
        st.image(pictures.gray(image, SCALE), caption=t("explorer.model_sees"))
        st.caption(t("explorer.model_sees_help"))
        return
    inference = models[kind]
    explained = inference.explain(image)
    widths = [1, 2.6, 1, 1] + ([1] if other else [])
    seen, code, output, error, *compared = st.columns(widths)

    seen.image(pictures.gray(image, SCALE), caption=t("explorer.model_sees"))
    seen.caption(t("explorer.model_sees_help"))

    high = float(explained.code.max())
    maps = pictures.value_maps(explained.code, 0.0, high, CODE_COLORS)
    code.image(maps, caption=t("explorer.bottleneck"))
    code.image(pictures.colour_bar(0.0, high, CODE_COLORS, width=maps.shape[1]))
    code.caption(t("explorer.bottleneck_help"))

    output.image(pictures.gray(explained.output, SCALE), caption=t("explorer.output", model=model_name(kind)))
    output.caption(t("explorer.output_help"))

    difference = pictures.colorize(explained.output - image, -1, 1, ERROR_COLORS, SCALE)
    # A gray frame: where the model is right the map is white, like the page around it.
    error.image(np.pad(difference, ((1, 1), (1, 1), (0, 0)), constant_values=200), caption=t("explorer.error"))
    error.caption(t("explorer.error_help"))

    if other:
        other_output = models[other].reconstruct(image[None])[0]
        compared[0].image(pictures.gray(other_output, SCALE),
                          caption=t("explorer.output", model=model_name(other)))
        compared[0].caption(t("explorer.compare_bce", bce=float(metrics.bce(image, other_output))))

    show_scores(image, explained.output, reference_bce(kind))


def show_scores(image: np.ndarray, output: np.ndarray, test_bce: np.ndarray) -> None:
    """BCE, MSE, PSNR, and where this BCE falls among the test digits', in words."""
    bce = float(metrics.bce(image, output))
    percentile = metrics.percentile_of(bce, test_bce)
    columns = st.columns(4)
    columns[0].metric("BCE", f"{bce:.4f}", help=t("explorer.bce_help"))
    columns[1].metric("MSE", f"{float(metrics.mse(image, output)):.4f}", help=t("explorer.mse_help"))
    columns[2].metric("PSNR", f"{float(metrics.psnr(image, output)):.1f} dB", help=t("explorer.psnr_help"))
    columns[3].metric(t("explorer.percentile"), f"{percentile:.1f}",
                      help=t("explorer.percentile_help", count=f"{len(test_bce):,}"))
    st.markdown(verdict(percentile))


def verdict(percentile: float) -> str:
    """The percentile in plain words: how MNIST-like the model finds this digit."""
    if percentile > 99:
        return t("explorer.verdict_unlike", percentile=percentile)
    if percentile > 90:
        return t("explorer.verdict_unusual", percentile=percentile)
    if percentile > 50:
        return t("explorer.verdict_ordinary", percentile=percentile)
    return t("explorer.verdict_typical", percentile=percentile)


# --- Source: drawing -----------------------------------------------------------

def clear_canvas() -> None:
    # A canvas under a new key starts empty: the simplest reliable reset.
    st.session_state.explorer_canvas_generation = st.session_state.get("explorer_canvas_generation", 0) + 1


@st.fragment
@PAGE_RUNS.counted  # a stroke reruns only this fragment, without app.py
def drawing(models: dict[str, Inference], kind: str | None, other: str | None, center: bool) -> None:
    """The canvas and its results; a stroke reruns only this fragment."""
    from streamlit_drawable_canvas import st_canvas  # registers itself only inside a running server

    st.space("medium")  # room for the toolbar that floats above the canvas
    with st.container(horizontal=True):
        canvas = st_canvas(
            stroke_width=PEN_WIDTH, stroke_color="#FFFFFF", background_color="#000000",
            width=CANVAS_SIDE, height=CANVAS_SIDE, drawing_mode="freedraw",
            update_streamlit=True, return_image_data=True,
            key=f"canvas_{st.session_state.get('explorer_canvas_generation', 0)}",
        )
        with st.container(width=320):
            st.caption(t("explorer.draw_help"))
            st.button(t("explorer.clear"), on_click=clear_canvas, icon=":material/ink_eraser:")

    def ink():
        if canvas.image_data is None:  # nothing drawn since the canvas appeared
            raise preprocess.EmptyImageError("empty canvas")
        return preprocess.canvas_to_gray(canvas.image_data)

    image = model_input(ink, center, t("explorer.draw_prompt"))
    if image is not None:
        show_digit(image, models, kind, other)


# --- Source: MNIST's test digits -----------------------------------------------

def pick_sample() -> None:
    """A random test digit of the chosen label, never the one shown now."""
    labels = resources.test_split()[1]
    wanted = st.session_state.get("explorer_label")
    candidates = np.flatnonzero(labels == wanted) if wanted is not None else np.arange(len(labels))
    candidates = candidates[candidates != st.session_state.get("explorer_index")]
    st.session_state.explorer_index = int(np.random.default_rng().choice(candidates))


def new_strip() -> None:
    labels = resources.test_split()[1]
    st.session_state.explorer_strip = np.random.default_rng().choice(len(labels), STRIP_SIZE, replace=False)


def sample() -> np.ndarray:
    """The test digit picked, by label and at random, as the model's input."""
    images, labels = resources.test_split()
    if "explorer_index" not in st.session_state:
        pick_sample()
    label_column, button_column, info_column = st.columns([1, 1, 2], vertical_alignment="bottom")
    label_column.selectbox(
        t("explorer.label_filter"), [None, *range(10)], key="explorer_label", on_change=pick_sample,
        format_func=lambda label: t("explorer.any_label") if label is None else str(label),
    )
    button_column.button(t("explorer.random"), on_click=pick_sample, icon=":material/casino:")
    index = st.session_state.explorer_index
    info_column.markdown(t("explorer.sample_info", index=index, label=int(labels[index])))
    return images[index] / np.float32(255)


def strip(models: dict[str, Inference], kind: str | None) -> None:
    """Five random test digits over their reconstructions, like the tutorial's figure."""
    images = resources.test_split()[0]
    if "explorer_strip" not in st.session_state:
        new_strip()
    st.subheader(t("explorer.strip_header"))
    digits = images[st.session_state.explorer_strip] / np.float32(255)
    rows = [digits] + ([models[kind].reconstruct(digits)] if kind else [])
    st.image(pictures.digit_grid(rows, scale=3, gap=4))
    st.caption(t("explorer.strip_help") if kind else t("explorer.strip_help_no_model"))
    st.button(t("explorer.new_strip"), on_click=new_strip, icon=":material/shuffle:")


# --- Source: an uploaded photo or scan ---------------------------------------------

def upload(center: bool) -> np.ndarray | None:
    """The uploaded picture as the model's input, or None with a message on the page."""
    uploaded = st.file_uploader(t("explorer.upload"), type=UPLOAD_TYPES, key="explorer_upload",
                                help=t("explorer.upload_help"))
    if uploaded is None:
        st.info(t("explorer.upload_prompt"))
        return None
    return model_input(lambda: preprocess.decode_upload(uploaded.getvalue()), center,
                       t("explorer.upload_empty"))


# --- The page ------------------------------------------------------------------

st.title(t("explorer.title"))
st.markdown(t("explorer.intro"))

models = available_models()
kind, other = choose_models(models)

source_names = {"draw": t("explorer.source_draw"), "sample": t("explorer.source_sample"),
                "upload": t("explorer.source_upload")}
source_column, center_column = st.columns([2, 1], vertical_alignment="bottom")
source = source_column.segmented_control(t("explorer.source"), list(source_names), format_func=source_names.get,
                                         default="draw", required=True, key="explorer_source")
# MNIST's own digits are already normalised; the switch matters for drawings and uploads.
center = source == "sample" or center_column.toggle(t("explorer.center"), value=True, key="explorer_center",
                                                    help=t("explorer.center_help"))

if source == "draw":
    drawing(models, kind, other, center)
elif source == "sample":
    show_digit(sample(), models, kind, other)
    strip(models, kind)
else:
    image = upload(center)
    if image is not None:
        show_digit(image, models, kind, other)
