"""Every teaching claim of issue 12 that code can check, checked against the installed Keras.

Each test names the page text it guards. When an upgrade changes what Keras does, the test
fails here instead of the page teaching something false. The jobs are called directly
(ctx=None): they are the code the pages run.
"""
from __future__ import annotations

import inspect

import keras
import numpy as np
import pytest

from engine.build import fresh_names
from engine.spec import recommended
from lessons import build_and_train, compile_step, dense_layer, exam, input_layer, model_container
from lessons import transfer_learning, weight_freeze
from ui.text import translate


# ---------------------------------------------------------------- Input()
def test_input_signature_is_read_from_keras_and_has_more_than_six_arguments():
    """input_layer.signature_text: the document lists six; the installed Keras has more."""
    facts = input_layer.facts(None)
    names = list(inspect.signature(keras.Input).parameters)
    assert facts["names"] == names and facts["n_params"] == len(names) > 6
    assert {"batch_shape", "tensor", "optional"} <= set(names)
    assert facts["signature"].startswith("Input(\n") and "batch_shape=None" in facts["signature"]
    assert "six" not in translate("en", "input_layer.what") and "ছয়টা argument আছে" not in translate(
        "bn", "input_layer.what")


def test_batch_shape_replaces_shape():
    with fresh_names():
        a = keras.Input(shape=(1,))
        b = keras.Input(batch_shape=(None, 1))
        c = keras.Input(batch_shape=(32, 1))
    assert tuple(a.shape) == tuple(b.shape) == (None, 1)
    assert tuple(c.shape) == (32, 1)
    assert input_layer.facts(None)["same"] is True


def test_one_in_brackets_is_an_int_and_keras_refuses_it():
    """input_layer.int_bug_text / int_in_box: `(1)` is the int 1, and Input(shape=(1)) fails."""
    assert type((1)) is int  # noqa: UP034 -- the claim itself
    with pytest.raises(ValueError), fresh_names():
        keras.Input(shape=(1))  # noqa: UP034
    facts = input_layer.facts(None)
    assert facts["int_type"] == "int" and facts["int_ok"] is False and facts["int_error"][0] == "ValueError"
    assert input_layer.int_shape(None, n=1)["ok"] is False
    # The shape box reads text the way Python does.
    assert input_layer.python_int("(1)") == 1 and input_layer.python_int(" ( 28 ) ") == 28
    assert input_layer.python_int("1") == 1
    for tuple_text in ("(1,)", "(28, 28, 1)", "[10]", "", "abc", "(1),"):
        assert input_layer.python_int(tuple_text) is None, tuple_text


def test_tf_keras_is_keras_3_here():
    """input_layer.imports_text: from TensorFlow 2.16 on, tf.keras is Keras 3."""
    tf = pytest.importorskip("tensorflow")
    major, minor = (int(v) for v in tf.__version__.split(".")[:2])
    assert (major, minor) >= (2, 16)
    assert tf.keras.Input is keras.Input
    assert keras.__version__.startswith("3.")
    assert input_layer.facts(None)["tf_keras_is_keras"] is True


def test_input_auto_name_is_input_layer_in_keras_3():
    """input_layer.naming_older: Keras 3 names the layer input_layer (the document's input_1 is Keras 2)."""
    with fresh_names():
        t = keras.Input(shape=(1,))
    assert t._keras_history.operation.name == "input_layer"


# ---------------------------------------------------------------- Dense()
def test_dense_computes_activation_wx_plus_b_and_learns_only_w_and_b():
    """dense_layer.intro: computes activation(Wx+b), learns W and b."""
    with fresh_names():
        layer = keras.layers.Dense(3, activation="relu")
        x = np.random.default_rng(0).normal(size=(4, 2)).astype("float32")
        y = np.asarray(layer(x))
    assert [w.name for w in layer.trainable_weights] == ["kernel", "bias"]
    assert not layer.non_trainable_weights
    W, b = layer.kernel.numpy(), layer.bias.numpy()
    np.testing.assert_allclose(y, np.maximum(x @ W + b, 0), rtol=1e-5, atol=1e-6)


