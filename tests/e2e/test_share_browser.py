"""Real browser: a link copied after changing the build page reopens the same model; presenter
mode on a projector-sized window; the .keras download is a model Keras loads."""
from __future__ import annotations

import re

from tests.e2e.browser import SHOTS, require_chromium, wait_ready
from ui.text import translate

require_chromium()

P = "build_and_train"


def _metric(page, lang="en") -> str:
    label = translate(lang, "common.total_params")
    box = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return box.locator('[data-testid="stMetricValue"]').inner_text().strip()


def test_a_copied_link_reopens_the_changed_model(browser, server):
    page = browser.new_page(viewport={"width": 1400, "height": 1400})
    page.goto(f"{server}/{P}?lang=en")
    wait_ready(page)
    assert _metric(page) == "233"
    field = page.get_by_label(translate("en", f"{P}.units_label", n=1))
    field.fill("32")
    field.press("Enter")
    wait_ready(page)
    page.get_by_role("tab", name=translate("en", f"{P}.section_step")).click()  # the walk-through's section
    wait_ready(page)
    for _ in range(2):
        page.get_by_role("button", name=translate("en", f"{P}.step_next")).click()
        wait_ready(page)
    page.wait_for_function("() => location.search.includes('units_0=32') && location.search.includes('step=2')",
                           timeout=30_000)
    assert _metric(page) == "665"  # 1×32+32 + 32×16+16 + 68 + 5
    link = page.url
    # The sidebar's copy box holds the same link.
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text(translate("en", "common.share_title")).click()
    assert re.search(r"build_and_train_units_0=32", sidebar.inner_text())

    other = browser.new_context(viewport={"width": 1400, "height": 1400}).new_page()  # someone else's browser
    other.goto(link)
    wait_ready(other)
    assert _metric(other) == "665"
    assert other.get_by_label(translate("en", f"{P}.units_label", n=1)).input_value() == "32"
    assert other.locator(".kfl-line.cur code").inner_text().startswith('x = Dense(32, activation="relu"')
    assert other.locator('[data-testid="stException"]').count() == 0
    SHOTS.mkdir(parents=True, exist_ok=True)
    other.screenshot(path=str(SHOTS / "shared_link_build_and_train.png"), full_page=True)
    other.close()
    page.close()


def test_presenter_mode_on_a_projector(browser, server):
    for lang in ("bn", "en"):
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(f"{server}/{P}?lang={lang}&present=1&build_and_train_units_0=32")
        wait_ready(page)
        # The presenter style arrives with the script run; on a cold, loaded server the run
        # that carries it can finish a moment after the first "not running" signal.
        page.wait_for_function("getComputedStyle(document.documentElement).fontSize === '23px'", timeout=60_000)
        controls = page.locator('[data-testid="stExpander"]').filter(has_text=translate(lang, f"{P}.controls"))
        assert controls.count() == 1 and controls.locator("details").get_attribute("open") is None
        assert _metric(page, lang) == "665"  # a shared link works in presenter mode too
        assert page.locator('[data-testid="stException"]').count() == 0
        page.screenshot(path=str(SHOTS / f"presenter_build_and_train_{lang}.png"))
        controls.locator("summary").click()  # the lecturer opens them when needed
        page.get_by_label(translate(lang, f"{P}.units_label", n=1)).wait_for(state="visible")
        page.close()


def test_the_keras_download_is_the_model_on_screen(browser, server, tmp_path):
    import keras

    page = browser.new_page(viewport={"width": 1400, "height": 1400}, accept_downloads=True)
    page.goto(f"{server}/{P}?lang=bn&build_and_train_units_0=32&build_and_train_epochs=20")
    wait_ready(page)
    # The downloads sit in the code section's "advanced" part, folded by default.
    page.get_by_role("tab", name=translate("bn", f"{P}.section_code")).click()
    wait_ready(page)
    page.get_by_text(translate("bn", f"{P}.advanced_exports")).first.click()
    with page.expect_download(timeout=120_000) as info:
        page.get_by_role("button", name=translate("bn", f"{P}.dl_model")).click()
    assert info.value.suggested_filename == "regression_model.keras"
    path = tmp_path / "regression_model.keras"
    info.value.save_as(path)
    model = keras.models.load_model(path)
    assert model.count_params() == 665 and model.layers[1].units == 32
    page.close()
