"""The graph spec against the installed Keras: hand-worked counts, shared weights, generated code,
fit_fast against model.fit with several inputs and outputs, validation and the link text."""
import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import engine  # noqa: F401  (quiet TF logging before keras loads)
from engine import data, graphs
from engine import spec as model_spec
from engine.build import build_graph, build_model
from engine.codegen import graph_source, model_lines, sequential_lines
from engine.fit_fast import fit_fast
from engine.table import param_table
from engine.validate import SpecError, count_graph_params, validate_graph
from tests.conftest import ROOT, Ctx

# Dense: inputs x units + units. Concatenate/Add: 0. A shared layer's weights count once.
HAND = {
    "chain": (10 * 16 + 16) + (16 * 8 + 8) + (8 * 1 + 1),  # 176 + 136 + 9
    "two_inputs": 2 * (10 * 8 + 8) + (16 * 1 + 1),  # two branches of 88, concat 16 -> 1
    "two_outputs": (10 * 16 + 16) + (16 * 1 + 1) + (16 * 1 + 1),  # trunk 176, two heads of 17
    "skip": (10 * 16 + 16) + (16 * 16 + 16) + (16 * 1 + 1),  # 176 + 272 + 0 (Add) + 17
    "shared": (64 * 32 + 32) + (64 * 16 + 16) + (16 * 1 + 1),  # encoder once (2080), concat 32+32
    "wide_deep": (6 * 16 + 16) + (16 * 8 + 8) + ((4 + 8) * 1 + 1),  # deep 112 + 136, concat 4+8 -> 1
}


def test_hand_counts():
    assert HAND == {"chain": 321, "two_inputs": 193, "two_outputs": 210, "skip": 465, "shared": 3137,
                    "wide_deep": 261}


@pytest.mark.parametrize("name", graphs.PRESETS)
def test_preset_parameter_count_by_hand(name):
    g = graphs.preset(name)
    validate_graph(g)
    graphs.check_data(g, graphs.PRESET_DATA[name])
    assert count_graph_params(g) == HAND[name]  # the engine's own arithmetic, before Keras
    assert build_graph(g).count_params() == HAND[name]  # Keras agrees


def test_shared_layer_is_one_object_with_one_set_of_weights():
    m = build_graph(graphs.preset("shared"))
    names = [layer.name for layer in m.layers]
    assert names.count("encoder") == 1 and "encoder_b" not in names
    enc = m.get_layer("encoder")
    assert len(enc._inbound_nodes) == 2  # called twice
    assert [tuple(w.shape) for w in enc.weights] == [(64, 32), (32,)]
    assert len(m.weights) == 6  # encoder, compare, same: kernel + bias each
    # Same weights: the same image through either branch gives the same encoding.
    import keras

    x = np.random.default_rng(0).random((3, 64)).astype("float32")
    probe = keras.Model(m.inputs, [m.get_layer("merged").input[0], m.get_layer("merged").input[1]])
    a, b = probe.predict([x, x], verbose=0)
    np.testing.assert_allclose(a, b)
    table = param_table(m, with_calls=True)
    row = table[table["layer"] == "encoder"].iloc[0]
    assert row["params"] == 2080 and row["calls"] == 2 and row["called_on"] == "digit_a; digit_b"


def test_new_layer_makes_new_weights():
    """The contrast the page teaches: two Dense layers instead of one shared -> twice the weights."""
    text = graphs.PRESET_TEXT["shared"].replace("encoder_b=Reuse(encoder)<digit_b", "encoder_b=Dense(32,relu)<digit_b")
    assert build_graph(graphs.from_text(text)).count_params() == HAND["shared"] + 64 * 32 + 32


def test_chain_spec_is_one_case_of_the_graph():
    spec = model_spec.recommended()
    g = model_spec.chain_graph(spec)
    a, b = build_model(spec), build_graph(g)
    assert [layer.name for layer in a.layers] == [layer.name for layer in b.layers]
    assert a.count_params() == b.count_params() == count_graph_params(g) == 233
    assert model_lines(spec)[0] == 'inputs = Input(shape=(1,), name="input_layer")'
    assert model_lines(spec)[-1] == 'model = Model(inputs=inputs, outputs=outputs, name="regression_model")'


def _probe_script(code: str) -> dict:
    probe = textwrap.dedent(
        """
        import json
        def _shape(l):
            try:
                return str(tuple(l.output.shape))
            except Exception:
                return "shared"
        print("@@" + json.dumps({
            "names": [l.name for l in model.layers],
            "shapes": [_shape(l) for l in model.layers],
            "params": model.count_params(),
            "model_name": model.name,
            "history": sorted(history.history),
            "seq": seq_model.count_params() if "seq_model" in globals() else None,
        }))
        """
    )
    out = subprocess.run([sys.executable, "-c", code + probe], capture_output=True, text=True, cwd=ROOT, timeout=300,
                         env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.split("@@")[-1])


