"""Drive the app in Chromium like a person would, and know when it has answered.

Async Playwright, so one Chromium can host many sessions at once: the browser
tests and the workshop load script (benchmarks/load_workshop.py) share these.

Waiting follows Streamlit's own e2e suite: the root element carries the
connection and script state as attributes, so "the app is idle" is a selector,
not a sleep. Right after an action the rerun may not have started yet, so
actions that change the output wait for the output itself to change.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from ui.i18n import strings

CHROMIUM = Path(os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# Wide enough for Streamlit's "wide" layout to put columns side by side.
VIEWPORT = {"width": 1400, "height": 1000}

IDLE = (
    "[data-testid='stApp']"
    "[data-test-connection-state='CONNECTED']"
    "[data-test-script-state='notRunning']"
)
RUNNING = "[data-testid='stStatusWidget']"
EXCEPTION = "[data-testid='stException']"
IMAGE = "[data-testid='stImage'] img"
NAV_LINK = "[data-testid='stSidebarNavLink']"
CANVAS = "[data-testid^='stBidiComponent'] canvas.upper-canvas"
CANVAS_TOOLBAR = "[data-testid^='stBidiComponent'] .dc-toolbar"
STILL_FRAMES = 10  # a canvas that has not moved for this many frames has found its place
CHART = "[data-testid='stVegaLiteChart']"


def label(key: str) -> str:
    """The English text of a locale key, up to its first placeholder: finds widgets by what they say."""
    return strings("en")[key].split("{")[0].strip()


async def launch_chromium(playwright):
    return await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


async def new_page(browser):
    """A fresh session: its own context (cookies, Streamlit session), English UI."""
    context = await browser.new_context(viewport=VIEWPORT, locale="en-US")
    return await context.new_page()


async def wait_for_idle(page, timeout: float = 60_000) -> None:
    """Until the script has finished its run and the "running" widget is gone."""
    await page.locator(IDLE).wait_for(state="attached", timeout=timeout)
    await page.locator(RUNNING).wait_for(state="hidden", timeout=timeout)


async def open_app(page, url: str, path: str = "") -> None:
    # Generous: a cold server imports TensorFlow, and a crowded browser loads slowly.
    await page.goto(f"{url}/{path}", timeout=90_000)
    await page.locator("[data-testid='stAppViewContainer']").wait_for(timeout=60_000)
    await wait_for_idle(page)


async def go_to(page, nav_index: int) -> None:
    """Click the `nav_index`-th page in the sidebar navigation and wait for it to run."""
    link = page.locator(NAV_LINK).nth(nav_index)
    before = page.url
    await link.click()
    await page.wait_for_function("before => location.href !== before", arg=before)
    await wait_for_idle(page)


async def choose_source(page, source_key: str) -> None:
    """Pick the Explorer's digit source ("explorer.source_draw", ...) unless it is picked already."""
    option = page.locator("[data-testid='stMain'] [data-testid='stButtonGroup'] button",
                          has_text=label(source_key))
    if await option.get_attribute("aria-checked") != "true":
        await option.click()
        await option.and_(page.locator("[aria-checked='true']")).wait_for()
        await wait_for_idle(page)


async def start_training(page, epochs: int, images: int) -> None:
    """On the Training page: set the epochs and the number of training images, press Start."""
    for key, value in (("training.epochs", epochs), ("training.train_images", images)):
        field = page.get_by_label(label(key), exact=True)
        await field.fill(str(value))
        await field.press("Tab")  # a number input commits its value when it loses focus
    await page.get_by_role("button", name=label("training.start")).click()
    await wait_for_idle(page)


async def exceptions(page) -> list[str]:
    """Texts of the Python exceptions the page shows (none, in a healthy app)."""
    return await page.locator(EXCEPTION).all_inner_texts()


async def image_sources(page) -> list[str]:
    """The `src` of every st.image on the page: a new picture gets a new media URL."""
    return await page.locator(IMAGE).evaluate_all("images => images.map(i => i.src)")


async def wait_for_new_images(page, before: list[str], timeout: float = 30_000) -> float:
    """Wait until some picture differs from `before` and the run is over; seconds taken."""
    start = time.perf_counter()
    await page.wait_for_function(
        """({selector, before}) => {
            const now = [...document.querySelectorAll(selector)].map(image => image.src);
            return now.length > 0 && now.some(src => !before.includes(src));
        }""",
        arg={"selector": IMAGE, "before": before}, timeout=timeout,
    )
    await wait_for_idle(page, timeout)
    return time.perf_counter() - start


async def canvas_box(page) -> dict:
    """Bounding box of the drawing canvas, once it takes strokes.

    The canvas is a components-v2 element (its DOM sits in a shadow root, which
    Playwright's CSS selectors enter); fabric.js puts an "upper" <canvas> on
    top to take the pointer. A freshly mounted canvas reports itself to the
    server first; a stroke drawn before that rerun ends can be lost.
    """
    canvas = page.locator(CANVAS).first
    await canvas.wait_for(timeout=30_000)
    # Its toolbar appears once the component has mounted; in a CPU-starved browser a
    # stroke before that selected the page's text instead of drawing.
    await page.locator(CANVAS_TOOLBAR).first.wait_for(timeout=30_000)
    await wait_for_idle(page)
    # Where it stays: switching from a sample to drawing, the canvas first appears
    # below the sample's controls and moves up when they go, after the run has ended
    # (287 px, 40 ms later in a quick browser; seconds later in a starved one).
    box, still = await canvas.bounding_box(), 0
    for _ in range(300):
        await page.evaluate("() => new Promise(done => requestAnimationFrame(done))")
        now = await canvas.bounding_box()
        still = still + 1 if now == box else 0
        if still == STILL_FRAMES:
            return box
        box = now
    raise AssertionError(f"the canvas kept moving: last at {box}")


async def draw_stroke(page, box: dict, points: list[tuple[float, float]]) -> None:
    """Press, drag through `points` (fractions of the canvas) and release."""
    def absolute(point):
        return box["x"] + point[0] * box["width"], box["y"] + point[1] * box["height"]

    await page.mouse.move(*absolute(points[0]))
    await page.mouse.down()
    for point in points[1:]:
        await page.mouse.move(*absolute(point), steps=4)
    await page.mouse.up()


# A "7": across the top, then down and to the left.
SEVEN = [(0.25, 0.25), (0.5, 0.25), (0.75, 0.25), (0.62, 0.5), (0.5, 0.75), (0.45, 0.85)]
