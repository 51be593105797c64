"""Predict, then run (issue 12 §4): every lesson page has a gate; guess, reveal, tally, skip, presenter mode.

A gate's widget key is `<page>_<name>_guess`; before a guess the real result stays hidden; the
reveal says right or wrong with what Keras really did; the sidebar keeps the tally; skip shows
the result without a verdict; in presenter mode the reveal waits for the lecturer's click.
"""
from __future__ import annotations

import pytest

from tests.conftest import LANGS, open_page
from ui.text import translate

# page -> (gate name, a guess to commit, query params that keep the page quick)
GATES = {
    "input_layer": ("int_shape", "error", {}),
    "dense_layer": ("collapse", "straight", {}),
    "outputs_tensor": ("is", "keras_tensor", {}),
    "model_container": ("calls", "TypeError", {}),
    "compile_step": ("labels", "error", {}),
    "build_and_train": ("predict", "(5, 1)", {}),
    "weight_freeze": ("recompile", "moves", {}),
    "transfer_learning": ("compare", "frozen", {"transfer_learning_epochs": "5"}),
    "fine_tuning": ("race", "partial@0.01", {"fine_tuning_epochs": "5"}),
}
# Gates asked before their job runs: after the guess the page may need the learner's "run" button.
RUN_BUTTONS = {"transfer_learning": "transfer_learning_compare_run", "fine_tuning": "fine_tuning_race_run"}


def _prefix(lang: str, key: str) -> str:
    """The fixed opening of a verdict text, before its first placeholder."""
    return translate(lang, key, guess="\0", actual="\0").split("\0")[0]


def _verdicts(at, lang: str) -> dict:
    right = [s.value for s in at.success if s.value.startswith(_prefix(lang, "predict.right"))]
    wrong = [e.value for e in at.error if e.value.startswith(_prefix(lang, "predict.wrong"))]
    skipped = [i.value for i in at.info if i.value.startswith(_prefix(lang, "predict.skipped"))]
    return {"right": right, "wrong": wrong, "skipped": skipped}


def _sidebar_text(at) -> str:
    return "\n".join(str(m.value) for m in at.sidebar.markdown) + "\n".join(str(c.value) for c in at.sidebar.caption)


def _press_run(at, page: str) -> None:
    key = RUN_BUTTONS.get(page)
    if key and any(b.key == key for b in at.button):
        at.button(key=key).click().run()


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("page", list(GATES))
def test_guess_reveal_and_tally(page, lang):
    name, guess, query = GATES[page]
    at = open_page(page, lang, **query)
    assert not at.exception, [e.value for e in at.exception]
    key = f"{page}_{name}_guess"
    assert key.endswith("_guess") and any(r.key == key for r in at.radio), f"{page} has no gate {key}"
    # Nothing judged yet; the tally says so.
    assert not any(_verdicts(at, lang).values())
    assert translate(lang, "predict.tally_none") in _sidebar_text(at)
    assert translate(lang, "predict.hidden") in [c.value for c in at.caption]

    at.radio(key=key).set_value(guess).run()
    _press_run(at, page)
    assert not at.exception, [e.value for e in at.exception]
    v = _verdicts(at, lang)
    assert len(v["right"]) + len(v["wrong"]) == 1, v  # judged, against the real result
    right, wrong = len(v["right"]), len(v["wrong"])
    assert translate(lang, "predict.tally_value", right=right, wrong=wrong, skipped=0) in _sidebar_text(at)
    assert at.radio(key=key).disabled  # a committed guess is locked


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("page", list(GATES))
def test_skip_shows_the_result_without_a_verdict(page, lang):
    name, _, query = GATES[page]
    at = open_page(page, lang, **query)
    at.button(key=f"{page}_{name}_skip").click().run()
    _press_run(at, page)
    assert not at.exception, [e.value for e in at.exception]
    v = _verdicts(at, lang)
    assert not v["right"] and not v["wrong"]
    late = page in RUN_BUTTONS
    if late:
        assert translate(lang, "predict.hidden_skipped") in [c.value for c in at.caption]
    else:
        assert len(v["skipped"]) == 1
    assert translate(lang, "predict.tally_value", right=0, wrong=0, skipped=1) in _sidebar_text(at)


@pytest.mark.parametrize("lang", LANGS)
def test_presenter_mode_waits_for_the_lecturers_click(lang):
    at = open_page("model_container", lang, present="1")
    key = "model_container_calls"
    at.radio(key=f"{key}_guess").set_value("ValueError").run()
    assert not any(_verdicts(at, lang).values()), "the reveal waits"
    assert translate(lang, "predict.waiting") in [c.value for c in at.caption]
    hidden = len(at.dataframe)  # the table of calls is not among them yet
    at.button(key=f"{key}_reveal").click().run()
    assert len(_verdicts(at, lang)["right"]) == 1  # keyword call: ValueError, run live
    assert len(at.dataframe) == hidden + 1


def test_new_settings_ask_again_and_the_tally_keeps_both():
    at = open_page("weight_freeze", "en")
    at.radio(key="weight_freeze_recompile_guess").set_value("moves").run()
    assert len(_verdicts(at, "en")["right"]) == 1
    at.toggle(key="weight_freeze_mistake_compile").set_value(True).run()
    assert at.radio(key="weight_freeze_recompile_guess").value is None  # a new question
    at.radio(key="weight_freeze_recompile_guess").set_value("stays").run()
    assert translate("en", "predict.tally_value", right=2, wrong=0, skipped=0) in _sidebar_text(at)
