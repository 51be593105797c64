"""Real Chromium: a shared link to a changed graph opens the same graph on a freshly started server,
and screenshots of the page in both languages land in artifacts/screenshots/."""
from __future__ import annotations

from urllib.parse import urlencode

import pytest

from engine import graphs
from tests.e2e.browser import SHOTS, cold_server, require_chromium, wait_ready
from ui.text import translate

pytestmark = pytest.mark.slow
require_chromium()

P = "functional_graphs"
# The shared preset with a wider encoder: 64x48+48 + (96x16+16) + 17 parameters.
TEXT = graphs.PRESET_TEXT["shared"].replace("encoder=Dense(32,relu)", "encoder=Dense(48,relu)")
PARAMS = (64 * 48 + 48) + (96 * 16 + 16) + (16 + 1)


def _graph_svg_text(page) -> str:
    page.wait_for_selector('[data-testid="stGraphVizChart"] svg', timeout=60_000)
    return page.locator('[data-testid="stGraphVizChart"] svg').first.text_content()


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_shared_link_reopens_the_same_graph_on_a_cold_server(browser, lang):
    with cold_server() as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        query = urlencode({"lang": lang, f"{P}_preset": "shared", f"{P}_graph": TEXT})
        page.goto(f"{url}/{P}?{query}")
        wait_ready(page)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.locator("h1").first.inner_text().strip() == translate(lang, f"{P}.title")
        svg = _graph_svg_text(page)
        assert "(None, 48)" in svg and "(None, 96)" in svg  # the shapes of the linked graph, on its edges
        # The guess gate, then the count of the linked graph: both in the parameters section (a tab).
        page.get_by_role("tab", name=translate(lang, f"{P}.section_params"), exact=True).click()
        wait_ready(page)
        guess = page.get_by_test_id("stNumberInput").locator("input").first
        guess.fill(str(PARAMS))
        guess.press("Enter")
        page.wait_for_timeout(500)
        wait_ready(page)
        page.get_by_text(f"{PARAMS:,}").first.wait_for(timeout=60_000)
        # The graph text in the page is the link's (beside the graph, in the first section).
        page.get_by_role("tab", name=translate(lang, f"{P}.section_build"), exact=True).click()
        wait_ready(page)
        page.get_by_text(translate(lang, f"{P}.text_title")).click()
        field = page.get_by_role("textbox", name=translate(lang, f"{P}.text_label"), exact=True)
        assert field.input_value() == TEXT
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{P}_shared_link_{lang}.png"), full_page=True)
        page.close()


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_screenshot_two_outputs(browser, lang):
    with cold_server() as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{url}/{P}?lang={lang}&{P}_preset=two_outputs&{P}_section=train")  # the curves' section
        wait_ready(page)
        page.wait_for_selector('[data-testid="stPlotlyChart"]', timeout=120_000)
        wait_ready(page)
        assert page.locator('[data-testid="stException"]').count() == 0
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{P}_two_outputs_{lang}.png"), full_page=True)
        page.close()
