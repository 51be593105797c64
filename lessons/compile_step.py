"""Jobs for the compile() lesson: what Keras's `compile()` really requires, tried live.

The document's table says optimizer and loss are mandatory. Keras 3 gives `compile()` a
default optimizer ("rmsprop") and accepts a missing loss until `fit()` needs it; these jobs
let the page show exactly that, from the installed Keras, instead of asserting it.
"""
from __future__ import annotations

import numpy as np

from engine import spec as model_spec
from engine.results import said
from runtime.jobs import job

LEAVE_OUT = ("nothing", "optimizer", "loss", "metrics", "compile")


def compile_call(what: str, optimizer: str = "adam", loss: str = "mse", metrics=("mae",)) -> str:
    """The lines of code the learner's choice stands for: compile() (unless skipped), then fit()."""
    fit = "model.fit(x_train, y_train, epochs=2)"
    if what == "compile":
        return fit
    args = []
    if what != "optimizer":
        args.append(f'optimizer="{optimizer}"')
    if what != "loss":
        args.append(f'loss="{loss}"')
    if what != "metrics" and metrics:
        args.append("metrics=[" + ", ".join(f'"{m}"' for m in metrics) + "]")
    return f"model.compile({', '.join(args)})\n{fit}"


@job
def facts(ctx) -> dict:
    """compile()'s own defaults, read from the installed Keras."""
    import inspect

    import keras

    params = inspect.signature(keras.Model.compile).parameters
    return {
        "version": keras.__version__,
        "signature": "compile(" + ", ".join(
            f"{n}={params[n].default!r}" for n in ("optimizer", "loss", "metrics")) + ", ...)",
        "defaults": {n: params[n].default for n in ("optimizer", "loss", "metrics")},
    }


@job
def leave_out(ctx, what: str, loss: str = "mse") -> dict:
    """Build the recommended model, compile it without `what`, fit two epochs; report each step.

    Returns {"what", "code", "compile_error", "fit_error", "optimizer", "learning_rate",
    "history_keys"}; an error is (type, message), None when the step worked.
    """
    if what not in LEAVE_OUT:
        what = "nothing"
    if loss not in ("mse", "mae", "huber"):
        loss = "mse"
    from engine.build import build_model
    from engine.data import load

    model = build_model(model_spec.recommended())
    d = load("curve", 0)
    out = {"what": what, "code": compile_call(what, loss=loss), "compile_error": None, "fit_error": None,
           "optimizer": None, "learning_rate": None, "history_keys": []}
    if what != "compile":
        kwargs = {"optimizer": "adam", "loss": loss, "metrics": ["mae"]}
        kwargs.pop({"optimizer": "optimizer", "loss": "loss", "metrics": "metrics"}.get(what, ""), None)
        try:
            model.compile(**kwargs)
        except Exception as exc:  # the lesson is whatever Keras says
            out["compile_error"] = said(exc)
            return out
        out["optimizer"] = type(model.optimizer).__name__
        out["learning_rate"] = float(model.optimizer.learning_rate.numpy())
    try:
        hist = model.fit(d.x[:128], d.y[:128], epochs=2, batch_size=32, verbose=0)
    except Exception as exc:
        out["fit_error"] = said(exc)
        return out
    out["history_keys"] = list(hist.history)
    return out


LABEL_LOSSES = ("categorical_crossentropy", "sparse_categorical_crossentropy")
LABEL_FORMS = ("integers", "one_hot")


@job
def label_formats(ctx, n_classes: int = 3, n: int = 30, seed: int = 0) -> dict:
    """Both crossentropy losses against both label forms, each trained for real on the installed Keras.

    The document compiles with `categorical_crossentropy`, which wants one-hot rows; the
    `sparse_` variant wants integer class ids. Every pairing is run and its outcome returned.
    """
    import keras

    from engine.build import fresh_names

    rng = np.random.default_rng(seed)
    x = rng.random((n, 4)).astype("float32")
    y_int = rng.integers(0, n_classes, n)
    labels = {"integers": y_int, "one_hot": keras.utils.to_categorical(y_int, n_classes)}
    rows = []
    for loss in LABEL_LOSSES:
        for form in LABEL_FORMS:
            keras.utils.set_random_seed(seed)
            with fresh_names():
                inputs = keras.Input(shape=(4,))
                outputs = keras.layers.Dense(n_classes, activation="softmax")(inputs)
                model = keras.Model(inputs, outputs)
            model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
            try:
                hist = model.fit(x, labels[form], epochs=1, verbose=0).history
                rows.append({"loss": loss, "labels": form, "ok": True, "final_loss": float(hist["loss"][-1]),
                             "error": None})
            except Exception as exc:  # Keras's refusal is the lesson
                rows.append({"loss": loss, "labels": form, "ok": False, "final_loss": None, "error": said(exc)})
    return {
        "rows": rows,
        "y_int": [int(v) for v in y_int[:4]],
        "y_one_hot": [[int(v) for v in row] for row in labels["one_hot"][:2]],
        "n_classes": n_classes,
    }
