"""The self-check's answers, confirmed against the installed Keras; and its scoring."""
from __future__ import annotations

import numpy as np
import pytest

from engine.validate import SpecError
from lessons import exam
from ui.text import strings


# ---------------------------------------------------------------- Keras checks
def _keras():
    import keras

    return keras


def _tiny_model(keras, **model_kw):
    from engine.build import fresh_names

    with fresh_names():
        inputs = keras.Input(shape=(1,))
        x = keras.layers.Dense(4, activation="relu")(inputs)
        outputs = keras.layers.Dense(1)(x)
        return keras.Model(inputs, outputs, **model_kw)


def check_mandatory(what, q):
    from engine.keras_errors import mandatory_demo

    err = mandatory_demo(what)
    assert err is not None, f"{what}: Keras accepted it"
    if q.keras_says:
        assert str(err) == q.keras_says


def check_dense_default_activation(q):
    keras = _keras()
    layer = keras.layers.Dense(4)
    assert layer.get_config()["activation"] == "linear"
    x = np.array([[-2.0, 3.0]], dtype="float32")
    layer.build((None, 2))
    # No non-linearity: output is exactly Wx + b, negatives included.
    w, b = (v.numpy() for v in layer.weights)
    np.testing.assert_allclose(layer(x).numpy(), x @ w + b, rtol=1e-6)


def check_linear_collapse(q):
    keras = _keras()
    from engine.build import fresh_names

    keras.utils.set_random_seed(1)
    with fresh_names():
        inputs = keras.Input(shape=(1,))
        x = keras.layers.Dense(8)(inputs)
        x = keras.layers.Dense(16)(x)
        outputs = keras.layers.Dense(1)(x)
        model = keras.Model(inputs, outputs)
    xs = np.linspace(-3, 3, 25, dtype="float32").reshape(-1, 1)
    ys = model.predict(xs, verbose=0).ravel()
    # Without activations the stack is one affine map: equal steps in x, equal steps in y.
    second_diff = np.diff(ys, 2)
    assert np.max(np.abs(second_diff)) < 1e-4 * max(1.0, np.max(np.abs(ys)))


def check_dense_auto_name(q):
    keras = _keras()
    from engine.build import fresh_names

    with fresh_names():
        first, second = keras.layers.Dense(4), keras.layers.Dense(4)
    assert (first.name, second.name) == ("dense", q.answer)


def check_input_auto_name(q):
    keras = _keras()
    from engine.build import fresh_names

    with fresh_names():
        inputs = keras.Input(shape=(1,))
        model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    assert model.layers[0].name == q.answer
    assert q.answer != "input_1"  # the document's name is Keras 2's


def check_mandatory_set(q):
    from engine.keras_errors import mandatory_demo

    keras = _keras()
    fails = {
        "input_shape": mandatory_demo("input_shape") is not None,
        "dense_units": mandatory_demo("dense_units") is not None,
        "model_inputs": mandatory_demo("model_inputs") is not None,
        "model_outputs": mandatory_demo("model_outputs") is not None,
    }
    # The optional two: leaving them out must work.
    keras.layers.Dense(4)  # no activation
    keras.layers.Dense(4, activation="relu")  # no name
    fails["dense_activation"] = False
    fails["dense_name"] = False
    assert set(q.options) == set(fails)
    assert {k for k, v in fails.items() if v} == set(q.answer)


def check_dense_params(spec, q):
    keras = _keras()
    fan_in, units, bias = (int(s) for s in spec.split(":"))
    layer = keras.layers.Dense(units, use_bias=bool(bias))
    layer.build((None, fan_in))
    assert layer.count_params() == q.answer


def check_recommended_total(q):
    from engine.build import build_model
    from engine.spec import recommended

    model = build_model(recommended())
    assert model.count_params() == q.answer
    assert [layer.name for layer in model.layers] == ["input_layer", "hidden1", "hidden2", "hidden3", "output"]


def check_frozen_trainable(q):
    from engine.build import build_model
    from engine.spec import recommended
    from engine.table import totals

    model = build_model(recommended().replace(trainable=False))
    assert totals(model)["trainable"] == q.answer
    assert totals(model)["non_trainable"] == 233


def check_outputs_type(q):
    keras = _keras()
    outputs = keras.layers.Dense(1)(keras.Input(shape=(1,)))
    assert type(outputs).__name__ == "KerasTensor"
    assert not isinstance(outputs, keras.Model)


def check_outputs_shape(q):
    keras = _keras()
    outputs = keras.layers.Dense(1)(keras.Input(shape=(1,)))
    assert tuple(outputs.shape) == (None, 1)


def check_sigmoid_range(q):
    keras = _keras()
    layer = keras.layers.Dense(1, activation="sigmoid")
    y = layer(np.random.default_rng(0).normal(0, 5, size=(200, 3)).astype("float32")).numpy()
    assert y.shape == (200, 1) and np.all((y > 0) & (y < 1))


def check_softmax_sums(q):
    keras = _keras()
    layer = keras.layers.Dense(10, activation="softmax")
    y = layer(np.random.default_rng(0).normal(size=(50, 4)).astype("float32")).numpy()
    assert y.shape == (50, 10)
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-5)


def check_default_optimizer(q):
    keras = _keras()
    model = _tiny_model(keras)
    model.compile(loss="mse")
    assert type(model.optimizer).__name__.lower() == q.answer
    import inspect

    assert inspect.signature(keras.Model.compile).parameters["optimizer"].default == "rmsprop"


