"""Functional graphs: presets, the node editor driven like a learner (add a branch, merge it, break
it, fix it), the shared-layer gate, per-output training and the graph in the link — both languages."""
import json

import pytest

from engine import graphs
from tests.conftest import open_page, texts
from ui.text import translate

P = "functional_graphs"
N = f"{P}_n__"


def _ok(at):
    assert not at.exception, [e.value for e in at.exception]


def _params(at, lang):
    label = translate(lang, "common.total_params")
    return next(m.value for m in at.metric if m.label == label)


def _dot(at):
    charts = [el for el in at.main if getattr(el, "type", "") == "graphviz_chart"]
    return charts[0].proto.spec if charts else ""


def _traces(at):
    out = []
    for el in at.main:
        if getattr(el, "type", "") == "plotly_chart":
            out.append([str(tr.get("name")) for tr in json.loads(el.proto.spec)["data"]])
    return out


def _add(at, op, name="", inputs=(), units=None):
    at.selectbox(key=f"{P}_new_op").set_value(op).run()
    at.text_input(key=f"{P}_new_name").set_value(name)
    at.multiselect(key=f"{P}_new_inputs").set_value(list(inputs))
    if units is not None:
        at.text_input(key=f"{P}_new_units").set_value(units)
    at.button(key=f"{P}_add").click().run()
    _ok(at)
    return at


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_default_chain_is_built_trained_and_beside_sequential(lang):
    at = open_page(P, lang)
    _ok(at)
    assert _params(at, lang) == "321"
    shown = texts(at)
    assert 'seq_model = keras.Sequential([' in shown and 'Dense(16, activation="relu", name="h1")' in shown
    assert translate(lang, f"{P}.sequential_chain", params="321", total="321") in shown
    dot = _dot(at)
    assert '"features" -> "h1" [label="(None, 10)"]' in dot and "peripheries=2" in dot
    loss = _traces(at)[0]
    assert translate(lang, f"{P}.series_total") in loss  # the training curve, drawn once finished
    assert "`val_mae`" in shown  # history keys as Keras names them


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_editor_add_a_branch_merge_it_break_it_fix_it(lang):
    at = open_page(P, lang)
    _ok(at)
    # Add a branch beside h1 -> h2, then merge the two with Add.
    _add(at, "Dense", "branch", ["features"], "8")
    # No output uses it yet: Keras leaves it out of the model, and the page says so.
    assert _params(at, lang) == "321"
    assert translate(lang, f"{P}.loose_dead_node", node="branch") in texts(at)
    _add(at, "Add", "merged", ["h2", "branch"])
    # The output now takes the merge; it must be below it: move it by removing and re-adding the head.
    at.button(key=f"{N}remove__progression").click().run()
    _ok(at)
    _add(at, "Dense", "progression", ["merged"], "1")
    at.selectbox(key=f"{N}act__progression").set_value("linear").run()
    at.toggle(key=f"{N}output__progression").set_value(True).run()
    _ok(at)
    text = at.text_input(key=f"{P}_graph").value
    assert "merged=Add()<h2+branch" in text and "out=progression>progression/mse/1" in text
    assert _params(at, lang) == str(321 + 88)
    shown = texts(at)
    assert translate(lang, f"{P}.sequential_no") in shown
    assert translate(lang, f"{P}.why_merge", node="merged", op="Add", n=2, names="`h2`, `branch`") in shown
    assert '"branch" -> "merged" [label="(None, 8)"]' in _dot(at)

    # Break it: Add needs equal widths. Keras's own error, the explanation, the last good graph stays.
    at.text_input(key=f"{N}units__branch").set_value("4").run()
    _ok(at)
    shown = texts(at)
    assert "Inputs have incompatible shapes" in shown
    assert translate(lang, f"{P}.hint_shapes") in shown
    assert translate(lang, "common.last_good_model") in shown
    assert _params(at, lang) == str(321 + 88)  # still the last good graph
    assert '"branch" -> "merged" [label="(None, 8)"]' in _dot(at)

    # Fix it.
    at.text_input(key=f"{N}units__branch").set_value("8").run()
    _ok(at)
    shown = texts(at)
    assert "Inputs have incompatible shapes" not in shown and translate(lang, "common.last_good_model") not in shown


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_bad_values_are_refused_in_the_learners_language(lang):
    at = open_page(P, lang)
    at.text_input(key=f"{N}units__h1").set_value("abc").run()
    _ok(at)
    assert at.error and "abc" in at.error[0].value
    assert at.text_input(key=f"{N}units__h1").value == "16"  # the graph kept its value
    at.text_input(key=f"{P}_graph").set_value("features=Input(10); h=Dense(4)<nope; out=h>progression/mse/1").run()
    _ok(at)
    assert any("nope" in e.value for e in at.error)
    assert _params(at, lang) == "321"  # last good graph


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_shared_preset_gate_then_reuse_explained(lang):
    at = open_page(P, lang)
    at.segmented_control(key=f"{P}_preset").set_value("shared").run()
    _ok(at)
    assert not any(m.label == translate(lang, "common.total_params") for m in at.metric)  # hidden until a guess
    at.number_input(key=f"{P}_shared_params_guess").set_value(3137).run()
    _ok(at)
    assert _params(at, lang) == "3,137"
    shown = texts(at)
    assert translate(lang, f"{P}.reuse_note", layer="encoder") in shown
    assert "encoder_layer = Dense(32" in shown and "encoder_b = encoder_layer(digit_b)" in shown
    assert '"encoder (2)"' in _dot(at)
    for reason in ("inputs", "merge", "reuse"):
        assert any(translate(lang, f"{P}.why_{reason}", **p) in shown
                   for k, p in graphs.not_sequential(graphs.preset("shared")) if k == reason)


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_two_outputs_train_per_output(lang):
    at = open_page(P, lang)
    at.segmented_control(key=f"{P}_preset").set_value("two_outputs").run()
    _ok(at)
    loss = _traces(at)[0]
    assert {"value_loss", "val_value_loss", "high_loss", "val_high_loss"} <= set(loss)
    shown = texts(at)
    assert "`high_accuracy`" in shown and "`value_mae`" in shown
    labels = [m.label for m in at.metric]
    assert translate(lang, f"{P}.accuracy_of", name="high") in labels
    assert translate(lang, f"{P}.mae_of", name="value") in labels
    assert 'loss_weights={"value": 1.0, "high": 0.5}' in shown


def test_the_whole_graph_travels_in_the_link():
    text = graphs.PRESET_TEXT["skip"].replace("h2=Dense(16,relu)<h1", "h2=Dense(16,tanh)<h1")
    at = open_page(P, "en", functional_graphs_preset="skip", functional_graphs_graph=text)
    _ok(at)
    assert at.text_input(key=f"{P}_graph").value == text
    assert at.selectbox(key=f"{N}act__h2").value == "tanh"
    assert 'Dense(16, activation="tanh", name="h2")(h1)' in texts(at)
    assert not at.warning or all("link" not in w.value.lower() for w in at.warning)
