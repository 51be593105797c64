"""The exam's "left out →" table is Keras's own answer: the shipped file equals a live run.

content/generated/summary_table.json is written by `python -m lessons.exam` and read by the exam page,
which never imports Keras. Here every call runs again on the installed Keras; after an upgrade that
changes an error type, a message or a default, this test fails and says how to regenerate the file.
"""
import keras

from lessons import exam
from ui.text import strings

STALE = ("content/generated/summary_table.json no longer matches the installed Keras {version}; "
         "regenerate it with `{command}` and read the diff before committing")


def test_shipped_table_equals_a_live_run_on_the_installed_keras():
    shipped = exam.shipped_table()
    live = exam.table_data()
    message = STALE.format(version=keras.__version__, command=exam.REGENERATE)
    assert shipped["keras_version"] == keras.__version__, message
    assert shipped["rows"] == live["rows"], message
    assert shipped == live, message


def test_table_covers_every_call_and_says_what_the_issue_says():
    rows = {r["what"]: r for r in exam.shipped_table()["rows"]}
    assert list(rows) == [what for what, _, _ in exam.SUMMARY_CALLS]
    # The same omission, written two ways, raises two different types (issue 12).
    assert rows["model_inputs_keyword"]["error_type"] == "ValueError"
    assert rows["model_inputs_positional"]["error_type"] == "TypeError"
    assert "Unrecognized keyword arguments" in rows["model_outputs_keyword"]["error"]
    assert rows["compile_optimizer"]["default"] == "RMSprop" and rows["dense_activation"]["default"] == "linear"
    for r in rows.values():  # every row either raised or had a default, never both
        assert (r["error_type"] is None) != (r["default"] is None), r


def test_every_row_without_an_error_has_its_words_in_both_languages():
    for lang in ("bn", "en"):
        for r in exam.shipped_table()["rows"]:
            if r["error_type"] is None:
                assert f"exam.table_default.{r['what']}" in strings(lang), (lang, r["what"])


def test_brief_error_drops_the_tensor_repr():
    row = {"error_type": "ValueError", "error": "Unrecognized keyword arguments passed to Model: {'outputs': <KerasTensor>}"}
    assert exam.brief_error(row) == "ValueError: Unrecognized keyword arguments passed to Model"