def check_history_without_metrics(q):
    keras = _keras()
    model = _tiny_model(keras)
    model.compile(optimizer="adam", loss="mse")
    h = model.fit(np.zeros((8, 1)), np.zeros((8, 1)), epochs=1, verbose=0)
    assert list(h.history) == ["loss"]


def check_freeze_keeps_weights(q):
    keras = _keras()
    model = _tiny_model(keras)
    model.layers[1].trainable = False
    model.compile(optimizer="sgd", loss="mse")
    before = [w.numpy().copy() for w in model.layers[1].weights]
    head_before = model.layers[2].weights[0].numpy().copy()
    rng = np.random.default_rng(0)
    model.fit(rng.normal(size=(32, 1)), rng.normal(size=(32, 1)), epochs=2, verbose=0)
    for b, a in zip(before, model.layers[1].weights):
        np.testing.assert_array_equal(b, a.numpy())
    assert not np.array_equal(head_before, model.layers[2].weights[0].numpy())  # the rest did learn


def check_recompile_needed(q):
    keras = _keras()
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(32, 1)), rng.normal(size=(32, 1))
    model = _tiny_model(keras)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, epochs=1, verbose=0)
    model.layers[1].trainable = False  # changed after fit, no compile()
    before = model.layers[1].weights[0].numpy().copy()
    model.fit(x, y, epochs=1, verbose=0)
    changed_without = not np.array_equal(before, model.layers[1].weights[0].numpy())
    model.compile(optimizer="sgd", loss="mse")
    before = model.layers[1].weights[0].numpy().copy()
    model.fit(x, y, epochs=1, verbose=0)
    changed_with = not np.array_equal(before, model.layers[1].weights[0].numpy())
    assert changed_without and not changed_with


CHECKS = {
    "dense_default_activation": check_dense_default_activation,
    "linear_collapse": check_linear_collapse,
    "dense_auto_name": check_dense_auto_name,
    "input_auto_name": check_input_auto_name,
    "mandatory_set": check_mandatory_set,
    "recommended_total": check_recommended_total,
    "frozen_trainable": check_frozen_trainable,
    "outputs_type": check_outputs_type,
    "outputs_shape": check_outputs_shape,
    "sigmoid_range": check_sigmoid_range,
    "softmax_sums": check_softmax_sums,
    "default_optimizer": check_default_optimizer,
    "history_without_metrics": check_history_without_metrics,
    "freeze_keeps_weights": check_freeze_keeps_weights,
    "recompile_needed": check_recompile_needed,
}

CHECKED = [q for q in exam.QUESTIONS if q.check]


@pytest.mark.parametrize("q", CHECKED, ids=[q.id for q in CHECKED])
def test_answer_holds_in_installed_keras(q):
    kind, _, arg = q.check.partition(":")
    if kind == "mandatory":
        check_mandatory(arg, q)
    elif kind == "dense_params":
        check_dense_params(arg, q)
    else:
        CHECKS[kind](q)


def test_every_code_checkable_answer_is_checked():
    # Questions about errors, counts, names and defaults must all carry a check.
    unchecked = {q.id for q in exam.QUESTIONS if not q.check}
    assert unchecked <= {"head_regression", "golden_rule", "interview", "freeze_where", "freeze_why"}
    assert all(q.check for q in exam.QUESTIONS if q.kind == exam.NUMBER or q.keras_says)


# ---------------------------------------------------------------- structure and scoring
def test_enough_questions_of_mixed_kinds():
    assert len(exam.QUESTIONS) >= 12
    kinds = {q.kind for q in exam.QUESTIONS}
    assert kinds == {exam.CHOICE, exam.MULTI, exam.NUMBER}
    assert {q.section for q in exam.QUESTIONS} == set(exam.SECTIONS)
    assert len(exam.BY_ID) == len(exam.QUESTIONS)


def test_answers_are_among_options_and_pages_exist():
    from tests.conftest import PAGES

    for q in exam.QUESTIONS:
        assert q.page in PAGES, q.id
        if q.kind == exam.CHOICE:
            assert q.answer in q.options, q.id
        elif q.kind == exam.MULTI:
            assert set(q.answer) <= set(q.options), q.id


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_every_question_has_its_text(lang):
    s = strings(lang)
    for sec in exam.SECTIONS:
        assert f"exam.section.{sec}" in s
    for q in exam.QUESTIONS:
        assert f"exam.q.{q.id}.prompt" in s, q.id
        assert f"exam.q.{q.id}.why" in s, q.id
        for o in q.options:
            assert f"exam.q.{q.id}.opt_{o}" in s, (q.id, o)


def test_scoring():
    assert exam.score({}) == exam.Score(0, 0, len(exam.QUESTIONS))
    answers = {
        "input_no_shape": "error",  # right
        "dense_no_activation": "relu",  # wrong
        "params_total": " 233 ",  # right, spaces forgiven
        "params_first": "1,6",  # thousands separators are stripped: 16, right
        "mandatory_set": ["model_outputs", "model_inputs", "dense_units", "input_shape"],  # right, any order
        "params_second": "abc",  # unreadable: not counted
        "params_no_bias": "",  # empty: not answered
    }
    assert exam.score(answers) == exam.Score(4, 5, len(exam.QUESTIONS))


def test_number_answer_rejects_text_with_a_spec_error():
    q = exam.question("params_total")
    with pytest.raises(SpecError) as e:
        exam.normalise(q, "two hundred")
    assert e.value.code == "not_an_integer"
    with pytest.raises(SpecError):
        exam.normalise(q, "-5")
    assert exam.is_correct(q, "1e3") is None


# The revision table is generated from Keras now: tests/unit/test_exam_table.py checks it against a live run.
