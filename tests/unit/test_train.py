"""engine.fit_fast.fit_fast is model.fit, only faster: checked against model.fit itself."""
from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from engine import data  # noqa: E402
from engine import spec as model_spec  # noqa: E402
from engine.build import build_model, compile_model  # noqa: E402
from engine.fit_fast import fit_fast, split_validation  # noqa: E402
from tests.conftest import Ctx  # noqa: E402


def _model(spec: model_spec.ModelSpec):
    return compile_model(build_model(spec), spec)


def _pair(spec: model_spec.ModelSpec):
    """Two identical compiled models: same seed, same initial weights."""
    a, b = _model(spec), _model(spec)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    return a, b


CURVE = data.load("curve", 0)
MOONS = data.load("moons", 0)


def test_same_training_as_model_fit_without_shuffle():
    spec = model_spec.recommended().replace(metrics=["mae"])
    fast_m, fit_m = _pair(spec)
    fast = fit_fast(fast_m, CURVE.x, CURVE.y, epochs=6, batch_size=32, validation_split=0.2, shuffle=False)
    ref = fit_m.fit(CURVE.x, CURVE.y, epochs=6, batch_size=32, validation_split=0.2, shuffle=False, verbose=0)
    assert fast.status == "done" and fast.engine == "graph"
    assert list(fast) == list(ref.history)  # same keys, same order
    for k in ref.history:
        np.testing.assert_allclose(fast[k], ref.history[k], rtol=1e-4, err_msg=k)
    for wa, wb in zip(fast_m.get_weights(), fit_m.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-3, atol=1e-5)


def test_same_training_as_model_fit_with_shuffle():
    # Shuffle orders differ (a seeded permutation vs tf.data's), so the two runs agree only in
    # distribution: compare where both have converged to the noise floor (noise sd 0.1 -> 0.01).
    spec = model_spec.recommended().replace(learning_rate=0.01)
    fast_m, fit_m = _pair(spec)
    fast = fit_fast(fast_m, CURVE.x, CURVE.y, epochs=30, batch_size=32, validation_split=0.2, shuffle=True, seed=1)
    ref = fit_m.fit(CURVE.x, CURVE.y, epochs=30, batch_size=32, validation_split=0.2, shuffle=True, verbose=0).history
    assert set(fast) == set(ref) == {"loss", "val_loss"}
    for k in ("loss", "val_loss"):
        assert fast[k][-1] < 0.05 and ref[k][-1] < 0.05, (k, fast[k][-1], ref[k][-1])
        assert abs(fast[k][-1] - ref[k][-1]) <= 0.3 * ref[k][-1], (k, fast[k][-1], ref[k][-1])


def test_binary_accuracy_history_like_keras():
    spec = model_spec.recommended().replace(
        input_shape=(2,), loss="binary_crossentropy", metrics=["accuracy", "mse"],
        output=model_spec.DenseSpec(1, "sigmoid", name="output"),
    )
    fast_m, fit_m = _pair(spec)
    fast = fit_fast(fast_m, MOONS.x, MOONS.y, epochs=3, batch_size=64, validation_split=0.25, shuffle=False)
    ref = fit_m.fit(MOONS.x, MOONS.y, epochs=3, batch_size=64, validation_split=0.25, shuffle=False, verbose=0)
    assert list(fast) == list(ref.history)
    assert {"accuracy", "val_accuracy", "mse", "val_mse"} <= set(fast)
    for k in ref.history:
        np.testing.assert_allclose(fast[k], ref.history[k], rtol=1e-4, atol=1e-6, err_msg=k)


