"""A long page as sections: tabs a lecturer jumps between, one slide each (issue 14).

`sections(page, names)` draws the tabs and, under them, "previous / next section" buttons; it
returns one container per name, in order. In presenter mode the buttons answer a clicker's
PageUp / PageDown. The open section is the page's own state `<page>_section` (a section id, not
its label, so a link works in either language) and goes into the URL, so a shared link opens
the section that was on screen.

Every section's widgets run on every rerun, open or not, so no value is lost while its tab is
closed; a page skips only expensive jobs in a closed section, by asking `container.open`.
"""
from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from ui.i18n import t
from ui.share import presenting


def _state_key(page: str) -> str:
    return f"{page}_section"  # also the URL parameter; starts with the page's name, as every widget's


def _tab_key(page: str) -> str:
    return f"{page}_section_tab"


def _go(page: str, name: str) -> None:
    st.session_state[_state_key(page)] = name


def _picked(page: str, names: Sequence[str], labels: Sequence[str]) -> None:
    label = st.session_state.get(_tab_key(page))
    if label in labels:
        _go(page, names[list(labels).index(label)])


def current(page: str, names: Sequence[str]) -> str:
    """The open section's id: this session's choice, else the link's, else the first."""
    key = _state_key(page)
    if st.session_state.get(key) not in names:
        wanted = st.query_params.get(key)
        st.session_state[key] = wanted if wanted in names else names[0]
    return st.session_state[key]


def sections(page: str, names: Sequence[str]) -> list:
    """Tabs titled `<page>.section_<name>`, then the previous/next row; the containers, in order."""
    names = list(names)
    labels = [t(f"{page}.section_{n}") for n in names]
    now = current(page, names)
    # The tab widget holds a label, which changes with the language: it is set from the id each run.
    st.session_state[_tab_key(page)] = labels[names.index(now)]
    tabs = st.tabs(labels, key=_tab_key(page), on_change=_picked, args=(page, names, labels))
    if now == names[0]:
        st.query_params.pop(_state_key(page), None)  # the first section needs no parameter
    else:
        st.query_params[_state_key(page)] = now
    _step_row(page, names, labels, names.index(now))
    return list(tabs)


def _step_row(page: str, names: list, labels: list, i: int) -> None:
    """Under the open section: where the previous and the next one are, one click (or key) away."""
    present = presenting()
    back, _, ahead = st.columns([2, 1, 2], vertical_alignment="center")
    if i > 0:
        back.button(labels[i - 1], key=f"{page}_section_back", on_click=_go, args=(page, names[i - 1]),
                    icon=":material/chevron_left:", width="stretch", shortcut="PageUp" if present else None,
                    help=t("common.section_back"))
    if i + 1 < len(names):
        ahead.button(labels[i + 1], key=f"{page}_section_next", on_click=_go, args=(page, names[i + 1]),
                     icon=":material/chevron_right:", icon_position="right", width="stretch", type="primary",
                     shortcut="PageDown" if present else None, help=t("common.section_next"))
