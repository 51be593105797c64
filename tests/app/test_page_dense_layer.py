"""Dense() page: parameter arithmetic, W and b, activation and x·W + b shown as the installed Keras computes them."""
import json

import keras
import numpy as np
import pytest

from engine.build import fresh_names
from tests.conftest import LANGS, codes, left_out_shows_keras, metrics, open_page, texts
from ui.text import translate

P = "dense_layer"


def charts(at) -> list[dict]:
    return [json.loads(e.proto.spec) for e in at.get("plotly_chart")]


def keras_dense(n_in, units, **kw):
    with fresh_names():
        layer = keras.layers.Dense(units, **kw)
        layer(keras.Input(shape=(n_in,)))
    return layer


def err(lang, code, **params):
    if "field" in params:
        field = params["field"]
        key = f"fields.{field}"
        params["field"] = translate(lang, key) if translate(lang, key) != key else field
    return translate(lang, f"errors.{code}", **params)


@pytest.mark.parametrize("lang", LANGS)
def test_default_layer_params_and_weights(lang):
    at = open_page(P, lang)
    assert not at.exception
    layer = keras_dense(3, 4, activation="relu", kernel_initializer=keras.initializers.GlorotUniform(seed=0))
    assert metrics(at) == [str(layer.count_params()), "3×4 + 4 = 16", "(None, 4)", layer.name]
    assert layer.count_params() == 16 and layer.name == "dense"
    w_chart, b_chart = charts(at)[:2]
    np.testing.assert_allclose(w_chart["data"][0]["z"], layer.kernel.numpy(), rtol=1e-6)
    assert b_chart["data"][0]["z"] == [[0.0, 0.0, 0.0, 0.0]]
    assert translate(lang, f"{P}.auto_name", name="dense") in texts(at)
    assert "keras.initializers.GlorotUniform(seed=0)" in codes(at)


@pytest.mark.parametrize("lang", LANGS)
def test_units_inputs_bias_change_the_arithmetic(lang):
    at = open_page(P, lang)
    at.text_input(key=f"{P}_in").set_value("10").run()
    at.text_input(key=f"{P}_units").set_value("8").run()
    assert metrics(at)[:3] == ["88", "10×8 + 8 = 88", "(None, 8)"]
    at.checkbox(key=f"{P}_use_bias").uncheck().run()
    layer = keras_dense(10, 8, use_bias=False)
    assert metrics(at)[:3] == [str(layer.count_params()), "10×8 = 80", "(None, 8)"]
    assert len(charts(at)) == 2  # W, activation (the fit waits for a guess): no b heatmap without a bias
    assert translate(lang, f"{P}.m_arith_nobias") in [m.label for m in at.metric]
    at.text_input(key=f"{P}_name").set_value("hidden_layer1").run()
    assert metrics(at)[3] == "hidden_layer1"
    assert 'name="hidden_layer1"' in codes(at)


@pytest.mark.parametrize("lang", LANGS)
def test_bad_values_keep_the_last_layer(lang):
    at = open_page(P, lang)
    good = metrics(at)
    at.text_input(key=f"{P}_units").set_value("0").run()
    try:
        keras.layers.Dense(0)
    except ValueError as exc:
        assert f"ValueError: {exc}" in codes(at)
    assert metrics(at) == good
    assert translate(lang, "common.last_good_model") in [i.value for i in at.info]
    at.text_input(key=f"{P}_units").set_value("abc").run()
    assert [e.value for e in at.error] == [err(lang, "not_an_integer", field="units", text="abc")]
    at.text_input(key=f"{P}_units").set_value("100000").run()
    # The app's own cap, said as such: no inner bound such as -1000000000 leaks into the message.
    assert [e.value for e in at.error] == [translate(lang, f"{P}.units_capped", max=32, value="100,000")]
    assert "1000000000" not in at.error[0].value
    at.text_input(key=f"{P}_units").set_value("4").run()
    at.text_input(key=f"{P}_in").set_value("0").run()
    assert [e.value for e in at.error] == [err(lang, "out_of_range", field="in_features", value=0, lo=1, hi=32)]
    at.text_input(key=f"{P}_in").set_value("3").run()
    at.text_input(key=f"{P}_name").set_value("1abc").run()
    assert [e.value for e in at.error] == [err(lang, "name_invalid", field="name", name="1abc")]
    assert metrics(at) == good
    assert not at.exception


