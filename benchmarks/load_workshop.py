"""A workshop's worth of people on one server: is the app still quick?

Starts `streamlit run app.py` and one more session that trains for the whole
workshop. Then --sessions browser sessions (Playwright contexts in one
Chromium) arrive over --ramp seconds and, once all are in, for --seconds keep
drawing on the canvas, picking random samples and switching pages, pausing
about --think seconds between actions as a person looking at the result would.

Prints the actions done, the errors (exceptions on a page, timeouts), and
three latencies. "Output updates": from an action to its updated output, as the
session sees it. "Server response": from a rerun request leaving the browser to
the server's script-finished message arriving, both timed by Chromium's network
layer (DevTools). "Page run (server)": each page or fragment run as the server
times it (the app's DEBUG log). They differ here because the browsers share
this machine's cores with the server: on a workshop's laptops only the server's
part would count. Also printed: the server's peak memory, how the CPU time
split between server and browsers, and the server's CPU by thread.

    python benchmarks/load_workshop.py --sessions 20 --seconds 60
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import psutil
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout
from playwright.async_api import async_playwright
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.e2e import driver  # noqa: E402
from tests.e2e.server import StreamlitServer  # noqa: E402

ACTION_TIMEOUT_MS = 30_000


# ---- what each session does ------------------------------------------------

class Tally:
    """Action timings and errors from every session."""

    def __init__(self, folder: Path):
        self.seconds: dict[str, list[float]] = {}
        self.errors: Counter[str] = Counter()
        self.folder = folder  # screenshots of the pages where an action failed

    def done(self, action: str, seconds: float) -> None:
        self.seconds.setdefault(action, []).append(seconds)


class ServerTimes:
    """Times each rerun of one page's session at the browser's network layer.

    A rerun request (BackMsg rerun_script) starts the clock; the server's
    script_finished message stops it, for every request it answers (a request
    sent during a run makes the server cut that run short and start again, so
    the final finish answers both). Timestamps are Chromium's own, taken as
    the frames cross the network layer, however late the page handles them.
    """

    def __init__(self, tally: Tally):
        self.tally = tally
        self.waiting: list[float] = []

    async def attach(self, page) -> None:
        devtools = await page.context.new_cdp_session(page)
        devtools.on("Network.webSocketFrameSent", self.sent)
        devtools.on("Network.webSocketFrameReceived", self.received)
        await devtools.send("Network.enable")

    def sent(self, event) -> None:
        message = _decode(event, BackMsg)
        if message is not None and message.WhichOneof("type") == "rerun_script":
            self.waiting.append(event["timestamp"])

    def received(self, event) -> None:
        message = _decode(event, ForwardMsg)
        if message is None or message.WhichOneof("type") != "script_finished":
            return
        if message.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN or not self.waiting:
            return
        for started in self.waiting:
            self.tally.done("server response", event["timestamp"] - started)
        self.waiting.clear()


def _decode(event, kind):
    frame = event["response"]
    if frame.get("opcode") != 2:  # Streamlit's messages are binary frames
        return None
    message = kind()
    try:
        message.ParseFromString(base64.b64decode(frame["payloadData"]))
    except Exception:  # a frame this script does not understand is not a rerun
        return None
    return message


async def draw(page) -> float:
    await driver.choose_source(page, "explorer.source_draw")
    box = await driver.canvas_box(page)
    stroke = [(x + random.uniform(-0.08, 0.08), y + random.uniform(-0.08, 0.08))
              for x, y in driver.SEVEN]
    before = await driver.image_sources(page)
    await driver.draw_stroke(page, box, stroke)
    return await driver.wait_for_new_images(page, before, ACTION_TIMEOUT_MS)


async def random_sample(page) -> float:
    await driver.choose_source(page, "explorer.source_sample")
    # The button exists only once the switch's own run has begun: wait for that run to end,
    # or its pictures would count as this click's.
    button = page.get_by_role("button", name=driver.label("explorer.random"))
    await button.wait_for(timeout=ACTION_TIMEOUT_MS)
    await driver.wait_for_idle(page, ACTION_TIMEOUT_MS)
    before = await driver.image_sources(page)
    start = time.perf_counter()
    await button.click()
    await driver.wait_for_new_images(page, before, ACTION_TIMEOUT_MS)
    return time.perf_counter() - start


async def switch_pages(page) -> float:
    """To another page and back to the Explorer: the time until it is usable again."""
    start = time.perf_counter()
    await driver.go_to(page, random.choice([1, 2]))
    await driver.go_to(page, 0)
    await driver.canvas_box(page)
    return time.perf_counter() - start


ACTIONS = {"draw": draw, "sample": random_sample, "switch_pages": switch_pages}


async def participant(browser, url: str, arrival: float, everyone_in: asyncio.Barrier,
                      seconds: float, think: float, tally: Tally) -> None:
    await asyncio.sleep(arrival)  # people come in over a while, not all in one instant
    page = await driver.new_page(browser)
    start = time.perf_counter()
    try:
        await driver.open_app(page, url)
        await driver.canvas_box(page)
        tally.done("open_app", time.perf_counter() - start)
    finally:
        await everyone_in.wait()  # a session that failed to arrive still counts, or all would wait
    await ServerTimes(tally).attach(page)
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        await asyncio.sleep(random.uniform(0.5, 1.5) * think)
        name = random.choice(list(ACTIONS))
        failure = None
        try:
            tally.done(name, await ACTIONS[name](page))
        except PlaywrightTimeout:
            failure = "timeout"
        except PlaywrightError as error:
            failure = str(error).splitlines()[0][:80]
        found = await driver.exceptions(page)
        if found:
            failure = "exception on page"
            print(f"exception after {name}: {found[0][:300]}", file=sys.stderr)
        if failure:
            tally.errors[f"{name}: {failure}"] += 1
            await page.screenshot(path=tally.folder / f"{name}-{sum(tally.errors.values())}.png")
            await driver.open_app(page, url)  # start afresh, as a person would reload
    await page.context.close()


async def trainer(browser, url: str, epochs: int, images: int):
    """One more session starts a training and stays to watch it; returns its page."""
    page = await driver.new_page(browser)
    await driver.open_app(page, url, "training")
    await driver.start_training(page, epochs=epochs, images=images)
    return page


async def training_progress(page) -> str:
    """The training's progress line (or its result) as the watching session sees it now."""
    texts = await page.locator("[data-testid='stProgress'], [data-testid='stAlert']").all_inner_texts()
    return " | ".join(text.strip() for text in texts) or "(nothing shown)"


