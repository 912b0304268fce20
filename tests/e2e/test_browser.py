"""The app in real Chromium: what a workshop participant does, end to end.

These start `streamlit run app.py` and need the shipped model
(ae/assets/autoencoder.keras) and Chromium; see conftest.py.
"""

from __future__ import annotations

import io
import time

import numpy as np
import pytest
from PIL import Image

from ae.model import CODE_SHAPE
from tests.e2e import driver

pytestmark = pytest.mark.browser

PAGE_COUNT = 3  # Explorer, Training, Architecture


def captioned_image(page, caption_key: str):
    return page.locator("[data-testid='stImage']", has=page.locator(
        "[data-testid='stImageCaption']", has_text=driver.label(caption_key))).locator("img")


async def picture(image) -> np.ndarray:
    """The pixels an <img> shows, fetched from the server as the browser did."""
    response = await image.page.request.get(await image.get_attribute("src"))
    return np.asarray(Image.open(io.BytesIO(await response.body())).convert("RGB"))


def runs(mask: np.ndarray) -> int:
    """How many separate stretches of True a 1-D mask has."""
    return int(np.count_nonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])) == 1))


def count_tiles(rgb: np.ndarray) -> int:
    """Coloured tiles laid out on white: count them band by band (JPEG keeps the gaps near-white)."""
    coloured = rgb.min(axis=-1) < 200
    rows = coloured.any(axis=1)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], rows.astype(np.int8), [0]])))
    return sum(runs(coloured[top:bottom].any(axis=0)) for top, bottom in edges.reshape(-1, 2))


def test_drawing_shows_the_output_and_the_eight_bottleneck_maps(run, page, app_server, capsys):
    async def draw_twice():
        await driver.open_app(page, app_server.url)
        box = await driver.canvas_box(page)
        timings = []
        for stroke in (driver.SEVEN, [(0.35, 0.55), (0.5, 0.55), (0.65, 0.55)]):  # a 7, then its bar
            before = await driver.image_sources(page)
            await driver.draw_stroke(page, box, stroke)
            timings.append(await driver.wait_for_new_images(page, before))
        output = captioned_image(page, "explorer.output")
        bottleneck = captioned_image(page, "explorer.bottleneck")
        assert await output.count() == 1 and await bottleneck.count() == 1
        for image in (output, bottleneck):  # a new src is set before its pixels arrive
            await page.wait_for_function("image => image.complete && image.naturalWidth > 0",
                                         arg=await image.element_handle(), timeout=10_000)
        return timings, await picture(bottleneck), await driver.exceptions(page)

    timings, maps, errors = run(draw_twice())
    with capsys.disabled():
        print(f"\nExplorer, mouse-up to updated output: first stroke {timings[0]:.2f} s "
              f"(includes the first-use caches), second {timings[1]:.2f} s")
    assert errors == []
    assert count_tiles(maps) == CODE_SHAPE[-1]


def test_every_page_loads_from_the_sidebar_without_an_exception(run, page, app_server):
    async def visit_all():
        await driver.open_app(page, app_server.url)
        links = await page.locator(driver.NAV_LINK).count()
        assert links == PAGE_COUNT, await page.locator(driver.NAV_LINK).all_inner_texts()
        visited = {}
        for index in [1, 2, 0]:  # away from the default page and back to it
            await driver.go_to(page, index)
            visited[page.url] = await driver.exceptions(page)
            main_text = await page.locator("[data-testid='stMain']").inner_text()
            assert main_text.strip(), f"{page.url} shows nothing"
        return visited

    visited = run(visit_all())
    assert len(visited) == PAGE_COUNT, visited
    assert all(found == [] for found in visited.values()), visited


def test_a_tiny_training_draws_its_loss_curve_and_finishes(run, page, app_server, capsys):
    async def train():
        await driver.open_app(page, app_server.url)
        await driver.go_to(page, 1)
        started = time.perf_counter()
        await driver.start_training(page, epochs=1, images=300)
        await page.locator(driver.CHART).wait_for(timeout=90_000)
        chart_seconds = time.perf_counter() - started
        finished = page.locator("[data-testid='stAlertContentSuccess']",
                                has_text=driver.label("training.finished"))
        await finished.wait_for(timeout=90_000)
        return chart_seconds, time.perf_counter() - started, await driver.exceptions(page)

    chart_seconds, total_seconds, errors = run(train())
    with capsys.disabled():
        print(f"\nTraining 300 images x 1 epoch: chart after {chart_seconds:.1f} s, "
              f"finished and scored after {total_seconds:.1f} s")
    assert errors == []
