"""The real-browser fixtures: one Chromium and one app server per test module (tests/e2e/browser.py)."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def browser():
    from tests.e2e.browser import chromium  # skips the test where Chromium is missing

    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def server():
    from tests.e2e.browser import start_server, stop_server

    proc, url = start_server()
    yield url
    stop_server(proc)