# ---- measuring the server --------------------------------------------------

class MemorySampler(threading.Thread):
    """Peak resident memory of a process and its children, sampled every 0.2 s."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.peak_bytes = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.2):
            try:
                tree = [self.process, *self.process.children(recursive=True)]
                self.peak_bytes = max(self.peak_bytes, sum(p.memory_info().rss for p in tree))
            except psutil.NoSuchProcess:
                return


def cpu_seconds(processes) -> float:
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def log_page_runs(folder: Path) -> dict[str, str]:
    """Server environment that logs each page run's duration (ui.training_run.PageRuns).

    The app logs them at DEBUG; a sitecustomize module, which Python imports at
    start-up from the path, sends that logger to a file here.
    """
    (folder / "sitecustomize.py").write_text(
        "import logging\n"
        f"handler = logging.FileHandler({str(folder / 'page_runs.log')!r})\n"
        "handler.setFormatter(logging.Formatter('%(message)s at %(created).3f'))\n"
        "logger = logging.getLogger('ui.training_run')\n"
        "logger.setLevel(logging.DEBUG)\n"
        "logger.addHandler(handler)\n"
    )
    return {"PYTHONPATH": os.pathsep.join(filter(None, [str(folder), os.environ.get("PYTHONPATH")]))}


def page_run_seconds(folder: Path) -> list[float]:
    lines = (folder / "page_runs.log").read_text().splitlines()
    return [float(line.split()[2]) for line in lines if line.startswith("page run ")]


def thread_cpu(pid: int) -> list[tuple[str, float]]:
    """The server's CPU seconds by OS thread name, most first."""
    by_name: Counter[str] = Counter()
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            name = (task / "comm").read_text().strip()
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the thread ended meanwhile
        by_name[name] += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return by_name.most_common(8)


def client_processes(server_pid: int) -> list[psutil.Process]:
    """This script's other descendants: Playwright's driver and Chromium."""
    return [p for p in psutil.Process().children(recursive=True) if p.pid != server_pid]


# ---- the run ---------------------------------------------------------------

