"""lessons.model_container against the installed Keras: every number, name and message the four lesson pages show."""
import re

import keras
import numpy as np
import pytest

from engine.build import fresh_names
from engine.keras_errors import mandatory_demo
from lessons import dense_layer as LD
from lessons import input_layer as LI
from lessons import model_container as LM
from lessons import outputs_tensor as LO


def keras_message(fn) -> tuple[str, str]:
    try:
        fn()
    except Exception as exc:
        return type(exc).__name__, str(exc)
    raise AssertionError("Keras accepted what the lesson says it refuses")


# ---------------------------------------------------------------- Input()

def test_input_tensor_matches_a_fresh_keras_input():
    res = LI.input_tensor(None, shape=[28, 28, 1])
    with fresh_names():
        ref = keras.Input(shape=(28, 28, 1))
    assert res["ok"]
    assert res["repr"] == repr(ref)
    assert res["shape"] == "(None, 28, 28, 1)" and ref.shape == (None, 28, 28, 1)
    assert res["dtype"] == "float32" == ref.dtype
    assert res["tensor_name"] == "keras_tensor" == ref.name
    assert res["layer_name"] == "input_layer" == ref._keras_history.operation.name
    assert res["type"] == "KerasTensor" and res["batch_dim"] is None
    assert res["sample_shape"] == "(28, 28, 1)"
    assert "Input(shape=(28, 28, 1))" in res["code"]


def test_input_options_batch_name_dtype():
    res = LI.input_tensor(None, shape=[10], batch_size=32, name="features", dtype="float16")
    assert res["shape"] == "(32, 10)" and res["batch_dim"] == 32
    assert res["tensor_name"] == "features" == res["layer_name"]
    assert res["dtype"] == "float16"
    assert 'Input(shape=(10,), batch_size=32, name="features", dtype="float16")' in res["code"]
    # The page says a fixed batch_size is not enforced at call time: checked here too.
    assert res["other_batch"] == {"n": 33, "ok": True, "shape": [33, 10], "error": None}


def test_second_input_in_a_session_is_input_layer_1():
    with fresh_names():
        a, b = keras.Input(shape=(1,)), keras.Input(shape=(1,))
    assert [a._keras_history.operation.name, b._keras_history.operation.name] == ["input_layer", "input_layer_1"]


def test_leaving_shape_out_gives_keras_error():
    res = LI.input_tensor(None, shape=None)
    expected = mandatory_demo("input_shape")
    assert not res["ok"]
    assert res["keras_error"] == (expected.type, expected.message)
    assert res["keras_error"] == keras_message(lambda: keras.Input())
    assert "You must pass a `shape` argument." in res["keras_error"][1]


def test_sparse_and_ragged_together_refused_by_keras():
    res = LI.input_tensor(None, shape=[10], sparse=True, ragged=True)
    assert res["keras_error"] == keras_message(lambda: keras.Input(shape=(10,), sparse=True, ragged=True))
    assert LI.input_tensor(None, shape=[10], sparse=True)["sparse"] is True
    assert LI.input_tensor(None, shape=[10], ragged=True)["ragged"] is True


def test_sparse_ragged_backend_claims_are_in_keras_docstring():
    doc = " ".join(keras.Input.__doc__.split())
    assert "only supported with the TensorFlow and the JAX backends" in doc
    assert "only supported with the TensorFlow backend" in doc
    assert LI.input_tensor(None, shape=[1])["backend"] == keras.backend.backend()


def test_keras_tensor_holds_no_data():
    res = LI.input_tensor(None, shape=[1])
    with fresh_names():
        ref = keras.Input(shape=(1,))
    assert res["no_data_error"] == keras_message(lambda: np.asarray(ref))
    assert "symbolic" in res["no_data_error"][1]


