"""Step-through: each statement of the generated code, run in real Keras, one graph node at a time."""
from __future__ import annotations

import re

import pytest

from engine import spec as model_spec
from engine import stack
from lessons.build_and_train import steps
from tests.conftest import open_page, texts
from ui.text import translate

P = "build_and_train"


def _nodes(dot: str) -> list[str]:
    """Layer boxes in a DOT text (the tensor oval and edges are not layers)."""
    return [m for m in re.findall(r'^\s*"([^"]+)" \[label=', dot, flags=re.M) if m != "__tensor"]


@pytest.mark.parametrize("spec", [model_spec.recommended(), model_spec.minimal(), model_spec.recommended().replace(hidden=[])],
                         ids=["recommended", "minimal", "no_hidden"])
def test_each_statement_matches_keras(spec):
    from engine.build import build_model
    from engine.codegen import model_lines
    from engine.table import shape_text

    res = steps(None, spec.to_dict())
    assert res["ok"]
    model = build_model(spec)
    lines = model_lines(spec)
    assert res["lines"] == lines and len(res["steps"]) == len(lines) == len(model.layers) + 1
    for i, (step, layer) in enumerate(zip(res["steps"], model.layers)):
        # The i-th statement made the i-th layer, and returned the tensor that layer outputs.
        assert step["kind"] == "tensor" and step["layer"]["name"] == layer.name
        assert step["tensor"]["shape"] == shape_text(layer.output.shape)
        assert step["tensor"]["name"] == layer.output.name
        assert step["tensor"]["repr"] == str(layer.output)
        assert step["layer"]["params"] == layer.count_params()
        assert step["tensor"]["type"] == "KerasTensor"
        # The graph grows by one layer box per statement, the newest one last.
        assert _nodes(step["dot"]) == [lay.name for lay in model.layers[: i + 1]]
        assert "__tensor" in step["dot"] and "cluster" not in step["dot"]
    last = res["steps"][-1]
    assert last["kind"] == "model" and res["lines"][-1].startswith("model = Model(")
    assert last["model"]["name"] == model.name and last["model"]["params"] == model.count_params()
    assert "subgraph cluster_model" in last["dot"] and "__tensor" not in last["dot"]
    assert _nodes(last["dot"]) == [lay.name for lay in model.layers]


def test_steps_of_a_document_example_show_the_documents_shapes():
    res = steps(None, model_spec.recommended().to_dict())
    shapes = [s["tensor"]["shape"] for s in res["steps"][:-1]]
    assert shapes == ["(None, 1)", "(None, 8)", "(None, 16)", "(None, 4)", "(None, 1)"]
    assert res["steps"][-1]["model"]["params"] == 233


def test_a_rejected_spec_is_not_run():
    bad = model_spec.recommended().replace(hidden=[model_spec.DenseSpec(0, "relu")]).to_dict()
    assert steps(None, bad)["spec_error"][0] == "units_not_positive"


def test_auto_names_are_those_of_a_fresh_session_every_time():
    a = steps(None, model_spec.minimal().to_dict())
    b = steps(None, model_spec.minimal().to_dict())
    assert [s["tensor"]["name"] for s in a["steps"][:-1]] == [s["tensor"]["name"] for s in b["steps"][:-1]] == [
        "keras_tensor", "keras_tensor_1", "keras_tensor_2"]
    assert a["steps"][-1]["model"]["name"] == "functional"


# ----------------------------------------------------------------------------- on the page
def _step(at) -> int:
    return at.number_input(key=f"{P}_step").value


def _highlighted(at) -> str:
    html = next(h.value for h in at.html if "kfl-steps" in h.value)
    found = re.findall(r'class="kfl-line cur">.*?<code>(.*?)</code>', html)
    return found[0] if found else ""


def _graph_nodes(at) -> list[str]:
    """Layer boxes of the step-through graph (the last graphviz chart on the page before fit)."""
    dots = [el.proto.spec for el in at.main if getattr(el, "type", "") == "graphviz_chart"]
    return _nodes(dots[-1]) if len(dots) > 1 else []


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_next_previous_restart_walk_the_code(lang):
    at = open_page(P, lang, build_and_train_section="step")
    assert not at.exception
    assert _step(at) == 0 and _highlighted(at) == ""
    first = 'inputs = Input(shape=(1,), name=&quot;input_layer&quot;)'
    assert translate(lang, f"{P}.step_zero", line='inputs = Input(shape=(1,), name="input_layer")') in [
        i.value for i in at.info]
    nxt = at.button(key=f"{P}_step_next")
    nxt.click().run()
    assert _step(at) == 1 and _highlighted(at) == first
    assert _graph_nodes(at) == ["input_layer"]
    assert translate(lang, f"{P}.step_tensor", var="inputs", type="KerasTensor", shape="(None, 1)", dtype="float32",
                     name="input_layer") in texts(at)
    for n in range(2, 7):
        at.button(key=f"{P}_step_next").click().run()
        assert not at.exception and _step(at) == n
    assert _graph_nodes(at) == ["input_layer", "hidden1", "hidden2", "hidden3", "output"]
    assert _highlighted(at).startswith("model = Model(")
    assert translate(lang, f"{P}.step_done") in [s.value for s in at.success]
    assert at.button(key=f"{P}_step_next").disabled  # nothing after Model()
    at.button(key=f"{P}_step_prev").click().run()
    assert _step(at) == 5 and _highlighted(at).startswith("outputs = Dense(1")
    assert "`(None, 1)`" in texts(at)
    at.button(key=f"{P}_step_restart").click().run()
    assert _step(at) == 0 and at.button(key=f"{P}_step_prev").disabled


def test_step_follows_the_model_and_a_link_opens_at_a_line():
    at = open_page(P, "en", build_and_train_section="step", build_and_train_step="3")
    assert not at.exception and _step(at) == 3
    assert _highlighted(at).startswith("x = Dense(16")
    assert "`(None, 16)`" in texts(at)
    # Fewer layers than the line reached: the step moves back to the model's last line.
    at.number_input(key=f"{P}_step").set_value(6).run()
    at.slider(key=f"{P}_n_hidden").set_value(1).run()
    assert not at.exception and _step(at) == 4 and _highlighted(at).startswith("model = Model(")


def test_step_through_follows_an_uploaded_csv():
    from engine import userdata

    at = open_page(P, "en", build_and_train_dataset=stack.MY_CSV, build_and_train_section="step",
                   build_and_train_step="5")
    at.file_uploader(key=f"{P}_csv").set_value(("iris.csv", userdata.example_csv(), "text/csv")).run()
    assert not at.exception
    assert _highlighted(at).startswith("outputs = Dense(3, activation=&quot;softmax&quot;")
    assert "`(None, 3)`" in texts(at)
