"""Training jobs, run in a worker: build the spec, fit it on a data set, stream the epochs.

`train` is what a page shows while the learner watches: one message per epoch
(`{"epoch": 1-based, "loss": ..., "val_loss": ..., other metrics}`), then the history,
how the run ended and what `model.predict()` says on the data, ready to plot.
"""
from __future__ import annotations

import os
import re
import time

import numpy as np

from core import data as D
from core import spec as S
from core.validate import SpecError, validate_spec

__jobs__ = ("train", "train_many", "warm")

MAX_RUNS = 6  # train_many: lines on one comparison chart
CURVE_POINTS = 200
GRID = 60


def _check(spec: dict, dataset: str):
    """(ModelSpec, None) or (None, failure dict) — a rejected spec is never built."""
    try:
        s = S.ModelSpec.from_dict(spec)
        validate_spec(s)
    except SpecError as e:
        return None, {"ok": False, "spec_error": (e.code, e.params)}
    except (TypeError, ValueError) as e:  # a dict that is not a spec at all
        return None, {"ok": False, "spec_error": ("choice_invalid", {"field": "spec", "value": str(e)[:40]})}
    if dataset not in D.LOADERS:
        return None, {"ok": False, "spec_error": ("choice_invalid", {"field": "dataset", "value": str(dataset)[:40]})}
    return s, None


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _keras_error(exc: Exception) -> dict:
    # Keras bolds parts of its messages with terminal escapes; a web page shows them as junk.
    return {"ok": False, "keras_error": (type(exc).__name__, _ANSI.sub("", str(exc)).strip()[:1200])}


# One learner's run may not hold a worker for long: a shared classroom server has two.
MAX_TRAIN_SECONDS = float(os.environ.get("KFL_MAX_TRAIN_SECONDS", "30"))


def _fit(ctx, s: S.ModelSpec, d: D.Dataset, emit):
    """Build, compile and train one spec; (model, history) or raises what Keras raises.

    A run that passes MAX_TRAIN_SECONDS stops between chunks with status "time_limit".
    """
    from core.build import build_model, compile_model
    from core.train import fit_fast

    deadline = time.perf_counter() + MAX_TRAIN_SECONDS
    hit_limit = []

    def cancelled() -> bool:
        if ctx.cancelled():
            return True
        if time.perf_counter() > deadline:
            hit_limit.append(True)
            return True
        return False

    model = build_model(s, validate=False)  # seeds Keras like the generated code does
    compile_model(model, s)

    def on_epoch(epoch, logs):
        emit({"epoch": epoch + 1, **logs})

    hist = fit_fast(
        model, d.x, d.y, epochs=s.epochs, batch_size=s.fit_batch_size,
        validation_split=s.validation_split, shuffle=True, seed=s.seed,
        on_epoch=on_epoch, cancelled=cancelled,
    )
    if hit_limit and hist.status == "cancelled":
        hist.status = "time_limit"
    return model, hist


def _outcome(hist, t0: float) -> dict:
    seconds = time.perf_counter() - t0
    return {
        "ok": True,
        "status": hist.status,
        "history": {k: list(v) for k, v in hist.items()},
        "epochs_run": hist.epochs_run,
        "seconds": seconds,
        "trace_seconds": hist.trace_seconds,
        "epochs_per_s": hist.epochs_per_s,
        "engine": hist.engine,
    }