@pytest.mark.parametrize("kwargs,code", [
    (dict(shape=[0]), "shape_dim_not_positive"),
    (dict(shape=[1], name="bad name"), "name_invalid"),
    (dict(shape=[1], dtype="complex64"), "choice_invalid"),
    (dict(shape=[1], batch_size=0), "out_of_range"),
    (dict(shape="abc"), "shape_empty"),
])
def test_input_rejects_bad_arguments(kwargs, code):
    res = LI.input_tensor(None, **kwargs)
    assert not res["ok"] and res["spec_error"][0] == code


# ---------------------------------------------------------------- Dense()

@pytest.mark.parametrize("n_in,units,use_bias", [(3, 4, True), (1, 8, True), (10, 1, False), (32, 32, True)])
def test_dense_parameter_arithmetic(n_in, units, use_bias):
    res = LD.dense_layer(None, in_features=n_in, units=units, use_bias=use_bias)
    with fresh_names():
        layer = keras.layers.Dense(units, use_bias=use_bias)
        layer(keras.Input(shape=(n_in,)))
    assert res["params"] == layer.count_params() == n_in * units + (units if use_bias else 0)
    expected = f"{n_in}×{units} + {units} = {res['params']}" if use_bias else f"{n_in}×{units} = {res['params']}"
    assert res["arithmetic"] == expected
    assert res["kernel_shape"] == [n_in, units]
    assert res["bias_shape"] == ([units] if use_bias else None)
    assert res["output_shape"] == f"(None, {units})"


def test_dense_weights_come_from_the_seeded_initializer():
    res = LD.dense_layer(None, in_features=3, units=4, kernel_initializer="he_normal", bias_initializer="random_normal",
                        seed=7)
    W = np.asarray(keras.initializers.HeNormal(seed=7)((3, 4)))
    b = np.asarray(keras.initializers.RandomNormal(seed=8)((4,)))
    np.testing.assert_allclose(res["W"], W, rtol=1e-6)
    np.testing.assert_allclose(res["b"], b, rtol=1e-6)
    assert "keras.initializers.HeNormal(seed=7)" in res["code"]
    again = LD.dense_layer(None, in_features=3, units=4, kernel_initializer="he_normal", seed=7)
    assert again["W"] == res["W"]


@pytest.mark.parametrize("activation", [None, "relu", "sigmoid", "tanh", "softmax", "gelu"])
def test_dense_step_by_step_equals_keras_layer(activation):
    res = LD.dense_layer(None, in_features=5, units=6, activation=activation, bias_initializer="random_normal", seed=3)
    x = np.array(res["x"])
    z = x @ np.array(res["W"]) + np.array(res["b"])
    np.testing.assert_allclose([s["z"] for s in res["steps"]], z, rtol=1e-5, atol=1e-6)
    assert res["max_diff"] < 1e-5
    if activation == "relu":
        assert [s["a"] for s in res["steps"]] == pytest.approx(np.maximum(z, 0), abs=1e-5)
    if activation == "softmax":
        assert sum(res["y_keras"]) == pytest.approx(1.0, abs=1e-5)


def test_dense_units_zero_is_refused_by_keras_itself():
    res = LD.dense_layer(None, units=0)
    assert res["keras_error"] == keras_message(lambda: keras.layers.Dense(0))
    assert "Received: units=0" in res["keras_error"][1]
    assert LD.dense_layer(None, units=-3)["keras_error"][1].endswith("units=-3")


def test_dense_without_units_is_a_type_error():
    err = mandatory_demo("dense_units")
    assert err.type == "TypeError" and "units" in err.message


def test_dense_auto_names_in_a_fresh_session():
    assert LD.dense_layer(None)["layer_name"] == "dense"
    assert LD.dense_layer(None, name="hidden_layer1")["layer_name"] == "hidden_layer1"
    with fresh_names():
        names = [keras.layers.Dense(1).name for _ in range(3)]
    assert names == ["dense", "dense_1", "dense_2"]


