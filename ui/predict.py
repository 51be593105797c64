"""Predict, then run: the learner commits a guess before the page shows what Keras really did.

One gate per question. The page runs its job first (the answer is known but not shown), then

    if predict.gate(P, "params", t(...), actual=res["params"], actual_text=f"{res['params']:,}",
                    context=(n_in, units)):
        ...draw the real result...

- The guess widget's key is `<page>_<name>_guess` (a radio when `options` are given, else a whole
  number). Once a guess is made it is locked: the answer is revealed and judged right or wrong.
- A learner in a hurry presses skip (`<page>_<name>_skip`): the result shows, nothing is judged.
- In presenter mode the reveal waits for the lecturer's click (`<page>_<name>_reveal`).
- `context` names the settings the question is about: change them and the gate asks again.
- The sidebar keeps this session's tally: right, wrong and skipped predictions.

Streamlit only, no Keras: the real answer comes from the page's job.
"""
from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from ui.i18n import t
from ui.share import presenting

STATE = "predict_gates"  # {gate key: {"context", "actual", "guess", "skipped", "revealed"}}
TALLY = "predict_tally"  # {(gate key, context): "right" | "wrong" | "skipped"}
_RUN_MARK = "predict__run_mark"


def _key(page: str, name: str) -> str:
    return f"{page}_{name}"


def _entry(key: str) -> dict:
    return st.session_state.setdefault(STATE, {}).setdefault(key, {})


def _judge(guess, actual) -> bool:
    try:
        if isinstance(actual, (int, float)) and not isinstance(actual, bool):
            return float(guess) == float(actual)
    except (TypeError, ValueError):
        return False
    return guess == actual


def _on_guess(key: str) -> None:
    entry = _entry(key)
    guess = st.session_state.get(f"{key}_guess")
    if guess is None or entry.get("skipped"):
        return
    entry["guess"] = guess
    if entry.get("actual") is None:
        return  # a run still to come decides: reveal() records the verdict
    verdict = "right" if _judge(guess, entry.get("actual")) else "wrong"
    st.session_state.setdefault(TALLY, {})[(key, entry.get("context"))] = verdict


def _on_skip(key: str) -> None:
    entry = _entry(key)
    if entry.get("guess") is not None:
        return
    entry["skipped"] = True
    st.session_state.setdefault(TALLY, {})[(key, entry.get("context"))] = "skipped"


def _on_reveal(key: str) -> None:
    _entry(key)["revealed"] = True


def tally() -> dict:
    """{"right": n, "wrong": n, "skipped": n} for this session."""
    counts = {"right": 0, "wrong": 0, "skipped": 0}
    for verdict in st.session_state.get(TALLY, {}).values():
        counts[verdict] += 1
    return counts


def _run_mark():
    """An object that is new at the start of every script run (the run context's cursor dict)."""
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    return getattr(get_script_run_ctx(), "cursors", None)


def _first_gate_this_run() -> bool:
    """True once per script run: the tally is drawn in the sidebar by the first gate on a page."""
    mark = _run_mark()
    if mark is not None and st.session_state.get(_RUN_MARK) is mark:
        return False
    st.session_state[_RUN_MARK] = mark
    return True


_SLOT = "predict__tally_slot"


def _draw_tally(slot=None) -> None:
    """The tally in the sidebar; drawn again into the same place when a later reveal changes it."""
    if slot is None:
        slot = st.sidebar.empty()
        st.session_state[_SLOT] = (st.session_state.get(_RUN_MARK), slot)
    c = tally()
    with slot.container(border=True):
        st.markdown(f"**{t('predict.tally_title')}**")
        if sum(c.values()) == 0:
            st.caption(t("predict.tally_none"))
        else:
            st.markdown(t("predict.tally_value", **c))


def _redraw_tally() -> None:
    mark, slot = st.session_state.get(_SLOT, (None, None))
    if slot is not None and mark is not None and mark is _run_mark():
        _draw_tally(slot)


