"""compile() and the outputs tensor as sections (ui/sections.py, issue 14): the tabs the page draws,
labelled from content in both languages; a link `?<page>_section=<name>` opens its section; the
answer slides ask for the guess first."""
import pytest

from tests.conftest import LANGS, open_page
from ui.text import translate

SECTIONS = {
    "compile_step": ("truth", "leave_out", "labels", "label_forms", "compare"),
    "outputs_tensor": ("tensor", "model", "heads", "train"),
}
CASES = [(page, lang) for page in SECTIONS for lang in LANGS]


def _open_tab(at, page) -> str:
    return at.session_state[f"{page}_section_tab"]


@pytest.mark.parametrize("page,lang", CASES)
def test_the_page_has_its_sections_labelled_from_content(page, lang):
    at = open_page(page, lang)
    assert not at.exception
    names = SECTIONS[page]
    assert [tab.label for tab in at.tabs][:len(names)] == [translate(lang, f"{page}.section_{n}") for n in names]
    assert _open_tab(at, page) == translate(lang, f"{page}.section_{names[0]}")


@pytest.mark.parametrize("page,lang", CASES)
def test_a_link_opens_each_section(page, lang):
    for name in SECTIONS[page][1:]:
        at = open_page(page, lang, **{f"{page}_section": name})
        assert not at.exception
        assert _open_tab(at, page) == translate(lang, f"{page}.section_{name}")
        assert at.query_params[f"{page}_section"] == name


@pytest.mark.parametrize("page,gate,answer", [("compile_step", "labels", "label_forms"),
                                              ("outputs_tensor", "is", "model")])
def test_the_answer_slide_waits_for_the_guess(page, gate, answer):
    at = open_page(page, "en", **{f"{page}_section": answer})
    first = {"compile_step": "labels", "outputs_tensor": "tensor"}[page]
    wait = translate("en", f"{page}.needs_guess", section=translate("en", f"{page}.section_{first}"))
    assert wait in [i.value for i in at.info]
    at.button(key=f"{page}_{gate}_skip").click().run()
    assert not at.exception
    assert wait not in [i.value for i in at.info]
    assert _open_tab(at, page) == translate("en", f"{page}.section_{answer}")  # still where the lecturer is
