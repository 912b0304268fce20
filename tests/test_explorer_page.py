"""The Explorer page under Streamlit's AppTest: every source, bad input, a missing model, Korean.

The drawing canvas is replaced by a fake module whose st_canvas returns the
pixels a test chooses, as the real component does after a stroke.
"""

from __future__ import annotations

import io
import sys
import types
from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from PIL import Image, ImageDraw
from streamlit.testing.v1 import AppTest

from ae import model as ae_model
from ui import pictures

APP = str(Path(__file__).resolve().parents[1] / "app.py")  # the Explorer is its default page
SIDE = 280


# --- Fakes and inputs ----------------------------------------------------------

class FakeCanvas:
    """Stands in for streamlit_drawable_canvas: returns `image_data`, remembers each call."""

    def __init__(self):
        self.image_data = None
        self.calls = []

    def st_canvas(self, **kwargs):
        self.calls.append(kwargs)
        return types.SimpleNamespace(image_data=self.image_data)


@pytest.fixture
def canvas(monkeypatch):
    fake = FakeCanvas()
    module = types.ModuleType("streamlit_drawable_canvas")
    module.st_canvas = fake.st_canvas
    monkeypatch.setitem(sys.modules, "streamlit_drawable_canvas", module)
    return fake


@pytest.fixture
def drawn_maps(monkeypatch):
    """Every bottleneck picture the page draws, as (code, picture) pairs."""
    drawn = []
    real = pictures.value_maps

    def spy(maps, *args, **kwargs):
        picture = real(maps, *args, **kwargs)
        drawn.append((maps, picture))
        return picture

    monkeypatch.setattr(pictures, "value_maps", spy)
    return drawn


def stroke(shape="seven") -> np.ndarray:
    """A thick white stroke on a black RGBA canvas, as the canvas returns it."""
    image = Image.new("RGBA", (SIDE, SIDE), (0, 0, 0, 255))
    draw = ImageDraw.Draw(image)
    if shape == "seven":
        draw.line([(70, 60), (210, 60), (120, 230)], fill=(255, 255, 255, 255), width=20)
    else:  # a letter, nothing like a digit
        draw.line([(60, 230), (140, 50), (220, 230)], fill=(255, 255, 255, 255), width=20)
        draw.line([(95, 160), (185, 160)], fill=(255, 255, 255, 255), width=20)
    return np.asarray(image)


def png(image: Image.Image, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", **options)
    return buffer.getvalue()


def dark_digit_on_paper() -> Image.Image:
    """A "photo" of a handwritten 1: dark ink on light gray paper."""
    image = Image.new("L", (200, 260), 235)
    ImageDraw.Draw(image).line([(100, 30), (100, 230)], fill=30, width=18)
    return image


def palette_with_transparency() -> bytes:
    image = dark_digit_on_paper().convert("P")
    return png(image, transparency=235)


def sixteen_bit() -> bytes:
    values = np.asarray(dark_digit_on_paper(), np.uint16) * 257
    image = Image.fromarray(values)  # uint16: mode "I;16"
    assert image.mode == "I;16"
    return png(image)


# --- Running the page ----------------------------------------------------------

def run(**session) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60)
    for key, value in session.items():
        app.session_state[key] = value
    return app.run()


def assert_healthy(app: AppTest) -> None:
    assert not app.exception, [error.value for error in app.exception]


def captions(app: AppTest) -> list[str]:
    return [caption for image in app.image for caption in image.captions]


def choose_source(app: AppTest, source: str) -> AppTest:
    return app.segmented_control(key="explorer_source").set_value(source).run()


def button(app: AppTest, label: str):
    return next(widget for widget in app.button if widget.label == label)


# --- The default view and drawing ------------------------------------------------

