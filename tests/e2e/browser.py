"""What every real-browser test shares: Debian's headless Chromium through Playwright, a fresh
`streamlit run` of the app, and waiting until a script run has settled.

The `browser` and `server` fixtures (tests/e2e/conftest.py) are built from these; a test that
needs a server of its own (a cold start, a link opened first) uses `cold_server()`.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
SHOTS = ROOT / "artifacts" / "screenshots"


def require_chromium():
    """Playwright's sync API; skips the caller (a test module, or a fixture) without Chromium.
    In CI a missing Chromium fails instead: `make test` installs it, so a skip would hide a gap."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is required in CI (make test installs it)", pytrace=False)
        pytest.skip("chromium not installed", allow_module_level=True)
    return pytest.importorskip("playwright.sync_api")


@contextlib.contextmanager
def chromium():
    """A headless Chromium, closed afterwards."""
    sync_api = require_chromium()
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server():
    """(process, url) of a fresh `streamlit run streamlit_app.py`, once it answers its health check."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.port", str(port),
         "--server.headless", "true", "--server.address", "127.0.0.1"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("streamlit did not start")


def stop_server(proc) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


@contextlib.contextmanager
def cold_server():
    """The url of a server started for this block alone, stopped after it."""
    proc, url = start_server()
    try:
        yield url
    finally:
        stop_server(proc)


def wait_ready(page, timeout=120_000):
    page.wait_for_selector(READY, timeout=timeout)
    page.wait_for_timeout(800)  # a rerun may start right after the first run settles
    page.wait_for_selector(READY, timeout=timeout)
