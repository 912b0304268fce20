"""Fixtures for the browser tests: one app server and one Chromium for the whole run.

The helpers in driver.py are async (the load script needs many sessions in one
browser), so the tests run them on one event loop kept for the session.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.e2e.driver import CHROMIUM, launch_chromium, new_page
from tests.e2e.server import StreamlitServer


@pytest.fixture(scope="session")
def run():
    """`run(coroutine)`: run a coroutine on the session's event loop."""
    loop = asyncio.new_event_loop()
    yield loop.run_until_complete
    loop.close()


@pytest.fixture(scope="session")
def app_server(tmp_path_factory):
    """`streamlit run app.py` on a free port; its log is shown when a test fails."""
    with StreamlitServer(tmp_path_factory.mktemp("streamlit") / "server.log") as server:
        yield server


@pytest.fixture(scope="session")
def browser(run):
    async_api = pytest.importorskip("playwright.async_api", reason="playwright is not installed")
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    playwright = run(async_api.async_playwright().start())
    chromium = run(launch_chromium(playwright))
    yield chromium
    run(chromium.close())
    run(playwright.stop())


@pytest.fixture
def page(run, browser, app_server):
    """A new browser session (its own Streamlit session) on the app."""
    page = run(new_page(browser))
    yield page
    run(page.context.close())


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under a failed browser test: the end of the server's log and a screenshot of the page."""
    arguments = getattr(item, "funcargs", {})
    server, page = arguments.get("app_server"), arguments.get("page")
    if server and call.excinfo is not None:
        report = server.log_tail()
        if page is not None and not page.is_closed():
            screenshot = server.log_path.with_name(f"{item.name}.png")
            try:
                arguments["run"](page.screenshot(path=screenshot, full_page=True, timeout=10_000))
                report += f"\n\nscreenshot: {screenshot}"
            except Exception as error:  # diagnostics only: never hide the test's own failure
                report += f"\n\nno screenshot: {error}"
        item.add_report_section(call.when, "streamlit server log", report)
    yield
