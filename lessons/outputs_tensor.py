"""Jobs of the outputs-tensor page: what `outputs` is, and heads trained on their task."""
from __future__ import annotations

import re
import warnings

import numpy as np

from engine import spec as model_spec
from engine.data import curve_sample
from engine.fit_fast import fit_steps, run_eager
from engine.results import keras_no, rejected_by, said
from engine.validate import (
    MAX_STEPS,
    SEED_MAX,
    SpecError,
    check_choice,
    check_int,
)
from runtime.jobs import job

HEAD_MAX_UNITS = 10


HEAD_TASKS = ("regression", "binary", "multiclass")


N_CLASSES = 3


def _head_data(task: str, seed: int):
    if task == "regression":
        x, y = curve_sample(seed)
        return x, y
    if task == "binary":
        from sklearn.datasets import make_moons

        x, y = make_moons(n_samples=300, noise=0.2, random_state=seed)
        return x.astype("float32"), y.astype("float32").reshape(-1, 1)
    from sklearn.datasets import make_blobs

    x, y = make_blobs(n_samples=300, centers=N_CLASSES, cluster_std=1.2, random_state=seed)
    x = (x - x.mean(0)) / x.std(0)
    return x.astype("float32"), y.astype("int32").reshape(-1, 1)


HEAD_LOSS = {"regression": "mse", "binary": "binary_crossentropy", "multiclass": "sparse_categorical_crossentropy"}


TEXTBOOK_HEAD = {"regression": (1, "linear"), "binary": (1, "sigmoid"), "multiclass": (N_CLASSES, "softmax")}


def head_matches(task: str, units: int, activation: str | None) -> bool:
    """Is this the textbook head for the task (the page explains why)? None is linear."""
    return (units, activation or "linear") == TEXTBOOK_HEAD[task]


def _head_spec(task: str, units: int, activation: str | None, n_features: int) -> model_spec.ModelSpec:
    """Input -> Dense(16, relu, "hidden1") -> Dense(16, relu, "hidden2") -> the head; Adam(0.02) on the task's loss."""
    return model_spec.ModelSpec(
        input_shape=(n_features,),
        input_name=None,
        hidden=[model_spec.DenseSpec(16, "relu", name="hidden1"), model_spec.DenseSpec(16, "relu", name="hidden2")],
        output=model_spec.DenseSpec(units, activation, name="output"),
        name=f"{task}_model",
        learning_rate=0.02,
        loss=HEAD_LOSS[task],
    )


def _head_code(spec: model_spec.ModelSpec) -> str:
    """The spec's Functional-API lines, with `outputs` printed before Model() wraps it."""
    from engine.codegen import model_lines, optimizer_code

    lines = model_lines(spec)
    return "\n".join([
        "import keras",
        "from keras import Input, Model",
        "from keras.layers import Dense",
        "",
        *lines[:-1],
        "print(outputs)",
        "print(type(outputs).__name__, isinstance(outputs, keras.Model))",
        "",
        lines[-1],
        f'model.compile(optimizer={optimizer_code(spec)}, loss="{spec.loss}")',
    ])


def _describe_outputs(outputs) -> tuple[dict, tuple | None]:
    """What `outputs` is, and what Python says when it is asked for a summary()."""
    import keras

    from engine.table import shape_text

    described = {"repr": repr(outputs), "type": type(outputs).__name__, "module": type(outputs).__module__,
                 "shape": shape_text(outputs.shape), "is_model": isinstance(outputs, keras.Model)}
    try:
        outputs.summary()
        return described, None
    except Exception as exc:  # a tensor has no summary(): Keras/Python says so
        return described, said(exc)


def _build_head(spec: model_spec.ModelSpec, result: dict):
    """The head model built and compiled from the spec; what `outputs` is goes into result."""
    import keras

    from engine.build import build_tensors, fresh_names, make_optimizer, model_kwargs
    from engine.table import shape_text

    with fresh_names():
        inputs, _, outputs = build_tensors(spec)
        result["outputs"], result["summary_error"] = _describe_outputs(outputs)
        model = keras.Model(inputs, outputs, **model_kwargs(spec))
        model.compile(optimizer=make_optimizer(spec), loss=spec.loss)
    result["model"] = {"type": type(model).__name__, "is_model": isinstance(model, keras.Model),
                       "output_shape": shape_text(model.output.shape), "params": int(model.count_params())}
    return model


def _keras_warnings(caught) -> list[str]:
    """Keras's own warnings, each once (the same one comes once per batch shape)."""
    seen, warned = set(), []
    for w in caught:
        text = str(w.message).strip()
        gist = re.sub(r"shape \([^)]*\)", "shape", text)
        if text and gist not in seen and "keras" in (w.filename or ""):
            seen.add(gist)
            warned.append(text[:600])
    return warned


def _head_grid(task: str, x: np.ndarray):
    """Where the page draws the head's answer: a line for regression, a 60x60 plane otherwise."""
    if task == "regression":
        return np.linspace(-3, 3, 121, dtype="float32")[:, None], None, None
    lo, hi = x.min(0) - 0.5, x.max(0) + 0.5
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], 60), np.linspace(lo[1], hi[1], 60))
    return np.stack([gx.ravel(), gy.ravel()], axis=1).astype("float32"), gx, gy