def test_dense_signature_only_units_is_required():
    sig = dense_layer.signature(None)
    assert sig["required"] == ["units"]
    assert sig["signature"].startswith("Dense(\n    units,")
    assert "name" not in inspect.signature(keras.layers.Dense.__init__).parameters  # it goes through **kwargs
    assert {"lora_rank"} <= set(sig["extra"])


def test_units_cap_message_has_no_inner_bound():
    """dense_layer.units_capped replaces the out_of_range message that leaked -1000000000."""
    for lang in ("en", "bn"):
        text = translate(lang, "dense_layer.units_capped", max=32, value="100,000")
        assert "1000000000" not in text and "32" in text


def test_linear_stack_collapses_to_one_line():
    """dense_layer collapse gate: without activation, stacked Dense layers draw a straight line."""
    flat = dense_layer.linear_collapse(None, activation=None, depth=2, width=8, steps=50)
    assert flat["collapse_max_diff"] < 1e-3


def test_calling_the_same_layer_twice_shares_its_weights():
    """home.note_layers: a new layer makes weights; calling the same layer again shares them."""
    with fresh_names():
        i = keras.Input(shape=(4,))
        shared = keras.layers.Dense(4)
        one = keras.Model(i, shared(i))
        two = keras.Model(i, shared(shared(i)))
        fresh = keras.Model(i, keras.layers.Dense(4)(keras.layers.Dense(4)(i)))
    assert one.count_params() == two.count_params() == 20
    assert fresh.count_params() == 40


# ---------------------------------------------------------------- Model()
def test_model_calls_keyword_vs_positional_error_types():
    """model_container.calls table, refused_*, exam summary table and q.model_no_outputs."""
    rows = {r["call"]: r for r in model_container.model_calls(None)["rows"]}
    for call in ("Model(inputs, outputs)", "Model(inputs=inputs, outputs=outputs)", "Model(inputs, outputs=outputs)"):
        assert rows[call]["ok"] and rows[call]["built"] == "Functional", call
    for call in ("Model(inputs=inputs)", "Model(outputs=outputs)"):
        assert rows[call]["error_type"] == "ValueError"
        assert rows[call]["error"].startswith("Unrecognized keyword arguments passed to Model")
    for call in ("Model(inputs)", "Model(outputs)"):
        assert rows[call]["error_type"] == "TypeError"
        assert "Layer.__init__()" in rows[call]["error"]
    assert rows["Model()"]["ok"] and rows["Model()"]["built"] == "Model" and rows["Model()"]["n_layers"] == 0


def test_model_falls_back_to_the_plain_constructor():
    """refused_inputs: a call that does not look Functional goes to Layer.__init__ (read from Keras's source)."""
    from keras.src.models import model as model_module

    src = inspect.getsource(model_module.Model.__init__)
    assert "functional_init_arguments(args, kwargs)" in src and "Layer.__init__(self, *args, **kwargs)" in src
    f = model_module.functional_init_arguments
    assert f((1, 2), {}) and f((1,), {"outputs": 2}) and f((), {"inputs": 1, "outputs": 2})
    assert not f((1,), {}) and not f((), {"inputs": 1}) and not f((), {"outputs": 2})


def test_model_signatures():
    facts = model_container.model_calls(None)
    assert facts["model_signature"] == "Model(\n    *args,\n    **kwargs,\n)"
    assert facts["functional_params"][:3] == ["inputs", "outputs", "name"]


def test_exam_summary_errors_run_on_keras():
    rows = {r["what"]: r for r in exam.summary_errors(None)["rows"]}
    assert rows["input_shape"]["error_type"] == "ValueError"
    assert rows["dense_units"]["error_type"] == "TypeError"
    assert rows["model_outputs_keyword"]["error_type"] == rows["model_inputs_keyword"]["error_type"] == "ValueError"
    assert rows["model_outputs_positional"]["error_type"] == rows["model_inputs_positional"]["error_type"] == "TypeError"
    assert rows["compile"]["error_type"] == rows["compile_loss"]["error_type"] == "ValueError"
    for lang in ("en", "bn"):
        assert "144" not in translate(lang, "exam.number_invalid", text="x")


# ---------------------------------------------------------------- compile() and fit()
def test_compile_default_optimizer_is_rmsprop():
    """compile_step.explain_optimizer: the default is in the installed signature."""
    assert inspect.signature(keras.Model.compile).parameters["optimizer"].default == "rmsprop"


