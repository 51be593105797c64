"""Transfer learning and fine-tuning against the installed Keras: the shipped base and its
pretraining script, the four steps, frozen vs unfrozen vs scratch, the document's Step 3
error on VGG16 and its fixes, keras.applications counts, partial freeze, BatchNormalization."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from engine import pretrained as pretrained_mod  # noqa: E402
from engine import transfer as TR  # noqa: E402
from lessons import fine_tuning as FT  # noqa: E402
from lessons import transfer_learning as TL  # noqa: E402
from tests.conftest import ROOT  # noqa: E402

BASE_LAYERS = ["digit", "conv1", "bn1", "relu1", "conv2", "bn2", "relu2", "pool", "conv3", "bn3", "relu3"]
BASE_PARAMS = 160 + 4 * 16 + 4640 + 4 * 32 + 18496 + 4 * 64  # 23,744
HEAD_PARAMS = (4 * 4 * 64) * 32 + 32 + 32 * 5 + 5  # 32,965


class Ctx:
    def __init__(self):
        self.messages = []

    def emit(self, msg):
        self.messages.append(msg)

    def cancelled(self):
        return False


# ---------------------------------------------------------------- the shipped base
def test_shipped_base_is_small_and_loads():
    assert pretrained_mod.BASE_PATH.stat().st_size < 1024 * 1024
    pretrained = pretrained_mod.load_pretrained()
    base = pretrained_mod.base_from(pretrained)
    assert [layer.name for layer in base.layers] == BASE_LAYERS
    assert base.count_params() == BASE_PARAMS
    assert [layer.name for layer in pretrained.layers[len(base.layers):]] == ["flatten", pretrained_mod.OLD_HEAD]
    assert pretrained.count_params() == BASE_PARAMS + 4 * 4 * 64 * 5 + 5


def test_shipped_base_knows_digits_0_to_4():
    _, _, x_te, y_te = pretrained_mod.source_data()
    assert set(np.unique(y_te)) == {0, 1, 2, 3, 4}
    assert pretrained_mod.accuracy(pretrained_mod.load_pretrained(), x_te, y_te) >= 0.95


def test_pretraining_script_reproduces_the_shipped_base(tmp_path):
    """Same architecture and counts, the same accuracy bar, and (on this machine, where TensorFlow's
    op determinism holds) the same weights. Another CPU may round differently in oneDNN and drift
    a little over training, hence the loose weight tolerance; the shipped file was bit-identical
    (max difference 0.0) when rerun on the machine that made it."""
    out = tmp_path / "base.keras"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.run([sys.executable, "scripts/pretrain_base.py", "--out", str(out), "--compare"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout[proc.stdout.index("{"):])
    shipped = pretrained_mod.load_pretrained()
    assert report["params"] == shipped.count_params()
    assert report["layers"] == [layer.name for layer in shipped.layers]
    assert report["test_accuracy"] >= 0.95
    assert report["max_weight_diff"] < 0.05


def test_target_data_few_examples_fixed_test_set():
    x3, y3, xt3, yt3 = pretrained_mod.target_data(3)
    x20, y20, xt20, yt20 = pretrained_mod.target_data(20)
    assert x3.shape == (15, 8, 8, 1) and x20.shape == (100, 8, 8, 1)
    assert np.array_equal(xt3, xt20) and np.array_equal(yt3, yt20)  # the test set never changes
    assert set(np.unique(y3)) == {0, 1, 2, 3, 4} and len(yt3) > 400
    pool, test = pretrained_mod.split_classes(pretrained_mod.TARGET_CLASSES, 0.5, pretrained_mod.SEED + 1)
    assert not set(np.concatenate(pool)) & set(test)  # no training image is also a test image
    assert pretrained_mod.target_data(10_000)[0].shape[0] == 5 * pretrained_mod.max_per_class()


# ---------------------------------------------------------------- the four steps, compared
def test_workflow_counts():
    wf = TL.workflow(Ctx())
    assert wf["step1"]["totals"]["params"] == BASE_PARAMS
    assert wf["step2"]["totals"] == {"params": BASE_PARAMS, "trainable": 0, "non_trainable": BASE_PARAMS}
    assert wf["step3"]["totals"]["trainable"] == HEAD_PARAMS
    assert wf["step3"]["totals"]["params"] == BASE_PARAMS + HEAD_PARAMS


@pytest.fixture(scope="module")
def compared():
    ctx = Ctx()
    return TL.compare(ctx, n_per_class=3, epochs=3, lr=0.01), ctx


def test_compare_frozen_base_is_untouched(compared):
    res, ctx = compared
    fr, un, sc = (res["runs"][s] for s in ("frozen", "unfrozen", "scratch"))
    assert fr["totals"]["trainable"] == HEAD_PARAMS
    assert un["totals"]["trainable"] == sc["totals"]["trainable"] == HEAD_PARAMS + BASE_PARAMS - 224
    assert fr["base_drift"] == 0.0 and un["base_drift"] > 0
    assert all(v == {"mean": 0.0, "variance": 0.0} for v in fr["bn_stats_change"].values())
    assert fr["old_task_accuracy"] == res["old_task_before"]  # the old task survives exactly
    assert sc["old_task_accuracy"] is None
    assert len(fr["history"]["val_accuracy"]) == 3 and fr["n_train"] == 15
    assert {r["engine"] for r in res["runs"].values()} == {"graph"}  # engine.fit_fast.fit_fast
    # Every strategy once per seed, streamed as one line per run.
    assert {m["run"] for m in ctx.messages} == {f"{s}@run{i}" for s in ("frozen", "unfrozen", "scratch")
                                                 for i in range(1, len(res["seeds"]) + 1)}


def test_compare_averages_distinct_seeds(compared):
    """The comparison's numbers are means over several seeds, with their spread, per strategy."""
    res, _ = compared
    seeds = res["seeds"]
    assert len(seeds) == TR.COMPARE_SEEDS >= 3 and len(set(seeds)) == len(seeds)
    for s in ("frozen", "unfrozen", "scratch"):
        each = res["test_accuracy_by_seed"][s]
        sp = res["spread"][s]["test_accuracy"]
        assert len(each) == len(seeds)
        assert sp["values"] == each and sp["min"] == min(each) and sp["max"] == max(each)
        assert sp["mean"] == pytest.approx(np.mean(each)) and sp["sd"] == pytest.approx(np.std(each))
        assert res["runs"][s]["test_accuracy"] == pytest.approx(sp["mean"])
        band = res["spread"][s]["val_accuracy_band"]
        assert band["min"][-1] == min(each) and band["max"][-1] == max(each)
    # The frozen base's old task is kept in every run, so its mean is that exact number.
    assert res["runs"]["frozen"]["old_task_accuracy"] == res["old_task_before"]
    f = res["findings"]
    assert f["seeds"] == len(seeds) and f["best"] == max(res["spread"], key=lambda s: res["spread"][s]["test_accuracy"]["mean"])


