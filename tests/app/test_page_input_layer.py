"""Input() page: widgets change what Keras returns; bad input gets a message and keeps the last tensor."""
import keras
import numpy as np
import pytest

from engine.build import fresh_names
from tests.conftest import LANGS, codes, left_out_shows_keras, metrics, open_page, texts
from ui.text import translate

P = "input_layer"


def fresh_input(**kw):
    with fresh_names():
        return keras.Input(**kw)


def err(lang, code, **params):
    if "field" in params:
        params["field"] = translate(lang, f"fields.{params['field']}")
    return translate(lang, f"errors.{code}", **params)


@pytest.mark.parametrize("lang", LANGS)
def test_default_shows_the_real_keras_tensor(lang):
    at = open_page(P, lang)
    assert not at.exception
    ref = fresh_input(shape=(1,))
    assert metrics(at) == ["(None, 1)", ref.dtype, ref.name, ref._keras_history.operation.name]
    assert repr(ref) in codes(at)
    assert "inputs = Input(shape=(1,))" in codes(at)
    shown = texts(at)
    assert translate(lang, f"{P}.naming_older", version=keras.__version__) in shown
    assert translate(lang, f"{P}.batch_none", sample="(1,)") in shown
    # An Input holds no data: Keras's own refusal is on screen.
    try:
        np.asarray(ref)
    except ValueError as exc:
        assert str(exc) in codes(at)


@pytest.mark.parametrize("lang", LANGS)
def test_presets_batch_name_dtype(lang):
    at = open_page(P, lang)
    at.button(key=f"{P}_preset_2").click().run()
    assert at.text_input(key=f"{P}_shape").value == "(28, 28, 1)"
    assert metrics(at)[0] == "(None, 28, 28, 1)"
    at.text_input(key=f"{P}_batch").set_value("32").run()
    assert metrics(at)[0] == str(fresh_input(shape=(28, 28, 1), batch_size=32).shape) == "(32, 28, 28, 1)"
    assert translate(lang, f"{P}.batch_fixed", batch=32) in texts(at)
    assert translate(lang, f"{P}.batch_checked", n=33, shape="(33, 28, 28, 1)", version=keras.__version__) in texts(at)
    at.text_input(key=f"{P}_name").set_value("image").run()
    assert metrics(at)[2:] == ["image", "image"]
    assert translate(lang, f"{P}.naming_given", name="image") in texts(at)
    at.selectbox(key=f"{P}_dtype").set_value("float16").run()
    assert metrics(at)[1] == "float16"
    ref = fresh_input(shape=(28, 28, 1), batch_size=32, name="image", dtype="float16")
    assert repr(ref) in codes(at)
    assert 'Input(shape=(28, 28, 1), batch_size=32, name="image", dtype="float16")' in codes(at)
    assert not at.exception and not at.error


@pytest.mark.parametrize("lang", LANGS)
def test_bad_shape_keeps_last_good_tensor(lang):
    at = open_page(P, lang)
    at.button(key=f"{P}_preset_1").click().run()
    assert metrics(at)[0] == "(None, 10)"
    for text, code, params in [
        ("(28, -1)", "shape_dim_not_positive", {"dim": -1}),
        ("abc", "shape_syntax", {"text": "abc"}),
        ("", "shape_empty", {}),
        ("(None, 3)", "shape_none", {"text": "(None, 3)"}),
        ("(4096, 2)", "shape_dim_too_big", {"dim": 4096, "max": 1024}),
    ]:
        at.text_input(key=f"{P}_shape").set_value(text).run()
        assert not at.exception
        assert [e.value for e in at.error] == [err(lang, code, **params)], text
        assert metrics(at)[0] == "(None, 10)", text  # the last good tensor stays
        assert translate(lang, "common.last_good_model") in [i.value for i in at.info]


@pytest.mark.parametrize("lang", LANGS)
def test_bad_batch_and_name_get_messages(lang):
    at = open_page(P, lang)
    at.text_input(key=f"{P}_batch").set_value("abc").run()
    assert [e.value for e in at.error] == [err(lang, "not_an_integer", field="batch_size", text="abc")]
    at.text_input(key=f"{P}_batch").set_value("0").run()
    assert [e.value for e in at.error] == [err(lang, "out_of_range", field="batch_size", value=0, lo=1, hi=1024)]
    at.text_input(key=f"{P}_batch").set_value("").run()
    at.text_input(key=f"{P}_name").set_value("my input").run()
    assert [e.value for e in at.error] == [err(lang, "name_invalid", field="name", name="my input")]
    assert metrics(at)[0] == "(None, 1)"
    assert not at.exception


@pytest.mark.parametrize("lang", LANGS)
def test_leave_shape_out_shows_keras_error(lang):
    at, _ = left_out_shows_keras(P, lang, "input_shape")
    assert "inputs = Input()" in codes(at)
    assert translate(lang, f"{P}.leave_out_title") in [s.value for s in at.subheader]
    at.toggle(key=f"{P}_leave_out").set_value(False).run()
    assert metrics(at)[0] == "(None, 1)"


@pytest.mark.parametrize("lang", LANGS)
def test_sparse_and_ragged_answered_by_keras(lang):
    at = open_page(P, lang)
    at.checkbox(key=f"{P}_sparse").check().run()
    backend = keras.backend.backend()
    assert translate(lang, f"{P}.sparse_now", backend=backend, sparse=True, ragged=False) in texts(at)
    at.checkbox(key=f"{P}_ragged").check().run()
    try:
        keras.Input(shape=(1,), sparse=True, ragged=True)
    except ValueError as exc:
        assert f"ValueError: {exc}" in codes(at)
    assert not at.exception