@pytest.mark.parametrize("lang", LANGS)
def test_leave_units_out(lang):
    _, expected = left_out_shows_keras(P, lang, "dense_units")
    assert expected.type == "TypeError"


@pytest.mark.parametrize("lang", LANGS)
def test_step_by_step_and_activation_curve(lang):
    at = open_page(P, lang)
    at.selectbox(key=f"{P}_binit").set_value("random_normal").run()
    at.selectbox(key=f"{P}_activation").set_value("tanh").run()
    layer = keras_dense(3, 4, activation="tanh", kernel_initializer=keras.initializers.GlorotUniform(seed=0),
                        bias_initializer=keras.initializers.RandomNormal(seed=1))
    x = np.round(np.random.default_rng(0).uniform(-2, 2, size=3), 1).astype("float32")
    y = np.asarray(layer(x[None, :]))[0]
    shown = texts(at)
    assert "[" + ", ".join(f"{v:.4f}" for v in y) + "]" in shown
    for j, v in enumerate(y):
        assert translate(lang, f"{P}.step_act", act="tanh", a=f"{v:.4f}") in shown
    curve = [c for c in charts(at) if c["data"][0].get("name") == "tanh"][0]
    z = np.array(curve["data"][0]["x"])
    np.testing.assert_allclose(curve["data"][0]["y"], np.tanh(z), atol=1e-6)
    at.selectbox(key=f"{P}_activation").set_value("softmax").run()
    assert translate(lang, f"{P}.act_softmax") in texts(at)


@pytest.mark.parametrize("lang", LANGS)
def test_regularizer_penalty_shown(lang):
    at = open_page(P, lang)
    at.selectbox(key=f"{P}_reg").set_value("l2").run()
    layer = keras_dense(3, 4, activation="relu", kernel_initializer=keras.initializers.GlorotUniform(seed=0),
                        kernel_regularizer="l2")
    layer(np.ones((1, 3), "float32"))
    penalty = float(sum(float(v) for v in layer.losses))
    assert f"{penalty:.6f}" in texts(at)
    assert translate(lang, f"{P}.reg_formula_l2") in texts(at)
    at.selectbox(key=f"{P}_reg").set_value("l1_l2").run()
    assert translate(lang, f"{P}.reg_note") in texts(at)
    assert "keras.regularizers.L1L2(l1=0.01, l2=0.01)" in codes(at)


@pytest.mark.parametrize("lang", LANGS)
def test_linear_stack_draws_a_straight_line(lang):
    at = open_page(P, lang)
    at.slider(key=f"{P}_depth").set_value(2).run()
    assert not any(c["data"] and c["data"][0].get("name") == translate(lang, f"{P}.series_data")
                   for c in charts(at)), "the chart waits for a guess"
    at.radio(key=f"{P}_collapse_guess").set_value("straight").run()
    assert translate(lang, f"{P}.collapse_opt_straight") in at.success[-1].value  # judged right, by the real run
    fit = charts(at)[-1]
    names = [d["name"] for d in fit["data"]]
    assert names[1] == translate(lang, f"{P}.series_linear", depth=2, width=16)
    assert names[2] == translate(lang, f"{P}.series_relu", depth=2, width=16)
    flat = np.array(fit["data"][1]["y"])
    bent = np.array(fit["data"][2]["y"])
    assert np.max(np.abs(np.diff(flat, 2))) < 1e-4  # no activation: straight
    assert np.max(np.abs(np.diff(bent, 2))) > 1e-3  # relu: bent
    mse = [float(v) for v in fit["data"][0]["y"]]
    assert len(mse) == 200
    assert not at.exception