def test_a_seed_run_after_another_equals_that_seed_alone():
    """run_seeds reuses one traced graph: each later seed must start exactly like a fresh model."""
    for strategy in ("unfrozen", "scratch"):
        both = TR.run_seeds(Ctx(), strategy, 2, 2, 0.01, [pretrained_mod.SEED, pretrained_mod.SEED + 1])
        alone = TR.run_seeds(Ctx(), strategy, 2, 2, 0.01, [pretrained_mod.SEED + 1])
        assert both[1]["seed"] == alone[0]["seed"]
        for k in ("loss", "val_loss", "val_accuracy"):
            assert both[1]["history"][k] == pytest.approx(alone[0]["history"][k], rel=1e-4, abs=1e-5)
        assert both[0]["history"]["loss"] != both[1]["history"]["loss"]


def test_generated_code_builds_the_same_data_and_model(compared):
    res, _ = compared
    code = res["runs"]["frozen"]["code"].replace("epochs=3", "epochs=1")
    scope: dict = {}
    cwd = os.getcwd()
    try:
        os.chdir(ROOT)
        exec(compile(code, "<frozen run>", "exec"), scope)  # the app's own generated code, not user input
    finally:
        os.chdir(cwd)
    x_tr, y_tr, x_te, y_te = pretrained_mod.target_data(3)
    assert np.array_equal(scope["x_train"], x_tr) and np.array_equal(scope["y_train"], y_tr)
    assert np.array_equal(scope["x_test"], x_te)
    model = scope["model"]
    assert sum(int(np.prod(w.shape)) for w in model.trainable_weights) == HEAD_PARAMS


def test_cancelled_compare_stops_early():
    class Stop(Ctx):
        def cancelled(self):
            return True

    assert TL.compare(Stop(), n_per_class=1, epochs=1) == {"cancelled": True}