def test_crossentropy_needs_the_matching_label_form():
    """compile_step.labels_*: categorical wants one-hot rows, sparse_ wants integer ids."""
    rows = {(r["loss"], r["labels"]): r for r in compile_step.label_formats(None)["rows"]}
    assert rows[("categorical_crossentropy", "one_hot")]["ok"]
    assert rows[("sparse_categorical_crossentropy", "integers")]["ok"]
    assert not rows[("categorical_crossentropy", "integers")]["ok"]
    assert not rows[("sparse_categorical_crossentropy", "one_hot")]["ok"]
    assert rows[("categorical_crossentropy", "integers")]["error"][0] == "ValueError"
    # The same number either way: both losses agree when each gets its own label form.
    assert rows[("categorical_crossentropy", "one_hot")]["final_loss"] == pytest.approx(
        rows[("sparse_categorical_crossentropy", "integers")]["final_loss"], rel=1e-4)


def test_fit_signature_and_predict_shape():
    """build_and_train.fit_signature_caption and the predict gate."""
    facts = build_and_train.fit_facts(None, spec=recommended().to_dict(), n=5)
    assert facts["defaults"] == {"epochs": "1", "batch_size": "None", "validation_split": "0.0", "shuffle": "True"}
    assert facts["predict_shape"] == [5, 1] and facts["output_shape"] == [None, 1]
    assert facts["signature"].startswith("model.fit(\n    x=None,")


# ---------------------------------------------------------------- weight freeze
def test_the_documents_loop_freezes_the_head_too():
    """weight_freeze.loop_*: `for layer in model.layers: layer.trainable = False` leaves nothing to train."""
    doc = weight_freeze.freeze_loop(None, variant="document")
    assert doc["totals"]["trainable"] == 0 and not doc["head_moved"]
    assert all(r["max_abs"] == 0 for r in doc["change"])
    assert any("does not have any trainable weights" in w for w in doc["warnings"])
    fixed = weight_freeze.freeze_loop(None, variant="head_free")
    assert fixed["head_moved"]
    assert {r["layer"]: r["max_abs"] == 0 for r in fixed["change"]} == {
        "conv1": True, "conv2": True, "dense1": False, "dense2": False}


@pytest.mark.parametrize("again", [False, True])
def test_recompile_decides_whether_the_frozen_layer_moves(again):
    """weight_freeze.mistake_claim vs mistake_claim_fixed: the text follows the run."""
    res = weight_freeze.recompile_demo(None, layer="dense1", compile_again=again, epochs=1)
    assert (res["frozen_change"] > 0) is (not again)


# ---------------------------------------------------------------- transfer learning, BatchNormalization
def test_bn_statistics_kept_by_a_frozen_bn_layer_not_by_training_false():
    """transfer_learning.bn_check_text, TL;DR and fine_tuning TL;DR."""
    rows = {r["mode"]: r for r in transfer_learning.bn_check(None)["rows"]}
    assert rows["default"]["moved"] and rows["training_false"]["moved"]
    assert not rows["bn_frozen"]["moved"] and not rows["base_frozen"]["moved"]


def test_frozen_bn_layer_runs_in_inference_mode():
    """bn_check_text: a BatchNormalization layer with trainable=False runs in inference mode."""
    with fresh_names():
        bn = keras.layers.BatchNormalization()
        x = (np.random.default_rng(0).normal(size=(16, 3)) * 4 + 7).astype("float32")
        bn(x)
        bn.trainable = False
        frozen_out = np.asarray(bn(x, training=True))
        inference_out = np.asarray(bn(x, training=False))
    np.testing.assert_allclose(frozen_out, inference_out, rtol=1e-6)


def test_document_step3_style_vs_nested_base():
    """transfer_learning.doc_step3_why: same parameters, the base spliced in vs nested as one layer."""
    r = transfer_learning.step3_styles(None)
    assert r["doc_totals"] == r["app_totals"]
    assert r["doc_layers"] > r["app_layers"] and r["base_is_one_layer"]
    assert "Functional" in r["app_types"] and "Functional" not in r["doc_types"]
