"""Self-check: the document's summary table, one-liners and TL;DR as a scored quiz.

Pure Python: the answers were checked against Keras by tests/test_exam.py, so this page
never needs TensorFlow and opens at once.
"""
import pandas as pd
import streamlit as st

from engine.validate import SpecError
from lessons import exam
from ui.i18n import page_header, t
from ui.sections import sections
from ui.text import escape_markdown

P = "exam"
# Tab id -> the quiz's parts (lessons.exam.SECTIONS) on that slide, each as (part, first, stop) of the part's
# questions: four choice questions (two rows) fill a 720 px screen, so the eight of the first part take two
# slides. The last two tabs are the revision sheet: Keras's table, then the one-liners and TL;DR.
TABS = {"summary": [("summary", 0, 4)], "names": [("summary", 4, None)], "params": [("params", 0, None)],
        "heads": [("heads", 0, None)], "compile": [("compile", 0, None)],
        "freeze": [("rule", 0, None), ("freeze", 0, None)], "revision": [], "tldr": []}

# Widget state is dropped when the learner follows a "learn it here" link to another page;
# this plain session key is not, so answers and score survive the round trip.
ANSWERS = "exam_answers"


def _wkey(q, opt=None):
    return f"exam_q_{q.id}" if opt is None else f"exam_q_{q.id}__{opt}"


def _widget_keys(q):
    return [_wkey(q, o) for o in q.options] if q.kind == exam.MULTI else [_wkey(q)]


def _reset():
    st.session_state[ANSWERS] = {}
    for q in exam.QUESTIONS:
        for k in _widget_keys(q):
            st.session_state.pop(k, None)


def _restore(q, answers):
    """Put a remembered answer back into a widget that Streamlit forgot."""
    if answers.get(q.id) is None:
        return
    if q.kind == exam.MULTI:
        for o in q.options:
            st.session_state.setdefault(_wkey(q, o), o in answers[q.id])
    else:
        st.session_state.setdefault(_wkey(q), answers[q.id])


def _option_text(q, o):
    return t(f"exam.q.{q.id}.opt_{o}")


def _answer_text(q):
    if q.kind == exam.CHOICE:
        return _option_text(q, q.answer)
    if q.kind == exam.MULTI:
        return ", ".join(_option_text(q, o) for o in q.options if o in q.answer)
    return f"{q.answer:,}"


def _ask(q, number, answers):
    """Draw one question and its feedback; return the raw response (or None)."""
    _restore(q, answers)
    st.markdown(f"**{number}.** {t(f'exam.q.{q.id}.prompt')}")
    if q.kind == exam.CHOICE:
        # Labels resolved now: AppTest calls format_func outside the run, where the language is unknown.
        labels = {o: _option_text(q, o) for o in q.options}
        response = st.radio(
            t("exam.choose"), q.options, index=None, key=_wkey(q),
            format_func=labels.__getitem__, label_visibility="collapsed",
        )
    elif q.kind == exam.MULTI:
        st.caption(t("exam.choose_many"))
        cols = st.columns(2)  # six boxes in two columns: the card stays as short as its neighbour
        picked = [o for i, o in enumerate(q.options) if cols[i % 2].checkbox(_option_text(q, o), key=_wkey(q, o))]
        response = picked or None
    else:
        response = st.text_input(
            t("exam.number_placeholder"), key=_wkey(q), placeholder=t("exam.number_placeholder"),
            label_visibility="collapsed", max_chars=20,
        )
        response = response or None
    answers[q.id] = response
    try:
        exam.normalise(q, response)
    except SpecError:
        st.warning(t("exam.number_invalid", text=str(response)[:20]), icon=":material/warning:")
        return
    verdict = exam.is_correct(q, response)
    if verdict is None:
        return
    # The verdict and its reason in one box: an answered card grows as little as it can (one slide, issue 14).
    said = t("exam.correct") if verdict else t("exam.wrong", answer=_answer_text(q))
    (st.success if verdict else st.error)(f"{said}  \n{t(f'exam.q.{q.id}.why')}",
                                          icon=":material/check_circle:" if verdict else ":material/cancel:")
    if q.keras_says:
        st.caption(t("exam.keras_says"))
        st.code(q.keras_says, language="text")
    st.page_link(f"app_pages/{q.page}.py", label=t("exam.learn_more", page=t(f"{q.page}.title")),
                 icon=":material/school:")


