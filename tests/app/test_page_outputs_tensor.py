"""outputs-tensor page: a KerasTensor, not a Model; heads per task; wrong heads trained live."""
import json

import keras
import pytest

from engine.build import fresh_names
from tests.conftest import LANGS, codes, open_page, texts
from ui.text import translate

P = "outputs_tensor"


def metric(at, key) -> str:
    label = translate(at.session_state["lang"], f"{P}.{key}")
    return [m.value for m in at.metric if m.label == label][0]


def reference_outputs(units=1, activation=None, n_in=1):
    with fresh_names():
        i = keras.Input(shape=(n_in,))
        h = keras.layers.Dense(16, activation="relu", name="hidden1")(i)
        h = keras.layers.Dense(16, activation="relu", name="hidden2")(h)
        return i, keras.layers.Dense(units, activation=activation, name="output")(h)


@pytest.mark.parametrize("lang", LANGS)
def test_outputs_is_a_tensor_and_model_wraps_it(lang):
    at = open_page(P, lang)
    assert not at.exception
    assert not [m for m in at.metric if m.label == translate(lang, f"{P}.m_type")], "hidden until a guess"
    at.radio(key=f"{P}_is_guess").set_value("keras_tensor").run()
    # judged right against the real type (the first success is the head's verdict, under the controls)
    assert [s.value for s in at.success if "KerasTensor" in s.value]
    i, out = reference_outputs(1, "linear")
    assert metric(at, "m_type") == type(out).__name__ == "KerasTensor"
    assert metric(at, "m_shape") == "(None, 1)" and tuple(out.shape) == (None, 1)
    assert metric(at, "m_is_model") == str(isinstance(out, keras.Model)) == "False"
    model = keras.Model(i, out)
    assert metric(at, "m_model_type") == type(model).__name__
    assert metric(at, "m_model_is") == "True"
    assert metric(at, "m_predict") == "(200, 1)"
    assert repr(out) in codes(at)
    try:
        out.summary()
    except AttributeError as exc:
        assert f"AttributeError: {exc}" in codes(at)
    assert translate(lang, f"{P}.verdict_good", head='Dense(1, activation="linear")') in [s.value for s in at.success]
    assert not at.warning


@pytest.mark.parametrize("lang", LANGS)
def test_sigmoid_head_on_regression_cannot_exceed_one(lang):
    at = open_page(P, lang)
    at.button(key=f"{P}_try_sigmoid_reg").click().run()
    lo, hi = (float(v) for v in metric(at, "m_out_range").split(" … "))
    assert 0.0 <= lo and hi <= 1.0
    tmin, tmax = (float(v) for v in metric(at, "m_target_range").split(" … "))
    assert tmax > 1.0 and tmin < 0.0
    warnings = [w.value for w in at.warning]
    assert any(w.startswith(translate(lang, f"{P}.verdict_bad", head='Dense(1, activation="sigmoid")',
                                      good='Dense(1, activation="linear")')) for w in warnings)
    assert len(warnings) == 2  # the verdict and "targets this head can never reach"
    fit = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert max(fit["data"][1]["y"]) <= 1.0 and min(fit["data"][1]["y"]) >= 0.0


@pytest.mark.parametrize("lang", LANGS)
def test_softmax_with_one_unit(lang):
    at = open_page(P, lang)
    at.button(key=f"{P}_try_softmax_one").click().run()
    assert at.radio(key=f"{P}_task").value == "binary"
    assert metric(at, "m_accuracy") == "50%"
    assert metric(at, "m_out_range") == "1 … 1"
    assert "softmax over axis -1" in codes(at) and "always return the value 1" in codes(at)
    shown = texts(at)
    assert translate(lang, f"{P}.always_one", v="1") in shown
    assert translate(lang, f"{P}.logits_shortcut", keras="@", real="@").split("@")[0] in shown
    assert not at.exception


@pytest.mark.parametrize("lang", LANGS)
def test_three_classes_into_one_unit_shows_the_loss_error(lang):
    at = open_page(P, lang)
    at.button(key=f"{P}_is_skip").click().run()  # a learner in a hurry: no guess, the tensor shows
    at.button(key=f"{P}_try_three_into_one").click().run()
    assert [e.value for e in at.error] == [translate(lang, f"{P}.fit_failed")]
    assert "InvalidArgumentError: Received a label value of 2 which is outside the valid range of [0, 1)" in codes(at)
    assert metric(at, "m_shape") == "(None, 1)"  # the tensor part still shows
    assert not at.exception


@pytest.mark.parametrize("lang", LANGS)
def test_textbook_multiclass_head(lang):
    at = open_page(P, lang)
    at.button(key=f"{P}_is_skip").click().run()  # a learner in a hurry: no guess, the tensor shows
    at.radio(key=f"{P}_task").set_value("multiclass").run()
    at.button(key=f"{P}_try_good").click().run()
    assert at.number_input(key=f"{P}_units").value == 3
    assert at.selectbox(key=f"{P}_activation").value == "softmax"
    assert metric(at, "m_shape") == "(None, 3)" == str(tuple(reference_outputs(3, "softmax", 2)[1].shape))
    assert metric(at, "m_predict") == "(300, 3)"
    assert float(metric(at, "m_accuracy").rstrip("%")) > 85
    assert translate(lang, f"{P}.verdict_good", head='Dense(3, activation="softmax")') in [s.value for s in at.success]
    # sigmoid instead of softmax: the outputs stop adding up to 1
    at.selectbox(key=f"{P}_activation").set_value("sigmoid").run()
    assert translate(lang, f"{P}.not_distribution", units=3, lo="@", hi="@").split("@")[0] in texts(at)


@pytest.mark.parametrize("lang", LANGS)
def test_logits_warning_stays_and_its_explanation_is_folded(lang):
    at = open_page(P, lang)
    at.button(key=f"{P}_try_softmax_one").click().run()
    title = translate(lang, f"{P}.logits_why_title")
    assert [e for e in at.expander if e.label == title], "the from_logits explanation is an advanced section"
    # the warning itself is outside it, next to the wrong head's other warnings
    head = translate(lang, f"{P}.logits_shortcut", keras="@", real="@").split("@")[0]
    assert any(w.value.startswith(head) for w in at.warning)


def test_the_from_logits_code_shown_runs_in_the_installed_keras():
    import ast
    from pathlib import Path

    import numpy as np

    page = ast.parse((Path(__file__).parents[2] / "app_pages" / f"{P}.py").read_text())
    code = next(ast.literal_eval(n.value) for n in page.body
                if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "LOGITS_CODE")
    x = keras.Input(shape=(2,))
    inputs, x_new = x, np.random.default_rng(0).normal(size=(4, 2)).astype("float32")
    scope = {"keras": keras, "Dense": keras.layers.Dense, "Model": keras.Model, "inputs": inputs, "x": x,
             "x_new": x_new}
    exec(code, scope)  # the page's own constant, read without running the page
    assert scope["model"].loss.from_logits is True
    assert np.allclose(np.asarray(scope["probabilities"]).sum(axis=1), 1.0, atol=1e-5)
