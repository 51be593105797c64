"""Real-browser end-to-end: `streamlit run` + Debian's headless Chromium driven by Playwright.

Screenshots land in artifacts/screenshots/ for a person to look at.
"""
from __future__ import annotations

import pytest

from tests.conftest import LANGS, PAGES
from tests.e2e.browser import (  # noqa: F401 (test_layout.py imports ARGS, CHROMIUM, start_server from here)
    ARGS,
    CHROMIUM,
    SHOTS,
    cold_server,
    require_chromium,
    start_server,
    wait_ready,
)
from ui.text import translate

sync_api = require_chromium()


def open_and_check(page, url, shot):
    page.goto(url)
    wait_ready(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / shot), full_page=True)
    assert page.locator('[data-testid="stException"]').count() == 0, f"exception box on {url}"
    return page


def test_deep_link_is_the_first_request_of_a_fresh_server(browser):
    """A shared link to a topic page must come up right on a cold server (no legacy MPA mode)."""
    with cold_server() as url:
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        open_and_check(page, f"{url}/compile_step?lang=en", "cold_compile_step_en.png")
        assert page.locator("h1").first.inner_text().strip() == translate("en", "compile_step.title")
        sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
        assert translate("en", "home.title") in sidebar and "streamlit app" not in sidebar.lower()
        page.close()


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
