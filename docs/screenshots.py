"""Take the README's screenshots from the real app in Chromium.

    python docs/screenshots.py

Starts `streamlit run app.py`, draws a 7 on the Explorer, runs a short training,
opens the Architecture page, and writes one PNG per page into docs/.
"""

import asyncio
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.async_api import async_playwright  # noqa: E402

from tests.e2e import driver  # noqa: E402
from tests.e2e.server import StreamlitServer  # noqa: E402

DOCS = Path(__file__).resolve().parent
EXPLORER, TRAINING, ARCHITECTURE = range(3)  # positions in the sidebar navigation


async def main() -> None:
    log = Path(tempfile.gettempdir()) / "screenshots-streamlit.log"
    with StreamlitServer(log) as server:
        async with async_playwright() as playwright:
            browser = await driver.launch_chromium(playwright)
            page = await driver.new_page(browser)
            await driver.open_app(page, server.url)

            box = await driver.canvas_box(page)
            before = await driver.image_sources(page)
            await driver.draw_stroke(page, box, driver.SEVEN)
            await driver.wait_for_new_images(page, before)
            await page.screenshot(path=DOCS / "explorer.png", full_page=True)

            await driver.go_to(page, TRAINING)
            await driver.start_training(page, epochs=3, images=2000)
            await page.locator("[data-testid='stAlertContentSuccess']",
                               has_text=driver.label("training.finished")).wait_for(timeout=300_000)
            await driver.wait_for_idle(page)
            await page.screenshot(path=DOCS / "training.png", full_page=True)

            await driver.go_to(page, ARCHITECTURE)
            await page.screenshot(path=DOCS / "architecture.png", full_page=True)
            assert not await driver.exceptions(page), "the app showed an exception"
            await browser.close()


if __name__ == "__main__":
    asyncio.run(main())
