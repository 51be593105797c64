"""Exam page: answering changes the score, feedback explains, score survives a page visit."""
import pytest

from lessons import exam
from tests.conftest import open_page, texts
from ui.text import translate

N = len(exam.QUESTIONS)


def _metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_answers_score_and_feedback(lang):
    at = open_page("exam", lang, timeout=30)
    assert not at.exception
    score, answered = translate(lang, "exam.score"), translate(lang, "exam.answered")
    assert _metric(at, score) == f"0 / {N}"
    assert len([r for r in at.radio if r.key.startswith("exam_q_")]) == sum(q.kind == exam.CHOICE for q in exam.QUESTIONS)

    at.radio(key="exam_q_input_no_shape").set_value("error").run()
    at.radio(key="exam_q_dense_no_activation").set_value("relu").run()
    at.text_input(key="exam_q_params_total").set_value("233").run()
    assert not at.exception
    assert _metric(at, score) == f"2 / {N}"
    assert _metric(at, answered) == f"3 / {N}"
    shown = texts(at)
    # Right answer: Keras's real error text and the reason; wrong answer: the right one named.
    assert "ValueError: You must pass a `shape` argument." in shown
    assert translate(lang, "exam.q.input_no_shape.why") in shown
    assert translate(lang, "exam.wrong", answer=translate(lang, "exam.q.dense_no_activation.opt_linear")) in shown
    assert translate(lang, "exam.q.params_total.why") in shown
    # Each answered question links to the page that teaches it.
    links = [el.proto.page for el in at.get("page_link")]
    assert sorted(links) == ["build_and_train", "dense_layer", "input_layer"]


def test_bad_number_gets_a_message_and_does_not_count():
    at = open_page("exam", "en", timeout=30)
    at.text_input(key="exam_q_params_first").set_value("sixteen").run()
    assert not at.exception
    assert any("`sixteen` is not a whole number" in w.value for w in at.warning)
    assert _metric(at, "Answered") == f"0 / {N}"
    at.text_input(key="exam_q_params_first").set_value("16").run()
    assert not at.warning
    assert _metric(at, "Score") == f"1 / {N}"


def test_multi_answer_needs_exactly_the_mandatory_four():
    at = open_page("exam", "en", timeout=30)
    for opt in ("input_shape", "dense_units", "model_inputs"):
        at.checkbox(key=f"exam_q_mandatory_set__{opt}").check().run()
    assert _metric(at, "Score") == f"0 / {N}"  # three of four is not yet right
    at.checkbox(key="exam_q_mandatory_set__model_outputs").check().run()
    assert _metric(at, "Score") == f"1 / {N}"
    at.checkbox(key="exam_q_mandatory_set__dense_name").check().run()
    assert _metric(at, "Score") == f"0 / {N}"


def test_score_survives_a_visit_to_another_page_and_reset_clears_it():
    at = open_page("exam", "en", timeout=30)
    at.radio(key="exam_q_compile_no_optimizer").set_value("rmsprop").run()
    at.radio(key="exam_q_golden_rule").set_value("layers_functions").run()
    assert _metric(at, "Score") == f"2 / {N}"
    at.switch_page("app_pages/home.py").run()
    at.switch_page("app_pages/exam.py").run()
    assert not at.exception
    assert _metric(at, "Score") == f"2 / {N}"
    assert at.radio(key="exam_q_compile_no_optimizer").value == "rmsprop"
    at.button(key="exam_reset").click().run()
    assert _metric(at, "Score") == f"0 / {N}"
    assert at.radio(key="exam_q_compile_no_optimizer").value is None


def test_all_answered_right_says_so():
    at = open_page("exam", "en", timeout=30)
    for q in exam.QUESTIONS:
        if q.kind == exam.CHOICE:
            at.radio(key=f"exam_q_{q.id}").set_value(q.answer)
        elif q.kind == exam.NUMBER:
            at.text_input(key=f"exam_q_{q.id}").set_value(str(q.answer))
        else:
            for o in q.answer:
                at.checkbox(key=f"exam_q_{q.id}__{o}").check()
    at.run()
    assert not at.exception
    assert _metric(at, "Score") == f"{N} / {N}"
    assert translate("en", "exam.all_done", total=N, correct=N) in texts(at)
