"""Build & train: the document's examples, widgets that rebuild and retrain, bad input, predict()."""
import json

import pytest

from engine import spec as model_spec
from engine import stack
from tests.conftest import open_page, texts
from ui.text import translate

P = "build_and_train"


def _metric(at, key, lang="en"):
    label = translate(lang, key)
    return next(m.value for m in at.metric if m.label == label)


def _params(at, lang="en"):
    return _metric(at, "common.total_params", lang)


def _names(at):
    return at.dataframe[0].value.iloc[:, 0].tolist()


def _chart_traces(at):
    out = []
    for el in at.main:
        if getattr(el, "type", "") == "plotly_chart":
            out.append([tr.get("type", "scatter") + ":" + str(tr.get("name")) for tr in json.loads(el.proto.spec)["data"]])
    return out


def _keras_model(spec):
    from engine.build import build_model

    return build_model(spec)


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_default_is_the_recommended_example_trained_and_predicted(lang):
    at = open_page(P, lang)
    assert not at.exception, [e.value for e in at.exception]
    model = _keras_model(model_spec.recommended())
    assert _params(at, lang) == f"{model.count_params():,}" == "233"
    assert _names(at) == [layer.name for layer in model.layers] == [
        "input_layer", "hidden1", "hidden2", "hidden3", "output"]
    shown = texts(at)
    assert translate(lang, "build_and_train.model_name", name="regression_model") in shown
    assert len(_chart_traces(at)) == 2, "predict() waits for a guess"
    at.radio(key=f"{P}_predict_guess").set_value("(5, 1)").run()
    assert "(5, 1)" in at.success[-1].value  # right: the real predict() shape
    loss, bars, predict = _chart_traces(at)  # fit()'s chart sits right under the model, beside the controls
    assert bars == ["bar:None"]
    assert len(loss) == 2  # training and validation loss (names come from the live trainer or this page)
    assert "scatter:model.predict()" in predict
    code = at.code[-1].value if "import keras" in at.code[-1].value else next(
        c.value for c in at.code if "import keras" in c.value)
    for line in ('inputs = Input(shape=(1,), name="input_layer")',
                 'x = Dense(8, activation="relu", name="hidden1")(inputs)',
                 'outputs = Dense(1, activation="linear", name="output")(x)',
                 'model = Model(inputs=inputs, outputs=outputs, name="regression_model")',
                 "history = model.fit(x_train, y_train, epochs=100, batch_size=32,"):
        assert line in code
    assert float(_metric(at, "build_and_train.final_loss", lang)) < 0.1  # the curve is learnt


def test_minimal_example_gets_keras_own_names():
    at = open_page(P, "en")
    at.segmented_control(key=f"{P}_example").set_value("minimal").run()
    assert not at.exception
    model = _keras_model(model_spec.minimal())
    assert at.toggle(key=f"{P}_named").value is False
    assert at.slider(key=f"{P}_n_hidden").value == 1
    assert _names(at) == [layer.name for layer in model.layers] == ["input_layer", "dense", "dense_1"]
    assert translate("en", "build_and_train.model_name", name=model.name) in texts(at)
    assert model.name == "functional"
    assert _params(at) == "25"
    # ... and back: the recommended stack returns.
    at.segmented_control(key=f"{P}_example").set_value("recommended").run()
    assert _params(at) == "233" and at.slider(key=f"{P}_n_hidden").value == 3


def test_moons_gets_a_sigmoid_head_and_decision_regions():
    at = open_page(P, "en")
    at.selectbox(key=f"{P}_dataset").set_value("moons").run()
    assert not at.exception
    spec = stack.spec_from_controls(dataset="moons", named=True, n_hidden=3, units=["8", "16", "4"],
                                activations=["relu"] * 3, optimizer="adam", learning_rate="0.001", epochs="100",
                                batch_size="32", validation_split=0.2)
    model = _keras_model(spec)
    assert _params(at) == str(model.count_params()) == "241"
    assert "`(2,)`" in texts(at)
    assert 'activation="sigmoid"' in texts(at) and "binary_crossentropy" in texts(at)
    assert float(_metric(at, "build_and_train.final_acc").rstrip("%")) > 80
    at.button(key=f"{P}_predict_skip").click().run()
    predict = _chart_traces(at)[-1]
    assert predict[0] == "contour:None"
    assert predict[1:] == ["scatter:class 0", "scatter:class 1"]


