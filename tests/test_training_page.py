"""The Training page through Streamlit's AppTest: the form, the live run, Stop, the one-at-a-time rule, limits.

Runs are tiny (300 images) but long (50 epochs), so the test can watch them
grow and stop them; every test leaves no training running behind it.
"""

import time
from pathlib import Path

import pytest
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.testing.v1 import AppTest

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "training.py")
DEADLINE = 240  # seconds; the 2-core machine is shared and TensorFlow traces slowly under load


@pytest.fixture
def open_page():
    """Opens the page in a new session; afterwards stops whatever those sessions left training."""
    pages = []

    def open_one(**query_params) -> AppTest:
        page = AppTest.from_file(PAGE, default_timeout=60)
        page.query_params.update(query_params)
        page.run()
        assert not page.exception
        pages.append(page)
        return page

    yield open_one
    for page in pages:
        page.run()
        if any(button.key == "training_stop" for button in page.button):
            stop_and_wait(page)


def number_input(page: AppTest, label: str):
    return next(widget for widget in page.number_input if widget.label == label)


def submit(page: AppTest, epochs=50, images=300, batch_size=16) -> None:
    number_input(page, "Epochs").set_value(epochs)
    number_input(page, "Training images").set_value(images)
    next(s for s in page.select_slider if s.label == "Batch size").set_value(batch_size)
    next(b for b in page.button if b.label == "Start training").click()
    page.run()
    assert not page.exception


def rerun_until(page: AppTest, condition, what: str) -> None:
    """Rerun the page as the live fragment would, until `condition(page)` holds."""
    deadline = time.monotonic() + DEADLINE
    while not condition(page):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.3)
        page.run()
        assert not page.exception


def chart_points(page: AppTest) -> int:
    charts = [e for e in page.main if getattr(e, "type", None) == "vega_lite_chart"]
    if not charts:
        return 0
    return len(convert_arrow_bytes_to_pandas_df(charts[0].proto.datasets[0].data.data))


def progress_text(page: AppTest) -> str:
    bars = page.get("progress")
    return bars[0].proto.text if bars else ""


def stop_and_wait(page: AppTest) -> None:
    page.button(key="training_stop").click()
    page.run()
    rerun_until(page, lambda p: any("Stopped" in info.value for info in p.info), "the run to stop")


def test_a_tiny_run_draws_live_progress_stops_and_offers_its_model(open_page):
    page = open_page()
    assert "Choose the settings" in page.info[0].value
    submit(page)

    rerun_until(page, lambda p: chart_points(p) > 0, "the first chart")
    first_points, first_progress = chart_points(page), progress_text(page)
    rerun_until(page, lambda p: chart_points(p) > first_points and progress_text(p) != first_progress,
                "the chart and progress to grow")
    assert "images/s" in progress_text(page)
    stop_and_wait(page)

    assert [metric.label for metric in page.metric] == ["BCE", "BCE above the floor", "MSE", "PSNR"]
    assert page.get("download_button")[0].label == "Download the model (.keras)"
    next(b for b in page.button if b.label == "Use this model in the Explorer").click()
    page.run()
    assert page.session_state["trained_inference"] is not None
    assert len(page.session_state["trained_test_bce"]) == 10_000  # its percentile reference
    assert "300 images" in page.session_state["trained_label"]
    assert any("Explorer uses this model" in s.value for s in page.success)


def test_another_session_is_told_a_training_is_running_and_a_reload_finds_its_own(open_page):
    first = open_page()
    submit(first)
    rerun_until(first, lambda p: chart_points(p) > 0, "the first run's chart")

    second = open_page()
    busy = [info.value for info in second.info if "already running" in info.value]
    assert busy, "the second session should see that a training is running"
    assert "started" in busy[0] and "Stop" not in [b.label for b in second.button]
    submit(second)
    assert any("already running" in w.value for w in second.warning)

    # A reload of the first browser's tab (a new session, the same URL) finds its run again.
    reloaded = open_page(trainer=first.session_state["training_owner"])
    assert any(button.key == "training_stop" for button in reloaded.button)

    stop_and_wait(first)
    second.run()
    assert not any("already running" in info.value for info in second.info)


def test_impossible_settings_get_a_message_and_start_nothing(open_page):
    page = open_page()
    submit(page, epochs=1, images=10, batch_size=128)
    assert any("Batch size must be between 1 and the 10" in e.value for e in page.error)
    assert not page.get("progress")


def test_deployment_limits_from_the_environment_bound_the_widgets(open_page, monkeypatch):
    monkeypatch.setenv("AE_LAB_MAX_EPOCHS", "3")
    monkeypatch.setenv("AE_LAB_MAX_TRAIN_IMAGES", "500")
    monkeypatch.setenv("AE_LAB_MAX_CONCURRENT_TRAININGS", "not a number")  # ignored, default 1
    page = open_page()
    epochs, images = number_input(page, "Epochs"), number_input(page, "Training images")
    assert (epochs.max, epochs.value) == (3, 3)
    assert (images.max, images.value) == (500, 500)


def test_settings_fall_back_to_defaults_without_env_or_secrets(monkeypatch):
    from ui import settings

    for name in ("MAX_EPOCHS", "MAX_TRAIN_IMAGES", "MAX_CONCURRENT_TRAININGS"):
        monkeypatch.delenv(settings.ENV_PREFIX + name, raising=False)
    monkeypatch.setenv("AE_LAB_MAX_EPOCHS", "0")  # not a positive number: skipped
    assert settings.limits() == settings.Limits()




def test_submitted_settings_are_kept_for_the_next_visit(open_page):
    page = open_page()
    next(r for r in page.radio if r.label == "Learning rate schedule").set_value("cosine")
    submit(page, epochs=40, images=300, batch_size=16)
    stop_and_wait(page)
    assert page.session_state["training_last_settings"] == dict(
        epochs=40, batch_size=16, learning_rate=1e-3, loss="bce", schedule="cosine",
        train_images=300, seed=0, start_from="scratch",
    )


def test_the_form_opens_with_the_last_settings_of_the_session():
    # Another page in between would have dropped the widgets' own values; these stay.
    page = AppTest.from_file(PAGE, default_timeout=60)
    page.session_state["training_last_settings"] = dict(
        epochs=40, batch_size=16, learning_rate=3e-3, loss="mse", schedule="cosine",
        train_images=300, seed=7, start_from="shipped",
    )
    page.run()
    assert not page.exception
    assert [(n.label, n.value) for n in page.number_input] == [
        ("Epochs", 40), ("Training images", 300), ("Random seed", 7)]
    assert [s.value for s in page.select_slider] == [16, 3e-3]
    assert [r.value for r in page.radio] == ["mse", "cosine", "shipped"]
