"""Classroom and sharing: a copyable link to exactly what is on screen, reset, presenter mode.

Widgets mirror themselves into the URL with Streamlit's own `bind="query-params"`; this
module adds what Streamlit does not: the link to copy, a reset per page, a notice when a
link carried values that were ignored, and the projector-friendly presenter mode.
"""
from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from ui.i18n import t

_APP_PARAMS = ("lang", "present")
_MAX_PARAM = 200
_MAX_GRAPH_PARAM = 2000  # a whole graph in one field (functional_graphs_graph, engine.graphs' text)


def presenting() -> bool:
    if "present" not in st.session_state:
        st.session_state.present = st.query_params.get("present") in ("1", "true", "yes")
    return st.session_state.present


def _on_present():
    st.session_state.present = st.session_state.app_present


def presenter_toggle() -> None:
    st.session_state.app_present = presenting()
    st.sidebar.toggle(t("common.present_toggle"), key="app_present", on_change=_on_present,
                      help=t("common.present_help"))
    if presenting():
        st.query_params["present"] = "1"
    elif "present" in st.query_params:
        del st.query_params["present"]


def presenter_css() -> None:
    """Larger type and a narrower column: readable from the back of a lecture hall.

    The type grows through the root font size, not CSS `zoom`: Streamlit sizes its text and
    spacing in rem, while plotly charts and the dataframe grid measure their container in
    unzoomed pixels and spill over the right edge under `zoom`.
    """
    if not presenting():
        return
    st.html(
        """<style>/* presenter mode */
        html { font-size: 23px !important; }
        [data-testid="stMainBlockContainer"] { max-width: 1250px; }
        [data-testid="stCode"] code, .kfl-steps { font-size: 1.0rem !important; }
        [data-testid="stExpander"] details:not([open]) { opacity: .75; }
        /* Graphs at 1.5 px per graphviz point (their natural size is 4/3), never shrunk to the column
           (a wider graph scrolls sideways). Streamlit draws graph text at 0.6 rem, which under this
           root is 13.8 points and outgrows the boxes graphviz laid out for 12-pt node and 10-pt edge
           labels; 12.5 points of the narrower body font fit them and read 18.75 px on screen. */
        [data-testid="stGraphVizChart"] svg { width: auto !important; height: auto !important;
            max-width: none !important; zoom: 1.125; }
        [data-testid="stGraphVizChart"] svg text { font-size: 12.5px !important; }
        [data-testid="stGraphVizChart"] svg .edge text { transform: translateX(4px); }  /* clear of the arrow */
        [data-testid="stGraphVizChart"] { overflow-x: auto; }
        [data-testid="stTable"] td, [data-testid="stTable"] th,
        [data-testid="stMarkdownContainer"] table td, [data-testid="stMarkdownContainer"] table th { font-size: 18px; }
        /* Slides: less air between blocks, so a section fits one 720 px screen. */
        [data-testid="stMainBlockContainer"] { padding-top: 2.2rem; padding-bottom: 2rem; }
        [data-testid="stVerticalBlock"] { gap: .6rem; }
        h1 { font-size: 1.9rem !important; padding-bottom: .2rem !important; }
        h2 { font-size: 1.45rem !important; }
        h3 { font-size: 1.2rem !important; }
        .kfl-steps { padding: .2rem 0 !important; }
        .kfl-line { padding: .05rem .6rem !important; white-space: pre-wrap !important; }
        </style>"""
    )


def remember_first_link() -> None:
    """The query string this session was opened with, to tell which values a link lost."""
    if "share_first_qp" not in st.session_state:
        st.session_state.share_first_qp = {k: st.query_params.get(k) for k in st.query_params}


def ignored_link_values(page: str) -> list[str]:
    """Keys of the opening link that named this page's widgets but did not stick."""
    first = st.session_state.get("share_first_qp") or {}
    lost = []
    for key, raw in first.items():
        if key in _APP_PARAMS or not key.startswith(page + "_"):
            continue
        if key not in st.session_state:
            lost.append(key)
            continue
        value = st.session_state[key]
        as_text = str(value).lower() if isinstance(value, bool) else str(value)
        if raw is not None and as_text != raw and not _same_number(as_text, raw):
            lost.append(key)
    return lost


def _same_number(a: str, b: str) -> bool:
    try:
        return float(a) == float(b)
    except ValueError:
        return False


def link_notice(page: str) -> None:
    """Once per session: say which values of a shared link were ignored, never crash on them."""
    if st.session_state.get("share_notice_done"):
        return
    st.session_state.share_notice_done = True
    lost = ignored_link_values(page)
    unknown = [k for k in (st.session_state.get("share_first_qp") or {})
               if k not in _APP_PARAMS and not k.startswith(page + "_")]
    bad = [k[:40] for k in lost + unknown]
    if bad:
        st.warning(t("common.link_ignored", keys=", ".join(f"`{k}`" for k in bad[:8])), icon=":material/link_off:")


def share_link() -> str:
    """The page URL with the current query string: language, presenter mode, bound widgets."""
    base = st.context.url or ""
    params = {k: v for k, v in st.query_params.to_dict().items()
              if len(str(v)) <= (_MAX_GRAPH_PARAM if k.endswith("_graph") else _MAX_PARAM)}
    return base + ("?" + urlencode(params) if params else "")


def _reset(page: str):
    for key in list(st.session_state.keys()):
        if str(key).startswith(page + "_"):
            del st.session_state[key]
    for key in list(st.query_params.keys()):
        if key not in _APP_PARAMS:
            try:
                del st.query_params[key]
            except Exception:  # a bound param is owned by its widget; the rerun clears it
                pass


def sidebar_tools(page: str) -> None:
    """Copy-link box and reset button for the page on screen."""
    with st.sidebar.expander(t("common.share_title"), icon=":material/share:"):
        st.caption(t("common.share_help"))
        st.code(share_link(), language=None, wrap_lines=True)
        st.button(t("common.reset"), key="app_reset", on_click=_reset, args=(page,),
                  help=t("common.reset_help"), icon=":material/restart_alt:")