# ---------------------------------------------------------------- the document's Step 3 on VGG16
def test_step3_as_written_fails_in_keras3():
    res = TL.step3(Ctx(), variant="document")
    assert res["ok"] is False
    etype, msg = res["error"]
    assert etype == "ValueError"
    assert "Shapes used to initialize variables must be fully-defined" in msg
    assert res["base_output"] == "(None, None, None, 512)"
    assert "include_top=False)" in res["code"] and "Flatten()" in res["code"]


def test_step3_fix_input_shape():
    res = TL.step3(Ctx(), variant="input_shape")
    assert res["ok"] and res["base_output"] == "(None, 7, 7, 512)" and res["pooled"] == "(None, 25088)"
    head = 25088 * 128 + 128 + 128 * 10 + 10
    assert res["totals"] == {"params": 14_714_688 + head, "trainable": head, "non_trainable": 14_714_688}


def test_step3_fix_global_average_pooling():
    res = TL.step3(Ctx(), variant="gap")
    assert res["ok"] and res["pooled"] == "(None, 512)"
    head = 512 * 128 + 128 + 128 * 10 + 10
    assert res["totals"] == {"params": 14_714_688 + head, "trainable": head, "non_trainable": 14_714_688}


@pytest.mark.parametrize("name,layers,params", [
    ("VGG16", 19, 14_714_688),
    ("MobileNetV2", 154, 2_257_984),
])
def test_keras_applications_counts(name, layers, params):
    info = TL.application_info(Ctx(), name=name)
    assert info["n_layers"] == layers and info["totals"]["params"] == params
    assert len(info["layers"]) == layers
    assert "weights=None" in info["code"]


def test_imagenet_weights_offline_answer_quickly(monkeypatch):
    monkeypatch.setenv("KERAS_LAB_OFFLINE", "1")
    monkeypatch.setattr(TL, "_cached_weights", lambda name: False)
    assert TL.load_imagenet(Ctx(), name="VGG16") == {"ok": False, "reason": "offline"}
    assert TL.imagenet_status(Ctx(), name="VGG16")["online"] is False


# ---------------------------------------------------------------- fine-tuning
def test_partial_freeze_counts():
    n = len(BASE_LAYERS)
    everything = FT.partial(Ctx(), k=0)
    assert everything["n_layers"] == n
    assert everything["base_totals"] == {"params": BASE_PARAMS, "trainable": BASE_PARAMS - 224, "non_trainable": 224}
    nothing = FT.partial(Ctx(), k=n)
    assert nothing["base_totals"]["trainable"] == 0
    k8 = FT.partial(Ctx(), k=8)
    assert k8["base_totals"]["trainable"] == 18496 + 2 * 64  # conv3 and bn3's gamma, beta
    assert k8["listing"].splitlines()[7:] == ["pool False", "conv3 True", "bn3 True", "relu3 True"]
    assert "for layer in base_model.layers[:8]:" in k8["code"]


def test_race_starts_together_and_head_only_leaves_the_base():
    res = FT.race(Ctx(), k=8, lr_normal=0.01, lr_low=1e-5, n_per_class=2, head_epochs=2, epochs=2)
    runs = {(r["kind"], r["lr"]): r for r in res["runs"]}
    assert len(runs) == 6
    for lr in (0.01, 1e-5):
        assert runs[("head", lr)]["base_drift"] == 0.0
        assert runs[("head", lr)]["totals"]["trainable"] == HEAD_PARAMS
        assert runs[("partial", lr)]["totals"]["trainable"] == HEAD_PARAMS + 18496 + 128
    assert runs[("full", 0.01)]["base_drift"] > runs[("full", 1e-5)]["base_drift"] > 0


def test_batchnorm_training_false_does_not_keep_statistics_in_this_keras():
    """Measured fact shown on the fine-tuning page: in Keras 3 fit() passes training=True down
    to every layer, replacing the training=False recorded when the base was called
    (keras-team/keras#20285); BatchNormalization layers set trainable=False do keep them."""
    res = FT.bn_demo(Ctx(), n_per_class=2, epochs=2, lr=1e-3)
    runs = res["runs"]
    assert runs["training_false"]["stats_moved"] is True
    assert res["training_false_kept_stats"] is False
    assert res["training_false_same_as_default"] is True
    assert runs["bn_frozen"]["stats_moved"] is False
    assert runs["bn_frozen"]["base_drift"] > 0  # the rest of the base still learned
    assert res["keras_version"] == keras.__version__
