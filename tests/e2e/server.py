"""Start the real app with `streamlit run` and wait until it is ready.

Shared by the browser tests (tests/e2e/conftest.py) and the workshop load
script (benchmarks/load_workshop.py), so both exercise the app exactly as
`streamlit run app.py` serves it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class StreamlitServer:
    """`python -m streamlit run app.py` on a free port, output going to `log_path`.

    Use as a context manager: entering returns once /_stcore/health answers
    "ok" (TensorFlow's import alone takes seconds, hence the generous timeout),
    leaving stops the server.
    """

    def __init__(self, log_path: Path, app: str = "app.py", ready_timeout: float = 90,
                 env: dict[str, str] | None = None):
        self.log_path = Path(log_path)
        self._env = {**os.environ, **(env or {})}
        self.port = free_port()
        self.url = f"http://localhost:{self.port}"
        self._command = [
            sys.executable, "-m", "streamlit", "run", app,
            "--server.headless", "true",
            "--server.port", str(self.port),
            "--server.fileWatcherType", "none",
            "--browser.gatherUsageStats", "false",
        ]
        self._ready_timeout = ready_timeout
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> StreamlitServer:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            self._command, cwd=REPO_ROOT, stdout=self._log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, env=self._env,
        )
        try:
            self._wait_until_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _wait_until_healthy(self) -> None:
        deadline = time.monotonic() + self._ready_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"streamlit exited with code {self.process.returncode}:\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as reply:
                    if reply.read().decode().strip() == "ok":
                        return
            except OSError:
                pass  # not listening yet
            time.sleep(0.25)
        raise TimeoutError(
            f"streamlit not healthy after {self._ready_timeout:.0f} s:\n{self.log_tail()}"
        )

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if not self._log.closed:
            self._log.close()

    def log_tail(self, lines: int = 60) -> str:
        """The end of the server's output, for failure messages."""
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])