def _show(value, labels: dict | None) -> str:
    if labels and value in labels:
        return labels[value]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def gate(page: str, name: str, question: str, *, actual, actual_text: str,
         options: Sequence | None = None, labels: dict | None = None, context=None,
         help: str | None = None) -> bool:
    """Ask `question`, lock the learner's guess, then say right or wrong against `actual`.

    Returns True once the page may show the real result (after a guess or a skip, and in
    presenter mode after the lecturer's click).
    """
    key = _key(page, name)
    if _first_gate_this_run():
        _draw_tally()
    entry = _entry(key)
    context = None if context is None else repr(context)
    if entry.get("context") != context:
        # New settings, new question: forget the old guess (the tally keeps it).
        entry.clear()
        entry["context"] = context
        st.session_state.pop(f"{key}_guess", None)
    if actual is not None or "actual" not in entry:
        entry["actual"] = actual
    committed = entry.get("guess") is not None or entry.get("skipped", False)
    if entry.get("guess") is not None and st.session_state.get(f"{key}_guess") is None:
        # Streamlit forgets a widget's value when the learner visits another page: put the guess back.
        st.session_state[f"{key}_guess"] = entry["guess"]

    with st.container(border=True):
        st.markdown(f"**{t('predict.title')}** {question}")
        if help:
            st.caption(help)
        if options is not None:
            shown = {o: _show(o, labels) for o in options}
            st.radio(t("predict.your_guess"), list(options), index=None, key=f"{key}_guess",
                     format_func=shown.__getitem__, on_change=_on_guess, args=(key,),
                     disabled=committed, label_visibility="collapsed",
                     horizontal=len(options) <= 4 or presenting())  # a slide has no room for a column of six
        else:
            st.number_input(t("predict.your_guess"), value=None, step=1, min_value=0,
                            key=f"{key}_guess", on_change=_on_guess, args=(key,), disabled=committed,
                            placeholder=t("predict.number_placeholder"))
        if not committed:
            st.button(t("predict.skip"), key=f"{key}_skip", on_click=_on_skip, args=(key,),
                      icon=":material/fast_forward:", type="tertiary")
            st.caption(t("predict.hidden"))
            return False
        if presenting() and not entry.get("revealed"):
            st.caption(t("predict.waiting"))
            st.button(t("predict.reveal"), key=f"{key}_reveal", on_click=_on_reveal, args=(key,),
                      icon=":material/visibility:", type="primary")
            return False
        if actual is None:
            st.caption(t("predict.running", guess=_show(entry["guess"], labels)) if not entry.get("skipped")
                       else t("predict.hidden_skipped"))
            return True  # the page runs its job now and calls reveal() with the result
        _verdict(entry, actual, actual_text, labels)
    return True


def _verdict(entry: dict, actual, actual_text: str, labels: dict | None) -> None:
    if entry.get("skipped"):
        st.info(t("predict.skipped", actual=actual_text), icon=":material/fast_forward:")
    elif _judge(entry["guess"], actual):
        st.success(t("predict.right", guess=_show(entry["guess"], labels), actual=actual_text),
                   icon=":material/check_circle:")
    else:
        st.error(t("predict.wrong", guess=_show(entry["guess"], labels), actual=actual_text),
                 icon=":material/cancel:")


def reveal(page: str, name: str, actual, actual_text: str, labels: dict | None = None) -> None:
    """For a gate asked before its job ran (`actual=None`): judge the guess against the result."""
    key = _key(page, name)
    entry = _entry(key)
    if entry.get("guess") is None and not entry.get("skipped"):
        return
    entry["actual"] = actual
    if entry.get("guess") is not None:
        verdict = "right" if _judge(entry["guess"], actual) else "wrong"
        tallied = st.session_state.setdefault(TALLY, {})
        if tallied.get((key, entry.get("context"))) != verdict:
            tallied[(key, entry.get("context"))] = verdict
            _redraw_tally()
    _verdict(entry, actual, actual_text, labels)


def guess(page: str, name: str):
    """The learner's committed guess at a gate, or None (not guessed, or skipped)."""
    return _entry(_key(page, name)).get("guess")
