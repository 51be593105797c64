"""The first building-block pages as slides (issue 14): Input(), Dense() and Model() in sections,
their tabs named from content in both languages, and a link `?<page>_section=<name>` opening one."""
import pytest

from tests.conftest import LANGS, open_page
from ui.text import translate

SECTIONS = {
    "input_layer": ("meaning", "try", "returned", "int_bug", "tensor"),
    "dense_layer": ("meaning", "build", "weights", "sample", "hidden"),
    "model_container": ("meaning", "calls", "build", "inside"),
}


def _open_tab(at, page: str) -> str:
    return at.session_state[f"{page}_section_tab"]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("page", list(SECTIONS))
def test_the_page_has_its_sections(page, lang):
    at = open_page(page, lang)
    assert not at.exception
    labels = [translate(lang, f"{page}.section_{n}") for n in SECTIONS[page]]
    assert [tab.label for tab in at.tabs][:len(labels)] == labels
    assert _open_tab(at, page) == labels[0]


@pytest.mark.parametrize("page", list(SECTIONS))
def test_a_link_opens_each_section(page):
    for name in SECTIONS[page][1:]:
        at = open_page(page, "en", **{f"{page}_section": name})
        assert not at.exception
        assert _open_tab(at, page) == translate("en", f"{page}.section_{name}"), name
        assert at.query_params[f"{page}_section"] == name


def _infos(at) -> list[str]:
    return [i.value for i in at.info]


def test_input_sections_after_a_left_out_shape():
    """No st.stop() in a section: with `shape` left out the later sections are still drawn, the
    prediction gate of the `(1)` bug among them, and the tensor's section says what it needs."""
    at = open_page("input_layer", "bn", input_layer_section="tensor")
    at.toggle(key="input_layer_leave_out").set_value(True).run()
    assert not at.exception
    assert _open_tab(at, "input_layer") == translate("bn", "input_layer.section_tensor")
    assert translate("bn", "input_layer.needs_tensor") in _infos(at)
    assert translate("bn", "input_layer.int_bug_title") in [h.value for h in at.subheader]


def test_dense_hidden_layer_demo_after_a_left_out_units():
    """With `units` left out, the hidden-layer demo (its own sliders) still runs; W and b say what they need."""
    at = open_page("dense_layer", "en", dense_layer_section="hidden")
    at.toggle(key="dense_layer_leave_out").set_value(True).run()
    assert not at.exception
    assert at.slider(key="dense_layer_depth").value == 3
    assert translate("en", "dense_layer.needs_layer") in _infos(at)
    at.slider(key="dense_layer_depth").set_value(2).run()
    assert not at.exception and _open_tab(at, "dense_layer") == translate("en", "dense_layer.section_hidden")


def test_model_sections_after_a_refused_call():
    """Keras's refusal shows in the build section; the model's section says what it needs."""
    at = open_page("model_container", "en", model_container_section="build")
    at.selectbox(key="model_container_inputs").set_value("—").run()
    assert not at.exception
    assert translate("en", "model_container.refused_title") in [h.value for h in at.subheader]
    assert translate("en", "model_container.needs_model") in _infos(at)
    assert translate("en", "model_container.tensors_title") in [h.value for h in at.subheader]
