"""Render what the engine says about a model: graph, parameter table, code, errors."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from lessons import spec_jobs
from ui.client import call
from ui.i18n import spec_error_text, t

TABLE_COLUMNS = ["layer", "type", "output_shape", "params", "trainable", "non_trainable", "arithmetic"]


@st.cache_data(show_spinner=False, max_entries=512)
def describe(spec_dict: dict, dataset: str | None = None) -> dict:
    """Cached per spec: many learners looking at the same model cost one build."""
    return call(spec_jobs.describe_spec, spec=spec_dict, dataset=dataset)


@st.cache_data(show_spinner=False)
def mandatory_error(what: str):
    return call(spec_jobs.mandatory_error, what=what)


def keep_last_good(page: str, slot: str, res: dict | None) -> tuple[dict | None, bool]:
    """A good result is remembered; a rejected one is explained and the last good one returned.

    Returns (result, is_current). The result is None only if the page never had a good one.
    """
    key = f"{page}__{slot}__last_good"
    if res is not None and res.get("ok"):
        st.session_state[key] = res
        return res, True
    if res is not None:
        show_failure(res)
    last = st.session_state.get(key)
    if last is not None:
        st.info(t("common.last_good_model"), icon=":material/history:")
    return last, False


def show_failure(res: dict) -> None:
    if "spec_error" in res:
        code, params = res["spec_error"]
        st.error(spec_error_text(code, params), icon=":material/error:")
    elif "keras_error" in res:
        keras_error(res["keras_error"])


def keras_error(err) -> None:
    """Keras's own words, verbatim, wrapped: error lines are long and must be read whole."""
    if err is None:
        return
    etype, msg = err
    st.markdown(f"**{t('common.keras_says')}:**")
    st.code(f"{etype}: {msg}", language="text", wrap_lines=True)


def output(text: str) -> None:
    """What a print() would show, wrapped like a terminal."""
    st.code(text, language="text", wrap_lines=True)


def param_frame(res: dict) -> pd.DataFrame:
    df = pd.DataFrame(res["table"], columns=TABLE_COLUMNS)
    return df.rename(columns={c: t(f"common.col_{c}") for c in TABLE_COLUMNS})


def totals(res: dict) -> None:
    c1, c2, c3 = st.columns(3)
    c1.metric(t("common.total_params"), f"{res['totals']['params']:,}")
    c2.metric(t("common.trainable_params"), f"{res['totals']['trainable']:,}")
    c3.metric(t("common.non_trainable_params"), f"{res['totals']['non_trainable']:,}")


def graph(res: dict) -> None:
    st.graphviz_chart(res["dot"], width="stretch")


def table(res: dict) -> None:
    st.dataframe(param_frame(res), hide_index=True, width="stretch")


def code(src: str) -> None:
    st.code(src, language="python")


def show_model(res: dict, with_summary: bool = False) -> None:
    """Graph beside the table and totals, then the exact code."""
    left, right = st.columns([2, 3])
    with left:
        st.subheader(t("common.graph"))
        graph(res)
    with right:
        st.subheader(t("common.param_table"))
        totals(res)
        table(res)
        if with_summary:
            st.caption(t("common.summary"))
            st.code(res["summary"], language="text")
    st.subheader(t("common.code"))
    code(res["code"])
