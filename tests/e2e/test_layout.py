"""Layout in a real browser (issue 14): feedback where the eye is, nothing cut off, presenter slides.

One server for the module, one Chromium. For every page in both languages:
- at 1366×768: a control is changed (a bad value typed, or a slider / checkbox moved) and both
  the control and its result (or its message) are inside the viewport afterwards;
- at 1366×768 and 1280×720 (presenter mode): no code line, metric value, widget label, tab or
  page link has text wider than its box (`scrollWidth > clientWidth`), except boxes that scroll
  sideways by design (overflow auto/scroll, e.g. `model.summary()`);
- in presenter mode: chart text (plotly axes, titles, legends) and graph text at least 18 px,
  and the build page's step-through (code, explanation, graph) on one 720 px screen, stepped
  with the keyboard.
Screenshots of every page in both languages go to artifacts/screenshots/layout_*.png.
"""
from __future__ import annotations

import pytest

from tests.conftest import LANGS, PAGES
from tests.e2e.test_browser import ARGS, CHROMIUM, SHOTS, start_server, sync_api, wait_ready

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

STUDENT = {"width": 1366, "height": 768}
LECTURER = {"width": 1280, "height": 720}
MIN_PRESENTER_PX = 18

# Per page: how to change one control, and where its result shows.
#   ("bad", key, text): type a value the page must refuse -> an error message.
#   ("slider", key, None) / ("check", key, None): move it -> a result element.
#   ("step", key, None): click a number field's + button -> a message (a number field takes no text).
CONTROLS = {
    "home": ("slider", "home_hidden", None),
    "input_layer": ("bad", "input_layer_shape", "abc"),
    "dense_layer": ("bad", "dense_layer_name", "bad name!"),
    "outputs_tensor": ("step", "outputs_tensor_units", None),
    "model_container": ("bad", "model_container_name", "bad name!"),
    "build_and_train": ("bad", "build_and_train_units_0", "abc"),
    "compile_step": ("bad", "compile_step_lr", "fast"),
    "exam": None,
    "weight_freeze": ("check", "weight_freeze_freeze_dense1", None),
    "transfer_learning": ("slider", "transfer_learning_n", None),
    "fine_tuning": ("slider", "fine_tuning_k", None),
}
RESULTS = ('[data-testid="stAlert"], [data-testid="stPlotlyChart"], [data-testid="stGraphVizChart"], '
           '[data-testid="stMetric"], [data-testid="stCode"], [data-testid="stButton"], [data-testid="stProgress"]')

OVERFLOW_JS = """() => {
  const sel = ['[data-testid="stCode"] pre', '[data-testid="stMetricValue"]', '[data-testid="stMetricValue"] p',
    '[data-testid="stMetricLabel"] p', '[data-testid="stWidgetLabel"] p', '[data-testid="stPageLink-NavLink"]',
    'button[role="tab"] p', '[data-testid="stMarkdownContainer"] p', '[data-testid="stTable"]', '.kfl-steps',
    '[data-testid="stCheckbox"] label'];
  const bad = [];
  for (const el of document.querySelectorAll(sel.join(','))) {
    if (!el.offsetParent || el.clientWidth === 0) continue;            // hidden (a closed tab or expander)
    const bar = el.closest('[data-testid="stSidebar"]');
    if (bar && bar.getBoundingClientRect().width < 50) continue;       // the collapsed sidebar squeezes, unseen
    const cs = getComputedStyle(el);
    if (['auto', 'scroll'].includes(cs.overflowX)) continue;            // scrolls sideways by design
    if (el.scrollWidth > el.clientWidth + 1)
      bad.push(`${el.tagName}.${el.getAttribute('data-testid') || el.className} ${el.scrollWidth}>${el.clientWidth}: `
               + (el.innerText || '').slice(0, 60).replace(/\\n/g, ' '));
  }
  return bad;
}"""