def test_diabetes_ten_features_and_predicted_vs_true():
    at = open_page(P, "bn")
    at.selectbox(key=f"{P}_dataset").set_value("diabetes").run()
    assert not at.exception
    assert "`(10,)`" in texts(at)
    assert _params(at, "bn") == "305"  # 10×8+8 + 144 + 68 + 5
    assert _names(at)[0] == "input_layer"
    at.radio(key=f"{P}_predict_guess").set_value("(None, 1)").run()
    assert "(5, 1)" in at.error[-1].value  # wrong: a real array has a real batch size
    predict = _chart_traces(at)[-1]
    assert translate("bn", "build_and_train.legend_data") in " ".join(predict)


def test_widgets_rebuild_the_model():
    at = open_page(P, "en")
    at.slider(key=f"{P}_n_hidden").set_value(4).run()
    assert at.text_input(key=f"{P}_units_3").value == "8"
    at.text_input(key=f"{P}_units_3").set_value("32").run()
    at.selectbox(key=f"{P}_act_3").set_value("tanh").run()
    assert not at.exception
    # 16 + 144 + 68 + (4×32+32) + (32×1+1)
    assert _params(at) == f"{16 + 144 + 68 + 160 + 33}"
    assert 'x = Dense(32, activation="tanh", name="hidden4")(x)' in texts(at)
    at.slider(key=f"{P}_n_hidden").set_value(0).run()
    assert _params(at) == "2" and _names(at) == ["input_layer", "output"]


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_bad_input_gets_a_message_and_keeps_the_last_good_model(lang):
    at = open_page(P, lang)
    last_good = translate(lang, "common.last_good_model")
    cases = [
        (f"{P}_units_1", "abc", translate(lang, "build_and_train.layer_prefix", n=2)),
        (f"{P}_units_0", "100000", translate(lang, "build_and_train.layer_prefix", n=1)),
        (f"{P}_lr", "fast", "fast"),
        (f"{P}_epochs", "0", "0"),
        (f"{P}_batch", "🙂", "🙂"),
    ]
    for key, bad, expected in cases:
        good = at.text_input(key=key).value
        at.text_input(key=key).set_value(bad).run()
        assert not at.exception, key
        assert at.error and expected in at.error[0].value, (key, [e.value for e in at.error])
        assert last_good in [i.value for i in at.info]
        assert _params(at, lang) == "233"
        assert _names(at)[1] == "hidden1"
        at.text_input(key=key).set_value(good).run()
        assert not at.error


def test_too_large_learning_rate_is_reported_as_divergence():
    at = open_page(P, "en")
    at.selectbox(key=f"{P}_optimizer").set_value("sgd").run()
    at.text_input(key=f"{P}_lr").set_value("10").run()
    assert not at.exception
    assert _metric(at, "build_and_train.final_loss") in ("inf", "nan")
    assert at.warning or at.error  # said by this page, or by the live trainer that drew the run


def test_controls_map_to_the_documents_specs():
    kw = dict(dataset="curve", optimizer="adam", learning_rate="0.001", epochs="100", batch_size="32",
              validation_split=0.2)
    rec, mini = stack.preset("recommended"), stack.preset("minimal")
    assert stack.spec_from_controls(named=rec["named"], n_hidden=rec["n_hidden"], units=rec["units"],
                                activations=rec["activations"], **kw) == model_spec.recommended()
    assert stack.spec_from_controls(named=mini["named"], n_hidden=mini["n_hidden"], units=mini["units"],
                                activations=mini["activations"], **kw) == model_spec.minimal()


def _in_expander(at, label: str) -> list:
    """Elements (walked recursively) inside the expander shown with this label."""
    found = []

    def walk(node):
        for child in getattr(node, "children", {}).values():
            found.append(child)
            walk(child)

    for e in at.expander:
        if e.label == label:
            walk(e)
    return found


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_own_csv_and_its_confusion_matrix_sit_in_advanced_sections(lang):
    from engine import userdata

    at = open_page(P, lang, build_and_train_epochs="5")
    labels = [e.label for e in at.expander]
    assert translate(lang, f"{P}.advanced_csv") not in labels  # the document's data: nothing about CSV
    at.selectbox(key=f"{P}_dataset").set_value(stack.MY_CSV).run()
    inside = _in_expander(at, translate(lang, f"{P}.advanced_csv"))
    assert [el for el in inside if getattr(el, "type", "") == "file_uploader" or el.key == f"{P}_csv"]
    at.file_uploader(key=f"{P}_csv").set_value(("iris.csv", userdata.example_csv(), "text/csv")).run()
    at.button(key=f"{P}_predict_skip").click().run()
    assert not at.exception
    folded = _in_expander(at, translate(lang, f"{P}.advanced_confusion"))
    charts = [el for el in folded if getattr(el, "type", "") == "plotly_chart"]
    assert len(charts) == 1
    matrix = json.loads(charts[0].proto.spec)["data"][0]
    assert matrix["type"] == "heatmap" and matrix["x"] == ["setosa", "versicolor", "virginica"]
