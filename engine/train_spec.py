"""Train one model spec on a data set: the shared core of every page that trains a spec (build & train, compile)."""
from __future__ import annotations

import os
import time

import numpy as np

from engine import data
from engine import spec as model_spec
from engine.results import rejected, rejected_by
from engine.validate import SpecError, validate_spec

CURVE_POINTS = 200


GRID = 60


def check_spec(spec: dict, dataset: str):
    """(ModelSpec, None) or (None, failure dict) — a rejected spec is never built."""
    try:
        s = model_spec.ModelSpec.from_dict(spec)
        validate_spec(s)
    except SpecError as e:
        return None, rejected_by(e)
    except (TypeError, ValueError) as e:  # a dict that is not a spec at all
        return None, rejected("choice_invalid", field="spec", value=str(e)[:40])
    if dataset not in data.LOADERS:
        return None, rejected("choice_invalid", field="dataset", value=str(dataset)[:40])
    return s, None


# One learner's run may not hold a worker for long: a shared classroom server has two.
MAX_TRAIN_SECONDS = float(os.environ.get("KFL_MAX_TRAIN_SECONDS", "30"))


def time_capped(ctx):
    """(cancelled, hit_limit): a `cancelled()` for fit_fast that also stops at MAX_TRAIN_SECONDS;
    `hit_limit` is non-empty once the cap (not the learner) stopped the run."""
    deadline = time.perf_counter() + MAX_TRAIN_SECONDS
    hit_limit: list = []

    def cancelled() -> bool:
        if ctx.cancelled():
            return True
        if time.perf_counter() > deadline:
            hit_limit.append(True)
            return True
        return False

    return cancelled, hit_limit


def fit_spec(ctx, s: model_spec.ModelSpec, d: data.Dataset, emit):
    """Build, compile and train one spec; (model, history) or raises what Keras raises.

    A run that passes MAX_TRAIN_SECONDS stops between chunks with status "time_limit".
    """
    from engine.build import build_model, compile_model
    from engine.fit_fast import fit_fast

    cancelled, hit_limit = time_capped(ctx)

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


def outcome(hist, t0: float) -> dict:
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


def predictions(model, d: data.Dataset, validation_split: float) -> dict:
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