FONT_JS = """() => {
  const small = [];
  for (const t of document.querySelectorAll('.js-plotly-plot .main-svg text')) {
    if (!t.textContent.trim() || !t.getBoundingClientRect().width) continue;
    const px = parseFloat(getComputedStyle(t).fontSize);
    if (px < %d - 0.5) small.push(`plotly ${px}px: ${t.textContent.slice(0, 30)}`);
  }
  // Graph text as drawn: its computed size in SVG user units (graphviz writes points; CSS may
  // override them) times the scale from user units to screen pixels (viewBox, CSS size, zoom).
  for (const svg of document.querySelectorAll('[data-testid="stGraphVizChart"] svg')) {
    if (!svg.getBoundingClientRect().width) continue;                   // in a closed tab or expander
    for (const t of svg.querySelectorAll('text')) {
      const m = t.getScreenCTM();
      if (!t.textContent.trim() || !m) continue;
      const px = parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b);
      if (px < %d - 0.5) small.push(`graph ${px.toFixed(1)}px: ${t.textContent.slice(0, 30)}`);
    }
  }
  return small;
}""" % (MIN_PRESENTER_PX, MIN_PRESENTER_PX)


@pytest.fixture(scope="module")
def server():
    proc, url = start_server()
    yield url
    proc.terminate()
    try:
        proc.wait(10)
    except Exception:  # noqa: BLE001
        proc.kill()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _open(browser, url: str, viewport: dict):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport=viewport)
    page.goto(url)
    wait_ready(page, timeout=240_000)
    return page


def _shot(page, name: str) -> None:
    """The viewport as the learner sees it, and the whole page (the main area scrolls, not the body)."""
    page.screenshot(path=str(SHOTS / f"layout_{name}_fold.png"))
    height = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": min(int(height) + 40, 12000)})
    page.wait_for_timeout(400)
    page.screenshot(path=str(SHOTS / f"layout_{name}.png"))
    page.set_viewport_size(size)
    page.wait_for_timeout(300)


def _in_view(page, locator) -> bool:
    box = locator.bounding_box()
    vh = page.viewport_size["height"]
    return box is not None and box["y"] >= -1 and box["y"] + min(box["height"], 80) <= vh + 1


def _url(server: str, name: str, lang: str, present: bool = False) -> str:
    path = "" if name == "home" else name
    return f"{server}/{path}?lang={lang}" + ("&present=1" if present else "")


OPEN_TAB_JS = """(el) => {
  if (el.getBoundingClientRect().width) return false;                 // already on screen
  const panel = el.closest('[data-testid="stTabPanel"]');
  const tabs = panel && panel.closest('[data-testid="stTabs"]');
  if (!tabs) return false;
  const own = (n) => n.closest('[data-testid="stTabs"]') === tabs;
  const panels = [...tabs.querySelectorAll('[data-testid="stTabPanel"]')].filter(own);
  const tab = [...tabs.querySelectorAll('[role="tab"]')].filter(own)[panels.indexOf(panel)];
  if (tab) tab.setAttribute('data-kfl-open', '1');                    // clicked by Playwright: a real click
  return !!tab;
}"""


def _change(page, kind: str, key: str, text: str | None):
    box = page.locator(f".st-key-{key}").first
    if box.evaluate(OPEN_TAB_JS):  # the control sits in a closed tab: open it, as the learner would
        page.locator("[data-kfl-open]").first.click()
        page.wait_for_timeout(600)
        wait_ready(page, timeout=240_000)
    box.evaluate("(el) => el.scrollIntoView({block: 'center'})")
    if kind == "bad":
        field = box.locator("input").first
        field.fill(text)
        field.press("Enter")
    elif kind == "step":
        box.locator('[data-testid="stNumberInputStepUp"]').first.click()
    elif kind == "slider":
        thumb = box.get_by_role("slider").first  # react-aria: an <input type=range>, no role attribute
        thumb.focus()
        thumb.press("ArrowLeft")
    else:
        box.locator("label").first.click()
    page.wait_for_timeout(600)
    wait_ready(page, timeout=240_000)
    return box


