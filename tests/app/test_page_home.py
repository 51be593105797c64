"""Home: the growing sketch follows its widgets, agrees with real Keras, and needs no TensorFlow."""
import json
import subprocess
import sys

import pytest

from engine import stack
from tests.conftest import ROOT, open_page, texts
from ui.text import translate

LINKED = {"input_layer", "dense_layer", "outputs_tensor", "model_container", "build_and_train", "compile_step",
          "exam"}


def _dot(at):
    return next(el.proto.spec for el in at.main if getattr(el, "type", "") == "graphviz_chart")


def _metric(at, lang):
    return next(m.value for m in at.metric if m.label == translate(lang, "home.params_so_far"))


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_default_sketch_is_the_recommended_model(lang):
    at = open_page("home", lang, timeout=30)
    assert not at.exception
    assert _metric(at, lang) == "233"
    dot = _dot(at)
    for name in ("input_layer", "hidden1", "hidden2", "hidden3", "output"):
        assert name in dot
    assert '[label="(None, 16)"]' in dot
    assert "compile()" not in dot  # not yet added
    shown = texts(at)
    assert translate(lang, "home.rule") in shown
    assert "A Keras model is defined by explicitly connecting input tensors to output tensors" in shown
    assert {el.proto.page for el in at.get("page_link")} == LINKED


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_graph_and_code_grow_with_the_blocks(lang):
    at = open_page("home", lang, timeout=30)
    at.select_slider(key="home_stage").set_value("input").run()
    assert _metric(at, lang) == "0"
    assert "hidden1" not in _dot(at)
    assert at.code[0].value == 'inputs = Input(shape=(1,), name="input_layer")'
    assert translate(lang, "home.note_input") in texts(at)

    at.select_slider(key="home_stage").set_value("predict").run()
    dot = _dot(at)
    for node in ("compile()", "fit()", "predict()", "regression_model"):
        assert node in dot
    assert at.code[0].value.splitlines()[-1] == "y_pred = model.predict(x_new)"

    at.slider(key="home_hidden").set_value(1).run()
    assert not at.exception
    assert _metric(at, lang) == "25"  # 1×8+8 + 8×1+1
    assert "hidden2" not in _dot(at)


@pytest.mark.parametrize("n_hidden", [1, 2, 3, 4])
def test_sketch_counts_and_code_match_real_keras(n_hidden):
    from engine.build import build_model
    from engine.codegen import model_lines

    spec = stack.home_spec(n_hidden)
    model = build_model(spec)
    assert stack.home_params(n_hidden, "model") == model.count_params()
    assert stack.home_lines(n_hidden, "model") == model_lines(spec)
    # Edge labels are the shapes Keras gives the tensors.
    dot = stack.home_graph(n_hidden, "outputs", {"outputs": "o", "compile": "c", "fit": "f", "predict": "p"})
    for layer in model.layers:
        shape = "(" + ", ".join("None" if d is None else str(d) for d in layer.output.shape) + ")"
        assert f'[label="{shape}"]' in dot
    if n_hidden == 3:
        assert model.count_params() == 233


def test_home_renders_without_tensorflow_and_fast():
    probe = (
        "import sys, time, json\n"
        "from tests.conftest import open_page\n"
        "t0 = time.perf_counter()\n"
        "at = open_page('home', 'bn', timeout=30)\n"
        "dt = time.perf_counter() - t0\n"
        "print(json.dumps({'exc': bool(at.exception), 'tf': 'tensorflow' in sys.modules,"
        " 'keras': 'keras' in sys.modules, 'seconds': dt}))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    res = json.loads(out.stdout.strip().splitlines()[-1])
    assert res["exc"] is False
    assert res["tf"] is False and res["keras"] is False
    assert res["seconds"] < 10  # generous: a shared 2-core box; the browser figure lives in benchmarks/
