"""Training: the tutorial's `fit(epochs=50, batch_size=128)` as something a room can watch.

The settings sit in a form, so adjusting them reruns nothing heavy. A training
runs in a background thread (ui.training_run) that outlives clicks, page
switches and reloads; a fragment redraws its progress every second. When it
ends, its owner can score it on the test digits, use it in the Explorer and
download it. The shipped model file is never written.
"""

from __future__ import annotations

import dataclasses
import re
import time
import uuid

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from ae import data, metrics
from ae.model import ModelFileError
from ae.train import TrainConfig
from ui import pictures, resources, settings
from ui.training_run import DIVERGED, FAILED, RUNNING, STOPPED, Busy, Run, RunRegistry
from ui.entry import through_app
from ui.i18n import t

through_app()

REFRESH_SECONDS = 1.0
DEFAULT_EPOCHS = 5  # the tutorial's 50 take 4 minutes on an idle 2-core server, longer with a room
BATCH_SIZES = [8, 16, 32, 64, 128, 256, 512, 1024]
LEARNING_RATES = [1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0]
PREVIEW_DIGITS = range(8)  # the first test image of each of these digits
LAST_SETTINGS = "training_last_settings"  # in session state
OWNER_PARAMETER = "trainer"  # in the URL, so a reload finds this browser's run again


# --- Shared by every session, loaded once per server process ------------------

@st.cache_resource(show_spinner=False)
def registry() -> RunRegistry:
    return RunRegistry()


@st.cache_resource(show_spinner=False)
def training_data() -> data.Mnist:
    """MNIST as found on this server (never downloaded here); training reads its uint8 images."""
    return data.find_mnist()


@st.cache_resource(show_spinner=False)
def test_images() -> tuple[np.ndarray, np.ndarray]:
    """The 10,000 bundled test digits as floats (N, 28, 28), and the fixed preview digits."""
    floats, labels = resources.test_floats(), resources.test_split()[1]
    preview = floats[[int(np.argmax(labels == digit)) for digit in PREVIEW_DIGITS]][..., None]
    return floats, preview


# --- Whose run is it ----------------------------------------------------------

def session_owner() -> str:
    """A random id per browser session, kept in the URL so that a reload keeps it."""
    if "training_owner" not in st.session_state:
        from_url = st.query_params.get(OWNER_PARAMETER, "")
        valid = re.fullmatch(r"[0-9a-f]{32}", from_url)
        st.session_state.training_owner = from_url if valid else uuid.uuid4().hex
    owner = st.session_state.training_owner
    if st.query_params.get(OWNER_PARAMETER) != owner:
        st.query_params[OWNER_PARAMETER] = owner
    return owner


# --- Words for numbers ------------------------------------------------------

def duration(seconds: float) -> str:
    minutes, seconds = divmod(round(seconds), 60)
    if minutes:
        return t("training.minutes_seconds", minutes=minutes, seconds=seconds)
    return t("training.seconds", seconds=seconds)


def progress_text(snap) -> str:
    if snap.epoch == 0:
        return t("training.warming_up")
    text = t("training.progress", epoch=snap.epoch, epochs=snap.config.epochs, batch=snap.batch,
             batches=snap.batches_per_epoch, speed=f"{snap.images_per_second:,.0f}")
    if snap.seconds_left is not None:
        text += " · " + t("training.time_left", left=duration(snap.seconds_left))
    return text


def busy_message(snap, owner: str) -> str:
    if snap.owner == owner:
        return t("training.yours_running")
    return t("training.busy", ago=duration(time.time() - snap.started_at),
             started=time.strftime("%H:%M", time.localtime(snap.started_at)),
             epoch=max(snap.epoch, 1), epochs=snap.config.epochs,
             percent=f"{100 * snap.fraction_done:.0f}")


# --- The settings form --------------------------------------------------------