# Pages that do not yet pass this check, marked expected failures with the open issue's reason
# (none now: every page's control and its result share one screen).
OPEN_LAYOUT: set[str] = set()
LAYOUT_CASES = [pytest.param(n, marks=pytest.mark.xfail(reason="issue 14 open for this page", strict=False))
                if n in OPEN_LAYOUT else n for n in PAGES]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", LAYOUT_CASES)
def test_control_and_result_together_nothing_cut_off(browser, server, name, lang):
    page = _open(browser, _url(server, name, lang), STUDENT)
    try:
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.evaluate(OVERFLOW_JS) == []
        page.screenshot(path=str(SHOTS / f"layout_{name}_{lang}_fold.png"))
        control = CONTROLS.get(name)
        if control is None:
            _shot(page, f"{name}_{lang}")
            return
        kind, key, text = control
        box = _change(page, kind, key, text)
        page.screenshot(path=str(SHOTS / f"layout_{name}_{lang}_changed_fold.png"))
        assert _in_view(page, box), f"{key} left the screen after its own change: {box.bounding_box()}"
        if kind in ("bad", "step"):
            results = page.locator('[data-testid="stAlert"]')
        else:
            results = page.locator(RESULTS)
        shown = [i for i in range(results.count()) if _in_view(page, results.nth(i))]
        assert shown, f"{name}: no result or message of {key} on the same screen"
        assert page.evaluate(OVERFLOW_JS) == []
        _shot(page, f"{name}_{lang}")
    finally:
        page.close()


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", PAGES)
def test_presenter_mode_is_readable_and_whole(browser, server, name, lang):
    page = _open(browser, _url(server, name, lang, present=True), LECTURER)
    try:
        page.wait_for_function("getComputedStyle(document.documentElement).fontSize === '23px'", timeout=60_000)
        page.wait_for_timeout(600)
        _shot(page, f"{name}_{lang}_present")
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.evaluate(OVERFLOW_JS) == []
        small = page.evaluate(FONT_JS)
        # A page in tabs (the lecturer's sections): every tab is a slide, each measured when open;
        # tabs inside another tab (or a closed expander) are reached once their parent is open.
        tabs, seen = page.locator('[role="tab"]'), set()
        for _ in range(2):
            for i in range(tabs.count()):
                tab = tabs.nth(i)
                if i in seen or not tab.is_visible():
                    continue
                seen.add(i)
                if tab.get_attribute("aria-selected") == "true":
                    continue
                tab.click()
                page.wait_for_timeout(600)
                wait_ready(page, timeout=240_000)
                assert page.locator('[data-testid="stException"]').count() == 0
                assert page.evaluate(OVERFLOW_JS) == [], f"{name}/{lang}, tab {i}"
                small += [f"tab {i}: {s}" for s in page.evaluate(FONT_JS)]
        assert small == [], f"{name}/{lang}: text under {MIN_PRESENTER_PX}px in presenter mode: {small[:8]}"
        _slides(page, name, lang)
    finally:
        page.close()


# A section is a slide: from its tab bar to its end, at most this tall in presenter mode at 1280×720
# (two screens: one scroll at most; how many fit one screen is recorded in artifacts/section_heights.json).
SLIDE_MAX_PX = 2 * LECTURER["height"]
SLIDE_JS = """() => {
  const tabs = document.querySelector('[data-testid="stMain"] [data-testid="stTabs"]');
  const bar = tabs.querySelector('[role="tablist"]').getBoundingClientRect();
  const own = [...tabs.querySelectorAll('[data-testid="stTabPanel"]')].filter(p => p.closest('[data-testid="stTabs"]') === tabs);
  const open = own.find(p => p.getBoundingClientRect().height > 0);
  return open ? Math.round(open.getBoundingClientRect().bottom - bar.top) : 0;
}"""