def test_default_view_asks_for_a_drawing(canvas):
    app = run()
    assert_healthy(app)
    assert app.title[0].value.startswith("Explorer")
    assert [info.value for info in app.info] == [
        "Draw a digit in the black box: the model's answer appears here as soon as you lift the pen."
    ]
    assert not app.metric
    # the canvas as the brief wants it: white freehand on black, pixels back on every stroke
    call = canvas.calls[-1]
    assert (call["stroke_color"], call["background_color"], call["drawing_mode"]) == ("#FFFFFF", "#000000", "freedraw")
    assert call["return_image_data"] and call["update_streamlit"]


def test_an_all_black_canvas_is_still_a_prompt_not_a_digit(canvas):
    canvas.image_data = np.zeros((SIDE, SIDE, 4), np.uint8)
    app = run()
    assert_healthy(app)
    assert len(app.info) == 1 and not app.metric and not app.image


def test_a_drawing_goes_all_the_way_through(canvas, drawn_maps):
    canvas.image_data = stroke()
    app = run()
    assert_healthy(app)
    assert not app.info and not app.error
    shown = captions(app)
    assert "What the model sees (28×28)" in shown
    assert "Output: Shipped model" in shown
    assert "Error: output − input" in shown
    [(code, picture)] = drawn_maps
    assert code.shape == (4, 4, 8)  # eight 4x4 maps: the 128 numbers
    assert picture.shape == (2 * 96 + 6, 4 * 96 + 3 * 6, 3)
    assert [metric.label for metric in app.metric] == [
        "BCE", "MSE", "PSNR", "MNIST percentile"]
    bce = float(app.metric[0].value)
    assert 0 < bce < 10
    assert 0 <= float(app.metric[3].value) <= 100
    assert any("MNIST" in text.value for text in app.markdown[1:])  # the verdict


def test_switching_mnist_preprocessing_off_changes_what_the_model_sees(canvas, drawn_maps):
    canvas.image_data = stroke()
    app = run()
    centred = drawn_maps[-1][0]
    app.toggle(key="explorer_center").set_value(False).run()
    assert_healthy(app)
    assert not np.array_equal(drawn_maps[-1][0], centred)


def test_clear_gives_a_fresh_canvas(canvas):
    app = run()
    first_key = canvas.calls[-1]["key"]
    button(app, "Clear").click().run()
    assert_healthy(app)
    assert canvas.calls[-1]["key"] != first_key


def test_canvas_pixels_of_the_wrong_kind_are_an_error_not_a_crash(canvas):
    canvas.image_data = np.zeros((SIDE, SIDE, 3), np.float64)  # not RGBA bytes
    app = run()
    assert_healthy(app)
    assert len(app.error) == 1 and app.error[0].value.startswith("This picture can't be used.")


# --- MNIST samples ------------------------------------------------------------------

def sample_index_and_label(app: AppTest) -> tuple[int, int]:
    text = next(m.value for m in app.markdown if m.value.startswith("Test digit"))
    bold = text.split("**")[1::2]  # ["#1234", "3"]
    return int(bold[0].lstrip("#")), int(bold[1])


def test_the_label_filter_shows_only_that_digit(canvas):
    app = choose_source(run(), "sample")
    app.selectbox(key="explorer_label").set_value(3).run()
    assert_healthy(app)
    index, label = sample_index_and_label(app)
    assert label == 3
    from ui import resources
    assert resources.test_split()[1][index] == 3  # the label shown is the real one
    assert len(app.metric) == 4


def test_the_random_button_picks_another_digit(canvas):
    app = choose_source(run(), "sample")
    app.selectbox(key="explorer_label").set_value(3).run()
    before, _ = sample_index_and_label(app)
    button(app, "Random digit").click().run()
    assert_healthy(app)
    after, label = sample_index_and_label(app)
    assert after != before and label == 3


def test_five_new_digits_for_the_strip(canvas):
    app = choose_source(run(), "sample")
    strip = list(app.session_state["explorer_strip"])
    assert len(strip) == 5
    button(app, "Five new ones").click().run()
    assert_healthy(app)
    assert list(app.session_state["explorer_strip"]) != strip