@pytest.mark.slow
@pytest.mark.parametrize("name", graphs.PRESETS)
def test_generated_code_runs_as_is_and_matches_the_engine(name):
    g = graphs.preset(name).replace(epochs=2)
    model = build_graph(g)
    code = graph_source(g, graphs.PRESET_DATA[name])
    if name == "chain":
        code += "\n" + "\n".join(sequential_lines(g)) + "\n"
    got = _probe_script(code)
    assert got["names"] == [layer.name for layer in model.layers]
    shapes = []
    for layer in model.layers:
        try:
            shapes.append(str(tuple(layer.output.shape)))
        except Exception:  # a shared layer has no single output
            shapes.append("shared")
    assert got["shapes"] == shapes
    assert got["params"] == model.count_params() == HAND[name]
    assert got["model_name"] == model.name
    # The script trains the same outputs: history keys as fit_fast names them.
    d = data.load_graph(graphs.PRESET_DATA[name])
    from lessons.functional_graphs import graph_data

    x, y = graph_data(g, d)
    hist = fit_fast(build_graph(g, compile=True), x, y, epochs=1, batch_size=32, validation_split=0.2)
    assert got["history"] == sorted(hist)
    if name == "chain":
        assert got["seq"] == HAND["chain"]


def _fit_both(g, name, **kw):
    d = data.load_graph(graphs.PRESET_DATA[name])
    from lessons.functional_graphs import graph_data

    x, y = graph_data(g, d)
    fast_m, fit_m = build_graph(g, compile=True), build_graph(g, compile=True)
    fast = fit_fast(fast_m, x, y, shuffle=False, **kw)
    ref = fit_m.fit(x, y, shuffle=False, verbose=0, **kw).history
    return fast, ref, fast_m, fit_m


@pytest.mark.parametrize("name", ["two_outputs", "shared", "wide_deep"])
def test_fit_fast_matches_model_fit_on_several_inputs_and_outputs(name):
    g = graphs.preset(name)
    fast, ref, a, b = _fit_both(g, name, epochs=3, batch_size=32, validation_split=0.2)
    assert fast.engine == "graph"  # no fallback to model.fit
    assert list(fast) == list(ref)  # the same keys, in Keras's order
    for k in ref:
        np.testing.assert_allclose(fast[k], ref[k], rtol=2e-4, atol=1e-6, err_msg=k)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-3, atol=1e-5)


def test_two_outputs_history_keys_and_loss_weights():
    g = graphs.preset("two_outputs")
    # One batch per epoch: Keras's `<output>_loss` averages per batch, `loss` per sample; alike here.
    fast, ref, _, _ = _fit_both(g, "two_outputs", epochs=2, batch_size=1024, validation_split=0.25)
    assert set(fast) == {"loss", "value_loss", "value_mae", "high_loss", "high_accuracy", "val_loss",
                         "val_value_loss", "val_value_mae", "val_high_loss", "val_high_accuracy"}
    # The total is the weighted sum of the per-output losses (no regularizers here): 1.0 and 0.5.
    total = np.asarray(fast["val_value_loss"]) + 0.5 * np.asarray(fast["val_high_loss"])
    np.testing.assert_allclose(fast["val_loss"], total, rtol=1e-5)
    for k in ref:
        np.testing.assert_allclose(fast[k], ref[k], rtol=2e-4, atol=1e-6, err_msg=k)


def test_fit_fast_takes_lists_and_dicts_alike():
    g = graphs.preset("wide_deep")
    d = data.load_graph("diabetes")
    x = {"basics": d.features["basics"], "blood": d.features["blood"]}
    y = d.targets["progression"]
    h1 = fit_fast(build_graph(g, compile=True), x, y, epochs=2, shuffle=False)
    h2 = fit_fast(build_graph(g, compile=True), [x["basics"], x["blood"]], [y], epochs=2, shuffle=False)
    np.testing.assert_allclose(h1["loss"], h2["loss"], rtol=1e-6)


