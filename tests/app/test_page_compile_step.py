"""compile(): the document's table against real Keras, leave-one-out errors, comparison chart."""
import json

import pytest

from engine import spec as model_spec
from engine import stack
from tests.conftest import open_page, texts
from ui.text import translate


def _chart(at):
    charts = [el for el in at.main if getattr(el, "type", "") == "plotly_chart"]
    return json.loads(charts[0].proto.spec) if charts else None


def _trace_names(at):
    return [tr.get("name") for tr in _chart(at)["data"]]


@pytest.fixture(scope="module")
def keras_errors():
    from engine.keras_errors import mandatory_demo

    return {w: str(mandatory_demo(w)) for w in ("compile", "compile_loss")}


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_truth_table_and_default_compile(lang):
    import inspect

    import keras

    at = open_page("compile_step", lang)
    assert not at.exception, [e.value for e in at.exception]
    shown = texts(at)
    default = inspect.signature(keras.Model.compile).parameters["optimizer"].default
    assert default == "rmsprop"
    assert f"compile(optimizer={default!r}, loss=None, metrics=None, ...)" in [c.value for c in at.code]
    assert translate(lang, "compile_step.truth_title", version=keras.__version__) in shown
    assert "Adam" in shown and "`loss`, `mae`" in shown  # the full call trains
    # Comparison: three optimizers, each a training and a validation line.
    assert _trace_names(at) == ["adam", "adam (val)", "sgd", "sgd (val)", "rmsprop", "rmsprop (val)"]
    assert len(at.dataframe[0].value) == 3


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_leaving_things_out_shows_what_keras_does(lang, keras_errors):
    at = open_page("compile_step", lang)
    seg = at.segmented_control(key="compile_step_leave_out")

    seg.set_value("optimizer").run()
    assert not at.exception
    assert "**RMSprop**" in texts(at)  # Keras 3 fills in its default optimizer
    assert 'model.compile(loss="mse", metrics=["mae"])' in at.code[1].value

    at.segmented_control(key="compile_step_leave_out").set_value("loss").run()
    assert translate(lang, "compile_step.failed_at_fit") in [e.value for e in at.error]
    assert keras_errors["compile_loss"] in [c.value for c in at.code]

    at.segmented_control(key="compile_step_leave_out").set_value("compile").run()
    assert translate(lang, "compile_step.failed_at_fit") in [e.value for e in at.error]
    assert keras_errors["compile"] == "ValueError: You must call `compile()` before using the model."
    assert keras_errors["compile"] in [c.value for c in at.code]

    at.segmented_control(key="compile_step_leave_out").set_value("metrics").run()
    assert not at.error
    assert "`loss`." in texts(at) or "`loss`।" in texts(at)


def test_compare_learning_rates_and_bad_input_keeps_last_chart():
    at = open_page("compile_step", "en")
    at.segmented_control(key="compile_step_vary").set_value("learning_rate").run()
    assert not at.exception
    assert _trace_names(at)[::2] == ["0.1", "0.01", "0.001"]
    at.text_input(key="compile_step_cmp_rates").set_value("0.05, fast").run()
    assert any("`fast` is not a number" in e.value for e in at.error)
    assert translate("en", "common.last_good_model") in [i.value for i in at.info]
    assert _trace_names(at)[::2] == ["0.1", "0.01", "0.001"]  # the last good chart stays
    at.text_input(key="compile_step_cmp_rates").set_value("1,2,3,4,5,6,7").run()
    assert any("7 runs" in e.value for e in at.error)
    at.text_input(key="compile_step_cmp_rates").set_value("0.05").run()
    assert not at.error
    assert _trace_names(at) == ["0.05", "0.05 (val)"]


def test_compare_losses_plots_a_common_metric_and_bad_epochs_get_a_message():
    at = open_page("compile_step", "en")
    at.segmented_control(key="compile_step_vary").set_value("loss").run()
    assert not at.exception
    assert _trace_names(at)[::2] == ["mse", "mae", "huber"]
    assert _chart(at)["layout"]["yaxis"]["title"]["text"] == "MSE"
    assert translate("en", "compile_step.loss_scale_note") in texts(at)
    assert "final MSE" in at.dataframe[0].value.columns
    at.text_input(key="compile_step_epochs").set_value("many").run()
    assert any("`many` is not a whole number" in e.value for e in at.error)
    assert _trace_names(at)[::2] == ["mse", "mae", "huber"]
    at.text_input(key="compile_step_epochs").set_value("60")
    at.multiselect(key="compile_step_cmp_losses").set_value([]).run()
    assert translate("en", "compile_step.compare_empty") in [e.value for e in at.error]


def test_compile_line_matches_generated_code():
    from engine.codegen import source

    for spec in (model_spec.recommended(), model_spec.recommended().replace(optimizer="sgd", learning_rate=0.1, loss="huber",
                                                          metrics=["mse"])):
        assert stack.compile_line(spec) in source(spec, "curve")


def test_compare_specs_change_only_the_varied_setting():
    base = model_spec.recommended().replace(learning_rate=0.01, epochs=10)
    runs = stack.compare_specs(base, "optimizer", ["sgd", "adam"])
    assert [(label, s.optimizer) for label, s in runs] == [("sgd", "sgd"), ("adam", "adam")]
    assert all(s.replace(optimizer=base.optimizer) == base for _, s in runs)
    runs = stack.compare_specs(base, "loss", ["mae"])
    assert runs[0][1].metrics == ["mse"] and runs[0][1].loss == "mae"
    assert stack.parse_rates(" 0.1 ; 1e-3 , 0.1") == [0.1, 0.001]
