"""Real-browser end-to-end: `streamlit run` + Debian's headless Chromium driven by Playwright.

Screenshots land in artifacts/screenshots/ for a person to look at.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import LANGS, PAGES, ROOT
from ui.text import translate

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
SHOTS = ROOT / "artifacts" / "screenshots"

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        pytest.fail("chromium is required in CI (make test installs it)", pytrace=False)
    pytest.skip("chromium not installed", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server():
    port = _free_port()
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


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def server():
    proc, url = start_server()
    yield url
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def wait_ready(page, timeout=120_000):
    page.wait_for_selector(READY, timeout=timeout)
    page.wait_for_timeout(800)  # a rerun may start right after the first run settles
    page.wait_for_selector(READY, timeout=timeout)


def open_and_check(page, url, shot):
    page.goto(url)
    wait_ready(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / shot), full_page=True)
    assert page.locator('[data-testid="stException"]').count() == 0, f"exception box on {url}"
    return page


def test_deep_link_is_the_first_request_of_a_fresh_server(browser):
    """A shared link to a topic page must come up right on a cold server (no legacy MPA mode)."""
    proc, url = start_server()
    try:
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        open_and_check(page, f"{url}/compile_step?lang=en", "cold_compile_step_en.png")
        assert page.locator("h1").first.inner_text().strip() == translate("en", "compile_step.title")
        sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
        assert translate("en", "home.title") in sidebar and "streamlit app" not in sidebar.lower()
        page.close()
    finally:
        proc.terminate()


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", PAGES)
def test_every_page_in_a_real_browser(browser, server, name, lang):
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    path = "" if name == "home" else name
    open_and_check(page, f"{server}/{path}?lang={lang}", f"{name}_{lang}.png")
    assert page.locator("h1").first.inner_text().strip() == translate(lang, f"{name}.title")
    page.close()


def test_language_switch_updates_page_and_url(browser, server):
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    open_and_check(page, f"{server}/dense_layer?lang=bn", "switch_before.png")
    page.locator('[data-testid="stSidebar"]').get_by_text("English", exact=True).click()
    page.wait_for_function("() => location.search.includes('lang=en')", timeout=30_000)
    wait_ready(page)
    assert page.locator("h1").first.inner_text().strip() == translate("en", "dense_layer.title")
    # the choice survives a page change through the sidebar
    page.locator('[data-testid="stSidebarNav"]').get_by_text(translate("en", "model_container.title")).click()
    page.wait_for_url("**/model_container**", timeout=30_000)
    wait_ready(page)
    assert page.locator("h1").first.inner_text().strip() == translate("en", "model_container.title")
    assert "lang=en" in page.url
    page.screenshot(path=str(SHOTS / "switch_after.png"), full_page=True)
    page.close()