def test_sparse_categorical_accuracy_and_partial_last_batch():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(203, 4)).astype("float32")
    y = rng.integers(0, 3, size=(203,)).astype("int32")

    def make():
        keras.utils.set_random_seed(3)
        inp = keras.Input((4,))
        out = keras.layers.Dense(3, activation="softmax")(keras.layers.Dense(6, activation="tanh")(inp))
        m = keras.Model(inp, out)
        m.compile(optimizer=keras.optimizers.RMSprop(0.01), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        return m

    a, b = make(), make()
    fast = fit_fast(a, x, y, epochs=3, batch_size=50, validation_split=0.1, shuffle=False)
    ref = b.fit(x, y, epochs=3, batch_size=50, validation_split=0.1, shuffle=False, verbose=0).history
    assert list(fast) == list(ref)
    for k in ref:
        np.testing.assert_allclose(fast[k], ref[k], rtol=1e-4, atol=1e-6, err_msg=k)


def test_regularization_losses_are_part_of_the_loss():
    spec = model_spec.recommended()
    spec.hidden[0].kernel_regularizer = "l2"
    fast_m, fit_m = _pair(spec)
    assert fast_m.losses  # the regularizer contributes
    fast = fit_fast(fast_m, CURVE.x, CURVE.y, epochs=2, batch_size=32, shuffle=False)
    ref = fit_m.fit(CURVE.x, CURVE.y, epochs=2, batch_size=32, shuffle=False, verbose=0).history
    np.testing.assert_allclose(fast["loss"], ref["loss"], rtol=1e-4)


def test_frozen_layer_keeps_its_weights():
    model = build_model(model_spec.recommended())
    model.get_layer("hidden1").trainable = False
    compile_model(model, model_spec.recommended())
    frozen = [w.copy() for w in model.get_layer("hidden1").get_weights()]
    before = [w.copy() for w in model.get_layer("hidden2").get_weights()]
    hist = fit_fast(model, CURVE.x, CURVE.y, epochs=2, batch_size=32)
    assert hist.status == "done"
    for w, w0 in zip(model.get_layer("hidden1").get_weights(), frozen):
        np.testing.assert_array_equal(w, w0)
    assert any(not np.array_equal(w, w0) for w, w0 in zip(model.get_layer("hidden2").get_weights(), before))


def test_divergence_is_reported_not_raised():
    spec = model_spec.recommended().replace(optimizer="sgd", learning_rate=10.0)
    hist = fit_fast(_model(spec), CURVE.x, CURVE.y, epochs=50, batch_size=32, validation_split=0.2)
    assert hist.status == "diverged"
    assert hist.epochs_run < 50 and len(hist["loss"]) == hist.epochs_run
    assert not np.isfinite(hist["loss"][-1])


def test_cancel_stops_between_chunks():
    seen = []
    hist = fit_fast(
        _model(model_spec.recommended()), CURVE.x, CURVE.y, epochs=400, batch_size=32,
        on_epoch=lambda e, logs: seen.append(e), cancelled=lambda: len(seen) > 0,
    )
    assert hist.status == "cancelled"
    assert 1 <= hist.epochs_run < 400 and seen == list(range(hist.epochs_run))


def test_on_epoch_streams_every_epoch_in_order():
    logs = []
    hist = fit_fast(_model(model_spec.recommended()), CURVE.x, CURVE.y, epochs=30, batch_size=100, validation_split=0.2,
                    on_epoch=lambda e, l: logs.append((e, l)))
    assert [e for e, _ in logs] == list(range(30))
    assert [l["val_loss"] for _, l in logs] == hist["val_loss"]


def test_validation_split_takes_the_end_before_shuffling():
    x = np.arange(10, dtype="float32").reshape(-1, 1)
    (xt, _), (xv, _) = split_validation(x, x, 0.25)
    assert xt[:, 0].tolist() == list(range(7)) and xv[:, 0].tolist() == [7, 8, 9]  # floor(10 * 0.75) = 7
    with pytest.raises(ValueError, match="not sufficient"):
        split_validation(x[:1], x[:1], 0.5)


def test_unsupported_metric_falls_back_to_model_fit():
    model = build_model(model_spec.recommended())
    model.compile(optimizer="adam", loss="mse", metrics=[keras.metrics.R2Score()])
    hist = fit_fast(model, CURVE.x, CURVE.y, epochs=2, batch_size=32, validation_split=0.2)
    assert hist.engine == "keras_fit" and hist.status == "done"
    assert {"loss", "r2_score", "val_loss", "val_r2_score"} <= set(hist)


def test_nothing_of_the_traced_graph_is_left_behind():
    """The per-fit memory growth: no gradient-registry entry, no loop body stays registered."""
    import gc

    from tensorflow.python.eager import context
    from tensorflow.python.framework import ops

    fit_fast(_model(model_spec.recommended()), CURVE.x, CURVE.y, epochs=1)  # first-use caches
    grads = set(ops._gradient_registry._registry)
    fns = set(context.context().list_function_names())
    fit_fast(_model(model_spec.recommended()), CURVE.x, CURVE.y, epochs=2, validation_split=0.2)
    gc.collect()  # what the worker does after each job
    assert set(ops._gradient_registry._registry) == grads
    assert {n for n in context.context().list_function_names() if "while" in n} <= fns


# ------------------------------------------------------------------ the training jobs

@pytest.mark.parametrize(
    "dataset, spec, kind",
    [
        ("curve", model_spec.recommended().replace(epochs=5, metrics=["mae"]), "curve"),
        ("moons", model_spec.recommended().replace(epochs=5, input_shape=(2,), loss="binary_crossentropy",
                                          metrics=["accuracy"], output=model_spec.DenseSpec(1, "sigmoid", name="output")), "grid"),
        ("diabetes", model_spec.recommended().replace(epochs=5, input_shape=(10,)), "scatter"),
    ],
)
def test_train_job_streams_and_predicts(dataset, spec, kind):
    from engine.train_spec import GRID
    from lessons.spec_jobs import train_spec as train

    ctx = Ctx()
    res = train(ctx, spec.to_dict(), dataset)
    assert res["ok"] and res["status"] == "done"
    assert [m["epoch"] for m in ctx.messages] == [1, 2, 3, 4, 5]
    assert set(ctx.messages[-1]) == {"epoch", *res["history"]}
    assert res["history"]["val_loss"][-1] == ctx.messages[-1]["val_loss"]
    p = res["predict"]
    assert p["kind"] == kind
    n = len(data.load(dataset, spec.seed).x)
    assert p["val_start"] == int(np.floor(n * 0.8))
    if kind == "curve":
        assert np.all(np.diff(p["x"]) > 0) and p["y_pred"].shape == (len(p["x"]), 1)
    elif kind == "grid":
        assert p["z"].shape == (GRID, GRID) and 0 <= p["z"].min() <= p["z"].max() <= 1
    else:
        assert p["y_pred"].shape == p["y_true"].shape == (n,)


def test_train_job_refuses_a_bad_spec_and_reports_keras_errors():
    from lessons.spec_jobs import train_spec as train

    bad = model_spec.recommended().to_dict()
    bad["hidden"][0]["units"] = 0
    assert train(Ctx(), bad, "curve") == {"ok": False, "spec_error": ("units_not_positive", {"layer": 1, "units": 0})}
    res = train(Ctx(), model_spec.recommended().replace(input_shape=(3,), epochs=2).to_dict(), "curve")
    assert not res["ok"] and res["keras_error"][0] == "ValueError"
    assert "\x1b" not in res["keras_error"][1] and "expected axis -1" in res["keras_error"][1]
    assert train(Ctx(), model_spec.recommended().to_dict(), "nope")["spec_error"][0] == "choice_invalid"


def test_train_job_cancel_and_divergence():
    from lessons.spec_jobs import train_spec as train

    res = train(Ctx(cancel_after=1), model_spec.recommended().replace(epochs=400).to_dict(), "curve")
    assert res["ok"] and res["status"] == "cancelled" and res["epochs_run"] < 400
    res = train(Ctx(), model_spec.recommended().replace(optimizer="sgd", learning_rate=10.0).to_dict(), "curve")
    assert res["ok"] and res["status"] == "diverged"


def test_train_many_compares_runs():
    from lessons.spec_jobs import train_many

    ctx = Ctx()
    specs = [model_spec.recommended().replace(epochs=3, optimizer=o).to_dict() for o in ("adam", "sgd")]
    res = train_many(ctx, specs, "curve")
    assert res["ok"] and res["status"] == "done" and len(res["runs"]) == 2
    assert [(m["run"], m["epoch"]) for m in ctx.messages] == [(0, 1), (0, 2), (0, 3), (1, 1), (1, 2), (1, 3)]
    assert res["runs"][0]["history"]["loss"] != res["runs"][1]["history"]["loss"]
    assert train_many(Ctx(), [], "curve")["spec_error"][0] == "out_of_range"