def settings_form(available: int, limits: settings.Limits) -> tuple[TrainConfig, bool] | None:
    """The chosen settings and whether to resume from the shipped model, once submitted.

    The form opens with this session's last submitted settings: widgets forget
    their values when another page is shown, and a form sends nothing until submitted.
    """
    most_images = min(available, limits.max_train_images)
    last = st.session_state.get(LAST_SETTINGS, {})
    with st.form("training_settings", enter_to_submit=False):  # Enter in a box must not start a run
        epochs = st.number_input(t("training.epochs"), min_value=1, max_value=limits.max_epochs,
                                 value=min(last.get("epochs", DEFAULT_EPOCHS), limits.max_epochs),
                                 help=t("training.epochs_help", most=limits.max_epochs))
        batch_size = st.select_slider(t("training.batch_size"), BATCH_SIZES,
                                      value=last.get("batch_size", 128),
                                      help=t("training.batch_size_help"))
        learning_rate = st.select_slider(t("training.learning_rate"), LEARNING_RATES,
                                         value=last.get("learning_rate", 1e-3),
                                         format_func="{:g}".format,
                                         help=t("training.learning_rate_help"))
        loss = choice(t("training.loss"), {"bce": t("training.loss_bce"), "mse": t("training.loss_mse")},
                      last.get("loss"))
        schedule = choice(t("training.schedule"), {"constant": t("training.schedule_constant"),
                                                   "cosine": t("training.schedule_cosine")},
                          last.get("schedule"))
        train_images = st.number_input(t("training.train_images"), min_value=1, max_value=most_images,
                                       value=min(last.get("train_images", most_images), most_images),
                                       step=1000, help=t("training.train_images_help", most=most_images))
        seed = st.number_input(t("training.seed"), min_value=0, max_value=2**31 - 1,
                               value=last.get("seed", 0), help=t("training.seed_help"))
        start_from = choice(t("training.start_from"), {"scratch": t("training.from_scratch"),
                                                       "shipped": t("training.from_shipped")},
                            last.get("start_from"))
        if not st.form_submit_button(t("training.start"), type="primary"):
            return None
    config = TrainConfig(epochs=int(epochs), batch_size=batch_size, learning_rate=learning_rate,
                         schedule=schedule, loss=loss, train_images=int(train_images),
                         seed=int(seed))
    st.session_state[LAST_SETTINGS] = {**dataclasses.asdict(config), "start_from": start_from}
    return config, start_from == "shipped"


def choice(label: str, options: dict[str, str], chosen: str | None) -> str:
    """A row of radio buttons over `options` (value: label), `chosen` or the first selected."""
    values = list(options)
    return st.radio(label, values, index=values.index(chosen) if chosen in options else 0,
                    horizontal=True, format_func=options.get)


def start_run(owner: str, config: TrainConfig, resume: bool, limits: settings.Limits) -> None:
    """Start a training, or say in the page why not."""
    mnist = training_data()
    test, preview = test_images()
    start_from = None
    if resume:
        try:
            start_from = resources.shipped_inference().model
        except ModelFileError as error:
            st.error(t("training.no_shipped", detail=error))
            return
    try:
        registry().start(owner, config, mnist.x_train, mnist.x_test, start_from=start_from,
                         preview_images=preview, test_images=test,
                         max_concurrent=limits.max_concurrent_trainings)
    except ValueError as error:  # TrainConfig.check: settings that cannot be trained
        st.error(t("training.invalid", reason=error))
    except Busy as busy:
        st.warning(busy_message(busy.running[0], owner))


# --- The run, live and afterwards ---------------------------------------------

def loss_chart(snap) -> alt.Chart:
    """Smoothed batch losses as a line, validation losses as dots on a line, on one chart."""
    train_label, val_label = t("training.curve_train"), t("training.curve_val")
    rows = [(x, y, train_label) for x, y in snap.train_curve]
    rows += [(float(x), y, val_label) for x, y in snap.val_curve]
    frame = pd.DataFrame(rows, columns=["epoch", "loss", "curve"])
    base = alt.Chart(frame).encode(
        x=alt.X("epoch:Q", title=t("training.axis_epoch")),
        y=alt.Y("loss:Q", title=t("training.axis_loss"), scale=alt.Scale(zero=False)),
        color=alt.Color("curve:N", title=None, sort=[train_label, val_label],
                        legend=alt.Legend(orient="bottom", labelLimit=400)),
    )
    dots = base.mark_point(filled=True, size=60).transform_filter(alt.datum.curve == val_label)
    return base.mark_line() + dots


def reconstructions(snap, preview_digits: np.ndarray) -> None:
    digits = preview_digits[..., 0]
    if snap.preview is None:
        st.image(pictures.digit_grid([digits], scale=2), caption=t("training.preview_waiting"))
    else:
        st.image(pictures.digit_grid([digits, snap.preview], scale=2),
                 caption=t("training.preview_caption", epoch=len(snap.val_curve) or snap.epoch))


