"""The engine against the installed Keras: counts by hand, names, shapes, generated code."""
import json
import subprocess
import sys
import textwrap

import pytest

import engine  # noqa: F401  (sets quiet TF logging before keras loads)
from engine import spec as model_spec
from engine.build import build_model, compile_model
from engine.codegen import source
from engine.graph import model_graph, to_dot
from engine.table import param_table, summary_text, totals
from tests.conftest import ROOT


def test_recommended_has_233_parameters_by_hand():
    # Dense params = in*units + units: 1*8+8, 8*16+16, 16*4+4, 4*1+1
    assert (1 * 8 + 8) + (8 * 16 + 16) + (16 * 4 + 4) + (4 * 1 + 1) == 233
    m = build_model(model_spec.recommended())
    assert m.count_params() == 233
    assert [l.name for l in m.layers] == ["input_layer", "hidden1", "hidden2", "hidden3", "output"]
    assert m.name == "regression_model"


def test_param_table_rows_and_arithmetic():
    df = param_table(build_model(model_spec.recommended()))
    assert list(df["params"]) == [0, 16, 144, 68, 5]
    assert list(df["output_shape"]) == ["(None, 1)", "(None, 8)", "(None, 16)", "(None, 4)", "(None, 1)"]
    assert df.loc[1, "arithmetic"] == "1×8 + 8 = 16"
    assert df.loc[2, "arithmetic"] == "8×16 + 16 = 144"
    no_bias = model_spec.recommended()
    no_bias.hidden[0].use_bias = False
    df2 = param_table(build_model(no_bias))
    assert df2.loc[1, "arithmetic"] == "1×8 = 8"


def test_auto_names_are_those_of_a_fresh_session_every_time():
    for _ in range(3):  # earlier builds in this process must not shift the counters
        m = build_model(model_spec.minimal())
        assert [l.name for l in m.layers] == ["input_layer", "dense", "dense_1"]
        assert m.name == "functional"
        assert m.inputs[0].name == "keras_tensor"


def test_trainable_false_gives_zero_trainable_params():
    m = build_model(model_spec.recommended().replace(trainable=False))
    assert totals(m) == {"params": 233, "trainable": 0, "non_trainable": 233}


def test_image_shape_keeps_spatial_dims_without_flatten_and_flattens_on_request():
    spec = model_spec.ModelSpec(input_shape=(28, 28, 1), hidden=[model_spec.DenseSpec(4)], output=model_spec.DenseSpec(1, None))
    m = build_model(spec)
    assert tuple(m.outputs[0].shape) == (None, 28, 28, 1)
    m2 = build_model(spec.replace(flatten=True))
    assert tuple(m2.outputs[0].shape) == (None, 1)
    assert m2.count_params() == (784 * 4 + 4) + (4 + 1)


def test_fixed_batch_size_shows_in_shapes():
    m = build_model(model_spec.recommended().replace(batch_size=32))
    assert tuple(m.outputs[0].shape) == (32, 1)


def test_graph_dot_has_every_layer_and_shape_edges():
    dot = to_dot(model_graph(build_model(model_spec.recommended())))
    for name in ["input_layer", "hidden1", "hidden2", "hidden3", "output"]:
        assert f'"{name}"' in dot
    assert '"input_layer" -> "hidden1" [label="(None, 1)"]' in dot
    assert '"hidden3" -> "output" [label="(None, 4)"]' in dot


def test_summary_text_is_keras_own():
    text = summary_text(build_model(model_spec.recommended()))
    assert "regression_model" in text and "233" in text


SPECS = {
    "recommended": (model_spec.recommended(), "curve"),
    "minimal": (model_spec.minimal(), "curve"),
    "diabetes": (
        model_spec.ModelSpec(input_shape=(10,), input_name="features", hidden=[model_spec.DenseSpec(32, "tanh"), model_spec.DenseSpec(16, "relu", use_bias=False)],
                    output=model_spec.DenseSpec(1, None), name=None, optimizer="sgd", learning_rate=0.01, loss="huber", metrics=["mae"]),
        "diabetes",
    ),
    "moons": (
        model_spec.ModelSpec(input_shape=(2,), input_name=None, hidden=[model_spec.DenseSpec(8, "relu", kernel_initializer="he_normal", kernel_regularizer="l2")],
                    output=model_spec.DenseSpec(1, "sigmoid", name="prob"), name="moons_clf", loss="binary_crossentropy", metrics=["accuracy"]),
        "moons",
    ),
    "image": (model_spec.ModelSpec(input_shape=(8, 8, 1), flatten=True, batch_size=16, input_dtype="float32", hidden=[], output=model_spec.DenseSpec(3, "softmax")), None),
}


@pytest.mark.parametrize("key", list(SPECS))
def test_generated_code_runs_and_matches_engine_model(key):
    spec, dataset = SPECS[key]
    spec = spec.replace(epochs=2)
    model = build_model(spec)
    code = source(spec, dataset)
    probe = textwrap.dedent(
        """
        import json
        print("@@" + json.dumps({
            "names": [l.name for l in model.layers],
            "shapes": [str(tuple(l.output.shape)) for l in model.layers],
            "params": model.count_params(),
            "model_name": model.name,
        }))
        """
    )
    out = subprocess.run([sys.executable, "-c", code + probe], capture_output=True, text=True, cwd=ROOT, timeout=300,
                         env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr[-2000:]
    got = json.loads(out.stdout.split("@@")[-1])
    assert got["names"] == [l.name for l in model.layers]
    assert got["shapes"] == [str(tuple(l.output.shape)) for l in model.layers]
    assert got["params"] == model.count_params()
    assert got["model_name"] == model.name


def test_compile_settings_follow_spec():
    spec = model_spec.recommended().replace(optimizer="sgd", learning_rate=0.05, loss="mae", metrics=["mse"])
    m = compile_model(build_model(spec), spec)
    assert type(m.optimizer).__name__ == "SGD"
    assert float(m.optimizer.learning_rate.numpy()) == pytest.approx(0.05)
