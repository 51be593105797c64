"""Every page renders in both languages with no exception, and shows its own title."""
import pytest

from tests.conftest import LANGS, PAGES, open_page
from ui.text import translate


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("page", PAGES)
def test_page_renders(page, lang):
    at = open_page(page, lang)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title and at.title[0].value == translate(lang, f"{page}.title")


def test_language_in_url_and_selector():
    at = open_page("home", "en")
    assert at.session_state["lang"] == "en"
    assert at.query_params["lang"] == ["en"] or at.query_params["lang"] == "en"
    at.radio(key="app_lang").set_value("bn").run()
    assert at.session_state["lang"] == "bn"
    assert at.title[0].value == translate("bn", "home.title")


def test_unknown_language_falls_back_to_bengali():
    at = open_page("home", "xx")
    assert not at.exception
    assert at.session_state["lang"] == "bn"