def run_view(run: Run, mine: bool, was_active: bool) -> None:
    """Everything that changes while a run trains; redrawn by the fragment around it."""
    snap = run.snapshot()
    if was_active and not snap.active:
        st.rerun()  # a full rerun ends the timer and shows the results
    if not mine:
        st.info(busy_message(snap, owner=""))
    if snap.active:
        st.progress(snap.fraction_done, text=progress_text(snap)
                    if snap.status == RUNNING else t("training.evaluating"))
        if mine and snap.status == RUNNING:
            if snap.stop_requested:
                st.caption(t("training.stopping"))
            elif st.button(t("training.stop"), key="training_stop"):
                run.request_stop()
                st.caption(t("training.stopping"))
    if snap.train_curve:
        st.altair_chart(loss_chart(snap), width="stretch")
    reconstructions(snap, test_images()[1])


def run_outcome(run: Run) -> None:
    """How a run of this session ended, and what can be done with its model."""
    snap = run.snapshot()
    if snap.status == DIVERGED:
        st.error(t("training.diverged", rate=f"{snap.config.learning_rate:g}"))
        return
    if snap.status == FAILED:
        st.error(t("training.failed", error=snap.error))
        return
    done = snap.result.epochs_completed
    if snap.status == STOPPED:
        st.info(t("training.stopped", epochs=done, seconds=f"{snap.stop_seconds:.2f}"))
    else:
        st.success(t("training.finished", epochs=done, time=duration(snap.elapsed)))

    st.subheader(t("training.scores_header"))
    bce, excess, mse, psnr = st.columns(4)
    bce.metric(t("training.score_bce"), f"{snap.scores.bce:.4f}")
    excess.metric(t("training.score_excess"), f"{snap.scores.excess_bce:.4f}",
                  help=t("training.score_excess_help", floor=metrics.BCE_FLOOR))
    mse.metric(t("training.score_mse"), f"{snap.scores.mse:.4f}")
    psnr.metric(t("training.score_psnr"), f"{snap.scores.psnr:.1f} dB")

    use, download = st.columns(2)
    if st.session_state.get("trained_inference") is run.inference:
        use.success(t("training.in_use"))
    elif use.button(t("training.use"), type="primary"):
        st.session_state["trained_inference"] = run.inference
        st.session_state["trained_test_bce"] = run.test_bce  # the Explorer's percentile reference
        start = t("training.from_shipped") if snap.resumed else t("training.from_scratch")
        st.session_state["trained_label"] = t("training.trained_label", epochs=done,
                                              images=f"{snap.images:,}", start=start)
        st.rerun()
    download.download_button(t("training.download"), run.model_bytes, on_click="ignore",
                             file_name=f"autoencoder-{run.id[:8]}.keras",
                             mime="application/octet-stream")


# --- The page -------------------------------------------------------------------

st.title(t("training.title"))
st.markdown(t("training.intro"))

try:
    mnist = training_data()
except data.DataError as error:
    st.error(t("training.no_data", detail=error))
    st.stop()
counts = dict(train=f"{len(mnist.x_train):,}", val=f"{len(mnist.x_test):,}")
where = t("training.data_full", **counts) if mnist.full else t("training.data_fallback", **counts)
st.caption(where, help=mnist.source)

limits = settings.limits()
owner = session_owner()
settings_column, run_column = st.columns([1, 2], gap="large")
with settings_column:
    submitted = settings_form(len(mnist.x_train), limits)
    if submitted:
        start_run(owner, *submitted, limits)

mine = registry().latest(owner)
others = [run for run in registry().running() if run.owner != owner]
with run_column:
    if mine is not None and mine.active:
        st.fragment(run_every=REFRESH_SECONDS)(run_view)(mine, mine=True, was_active=True)
    elif mine is not None:
        if others:
            st.info(busy_message(others[0].snapshot(), owner))
        run_view(mine, mine=True, was_active=False)
        run_outcome(mine)
    elif others:  # someone else's training: the room can watch it too
        st.fragment(run_every=REFRESH_SECONDS)(run_view)(others[0], mine=False, was_active=True)
    else:
        st.info(t("training.nothing_yet"))