def _slides(page, name: str, lang: str) -> None:
    """Every section of the page opened in turn (as a lecturer does with PageDown), measured."""
    import json

    n = len(page.evaluate(SECTION_TABS_JS))
    heights = []
    for i in range(n):
        tab = page.locator('[data-testid="stMain"] [data-testid="stTabs"]').first.locator('[role="tab"]').nth(i)
        if tab.get_attribute("aria-selected") != "true":
            tab.click()
            page.wait_for_timeout(600)
            wait_ready(page, timeout=240_000)
        heights.append(page.evaluate(SLIDE_JS))
    record = SHOTS.parent / "section_heights.json"
    data = json.loads(record.read_text()) if record.exists() else {}
    data[f"{name}/{lang}"] = heights
    record.write_text(json.dumps(data, indent=1, sort_keys=True))
    assert all(h <= SLIDE_MAX_PX for h in heights), f"{name}/{lang}: sections taller than two screens: {heights}"


@pytest.mark.parametrize("lang", LANGS)
def test_step_through_is_one_slide_and_keyboard_driven(browser, server, lang):
    page = _open(browser, _url(server, "build_and_train", lang, present=True) + "&build_and_train_section=step",
                 LECTURER)
    try:
        number = page.locator(".st-key-build_and_train_step input")
        before = int(number.input_value() or 0)
        page.locator("h1").first.click()  # focus on the page, not in a field
        for _ in range(2):
            page.keyboard.press("ArrowRight")
            page.wait_for_timeout(500)
            wait_ready(page)
        assert int(number.input_value()) == before + 2
        code = page.locator(".kfl-steps")
        code.scroll_into_view_if_needed()
        page.evaluate("() => document.querySelector('.kfl-steps').scrollIntoView({block: 'start'})")
        page.wait_for_timeout(300)
        top = code.bounding_box()["y"]
        graph = page.locator('[data-testid="stGraphVizChart"]').last
        note = page.locator(".kfl-line.cur")
        bottom = max(graph.bounding_box()["y"] + graph.bounding_box()["height"],
                     note.bounding_box()["y"] + note.bounding_box()["height"])
        _shot(page, f"step_through_{lang}_present")
        assert bottom - top <= LECTURER["height"], f"step-through spans {bottom - top:.0f}px"
        page.keyboard.press("ArrowLeft")
        page.wait_for_timeout(500)
        wait_ready(page)
        assert int(number.input_value()) == before + 1
    finally:
        page.close()


SECTION_TABS_JS = """() => {
  const tabs = document.querySelector('[data-testid="stMain"] [data-testid="stTabs"]');
  if (!tabs) return [];
  return [...tabs.querySelectorAll('[role="tab"]')].filter(t => t.closest('[data-testid="stTabs"]') === tabs)
    .map(t => t.getAttribute('aria-selected') === 'true');
}"""


@pytest.mark.parametrize("lang", LANGS)
def test_a_clicker_steps_through_the_sections(browser, server, lang):
    """Presenter mode: PageDown opens the next section, PageUp the one before (a clicker sends them)."""
    page = _open(browser, _url(server, "weight_freeze", lang, present=True), LECTURER)
    try:
        assert page.evaluate(SECTION_TABS_JS)[:2] == [True, False]
        page.locator("h1").first.click()  # focus on the page, not in a field
        page.keyboard.press("PageDown")
        page.wait_for_function(f"({SECTION_TABS_JS})()[1] === true", timeout=60_000)  # the rerun lands when it lands
        wait_ready(page)
        assert page.evaluate(SECTION_TABS_JS)[:3] == [False, True, False]
        page.wait_for_function("() => location.search.includes('weight_freeze_section=live')", timeout=30_000)
        page.keyboard.press("PageUp")
        page.wait_for_function(f"({SECTION_TABS_JS})()[0] === true", timeout=60_000)
        wait_ready(page)
        assert page.evaluate(SECTION_TABS_JS)[:2] == [True, False]
    finally:
        page.close()