def test_text_round_trip_and_refusals():
    for name in graphs.PRESETS:
        assert graphs.to_text(graphs.preset(name)) == graphs.PRESET_TEXT[name]
    with pytest.raises(SpecError) as e:  # a node may only take nodes above it: no cycle can be written
        validate_graph(graphs.from_text("a=Input(3); b=Dense(2)<c; c=Dense(2)<b; out=c>x/mse/1"))
    assert e.value.code == "input_not_above"
    cases = {
        "a=Input(3); m=Add()<a; out=m>t/mse/1": "merge_needs_two",
        "a=Input(3); lambda=Dense(2)<a; out=lambda>t/mse/1": "name_reserved",
        "a=Input(3); d=Dense(0)<a; out=d>t/mse/1": "units_not_positive",
        "a=Input(3); d=Dense(2)<a; r=Reuse(a)<a; out=d>t/mse/1": "reuse_invalid",
        "a=Input(3); d=Dense(2)<a": "graph_no_outputs",
        "a=Input(3); d=Dense(2)<a; inputs=d; out=d>t/mse/1": "not_an_input",
        "a=Input(3); d=Dense(2)<a+a; out=d>t/mse/1": "input_twice",
        "a=Input(3); d=Dense(2)<a; out=d>t/nope/1": "choice_invalid",
        "a=Input(3); d=Dense(2)<a; out=d>t/mse/1; out=d>t/mse/1": "output_twice",
    }
    for text, code in cases.items():
        with pytest.raises(SpecError) as e:
            validate_graph(graphs.from_text(text))
        assert e.value.code == code, text
    for bad in ("a=Input(3); b=eval(1)<a", "a=Input(3)); x", "a=Dense(__import__)<a"):
        with pytest.raises(SpecError):
            validate_graph(graphs.from_text(bad))


def test_caps():
    many = "a=Input(3); " + "; ".join(f"d{i}=Dense(2)<a" for i in range(30))
    with pytest.raises(SpecError) as e:
        graphs.from_text(many)
    assert e.value.code == "too_many_nodes"
    five = "a=Input(3); " + "; ".join(f"d{i}=Dense(2)<a; out=d{i}>t/mse/1" for i in range(5))
    with pytest.raises(SpecError) as e:
        graphs.from_text(five)
    assert e.value.code == "too_many_outputs"
    with pytest.raises(SpecError) as e:
        validate_graph(graphs.from_text("a=Input(1000); d=Dense(512)<a; e=Dense(512)<d; out=e>t/mse/1"))
    assert e.value.code == "too_many_params"
    with pytest.raises(SpecError):
        graphs.from_text("x" * 3000)


def test_why_not_sequential_is_read_off_the_graph():
    reasons = {name: [k for k, _ in graphs.not_sequential(graphs.preset(name))] for name in graphs.PRESETS}
    assert reasons["chain"] == []
    assert reasons["two_inputs"] == ["inputs", "merge"]
    assert reasons["two_outputs"] == ["outputs", "fan_out"]
    assert reasons["skip"] == ["merge", "fan_out"]
    assert reasons["shared"] == ["inputs", "merge", "reuse"]
    assert reasons["wide_deep"] == ["inputs", "merge"]
    skip = dict(graphs.not_sequential(graphs.preset("skip")))
    assert skip["fan_out"]["node"] == "h1" and skip["merge"]["node"] == "skip"


def test_keras_refusals_are_keras_own_words():
    from lessons.functional_graphs import describe_graph

    bad_add = graphs.PRESET_TEXT["skip"].replace("h2=Dense(16,relu)", "h2=Dense(8,relu)")
    res = describe_graph(Ctx(), bad_add, "diabetes")
    assert res["keras_error"][0] == "ValueError" and "incompatible shapes" in res["keras_error"][1]
    disconnected = graphs.PRESET_TEXT["two_inputs"] + "; inputs=mean_cells"
    res = describe_graph(Ctx(), disconnected, "diabetes" if False else "cancer")
    assert res["keras_error"][0] == "ValueError" and "not connected" in res["keras_error"][1]
    # An input no output uses: Keras builds it without a word; the page says so.
    unused = "features=Input(10); basics=Input(4); h=Dense(4)<features; out=h>progression/mse/1"
    res = describe_graph(Ctx(), unused, "diabetes")
    assert res["ok"] and res["loose_ends"] == [("unused_input", {"node": "basics"})]


def test_editor_steps():
    g = graphs.preset("chain")
    graphs.add_node(g, model_spec.NodeSpec("branch", "Dense", ["features"], name="branch", units=8, activation="relu"))
    graphs.add_node(g, model_spec.NodeSpec("merged", "Add", ["h2", "branch"], name="merged"))
    g.node("progression").inputs = ["merged"]
    g.nodes.append(g.nodes.pop(g.nodes.index(g.node("progression"))))
    validate_graph(g)
    assert build_graph(g).count_params() == HAND["chain"] + 10 * 8 + 8
    graphs.remove_node(g, "merged")  # its consumers take its inputs
    assert g.node("progression").inputs == ["h2", "branch"]
