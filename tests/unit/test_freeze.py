"""Weight freezing against the installed Keras: counts, listing, frozen weights that do not
move, the backprop view, and the recompile mistake with model.fit itself."""
from __future__ import annotations

import contextlib
import io

import pytest

keras = pytest.importorskip("keras")

from lessons import weight_freeze  # noqa: E402
from tests.conftest import Ctx  # noqa: E402


def test_describe_counts_and_listing():
    res = weight_freeze.describe_freeze(Ctx(), frozen=["conv2", "conv1"])
    assert res["frozen"] == ["conv1", "conv2"]
    # Keras 3 lists the InputLayer and Flatten too; the document's listing showed only four layers.
    assert res["listing"].splitlines() == [
        "input_layer True", "conv1 False", "conv2 False", "flatten True", "dense1 True", "dense2 True",
    ]
    assert res["totals"] == {"params": 9802, "trainable": 8554, "non_trainable": 1248}
    per_layer = {r["layer"]: r for r in res["layers"]}
    assert per_layer["conv1"]["params"] == 3 * 3 * 1 * 8 + 8
    assert per_layer["conv2"]["params"] == 3 * 3 * 8 * 16 + 16
    assert per_layer["dense1"]["params"] == 4 * 4 * 16 * 32 + 32
    assert per_layer["conv1"]["non_trainable"] == 80 and per_layer["conv1"]["trainable"] == 0
    assert 'model.get_layer("conv1").trainable = False' in res["code"]


def test_unknown_layer_names_are_ignored():
    res = weight_freeze.describe_freeze(Ctx(), frozen=["conv1", "<script>", "dense9"])
    assert res["frozen"] == ["conv1"]


def test_model_trainable_false_keeps_layer_flags_but_counts_nothing_trainable():
    res = weight_freeze.describe_freeze(Ctx(), model_trainable=False)
    assert all(line.endswith("True") for line in res["listing"].splitlines())
    assert res["totals"]["trainable"] == 0 and res["totals"]["non_trainable"] == 9802
    assert "keras.Model(inputs, outputs, trainable=False)" in res["code"]


@pytest.fixture(scope="module")
def trained():
    ctx = Ctx()
    return weight_freeze.train_freeze(ctx, frozen=["conv1", "dense1"], epochs=2), ctx


def test_frozen_weights_do_not_move_trainable_ones_do(trained):
    res, ctx = trained
    change = {r["layer"]: r for r in res["change"]}
    assert change["conv1"]["max_abs"] == 0.0 and change["dense1"]["max_abs"] == 0.0
    assert change["conv2"]["max_abs"] > 0 and change["dense2"]["max_abs"] > 0
    assert len(res["history"]["loss"]) == 2 and "val_accuracy" in res["history"]
    assert [m["epoch"] for m in ctx.messages] == [1, 2]  # streamed per epoch


def test_backprop_view_gradient_computed_update_not_applied(trained):
    res, _ = trained
    step = {r["layer"]: r for r in res["backprop"]["layers"]}
    for name in ("conv1", "dense1"):
        assert step[name]["grad_norm"] > 0  # there is a gradient...
        assert step[name]["update_norm"] == 0.0  # ...but it is not applied
        assert step[name]["in_trainable_weights"] is False
    for name in ("conv2", "dense2"):
        assert step[name]["update_norm"] > 0 and step[name]["in_trainable_weights"] is True


def test_training_uses_the_fast_engine(trained):
    res, _ = trained
    assert res["engine"] == "graph"
    assert res["seconds_per_epoch"] > 0


def test_model_trainable_false_trains_nothing_and_keras_warns():
    res = weight_freeze.train_freeze(Ctx(), model_trainable=False, epochs=1)
    assert all(r["max_abs"] == 0.0 for r in res["change"])
    assert any("does not have any trainable weights" in w for w in res["warnings"])


def test_recompile_mistake_with_model_fit():
    """DESIGN.md: after a graph-mode fit, trainable=False without compile() does not freeze."""
    without = weight_freeze.recompile_demo(Ctx(), layer="dense1", compile_again=False, epochs=1)
    assert without["run_eagerly"] is False
    assert without["frozen_change"] > 0
    # Keras already reports the layer as non-trainable although fit() keeps updating it.
    assert without["totals_claimed"]["trainable"] == 9802 - (4 * 4 * 16 * 32 + 32)
    fixed = weight_freeze.recompile_demo(Ctx(), layer="dense1", compile_again=True, epochs=1)
    assert fixed["frozen_change"] == 0.0
    others = {r["layer"]: r["max_abs"] for r in fixed["change"]}
    assert others["conv1"] > 0 and others["dense2"] > 0
    assert "model.compile(" in fixed["code"].split("frozen.trainable = False")[1]
    assert "model.compile(" not in without["code"].split("frozen.trainable = False")[1]


def test_recompile_code_on_screen_reproduces_the_mistake():
    code = weight_freeze.recompile_code("dense2", compile_again=False, epochs=1)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<recompile demo>", "exec"), {})  # the app's own generated code, not user input
    assert float(out.getvalue().strip().splitlines()[-1]) > 0