def _summary_frame(data: dict) -> pd.DataFrame:
    """The "left out →" table from rows Keras produced (the shipped file or a live run); a static
    table, so every row and the whole of each message show."""
    rows = [{t("exam.col_component"): f"`{r['component']}`", t("exam.col_call"): f"`{r['call']}`",
             t("exam.col_mandatory"): t("exam.mandatory_yes") if r["error_type"] else t("exam.mandatory_no"),
             t("exam.col_error"): escape_markdown(exam.brief_error(r)) if r["error_type"]
             else t(f"exam.table_default.{r['what']}", value=r["default"])} for r in data["rows"]]
    return pd.DataFrame(rows).set_index(t("exam.col_component"))


def _quiz_part(part: str, first: int, stop: int | None, number: int, answers: dict) -> int:
    """Questions `first:stop` of one part of the quiz under the part's subheader, two a row (short number
    questions three a row); returns the last number used."""
    st.markdown(f"**{t(f'exam.section.{part}')}**")  # a line, not a subheader: the tab above names the slide
    questions = [q for q in exam.QUESTIONS if q.section == part][first:stop]
    per_row = 3 if all(q.kind == exam.NUMBER for q in questions) else 2  # a number box is short and narrow
    for i in range(0, len(questions), per_row):
        for col, q in zip(st.columns(per_row), questions[i:i + per_row]):
            number += 1
            with col.container(border=True):
                _ask(q, number, answers)
    return number


def _revision() -> None:
    """The document's "left out" table, as Keras made it (and can make it again here)."""
    st.subheader(t("exam.revision"))
    st.caption(t("exam.revision_note"))
    # Generated by running every call on Keras (python -m lessons.exam): the quiz needs no TensorFlow.
    shipped = exam.shipped_table()
    st.table(_summary_frame(shipped))
    st.caption(t("exam.table_source", version=shipped["keras_version"], command=shipped["regenerate"]))
    with st.expander(t("exam.table_more"), icon=":material/info:"):
        st.markdown(t("exam.summary_note"))
        _run_table(shipped)


def _tldr() -> None:
    """The document's one-liners beside its TL;DR: the last slide."""
    liners, tldr = st.columns(2, gap="large")
    liners.markdown(f"**{t('exam.one_liners_title')}**")
    liners.markdown(t("exam.one_liners"))
    tldr.markdown(f"**{t('exam.tldr_title')}**")
    tldr.markdown(t("exam.tldr"))


def _run_table(shipped: dict) -> None:
    """The button that runs every call of the table on this server's Keras, and what it said."""
    if st.button(t("exam.run_table"), key="exam_run_table", icon=":material/play_arrow:"):
        st.session_state["exam__ran_table"] = True
    if st.session_state.get("exam__ran_table"):
        from ui.live import quick

        ran = quick(exam.summary_errors)
        if ran is not None:
            same = ran == shipped
            st.caption(t("exam.ran_table_caption", version=ran["keras_version"]))
            (st.success if same else st.warning)(t("exam.ran_same" if same else "exam.ran_differs"))
            if not same:
                st.table(_summary_frame(ran))


page_header("exam")
st.caption(t("exam.how_to"))
answers = st.session_state.setdefault(ANSWERS, {})

board = st.container()  # filled after the questions, so it counts this run's answers

# Eight slides (ui/sections.py): the quiz's parts in the order the lessons teach them, then the revision
# sheet. Every question's widgets run whatever tab is open, so the score always counts all answers.
tabs = sections(P, tuple(TABS))
number = 0
for tab, parts in zip(tabs, TABS.values()):
    with tab:
        for part, first, stop in parts:
            number = _quiz_part(part, first, stop, number, answers)
with tabs[-2]:
    _revision()
with tabs[-1]:
    _tldr()

s = exam.score(answers)
with board:
    c1, c2, c3 = st.columns([1, 1, 1])
    c1.metric(t("exam.score"), t("exam.score_value", correct=s.correct, total=s.total))
    c2.metric(t("exam.answered"), t("exam.answered_value", answered=s.answered, total=s.total))
    c3.button(t("exam.reset"), key="exam_reset", on_click=_reset, icon=":material/restart_alt:")
    st.progress(s.answered / s.total)
    if s.answered == s.total:
        st.success(t("exam.all_done", total=s.total, correct=s.correct))