@pytest.mark.parametrize("reg", ["l1", "l2", "l1_l2"])
def test_regularizer_penalty_matches_formula(reg):
    res = LD.dense_layer(None, in_features=4, units=3, kernel_regularizer=reg)
    assert res["penalty"] == pytest.approx(res["penalty_formula"], rel=1e-5)
    W = np.array(res["W"])
    manual = {"l1": 0.01 * np.abs(W).sum(), "l2": 0.01 * (W**2).sum(),
              "l1_l2": 0.01 * np.abs(W).sum() + 0.01 * (W**2).sum()}[reg]
    assert res["penalty"] == pytest.approx(manual, rel=1e-5)


def test_l1_l2_string_is_not_a_keras_regularizer_identifier():
    etype, msg = keras_message(lambda: keras.regularizers.get("l1_l2"))
    assert etype == "ValueError" and "l1_l2" in msg
    assert keras.regularizers.get("l2").get_config() == {"l2": 0.01}


def test_zero_kernel_makes_every_unit_give_the_same_output():
    """The page: with W = zeros every unit outputs the same number (its bias) for every input."""
    res = LD.dense_layer(None, in_features=4, units=5, activation=None, kernel_initializer="zeros",
                        bias_initializer="ones", seed=1)
    assert res["y_keras"] == [1.0] * 5
    assert all(s["wx"] == 0.0 for s in res["steps"])


def test_dense_rejects_bad_arguments():
    assert LD.dense_layer(None, in_features=0)["spec_error"][0] == "out_of_range"
    assert LD.dense_layer(None, units=LD.DENSE_MAX_UNITS + 1)["spec_error"][0] == "out_of_range"
    assert LD.dense_layer(None, activation="nope")["spec_error"][0] == "choice_invalid"
    assert LD.dense_layer(None, name="1abc")["spec_error"][0] == "name_invalid"
    assert LD.dense_layer(None, units="4")["spec_error"][0] == "not_an_integer"


def test_activation_curves_come_from_keras():
    relu = LD.activation_curve(None, "relu")
    assert relu["y"] == pytest.approx(np.maximum(relu["z"], 0))
    soft = LD.activation_curve(None, "softmax")
    sig = LD.activation_curve(None, "sigmoid")
    assert soft["pairwise"] and soft["y"] == pytest.approx(sig["y"], abs=1e-6)  # the page's claim
    lin = LD.activation_curve(None, None)
    assert lin["y"] == pytest.approx(lin["z"])


# ---------------------------------------------------------------- hidden vs output

def test_stack_without_activation_collapses_to_one_line():
    flat = LD.linear_collapse(None, activation=None, depth=3, width=16, steps=300)
    bent = LD.linear_collapse(None, activation="relu", depth=3, width=16, steps=300)
    assert flat["params"] == bent["params"] == (1 * 16 + 16) + 2 * (16 * 16 + 16) + (16 + 1)
    assert flat["collapse_max_diff"] < 1e-4  # one slope and one intercept reproduce the model
    assert flat["max_second_diff"] < 1e-4  # a straight line
    assert flat["mse"] >= flat["line_mse"] * 0.999  # never better than least squares
    assert flat["mse"] <= flat["line_mse"] * 1.05  # and trained up to it
    assert bent["mse"] < 0.3 * flat["line_mse"]  # relu bends
    assert bent["max_second_diff"] > 1e-3


# ---------------------------------------------------------------- outputs tensor

def test_outputs_is_a_keras_tensor_not_a_model():
    res = LO.output_head(None, task="regression", units=1, activation="linear", steps=20)
    assert res["outputs"]["type"] == "KerasTensor" and not res["outputs"]["is_model"]
    assert res["outputs"]["shape"] == "(None, 1)"
    assert res["summary_error"] == ("AttributeError", "'KerasTensor' object has no attribute 'summary'")
    assert res["model"] == {"type": "Functional", "is_model": True, "output_shape": "(None, 1)",
                            "params": (1 * 16 + 16) + (16 * 16 + 16) + (16 + 1)}
    assert res["predict_shape"] == [200, 1]
    assert res["matches"]


