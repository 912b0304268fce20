"""The Architecture page: rendered by Streamlit's AppTest, its numbers checked against the model."""

import re
from pathlib import Path

import keras
import pytest
from streamlit.testing.v1 import AppTest

from ae import model as ae_model
from ui import resources
from ui.i18n import strings

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "architecture.py")


def render(language: str = "en") -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=60)
    app.session_state["language"] = language
    app.run()
    assert not app.exception, [error.message for error in app.exception]
    return app


def page_text(app: AppTest) -> str:
    return "\n".join(element.value for kind in (app.markdown, app.caption, app.latex)
                     for element in kind)


def table(app: AppTest, language: str = "en") -> dict[str, list]:
    texts = strings(language)
    frame = app.dataframe[0].value
    return {column: list(frame[texts[f"architecture.column_{column}"]])
            for column in ("layer", "type", "shape", "parameters", "arithmetic")}


@pytest.fixture
def without_shipped_model(monkeypatch, tmp_path):
    """The shipped model's path points at `tmp_path/autoencoder.keras`, which the test may fill."""
    monkeypatch.setattr(ae_model, "SHIPPED_MODEL", tmp_path / "autoencoder.keras")
    resources.shipped_inference.clear()  # forget a model loaded by an earlier test
    yield tmp_path / "autoencoder.keras"
    resources.shipped_inference.clear()  # and let later tests load the real one again


def model_shown(app: AppTest) -> keras.Model:
    """The model the page read: the shipped one, or a fresh one if it reported a fallback."""
    if app.info:
        return ae_model.build_autoencoder()
    return resources.shipped_inference().model


# --- The layer table ----------------------------------------------------------

def test_the_table_is_the_models_summary_with_4385_parameters():
    app = render()
    rows = ae_model.summary_rows(model_shown(app))
    shown = table(app)
    assert shown["layer"] == [name for name, *_ in rows]
    assert shown["type"] == [kind for _, kind, *_ in rows]
    assert shown["shape"] == [str((None, *shape)) for _, _, shape, _ in rows]
    assert shown["parameters"] == [count for *_, count in rows]
    assert sum(shown["parameters"]) == 4385
    assert "**Total parameters: 4,385**" in page_text(app)


def test_each_rows_arithmetic_gives_its_parameter_count():
    shown = table(render())
    for arithmetic, count in zip(shown["arithmetic"], shown["parameters"]):
        if arithmetic == "—":
            assert count == 0
        else:  # e.g. "3×3×1×16 + 16"
            assert re.fullmatch(r"[\d×+ ]+", arithmetic)
            assert eval(arithmetic.replace("×", "*")) == count


# --- The shape puzzle ---------------------------------------------------------

def test_the_puzzle_shows_7_to_4_and_16_to_14():
    text = page_text(render())
    assert r"\texttt{bottleneck}:\quad \left\lceil 7 / 2 \right\rceil = 4" in text
    assert r"\texttt{dec\_conv3}:\quad 16 - 3 + 1 = 14" in text
    assert "7 → 4" in text and "16 → 14" in text
    assert "**28 → 14 → 7 → 4 → 8 → 16 → 14 → 28**" in text
    assert "2 max-poolings, yet the decoder needs 3 upsamplings" in text


def unpadded_bottleneck(build=ae_model.build_autoencoder) -> keras.Model:
    """The app's model with one change: a 'valid' bottleneck, so 7 -> 3 and the output is 20x20."""
    config = build().get_config()
    for layer in config["layers"]:
        if layer["name"] == ae_model.BOTTLENECK:
            layer["config"]["padding"] = "valid"
    return keras.Model.from_config(config)


def test_the_page_follows_the_model_not_a_hard_coded_table(without_shipped_model, monkeypatch):
    monkeypatch.setattr(ae_model, "build_autoencoder", unpadded_bottleneck)
    app = render()
    shown = table(app)
    assert shown["shape"][ae_model.ENCODER_LAYERS.index(ae_model.BOTTLENECK) + 1] == "(None, 3, 3, 8)"
    assert shown["shape"][-1] == "(None, 20, 20, 1)"
    text = page_text(app)
    assert r"\left\lfloor (7 - 3) / 2 \right\rfloor + 1 = 3" in text
    assert r"\texttt{dec\_conv3}:\quad 12 - 3 + 1 = 10" in text
    assert "**28 → 14 → 7 → 3 → 6 → 12 → 10 → 20**" in text
    assert "16 - 3 + 1 = 14" not in text


# --- Languages and a missing model ----------------------------------------------

def test_korean():
    app = render("ko")
    texts = strings("ko")
    assert app.title[0].value == texts["architecture.title"]
    assert [header.value for header in app.header][0] == texts["architecture.table_header"]
    assert "**전체 파라미터: 4,385개**" in page_text(app)
    assert set(app.dataframe[0].value.columns) == {
        texts[f"architecture.column_{column}"]
        for column in ("layer", "type", "shape", "parameters", "arithmetic")}


@pytest.mark.parametrize("content", [None, b"not a keras file"], ids=["missing", "corrupt"])
def test_a_bad_model_file_still_renders_the_page_with_a_message(without_shipped_model, content):
    if content is not None:
        without_shipped_model.write_bytes(content)
    app = render()
    assert [info.value for info in app.info] == [strings("en")["architecture.fallback"]]
    assert sum(table(app)["parameters"]) == 4385
    assert not app.radio and not app.slider  # no digit to follow without trained weights
