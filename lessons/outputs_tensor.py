"""Jobs of the outputs-tensor page: what `outputs` is, and heads trained on their task."""
from __future__ import annotations

import re
import warnings

import numpy as np

from engine import spec as model_spec
from engine.data import curve_sample
from engine.fit_fast import fit_steps, run_eager
from engine.keras_errors import keras_said
from engine.validate import (
    MAX_STEPS,
    SEED_MAX,
    SpecError,
    check_choice,
    check_int,
    rejected,
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


@job
def output_head(ctx, task: str = "regression", units: int = 1, activation: str | None = None, steps: int = 300,
                seed: int = 0) -> dict:
    """Input -> Dense(16, relu) -> Dense(16, relu) -> head; describe `outputs`, then train it on the task's data."""
    import keras

    from engine.build import fresh_names
    from engine.table import shape_text

    try:
        check_choice(task, HEAD_TASKS, "task")
        units = check_int(units, 1, HEAD_MAX_UNITS, "units")
        if activation is not None:
            check_choice(activation, model_spec.ACTIVATIONS, "activation")
        steps = check_int(steps, 1, MAX_STEPS, "steps")
        seed = check_int(seed, 0, SEED_MAX, "seed")
    except SpecError as e:
        return rejected(e)

    x, y = _head_data(task, seed)
    loss = HEAD_LOSS[task]
    head_kw = f", activation=\"{activation}\"" if activation is not None else ""
    code = "\n".join([
        "import keras",
        "from keras import Input, Model",
        "from keras.layers import Dense",
        "",
        f"inputs = Input(shape=({x.shape[1]},))",
        'x = Dense(16, activation="relu", name="hidden1")(inputs)',
        'x = Dense(16, activation="relu", name="hidden2")(x)',
        f'outputs = Dense({units}{head_kw}, name="output")(x)',
        "print(outputs)",
        "print(type(outputs).__name__, isinstance(outputs, keras.Model))",
        "",
        f'model = Model(inputs, outputs, name="{task}_model")',
        f'model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.02), loss="{loss}")',
    ])
    keras.utils.set_random_seed(seed)
    warned: list[str] = []
    result: dict = {"ok": True, "task": task, "loss": loss, "matches": head_matches(task, units, activation),
                    "n_features": int(x.shape[1]), "code": code, "units": units, "activation": activation}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with fresh_names():
            inputs = keras.Input(shape=(x.shape[1],))
            h = keras.layers.Dense(16, activation="relu", name="hidden1")(inputs)
            h = keras.layers.Dense(16, activation="relu", name="hidden2")(h)
            outputs = keras.layers.Dense(units, activation=activation, name="output")(h)
            result["outputs"] = {
                "repr": repr(outputs),
                "type": type(outputs).__name__,
                "module": type(outputs).__module__,
                "shape": shape_text(outputs.shape),
                "is_model": isinstance(outputs, keras.Model),
            }
            try:
                outputs.summary()
                result["summary_error"] = None
            except Exception as exc:  # a tensor has no summary(): Keras/Python says so
                result["summary_error"] = keras_said(exc)
            model = keras.Model(inputs, outputs, name=f"{task}_model")
            model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.02), loss=loss)
        result["model"] = {"type": type(model).__name__, "is_model": isinstance(model, keras.Model),
                           "output_shape": shape_text(model.output.shape), "params": int(model.count_params())}
        try:
            result["losses"] = fit_steps(model, x, y, steps)
        except Exception as exc:  # e.g. 3 classes into 1 unit: the backend refuses the labels
            result["ok"] = False
            result["keras_error"] = keras_said(exc)
        if result["ok"]:
            pred = np.asarray(model.predict(x, verbose=0))
            if task == "regression":
                grid = np.linspace(-3, 3, 121, dtype="float32")[:, None]
            else:
                lo, hi = x.min(0) - 0.5, x.max(0) + 0.5
                gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], 60), np.linspace(lo[1], hi[1], 60))
                grid = np.stack([gx.ravel(), gy.ravel()], axis=1).astype("float32")
            gp = run_eager(model, grid)
        seen = set()
        for w in caught:
            text = str(w.message).strip()
            # The same warning comes once per batch shape; show it once.
            gist = re.sub(r"shape \([^)]*\)", "shape", text)
            if text and gist not in seen and "keras" in (w.filename or ""):
                seen.add(gist)
                warned.append(text[:600])
    result["warnings"] = warned
    if not result["ok"]:
        return result

    result["predict_shape"] = list(pred.shape)
    result["n"] = int(len(x))
    result["steps"] = steps
    result["out_min"] = float(pred.min())
    result["out_max"] = float(pred.max())
    result["target_min"] = float(y.min())
    result["target_max"] = float(y.max())
    result["x"] = x.astype("float64").tolist()
    result["y"] = y[:, 0].astype("float64").tolist()
    if task == "regression":
        result["grid"] = grid[:, 0].astype("float64").tolist()
        result["grid_pred"] = gp[:, 0].astype("float64").tolist()
        result["mse"] = float(np.mean((pred[:, :1] - y) ** 2)) if units == 1 else float(np.mean((pred - y) ** 2))
        result["share_above_1"] = float(np.mean(y > 1.0))
        result["share_below_0"] = float(np.mean(y < 0.0))
    else:
        if units == 1:
            guess = (pred[:, 0] > 0.5).astype(int)
        else:
            guess = pred.argmax(axis=1)
        result["accuracy"] = float(np.mean(guess == y[:, 0].astype(int)))
        result["row_sums"] = [float(pred.sum(axis=1).min()), float(pred.sum(axis=1).max())]
        region = (gp[:, 0] > 0.5).astype(int) if units == 1 else gp.argmax(axis=1)
        result["grid_x"] = gx[0].tolist()
        result["grid_y"] = gy[:, 0].tolist()
        result["region"] = region.reshape(gx.shape).tolist()
        # What the first output unit says at each point: a probability only if the head makes it one.
        result["first_unit"] = gp[:, 0].reshape(gx.shape).astype("float64").tolist()
    result["final_loss"] = result["losses"][-1]
    result["outputs_loss"] = _loss_of_outputs(task, y, pred)
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