def _fit_head(model, task: str, x, y, steps: int, result: dict):
    """Train; on success (pred on x, the grid, its predictions, gx, gy), else None with Keras's error in result."""
    try:
        result["losses"] = fit_steps(model, x, y, steps)
    except Exception as exc:  # e.g. 3 classes into 1 unit: the backend refuses the labels
        result.update(keras_no(exc))
        return None
    pred = np.asarray(model.predict(x, verbose=0))
    grid, gx, gy = _head_grid(task, x)
    return pred, grid, run_eager(model, grid), gx, gy


def _regression_fields(y, pred, grid, gp, units: int) -> dict:
    return {
        "grid": grid[:, 0].astype("float64").tolist(),
        "grid_pred": gp[:, 0].astype("float64").tolist(),
        "mse": float(np.mean((pred[:, :1] - y) ** 2)) if units == 1 else float(np.mean((pred - y) ** 2)),
        "share_above_1": float(np.mean(y > 1.0)),
        "share_below_0": float(np.mean(y < 0.0)),
    }


def _classification_fields(y, pred, gp, gx, gy, units: int) -> dict:
    guess = (pred[:, 0] > 0.5).astype(int) if units == 1 else pred.argmax(axis=1)
    region = (gp[:, 0] > 0.5).astype(int) if units == 1 else gp.argmax(axis=1)
    return {
        "accuracy": float(np.mean(guess == y[:, 0].astype(int))),
        "row_sums": [float(pred.sum(axis=1).min()), float(pred.sum(axis=1).max())],
        "grid_x": gx[0].tolist(),
        "grid_y": gy[:, 0].tolist(),
        "region": region.reshape(gx.shape).tolist(),
        # What the first output unit says at each point: a probability only if the head makes it one.
        "first_unit": gp[:, 0].reshape(gx.shape).astype("float64").tolist(),
    }


def _trained_fields(task: str, x, y, pred, grid, gp, gx, gy, units: int, steps: int) -> dict:
    fields = {"predict_shape": list(pred.shape), "n": int(len(x)), "steps": steps, "out_min": float(pred.min()),
              "out_max": float(pred.max()), "target_min": float(y.min()), "target_max": float(y.max()),
              "x": x.astype("float64").tolist(), "y": y[:, 0].astype("float64").tolist()}
    if task == "regression":
        fields.update(_regression_fields(y, pred, grid, gp, units))
    else:
        fields.update(_classification_fields(y, pred, gp, gx, gy, units))
    fields["outputs_loss"] = _loss_of_outputs(task, y, pred)
    return fields


@job
def output_head(ctx, task: str = "regression", units: int = 1, activation: str | None = None, steps: int = 300,
                seed: int = 0) -> dict:
    """Input -> Dense(16, relu) -> Dense(16, relu) -> head; describe `outputs`, then train it on the task's data."""
    import keras

    try:
        check_choice(task, HEAD_TASKS, "task")
        units = check_int(units, 1, HEAD_MAX_UNITS, "units")
        if activation is not None:
            check_choice(activation, model_spec.ACTIVATIONS, "activation")
        steps = check_int(steps, 1, MAX_STEPS, "steps")
        seed = check_int(seed, 0, SEED_MAX, "seed")
    except SpecError as e:
        return rejected_by(e)

    x, y = _head_data(task, seed)
    spec = _head_spec(task, units, activation, int(x.shape[1]))
    keras.utils.set_random_seed(seed)
    result: dict = {"ok": True, "task": task, "loss": spec.loss, "matches": head_matches(task, units, activation),
                    "n_features": int(x.shape[1]), "code": _head_code(spec), "units": units, "activation": activation}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = _build_head(spec, result)
        fitted = _fit_head(model, task, x, y, steps, result)
    result["warnings"] = _keras_warnings(caught)
    if fitted is None:
        return result
    result.update(_trained_fields(task, x, y, *fitted, units, steps))
    result["final_loss"] = result["losses"][-1]
    return result


def _loss_of_outputs(task: str, y: np.ndarray, pred: np.ndarray) -> float | None:
    """The compiled loss, recomputed in numpy from what the model really outputs.

    Keras's cross-entropies read the logits cached behind a sigmoid/softmax output instead
    of the output itself; comparing both numbers shows when that hides a broken head.
    """
    eps = 1e-7
    pred = pred.astype("float64")
    if task == "regression":
        return float(np.mean((pred - y) ** 2))
    if task == "binary":
        if pred.shape[1] != 1:
            return None
        p = np.clip(pred[:, 0], eps, 1 - eps)
        t = y[:, 0]
        return float(-np.mean(t * np.log(p) + (1 - t) * np.log(1 - p)))
    labels = y[:, 0].astype(int)
    if pred.shape[1] <= labels.max():
        return None
    p = np.clip(pred[np.arange(len(labels)), labels], eps, 1.0)
    return float(-np.mean(np.log(p)))