# --- Uploads ----------------------------------------------------------------------

def upload(name: str, content: bytes) -> AppTest:
    app = choose_source(run(), "upload")
    return app.file_uploader(key="explorer_upload").upload(name, content, "image/png").run()


@pytest.mark.parametrize("content", [
    png(dark_digit_on_paper()),
    palette_with_transparency(),
    sixteen_bit(),
], ids=["dark-on-white", "palette-with-transparency", "16-bit"])
def test_good_uploads_are_explained(canvas, content):
    app = upload("digit.png", content)
    assert_healthy(app)
    assert not app.error
    assert len(app.metric) == 4


@pytest.mark.parametrize("content", [
    np.random.default_rng(0).bytes(5000),
    b"",
    png(dark_digit_on_paper())[:300],
    png(Image.new("1", (5000, 5000), 1)),  # 25 million pixels: too many to decode safely
], ids=["random-bytes", "empty", "truncated", "huge"])
def test_bad_uploads_show_an_error_and_nothing_else(canvas, content):
    app = upload("digit.png", content)
    assert_healthy(app)
    assert len(app.error) == 1
    assert app.error[0].value.startswith("This picture can't be used.")
    assert not app.metric


def jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG")
    return buffer.getvalue()


@pytest.mark.parametrize("content", [
    jpeg(dark_digit_on_paper().convert("CMYK")),
    png(dark_digit_on_paper().convert("LA")),
    png(dark_digit_on_paper().convert("1")),
    png(dark_digit_on_paper().convert("P")),
], ids=["cmyk-jpeg", "gray-alpha", "1-bit", "palette"])
def test_odd_colour_modes_are_explained_or_refused_politely(canvas, content):
    app = upload("digit.png", content)
    assert_healthy(app)
    explained, refused = len(app.metric) == 4, len(app.error) == 1
    assert explained != refused


def test_a_blank_page_asks_for_a_digit(canvas):
    app = upload("blank.png", png(Image.new("L", (100, 100), 240)))
    assert_healthy(app)
    assert not app.error and len(app.info) == 1 and not app.metric


# --- A missing model, a trained model, Korean -------------------------------------------

@pytest.fixture
def missing_model(monkeypatch, tmp_path):
    monkeypatch.setattr(ae_model, "SHIPPED_MODEL", tmp_path / "missing.keras")
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()  # the real model again for the next test


def test_a_missing_model_says_how_to_get_one(canvas, missing_model):
    canvas.image_data = stroke()
    app = run()
    assert_healthy(app)
    assert len(app.error) == 1 and "could not be loaded" in app.error[0].value
    assert "python -m ae train" in app.code[0].value
    assert [link.proto.page for link in app.get("page_link")] == ["training"]  # its URL path
    # what needs no model still works: the input is shown, and samples can be picked
    assert captions(app) == ["What the model sees (28×28)"]
    app = choose_source(app, "sample")
    assert_healthy(app)
    assert sample_index_and_label(app)


def test_a_model_trained_this_session_can_be_chosen_and_compared(canvas):
    from ui import resources
    canvas.image_data = stroke()
    trained = resources.Inference(ae_model.build_autoencoder())
    # An untrained model's reference: every test digit reconstructed about as badly.
    app = run(trained_inference=trained, trained_label="2 epochs",
              trained_test_bce=np.full(10_000, 0.69, np.float32))
    app.segmented_control(key="explorer_model").set_value("trained").run()
    assert_healthy(app)
    assert "Output: My trained model (2 epochs)" in captions(app)
    app.toggle(key="explorer_compare").set_value(True).run()
    assert_healthy(app)
    assert "Output: Shipped model" in captions(app)


def test_korean(canvas):
    app = run(language="ko")
    assert_healthy(app)
    assert app.title[0].value.startswith("탐색기")