def test_sigmoid_head_cannot_reach_regression_targets():
    res = LO.output_head(None, task="regression", units=1, activation="sigmoid")
    assert 0.0 <= res["out_min"] and res["out_max"] <= 1.0
    assert res["share_above_1"] > 0.1 and res["share_below_0"] > 0.3
    good = LO.output_head(None, task="regression", units=1, activation="linear")
    assert good["mse"] < 0.1 * res["mse"]
    assert not res["matches"]


def test_softmax_on_one_unit_always_says_one_and_keras_warns():
    res = LO.output_head(None, task="binary", units=1, activation="softmax")
    assert res["out_min"] == res["out_max"] == 1.0
    assert res["accuracy"] == pytest.approx(0.5)  # make_moons is balanced: 150 + 150
    assert any("softmax over axis -1" in w and "always return the value 1" in w for w in res["warnings"])
    # Keras's cross-entropy reads the cached logits: the training loss looks fine, the outputs are not.
    assert res["final_loss"] < 0.2 < 5 < res["outputs_loss"]


def test_logits_shortcut_is_where_the_page_says():
    """Keras's cross-entropy reads the logits cached behind a softmax/sigmoid output, not the output."""
    import warnings

    import tensorflow as tf

    logits = tf.constant([[0.3], [-2.0], [1.5]])
    y = tf.constant([[1.0], [0.0], [1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = keras.activations.softmax(logits)  # one unit: every value is exactly 1
    assert np.all(out.numpy() == 1.0) and hasattr(out, "_keras_logits")
    via_keras = keras.losses.binary_crossentropy(y, out).numpy()
    from_logits = keras.losses.binary_crossentropy(y, logits, from_logits=True).numpy()
    from_values = keras.losses.binary_crossentropy(y, tf.constant(out.numpy())).numpy()
    np.testing.assert_allclose(via_keras, from_logits, rtol=1e-6)
    assert from_values.mean() > 5 > via_keras.mean()


def test_three_classes_into_one_unit_fails_in_the_loss():
    res = LO.output_head(None, task="multiclass", units=1, activation="sigmoid", steps=10)
    assert not res["ok"] and res["keras_error"][0] == "InvalidArgumentError"
    assert re.search(r"Received a label value of 2 which is outside the valid range of \[0, 1\)", res["keras_error"][1])
    assert "File " not in res["keras_error"][1]  # the trace is trimmed, Keras's words stay


@pytest.mark.parametrize("task", LO.HEAD_TASKS)
def test_textbook_heads_train(task):
    units, act = LO.TEXTBOOK_HEAD[task]
    res = LO.output_head(None, task=task, units=units, activation=act)
    assert res["ok"] and res["matches"] and not res["warnings"]
    assert res["outputs"]["shape"] == f"(None, {units})"
    if task == "regression":
        assert res["mse"] < 0.05
    else:
        assert res["accuracy"] > 0.85
    if task == "multiclass":
        assert res["row_sums"] == pytest.approx([1.0, 1.0], abs=1e-4)


# ---------------------------------------------------------------- Model()

def test_container_default_is_the_recommended_model():
    res = LM.container(None, name="regression_model")
    assert res["ok"] and not res["empty"]
    assert res["totals"] == {"params": 233, "trainable": 233, "non_trainable": 0} and res["full_params"] == 233
    assert res["names"] == ["input_layer", "hidden1", "hidden2", "hidden3", "output"]
    assert res["model_name"] == "regression_model"
    assert 'Model: "regression_model"' in res["summary"] and "Total params: 233" in res["summary"]
    assert res["call_code"].startswith('model = Model(inputs=inputs, outputs=outputs, name="regression_model")')


def test_container_auto_name_is_functional():
    assert LM.container(None)["model_name"] == "functional"


@pytest.mark.parametrize("style,missing", [("keyword", "inputs"), ("keyword", "outputs"),
                                           ("positional", "inputs"), ("positional", "outputs")])
def test_container_missing_tensor_shows_keras_error(style, missing):
    kwargs = {"inputs_choice": None} if missing == "inputs" else {"outputs_choice": None}
    res = LM.container(None, style=style, **kwargs)
    assert not res["ok"]
    with fresh_names():
        i = keras.Input(shape=(1,), name="input_layer")
        o = keras.layers.Dense(1)(i)
        present = o if missing == "inputs" else i
        if style == "keyword":
            expected = keras_message(lambda: keras.Model(**{("outputs" if missing == "inputs" else "inputs"): present}))
        else:
            expected = keras_message(lambda: keras.Model(present))
    assert res["keras_error"][0] == expected[0]
    if style == "keyword":
        # The message echoes the tensor's repr, whose auto name depends on what was built before.
        assert res["keras_error"][1].split(":")[0] == expected[1].split(":")[0] == \
            "Unrecognized keyword arguments passed to Model"
    else:
        assert res["keras_error"] == expected


def test_model_inputs_only_is_a_type_error_as_design_says():
    err = mandatory_demo("model_outputs")
    res = LM.container(None, outputs_choice=None, style="positional")
    assert err.type == "TypeError" == res["keras_error"][0]


def test_container_without_tensors_is_an_empty_unbuilt_model():
    res = LM.container(None, inputs_choice=None, outputs_choice=None)
    assert res["ok"] and res["empty"] and res["n_layers"] == 0
    assert res["model_name"] == keras.Model().name == "model"
    assert res["empty_error"][0] == "ValueError" and "isn't built" in res["empty_error"][1]


def test_container_cut_at_hidden_tensor():
    res = LM.container(None, outputs_choice="x")
    assert res["output_shape"] == "(None, 4)"
    assert res["totals"]["params"] == 233 - 5 == 228
    assert "output" not in res["names"]


def test_trainable_false_counts_zero_and_fit_changes_nothing():
    res = LM.container(None, trainable=False)
    assert res["totals"] == {"params": 233, "trainable": 0, "non_trainable": 233}
    assert "Trainable params: 0" in res["summary"]
    assert all(flag for _, flag in res["layer_trainable"])
    assert not any(flag for _, flag in res["setter_layer_trainable"])
    # The page says fit() leaves every weight as it is: train such a model and compare.
    with fresh_names():
        i = keras.Input(shape=(1,))
        m = keras.Model(i, keras.layers.Dense(1)(keras.layers.Dense(4, activation="relu")(i)), trainable=False)
    m.compile(optimizer="sgd", loss="mse")
    before = [w.numpy().copy() for w in m.weights]
    m.fit(np.ones((8, 1)), np.ones((8, 1)), epochs=2, verbose=0)
    assert all(np.array_equal(a, w.numpy()) for a, w in zip(before, m.weights))


def test_container_rejects_bad_choices():
    assert LM.container(None, name="no spaces")["spec_error"][0] == "name_invalid"
    assert LM.container(None, inputs_choice="x")["spec_error"][0] == "choice_invalid"
    assert LM.container(None, style="other")["spec_error"][0] == "choice_invalid"


def test_results_are_plain_data():
    """Jobs may run in worker processes: every result must pickle without Keras objects."""
    def plain(v):
        if isinstance(v, dict):
            return all(isinstance(k, str) and plain(x) for k, x in v.items())
        if isinstance(v, (list, tuple)):
            return all(plain(x) for x in v)
        return v is None or type(v) in (str, int, float, bool)

    for res in (LI.input_tensor(None, shape=[2], batch_size=4), LD.dense_layer(None, kernel_regularizer="l2"),
                LM.container(None, trainable=False), LM.container(None, inputs_choice=None, outputs_choice=None),
                LD.activation_curve(None, "tanh"), LO.output_head(None, steps=5),
                LO.output_head(None, task="multiclass", units=1, steps=5), LD.linear_collapse(None, steps=5)):
        assert plain(res), res
