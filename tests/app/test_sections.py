"""Long pages as sections (ui/sections.py): tabs, previous/next, a link that opens one section,
the same section after a language switch, PageDown/PageUp only in presenter mode."""
import pytest

from tests.conftest import open_page
from ui.text import translate

P = "weight_freeze"
NAMES = ("meaning", "live", "code", "loop", "train", "backprop", "mistake", "summary")


def _open_tab(at) -> str:
    return at.session_state[f"{P}_section_tab"]


def _button(at, which):
    return next(b for b in at.button if b.key == f"{P}_section_{which}")


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_next_and_back_move_one_section_and_the_url_follows(lang):
    at = open_page(P, lang)
    assert not at.exception
    assert [tab.label for tab in at.tabs][:8] == [translate(lang, f"{P}.section_{n}") for n in NAMES]
    assert _open_tab(at) == translate(lang, f"{P}.section_meaning")
    assert not any(b.key == f"{P}_section_back" for b in at.button)  # nothing before the first
    nxt = _button(at, "next")
    assert nxt.label == translate(lang, f"{P}.section_live")  # the button names where it leads
    nxt.click().run()
    assert _open_tab(at) == translate(lang, f"{P}.section_live")
    assert at.query_params[f"{P}_section"] == "live"
    _button(at, "back").click().run()
    assert _open_tab(at) == translate(lang, f"{P}.section_meaning")
    assert f"{P}_section" not in at.query_params  # the first section needs no parameter


def test_a_link_opens_its_section_and_a_language_switch_keeps_it():
    at = open_page(P, "en", **{f"{P}_section": "mistake"})
    assert not at.exception
    assert _open_tab(at) == translate("en", f"{P}.section_mistake")
    assert not at.warning or all("link" not in w.value for w in at.warning)  # a known parameter
    at.sidebar.radio(key="app_lang").set_value("bn").run()
    assert _open_tab(at) == translate("bn", f"{P}.section_mistake")


def test_an_unknown_section_in_a_link_opens_the_first():
    at = open_page(P, "en", **{f"{P}_section": "nope"})
    assert not at.exception
    assert _open_tab(at) == translate("en", f"{P}.section_meaning")


def test_clicker_keys_only_in_presenter_mode():
    student = open_page(P, "en", **{f"{P}_section": "live"})
    assert all(not b.proto.shortcut for b in student.button if b.key.startswith(f"{P}_section_"))
    lecturer = open_page(P, "en", present="1", **{f"{P}_section": "live"})
    keys = {b.key: b.proto.shortcut for b in lecturer.button if b.key.startswith(f"{P}_section_")}
    assert keys == {f"{P}_section_back": "pageup", f"{P}_section_next": "pagedown"}  # as Streamlit stores them
