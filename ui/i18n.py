"""Language for the whole app: `?lang=bn|en` in the URL, a sidebar selector, and `t()`."""
from __future__ import annotations

import streamlit as st

from ui.text import DEFAULT_LANG, LANGS, translate

_LABELS = {"bn": "বাংলা", "en": "English"}


def lang() -> str:
    return st.session_state.get("lang", DEFAULT_LANG)


def t(key: str, **params) -> str:
    """The text under `key` in the learner's language."""
    return translate(lang(), key, **params)


def init_language() -> str:
    """First run of a session: take the language from the URL; later runs keep the choice."""
    if "lang" not in st.session_state:
        qp = st.query_params.get("lang")
        st.session_state.lang = qp if qp in LANGS else DEFAULT_LANG
    return st.session_state.lang


def _on_change():
    st.session_state.lang = st.session_state.app_lang


def language_selector() -> None:
    """Sidebar switch; the URL follows so a copied link opens in the same language."""
    st.session_state.app_lang = lang()
    st.sidebar.radio(
        "ভাষা / Language",
        LANGS,
        key="app_lang",
        format_func=_LABELS.get,
        horizontal=True,
        on_change=_on_change,
    )
    if st.query_params.get("lang") != lang():
        st.query_params["lang"] = lang()


def field_name(field: str) -> str:
    """The field's name in the learner's language, or the field id if it has none."""
    name = t(f"fields.{field}")
    return field if name == f"fields.{field}" else name


def spec_error_text(code: str, params: dict) -> str:
    """A SpecError in the learner's language, with field names translated too."""
    params = dict(params)
    if "field" in params:
        params["field"] = field_name(params["field"])
    return t(f"errors.{code}", **params)


def page_header(page: str) -> None:
    """Title and introduction of a page, from content/<lang>/<page>.toml."""
    st.title(t(f"{page}.title"))
    st.markdown(t(f"{page}.intro"))


def text_columns(*keys: str) -> None:
    """Texts side by side, each under its own subheader (`<key>_title` above `<key>`)."""
    for col, key in zip(st.columns(len(keys)), keys):
        with col:
            st.subheader(t(f"{key}_title"))
            st.markdown(t(key))
