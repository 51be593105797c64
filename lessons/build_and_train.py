"""Jobs of the build & train page: the step-through, exports, training on the learner's CSV."""
from __future__ import annotations

import time

import numpy as np

from engine import spec as model_spec
from engine.exports import CHECK_ROWS, base_name, csv_source, model_bytes
from engine.results import keras_no, rejected, rejected_by
from engine.stepper import step_dot, tensor_info
from engine.validate import SpecError, validate_spec
from runtime.jobs import job


@job
def csv_code(ctx, spec: dict, file_name: str, sep: str, encoding: str, features: list, target_column: str,
             task: str) -> dict:
    """Job: {"ok": True, "code"} for the learner's own data, or a failure dict.

    (`target_column`, not `target`: the engine's submit() takes the job name as `target`.)
    """
    try:
        s = validate_spec(model_spec.ModelSpec.from_dict(spec))
    except SpecError as e:
        return rejected_by(e)
    return {"ok": True, "code": csv_source(s, file_name, sep, encoding, list(features), target_column, task)}


@job
def keras_file(ctx, spec: dict, dataset: str | None = None, x=None, y=None, task: str | None = None) -> dict:
    """Job: train like the page did, save as .keras.

    Built-in data by `dataset`, or the learner's arrays `x`, `y` (with their `task`).
    Returns {"ok": True, "data": bytes, "file_name", "history", "x_check", "y_check"}:
    x_check are the first rows of the data, y_check what the trained model predicts for them,
    so a test (or a learner) can reload the file and compare.
    """
    from engine import data, train_spec

    t0 = time.perf_counter()
    try:
        s = validate_spec(model_spec.ModelSpec.from_dict(spec))
    except SpecError as e:
        return rejected_by(e)
    if x is not None:
        x = np.asarray(x, dtype="float32")
        y = np.asarray(y, dtype="float32")
        d = data.Dataset("my_csv", x, y, task or "regression", (x.shape[1],))
    elif dataset in data.LOADERS:
        d = data.load(dataset, s.seed)
    else:
        return rejected("choice_invalid", field="dataset", value=str(dataset)[:40])
    try:
        model, hist = train_spec.fit_spec(ctx, s, d, lambda m: None)
    except Exception as exc:
        return keras_no(exc)
    x_check = np.asarray(d.x[:CHECK_ROWS], dtype="float32")
    y_check = np.asarray(model(x_check, training=False), dtype="float32")
    return {
        "ok": True,
        "data": model_bytes(model),
        "file_name": f"{base_name(spec)}.keras",
        "status": hist.status,
        "history": {k: list(v) for k, v in hist.items()},
        "x_check": x_check,
        "y_check": y_check,
        "seconds": time.perf_counter() - t0,
    }


# ----------------------------------------------------------------------------- job
def _confusion(model, x, y, n_classes: int, val_start: int) -> dict:
    """Counts of (true class, predicted class) on the validation rows (all rows if none)."""
    part = slice(val_start, None) if val_start < len(x) else slice(None)
    p = np.asarray(model(x[part], training=False))
    pred = (p[:, 0] > 0.5).astype(int) if p.shape[1] == 1 else p.argmax(1)
    true = y[part, 0].astype(int)
    m = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(m, (true, pred), 1)
    return {"kind": "confusion", "matrix": m.tolist(), "on_validation": val_start < len(x)}


@job
def train_csv(ctx, spec: dict, x, y, task: str, with_predict: bool = True) -> dict:
    """Train a spec on the learner's arrays; the same result shape as lessons.spec_jobs.train.

    Plots by task: regression (and yes/no with one or two features) as on the built-in data;
    otherwise a confusion matrix of the validation rows.
    """
    from engine import data, train_spec
    from engine import spec as model_spec
    from engine.validate import validate_spec

    t0 = time.perf_counter()
    try:
        s = validate_spec(model_spec.ModelSpec.from_dict(spec))
    except SpecError as e:
        return rejected_by(e)
    if task not in ("regression", "binary", "multiclass"):
        return rejected("choice_invalid", field="task", value=str(task)[:40])
    x = np.asarray(x, dtype="float32")
    y = np.asarray(y, dtype="float32")
    if x.ndim != 2 or y.shape != (len(x), 1) or tuple(s.input_shape) != (x.shape[1],):
        return rejected("csv_shape_mismatch")
    d = data.Dataset("my_csv", x, y, task, (x.shape[1],))
    try:
        model, hist = train_spec.fit_spec(ctx, s, d, ctx.emit)
    except Exception as exc:  # Keras's own words, as for the built-in data
        return keras_no(exc)
    out = train_spec.outcome(hist, t0)
    if not with_predict or hist.epochs_run == 0:
        out["predict"] = None
    elif task == "regression" or (task == "binary" and x.shape[1] <= 2):
        out["predict"] = train_spec.predictions(model, d, s.validation_split)
    else:
        n = len(x)
        val_start = int(np.floor(n * (1.0 - s.validation_split))) if s.validation_split else n
        out["predict"] = _confusion(model, x, y, max(2, int(spec["output"]["units"])), val_start)
    return out


