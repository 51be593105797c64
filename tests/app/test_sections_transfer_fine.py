"""Transfer learning and fine-tuning as sections (issue 14): the tabs carry the content's labels in
both languages, a link opens a section, and fine-tuning trains its run only while its section is open."""
import pytest

from tests.conftest import open_page
from ui.text import translate

PAGES = {
    "transfer_learning": ("base", "steps", "compare", "numbers", "benefits", "vgg", "arch", "summary"),
    "fine_tuning": ("idea", "depth", "run", "race", "race_numbers", "summary"),
}
FAST = {"transfer_learning": {"transfer_learning_epochs": "5"}, "fine_tuning": {"fine_tuning_epochs": "5"}}


def _open_tab(at, page) -> str:
    return at.session_state[f"{page}_section_tab"]


@pytest.mark.parametrize("lang", ["bn", "en"])
@pytest.mark.parametrize("page", list(PAGES))
def test_sections_are_labelled_from_content(page, lang):
    at = open_page(page, lang, **FAST[page])
    assert not at.exception, [e.value for e in at.exception]
    names = PAGES[page]
    labels = [translate(lang, f"{page}.section_{n}") for n in names]
    # at.tabs lists nested tabs (the four steps) in tree order, right after their section: keep the sections.
    assert [tab.label for tab in at.tabs if tab.label in labels] == labels
    assert len(set(labels)) == len(labels)
    assert _open_tab(at, page) == labels[0]


@pytest.mark.parametrize("page", list(PAGES))
def test_a_link_opens_each_section(page):
    for name in PAGES[page][1:]:
        at = open_page(page, "en", **{f"{page}_section": name}, **FAST[page])
        assert not at.exception, [e.value for e in at.exception]
        assert _open_tab(at, page) == translate("en", f"{page}.section_{name}")
        assert at.query_params[f"{page}_section"] == name


def _trained(at) -> bool:
    return any(m.label == translate("en", "fine_tuning.test_acc") for m in at.metric)


def test_fine_tuning_trains_its_run_only_in_its_section():
    at = open_page("fine_tuning", "en", fine_tuning_section="depth", **FAST["fine_tuning"])
    assert not _trained(at)
    # The depth slider in its own section: only the quick description is rebuilt, no training starts.
    at.slider(key="fine_tuning_k").set_value(11).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not _trained(at)
    assert any(s.key == "fine_tuning_lr" for s in at.select_slider)  # the run's controls are still there
    at.button(key="fine_tuning_section_next").click().run()  # on to the run: it trains at k = 11
    assert not at.exception, [e.value for e in at.exception]
    assert _open_tab(at, "fine_tuning") == translate("en", "fine_tuning.section_run")
    assert _trained(at)
    assert any("base_model.layers[:11]" in c.value for c in at.code)
