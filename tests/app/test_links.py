"""Shared links on every page: hostile values for every control never crash a page and are
answered with a message; the exam is the one page whose answers stay out of links."""
import pytest

from tests.conftest import PAGES, open_page
from ui.text import translate

HOSTILE = "😀<script>alert(1)</script>" + "9" * 50


def _keys(at, page):
    kinds = ("text_input", "number_input", "selectbox", "slider", "select_slider", "radio", "toggle",
             "checkbox", "multiselect", "segmented_control", "button_group")
    keys = set()
    for kind in kinds:
        for w in getattr(at, kind, []):
            if w.key and w.key.startswith(page + "_"):
                keys.add(w.key)
    return sorted(keys)


@pytest.mark.parametrize("page", [p for p in PAGES if p != "exam"])
def test_hostile_link_values_never_crash(page):
    keys = _keys(open_page(page, "en"), page)
    assert keys, f"{page} has no controls"
    at = open_page(page, "en", **{k: HOSTILE for k in keys}, **{f"{page}_no_such_control": "1"})
    assert not at.exception, [e.value for e in at.exception]
    shown = [w.value for w in at.warning] + [e.value for e in at.error]
    assert shown, "hostile link values were ignored silently"


@pytest.mark.parametrize("page", ["home", "dense_layer", "build_and_train", "weight_freeze"])
def test_unknown_or_invalid_link_values_get_a_notice(page):
    at = open_page(page, "bn", **{f"{page}_no_such_control": "1"})
    assert not at.exception
    notice = translate("bn", "common.link_ignored", keys="`%s`" % f"{page}_no_such_control")
    assert notice in [w.value for w in at.warning]


def test_a_link_reopens_a_changed_input_page():
    at = open_page("input_layer", "en", input_layer_shape="(28, 28, 1)")
    assert not at.exception
    assert "(None, 28, 28, 1)" in "\n".join(str(c.value) for c in at.code) + "\n".join(m.value for m in at.markdown)
