"""Training jobs, run in a worker: build the spec, fit it on a data set, stream the epochs.

`train` is what a page shows while the learner watches: one message per epoch
(`{"epoch": 1-based, "loss": ..., "val_loss": ..., other metrics}`), then the history,
how the run ended and what `model.predict()` says on the data, ready to plot.
"""
from __future__ import annotations

import time

from engine import data
from engine import spec as model_spec
from engine.results import keras_no, rejected, rejected_by
from engine.train_spec import check_spec, fit_spec, outcome, predictions
from engine.validate import SpecError, validate_spec
from runtime.jobs import job

MAX_RUNS = 6  # train_many: lines on one comparison chart


@job
def train_spec(ctx, spec: dict, dataset: str, with_predict: bool = True) -> dict:
    """Train one spec on a built-in data set, streaming each epoch.

    Returns {"ok": True, "status": "done"|"cancelled"|"diverged"|"time_limit", "history", "seconds",
    "epochs_per_s", "predict"} or a failure (`engine.results`: the spec rejected, or Keras said no).
    """
    t0 = time.perf_counter()
    s, failure = check_spec(spec, dataset)
    if failure:
        return failure
    d = data.load(dataset, s.seed)
    try:
        model, hist = fit_spec(ctx, s, d, ctx.emit)
    except Exception as exc:  # e.g. an input shape that does not fit the data: Keras says why
        return keras_no(exc)
    out = outcome(hist, t0)
    out["predict"] = predictions(model, d, s.validation_split) if with_predict else None
    return out


@job
def train_many(ctx, specs: list, dataset: str, with_predict: bool = False) -> dict:
    """Train several specs one after another (optimizers, learning rates, losses side by side).

    Messages carry {"run": index, "epoch": ..., logs}. Returns {"ok": True, "status",
    "runs": [one `train` result per spec]}; a Stop ends the run in flight and skips the rest.
    """
    if not isinstance(specs, list) or not 1 <= len(specs) <= MAX_RUNS:
        return rejected("out_of_range", field="runs", value=len(specs) if isinstance(specs, list) else 0,
                        lo=1, hi=MAX_RUNS)
    checked = [check_spec(sp, dataset) for sp in specs]
    for _, failure in checked:
        if failure:
            return failure
    runs, status = [], "done"
    for i, (s, _) in enumerate(checked):
        if ctx.cancelled():
            status = "cancelled"
            break
        t0 = time.perf_counter()
        d = data.load(dataset, s.seed)
        try:
            model, hist = fit_spec(ctx, s, d, lambda m, i=i: ctx.emit({"run": i, **m}))
        except Exception as exc:
            runs.append(keras_no(exc))
            continue
        out = outcome(hist, t0)
        out["predict"] = predictions(model, d, s.validation_split) if with_predict else None
        runs.append(out)
        if hist.status in ("cancelled", "time_limit"):
            status = hist.status
            break
    return {"ok": True, "status": status, "runs": runs}


@job
def warm(ctx) -> str:
    """Trace a tiny fit once so a fresh worker's first real job skips TensorFlow's one-off costs."""
    s = model_spec.recommended().replace(epochs=2, validation_split=0.2)
    d = data.load("curve", 0)
    d = data.Dataset(d.name, d.x[:64], d.y[:64], d.task, d.input_shape)
    fit_spec(ctx, s, d, lambda m: None)
    return "ready"


@job
def describe_spec(ctx, spec: dict, dataset: str | None = None) -> dict:
    """Everything a page shows about a spec without training it.

    Returns {"ok": True, table, totals, dot, summary, code, names, shapes} or a failure
    (`engine.results`: the spec rejected, or Keras said no).
    """
    from engine.build import build_model
    from engine.codegen import source
    from engine.graph import model_graph, to_dot
    from engine.table import param_table, shape_text, summary_text, totals

    s = model_spec.ModelSpec.from_dict(spec)
    try:
        validate_spec(s)
    except SpecError as e:
        return rejected_by(e)
    try:
        model = build_model(s, validate=False)
    except Exception as exc:  # Keras's own refusal is the lesson; show it verbatim
        return keras_no(exc)
    return {
        "ok": True,
        "table": param_table(model).to_dict("records"),
        "totals": totals(model),
        "dot": to_dot(model_graph(model)),
        "summary": summary_text(model),
        "code": source(s, dataset),
        "names": [layer.name for layer in model.layers],
        "model_name": model.name,
        "input_tensor": {
            "name": model.inputs[0].name,
            "shape": shape_text(model.inputs[0].shape),
            "dtype": str(model.inputs[0].dtype),
            "type": type(model.inputs[0]).__name__,
        },
        "output_tensor": {
            "name": model.outputs[0].name,
            "shape": shape_text(model.outputs[0].shape),
            "dtype": str(model.outputs[0].dtype),
            "type": type(model.outputs[0]).__name__,
        },
    }


@job
def mandatory_error(ctx, what: str) -> tuple[str, str] | None:
    from engine.keras_errors import mandatory_demo

    err = mandatory_demo(what)
    return None if err is None else (err.type, err.message)


@job
def noop(ctx) -> str:
    """Warms a worker: importing this module's callers pulls TensorFlow in."""
    import keras  # noqa: F401

    return "ready"
