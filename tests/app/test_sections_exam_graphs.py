"""The exam and functional graphs pages as slides (ui/sections.py): their tabs, titled from content in
both languages, and a link `?<page>_section=<name>` that opens one of them."""
import pytest

from tests.conftest import open_page
from ui.text import translate

PAGES = {
    "exam": ("summary", "names", "params", "heads", "compile", "freeze", "revision", "tldr"),
    "functional_graphs": ("build", "sequential", "params", "train", "predict", "code"),
}


def _open_tab(at, page) -> str:
    return at.session_state[f"{page}_section_tab"]


@pytest.mark.parametrize("lang", ["bn", "en"])
@pytest.mark.parametrize("page", list(PAGES))
def test_the_page_has_its_sections_named_from_content(page, lang):
    at = open_page(page, lang, timeout=60)
    assert not at.exception
    names = PAGES[page]
    labels = [translate(lang, f"{page}.section_{n}") for n in names]
    assert all(label != f"{page}.section_{n}" for label, n in zip(labels, names))  # every label is written
    assert [tab.label for tab in at.tabs][:len(names)] == labels
    assert _open_tab(at, page) == labels[0]


@pytest.mark.parametrize("page, name", [("exam", "freeze"), ("exam", "revision"), ("functional_graphs", "train"),
                                        ("functional_graphs", "code")])
def test_a_link_opens_its_section(page, name):
    at = open_page(page, "en", timeout=60, **{f"{page}_section": name})
    assert not at.exception
    assert _open_tab(at, page) == translate("en", f"{page}.section_{name}")
    assert not at.warning or all("link" not in w.value.lower() for w in at.warning)  # a known parameter


def test_exam_questions_keep_their_answers_and_numbers_across_sections():
    """Every question runs whatever tab is open: the score counts an answer given in another tab."""
    at = open_page("exam", "en", timeout=30, exam_section="revision")
    at.radio(key="exam_q_golden_rule").set_value("layers_functions").run()
    at.text_input(key="exam_q_params_first").set_value("16").run()
    assert not at.exception
    assert _open_tab(at, "exam") == translate("en", "exam.section_revision")
    score = next(m.value for m in at.metric if m.label == translate("en", "exam.score"))
    assert score.startswith("2 / ")
    prompts = [m.value for m in at.markdown if m.value.startswith("**") and ".** " in m.value]
    assert [p.split(".**")[0] for p in prompts] == [f"**{i}" for i in range(1, len(prompts) + 1)]


def test_graph_editor_and_its_graph_share_the_first_section():
    """The preset, the node editor and the graph they draw are one slide: a change shows without a tab change."""
    at = open_page("functional_graphs", "en", timeout=60)
    assert not at.exception
    build = list(at.tabs[0])  # the first tab and everything under it
    keys = {getattr(el, "key", None) for el in build}
    assert {"functional_graphs_preset", "functional_graphs_add", "functional_graphs_n__units__h1"} <= keys
    assert any(getattr(el, "type", "") == "graphviz_chart" for el in build)
    train = list(at.tabs[3])
    assert {"functional_graphs_epochs", "functional_graphs_lr"} <= {getattr(el, "key", None) for el in train}
    assert any(getattr(el, "type", "") == "plotly_chart" for el in train)  # the sliders beside their curve