def predictions(model, d: D.Dataset, validation_split: float) -> dict:
    """What a page plots after `model.predict()`, chosen by the shape of the data.

    kind "curve" (1 feature): a sorted x grid with y_pred, and the training points.
    kind "grid" (2 features): the model's first output over a GRID x GRID mesh of the data
    range (a probability for a sigmoid head), and the points with their labels.
    kind "scatter" (more features): y_true against y_pred for every sample; samples from
    val_start on are the validation split.
    """
    def pred(x):
        return np.asarray(model(x.astype("float32"), training=False), dtype="float32")

    n = len(d.x)
    val_start = int(np.floor(n * (1.0 - validation_split))) if validation_split else n  # Keras's split
    features = d.x.shape[1] if d.x.ndim == 2 else None
    if features == 1:
        grid = np.linspace(d.x.min(), d.x.max(), CURVE_POINTS, dtype="float32").reshape(-1, 1)
        return {"kind": "curve", "x": grid[:, 0], "y_pred": pred(grid), "points_x": d.x[:, 0],
                "points_y": d.y[:, 0], "val_start": val_start}
    if features == 2:
        lo, hi = d.x.min(0) - 0.5, d.x.max(0) + 0.5
        gx = np.linspace(lo[0], hi[0], GRID, dtype="float32")
        gy = np.linspace(lo[1], hi[1], GRID, dtype="float32")
        mesh = np.stack(np.meshgrid(gx, gy), -1).reshape(-1, 2)
        z = pred(mesh)[:, 0].reshape(GRID, GRID)  # z[i, j] is at (gx[j], gy[i]), as plotly's heatmap wants
        return {"kind": "grid", "grid_x": gx, "grid_y": gy, "z": z, "points": d.x,
                "labels": d.y[:, 0], "val_start": val_start}
    return {"kind": "scatter", "y_true": d.y[:, 0], "y_pred": pred(d.x)[:, 0], "val_start": val_start}


def train(ctx, spec: dict, dataset: str, with_predict: bool = True) -> dict:
    """Train one spec on a built-in data set, streaming each epoch.

    Returns {"ok": True, "status": "done"|"cancelled"|"diverged"|"time_limit", "history", "seconds",
    "epochs_per_s", "predict"} or {"ok": False, "spec_error": (code, params)} /
    {"ok": False, "keras_error": (type, message)}.
    """
    t0 = time.perf_counter()
    s, failure = _check(spec, dataset)
    if failure:
        return failure
    d = D.load(dataset, s.seed)
    try:
        model, hist = _fit(ctx, s, d, ctx.emit)
    except Exception as exc:  # e.g. an input shape that does not fit the data: Keras says why
        return _keras_error(exc)
    out = _outcome(hist, t0)
    out["predict"] = predictions(model, d, s.validation_split) if with_predict else None
    return out


def train_many(ctx, specs: list, dataset: str, with_predict: bool = False) -> dict:
    """Train several specs one after another (optimizers, learning rates, losses side by side).

    Messages carry {"run": index, "epoch": ..., logs}. Returns {"ok": True, "status",
    "runs": [one `train` result per spec]}; a Stop ends the run in flight and skips the rest.
    """
    if not isinstance(specs, list) or not 1 <= len(specs) <= MAX_RUNS:
        return {"ok": False, "spec_error": ("out_of_range", {"field": "runs", "value": len(specs) if
                                                             isinstance(specs, list) else 0, "lo": 1, "hi": MAX_RUNS})}
    checked = [_check(sp, dataset) for sp in specs]
    for _, failure in checked:
        if failure:
            return failure
    runs, status = [], "done"
    for i, (s, _) in enumerate(checked):
        if ctx.cancelled():
            status = "cancelled"
            break
        t0 = time.perf_counter()
        d = D.load(dataset, s.seed)
        try:
            model, hist = _fit(ctx, s, d, lambda m, i=i: ctx.emit({"run": i, **m}))
        except Exception as exc:
            runs.append(_keras_error(exc))
            continue
        out = _outcome(hist, t0)
        out["predict"] = predictions(model, d, s.validation_split) if with_predict else None
        runs.append(out)
        if hist.status in ("cancelled", "time_limit"):
            status = hist.status
            break
    return {"ok": True, "status": status, "runs": runs}


def warm(ctx) -> str:
    """Trace a tiny fit once so a fresh worker's first real job skips TensorFlow's one-off costs."""
    s = S.recommended().replace(epochs=2, validation_split=0.2)
    d = D.load("curve", 0)
    d = D.Dataset(d.name, d.x[:64], d.y[:64], d.task, d.input_shape)
    _fit(ctx, s, d, lambda m: None)
    return "ready"
