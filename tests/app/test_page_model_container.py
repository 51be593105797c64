"""Model() page: which tensors go in, Keras's refusals, names, trainable=False, summary beside the table."""
import keras
import pytest

from engine.build import build_model, fresh_names
from engine.spec import recommended
from tests.conftest import LANGS, codes, open_page, texts
from ui.text import translate

P = "model_container"


def metric(at, key) -> str:
    lang = at.session_state["lang"]
    label = translate(lang, f"{P}.{key}") if key.startswith("m_") else translate(lang, f"common.{key}")
    return [m.value for m in at.metric if m.label == label][0]


def keras_refusal(fn) -> str:
    try:
        fn()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    raise AssertionError("Keras accepted it")


@pytest.mark.parametrize("lang", LANGS)
def test_default_is_the_recommended_model_with_summary(lang):
    at = open_page(P, lang)
    assert not at.exception
    ref = build_model(recommended())
    assert metric(at, "m_name") == ref.name == "regression_model"
    assert metric(at, "m_layers") == str(len(ref.layers))
    assert metric(at, "total_params") == f"{ref.count_params():,}" == "233"
    assert metric(at, "trainable_params") == "233" and metric(at, "non_trainable_params") == "0"
    table = at.dataframe[0].value
    assert list(table.iloc[:, 0]) == [layer.name for layer in ref.layers]
    assert list(table.iloc[:, 3]) == [layer.count_params() for layer in ref.layers]
    summary = [c.value for c in at.code if c.value.startswith('Model: "regression_model"')]
    assert summary and "Total params: 233" in summary[0]
    assert 'model = Model(inputs=inputs, outputs=outputs, name="regression_model")' in codes(at)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("style", ["keyword", "positional"])
def test_missing_tensor_shows_keras_error(lang, style):
    at = open_page(P, lang)
    at.radio(key=f"{P}_style").set_value(style).run()
    at.selectbox(key=f"{P}_outputs").set_value("—").run()
    with fresh_names():
        i = keras.Input(shape=(1,), name="input_layer")
        if style == "positional":
            expected = keras_refusal(lambda: keras.Model(i, name="regression_model"))
        else:
            expected = keras_refusal(lambda: keras.Model(inputs=i, name="regression_model"))
    assert expected.split(":")[0] in ("TypeError", "ValueError")
    assert expected.split("{")[0] in codes(at)
    assert translate(lang, f"{P}.refused_outputs") in texts(at)
    assert not at.metric  # no older model pretends to be this call's result
    call = "model = Model(inputs" + (", " if style == "positional" else "=inputs, ") + 'name="regression_model")'
    assert call in codes(at)
    at.selectbox(key=f"{P}_outputs").set_value("outputs").run()
    at.selectbox(key=f"{P}_inputs").set_value("—").run()
    assert translate(lang, f"{P}.refused_inputs") in texts(at)
    assert not at.exception


@pytest.mark.parametrize("lang", LANGS)
def test_no_tensors_gives_an_empty_model(lang):
    at = open_page(P, lang)
    at.selectbox(key=f"{P}_inputs").set_value("—").run()
    at.selectbox(key=f"{P}_outputs").set_value("—").run()
    empty = keras.Model(name="regression_model")
    assert translate(lang, f"{P}.empty_text", name=empty.name, layers=len(empty.layers)).strip() in texts(at)
    assert keras_refusal(empty.count_params) in codes(at)


@pytest.mark.parametrize("lang", LANGS)
def test_trainable_false_and_cut_and_auto_name(lang):
    at = open_page(P, lang)
    at.checkbox(key=f"{P}_trainable").uncheck().run()
    assert metric(at, "trainable_params") == "0"
    assert metric(at, "non_trainable_params") == "233"
    assert any("Trainable params: 0" in c.value for c in at.code)
    assert translate(lang, f"{P}.frozen_text", params="233", trainable=0) in texts(at)
    at.selectbox(key=f"{P}_outputs").set_value("x").run()
    with fresh_names():
        i = keras.Input(shape=(1,), name="input_layer")
        x = keras.layers.Dense(8, activation="relu")(i)
        x = keras.layers.Dense(16, activation="relu")(x)
        x = keras.layers.Dense(4, activation="relu")(x)
        cut = keras.Model(i, x)
    assert metric(at, "m_output") == "(None, 4)"
    assert metric(at, "total_params") == str(cut.count_params()) == "228"
    at.text_input(key=f"{P}_name").set_value("").run()
    with fresh_names():
        auto = keras.Model(i, x).name
    assert metric(at, "m_name") == auto == "functional"
    assert translate(lang, f"{P}.auto_name", name="functional") in texts(at)


@pytest.mark.parametrize("lang", LANGS)
def test_bad_name_keeps_last_model(lang):
    at = open_page(P, lang)
    at.text_input(key=f"{P}_name").set_value("my model!").run()
    field = translate(lang, "fields.model_name")
    assert [e.value for e in at.error] == [translate(lang, "errors.name_invalid", field=field, name="my model!")]
    assert metric(at, "m_name") == "regression_model"
    assert translate(lang, "common.last_good_model") in [i.value for i in at.info]
    assert not at.exception
