"""Render what the engine says about a model: graph, parameter table, code, errors."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from engine.results import InputRejected, failure_of, keras_said_of
from lessons import spec_jobs
from ui.i18n import lang, spec_error_text, t
from ui.live import cached, quick
from ui.text import localise_code

TABLE_COLUMNS = ["layer", "type", "output_shape", "params", "trainable", "non_trainable", "arithmetic"]


def describe(spec_dict: dict, dataset: str | None = None) -> dict | None:
    """Cached per spec: many learners looking at the same model cost one build (None: engine failed).

    A model not described yet shows a progress line where its result will be, at once: Streamlit's
    own spinner waits half a second before it shows, and the learner should see the change taken.
    """
    if cached(spec_jobs.describe_spec, spec=spec_dict, dataset=dataset):
        return quick(spec_jobs.describe_spec, spec=spec_dict, dataset=dataset)
    note = st.empty()
    note.progress(0.0, text=t("live.building"))
    try:
        return quick(spec_jobs.describe_spec, spec=spec_dict, dataset=dataset)
    finally:
        note.empty()


def mandatory_error(what: str):
    """Keras's own complaint when a mandatory argument is left out (None: engine failed)."""
    return quick(spec_jobs.mandatory_error, what=what)


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


def show_failure(res: dict, wording=None) -> None:
    """The one place a failed result is shown: the rejected input in the learner's language, or
    Keras's own words. `wording(InputRejected) -> str` lets a page word its own codes."""
    failure = failure_of(res)
    if isinstance(failure, InputRejected):
        text = wording(failure) if wording is not None else spec_error_text(failure.code, failure.params)
        st.error(text, icon=":material/error:")
    elif failure is not None:
        keras_error(failure)


def keras_error(err) -> None:
    """Keras's own words, verbatim, wrapped: error lines are long and must be read whole."""
    said = keras_said_of(err)
    if said is None:
        return
    st.markdown(f"**{t('common.keras_says')}:**")
    st.code(str(said), language="text", wrap_lines=True)


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


def code(src: str, where=None, wrap_lines: bool = False) -> None:
    """Python code as the learner reads it: the one way pages show code. Its `# …` comments are in
    the page's language (content/<lang>/code_comments.toml); the code itself is unchanged and runs.
    `where`: a column or container to draw in (default: the current one)."""
    (where or st).code(localise_code(src, lang()), language="python", wrap_lines=wrap_lines)


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