async def workshop(url: str, server_pid: int, args, folder: Path) -> tuple[Tally, float]:
    tally = Tally(folder)
    async with async_playwright() as playwright:
        browser = await driver.launch_chromium(playwright)
        for process in client_processes(server_pid):  # Chromium's later processes inherit it
            process.nice(args.browser_nice)
        training_page = await trainer(browser, url, args.train_epochs, args.train_images)
        server_cpu = cpu_seconds([psutil.Process(server_pid)])
        client_cpu = cpu_seconds(client_processes(server_pid))
        arrivals = [args.ramp * index / args.sessions for index in range(args.sessions)]
        everyone_in = asyncio.Barrier(args.sessions)
        ended = await asyncio.gather(
            *(participant(browser, url, arrival, everyone_in, args.seconds, args.think, tally)
              for arrival in arrivals),
            return_exceptions=True,
        )
        for crash in filter(None, ended):
            tally.errors[f"session gave up: {str(crash).splitlines()[0][:100]}"] += 1
        server_cpu = cpu_seconds([psutil.Process(server_pid)]) - server_cpu
        client_cpu = cpu_seconds(client_processes(server_pid)) - client_cpu
        if await driver.exceptions(training_page):
            tally.errors["training page: exception on page"] += 1
        if not await training_page.locator(driver.CHART).count():
            tally.errors["training page: no loss curve by the end"] += 1
        print(f"training at the end: {await training_progress(training_page)}")
        await browser.close()
    return tally, server_cpu / max(server_cpu + client_cpu, 1e-9)


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def report(tally: Tally, wall_seconds: float, peak_bytes: int, server_cpu_share: float) -> None:
    print(f"\n{wall_seconds:.0f} s of workshop")
    def row(name: str, seconds: list[float], note: str = "") -> None:
        print(f"{name:<20}{len(seconds):>7}{percentile(seconds, 50):>9.2f}"
              f"{percentile(seconds, 95):>9.2f}{note}")

    print(f"{'action':<20}{'count':>7}{'p50 s':>9}{'p95 s':>9}")
    for action, seconds in sorted(tally.seconds.items()):
        row(action, seconds)
    outputs = [s for action in ("draw", "sample") for s in tally.seconds.get(action, [])]
    if outputs:
        row("output updates", outputs, "   (draw + sample, in the browser)")
    errors = sum(tally.errors.values())
    print(f"errors: {errors}" + "".join(f"\n  {k}: {v}" for k, v in tally.errors.items() if v))
    print(f"server peak memory (RSS, with children): {peak_bytes / 2**20:.0f} MiB")
    print(f"CPU time: server {server_cpu_share:.0%}, browser {1 - server_cpu_share:.0%} "
          f"(on {psutil.cpu_count()} cores)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--ramp", type=float, default=40,
                        help="seconds over which the sessions arrive, before the --seconds start")
    parser.add_argument("--think", type=float, default=3,
                        help="mean seconds a session pauses between actions (0: back to back)")
    parser.add_argument("--browser-nice", type=int, default=19,
                        help="the browsers' CPU priority (nice): 19 lets the server go first, as if "
                             "the browsers ran on the participants' laptops; 0 makes them equals")
    parser.add_argument("--train-epochs", type=int, default=50,
                        help="the training session's epochs: enough to train the whole time")
    parser.add_argument("--train-images", type=int, default=8000,
                        help="the training session's images (8,000 is all the bundled ones)")
    args = parser.parse_args()

    log = Path(tempfile.mkdtemp(prefix="load_workshop_")) / "server.log"
    with StreamlitServer(log, env=log_page_runs(log.parent)) as server:
        sampler = MemorySampler(server.process.pid)
        sampler.start()
        start = time.perf_counter()
        tally, server_share = asyncio.run(
            workshop(server.url, server.process.pid, args, log.parent))
        wall = time.perf_counter() - start
        sampler.stop.set()
        threads = thread_cpu(server.process.pid)
    tally.seconds["page run (server)"] = page_run_seconds(log.parent)
    report(tally, wall, sampler.peak_bytes, server_share)
    print("server CPU by thread name (s):", ", ".join(f"{name} {seconds:.1f}" for name, seconds in threads))
    print(f"server log and screenshots of failed actions: {log.parent}")
    sys.exit(1 if sum(tally.errors.values()) else 0)


if __name__ == "__main__":
    main()