@job
def steps(ctx, spec: dict) -> dict:
    """Run the model's statements one by one; {"ok": True, "lines", "steps"} or a failure.

    steps[i] belongs to lines[i]: {"kind": "tensor"|"model", "var", "tensor" (what the
    statement returned: repr, shape, dtype, name, type), "layer" (class, name, params) or
    "model" (name, params, type), "dot": the graph after this statement}.
    """
    import keras

    from engine.build import build_graph_tensors, fresh_names, graph_model_kwargs
    from engine.codegen import model_lines, variables

    try:
        s = validate_spec(model_spec.ModelSpec.from_dict(spec))
    except SpecError as e:
        return rejected_by(e)
    lines = model_lines(s)
    out: list[dict] = []
    drawn: list[dict] = []

    def record(var: str, tensor, layer) -> None:
        info = tensor_info(var, tensor)
        params = layer.count_params() if layer.weights else 0
        kind = type(layer).__name__
        prev = drawn[-1] if drawn else None
        detail = f"{kind} · {params:,} params" if params else kind
        drawn.append({"id": layer.name, "label": layer.name, "kind": kind, "detail": detail,
                      "in": prev["id"] if prev else None, "in_shape": prev["out_shape"] if prev else "",
                      "out_shape": info["shape"]})
        out.append({"kind": "tensor", "var": var, "tensor": info,
                    "layer": {"class": kind, "name": layer.name, "params": params},
                    "dot": step_dot(drawn, info, None)})

    try:
        if s.seed is not None:
            keras.utils.set_random_seed(s.seed)  # as the generated script does before its first layer
        g = model_spec.chain_graph(s)
        names = variables(g)  # inputs / x / outputs, as the code panel names them
        with fresh_names():
            # The one build path, walked statement by statement.
            tensors, _ = build_graph_tensors(g, on_node=lambda n, t, layer: record(names[n.id], t, layer))
            model = keras.Model(inputs=tensors[g.nodes[0].id], outputs=tensors[g.nodes[-1].id],
                                **graph_model_kwargs(g))
    except Exception as exc:  # Keras's own refusal is the lesson
        return keras_no(exc)
    label = f'Model · name="{model.name}" · {model.count_params():,} params'
    out.append({"kind": "model", "var": "model", "tensor": None,
                "model": {"name": model.name, "params": model.count_params(), "type": type(model).__name__,
                          "inputs": [t.name for t in model.inputs], "outputs": [t.name for t in model.outputs]},
                "dot": step_dot(drawn, None, {"label": label})})
    if len(out) != len(lines):  # the code panel and Keras must walk in step
        return keras_no(AssertionError("statements and steps differ"))
    return {"ok": True, "lines": lines, "steps": out}


@job
def fit_facts(ctx, spec: dict, n: int = 5) -> dict:
    """`fit()`'s signature from the installed Keras, and what `predict()` returns for `n` samples of this model."""
    import inspect

    import keras
    import numpy as np

    from engine.build import build_model, fresh_names
    from lessons.input_layer import signature_text

    params = inspect.signature(keras.Model.fit).parameters
    out = {
        "signature": signature_text(keras.Model.fit, "model.fit"),
        "defaults": {k: repr(params[k].default) for k in ("epochs", "batch_size", "validation_split", "shuffle")},
        "keras_version": keras.__version__,
    }
    try:
        s = validate_spec(model_spec.ModelSpec.from_dict(spec))
    except SpecError as e:
        return rejected_by(e, **out)
    n = max(1, min(int(n), 64))
    with fresh_names():
        model = build_model(s)
    x = np.zeros((n, *model.input.shape[1:]), dtype="float32")
    y = model.predict(x, verbose=0)
    return {**out, "ok": True, "n": n, "predict_shape": [int(d) for d in np.asarray(y).shape],
            "output_shape": [d for d in model.output.shape]}
