"""spec -> the exact, runnable Python source of the model on screen."""
from __future__ import annotations

from core import data as D
from core import spec as S
from core.build import dense_kwargs, input_kwargs, model_kwargs
from core.validate import format_shape


def _kw(kwargs: dict) -> str:
    parts = []
    for k, v in kwargs.items():
        if k == "shape":
            parts.append(f"shape={format_shape(v)}")
        else:
            parts.append(f"{k}={v!r}".replace("'", '"'))
    return ", ".join(parts)


def _optimizer(spec: S.ModelSpec) -> str:
    cls = {"adam": "Adam", "sgd": "SGD", "rmsprop": "RMSprop", "adamw": "AdamW", "adagrad": "Adagrad"}[spec.optimizer]
    return f"keras.optimizers.{cls}(learning_rate={spec.learning_rate:g})"


def model_lines(spec: S.ModelSpec) -> list[str]:
    """The Functional-API statements alone: Input, each layer call, Model."""
    lines = [f"inputs = Input({_kw(input_kwargs(spec))})"]
    prev = "inputs"
    if spec.flatten:
        lines.append(f"x = Flatten()({prev})")
        prev = "x"
    for d in spec.hidden:
        lines.append(f"x = Dense({d.units}{', ' if dense_kwargs(d) else ''}{_kw(dense_kwargs(d))})({prev})")
        prev = "x"
    o = spec.output
    lines.append(f"outputs = Dense({o.units}{', ' if dense_kwargs(o) else ''}{_kw(dense_kwargs(o))})({prev})")
    mk = model_kwargs(spec)
    extra = (", " + _kw(mk)) if mk else ""
    lines.append(f"model = Model(inputs=inputs, outputs=outputs{extra})")
    return lines


def source(
    spec: S.ModelSpec,
    dataset: str | None = None,
    compile: bool = True,
    fit: bool = True,
    predict: bool = True,
    summary: bool = True,
) -> str:
    """A complete script: imports, optional data, the model, compile, fit and predict."""
    fit = fit and compile and dataset is not None
    predict = predict and dataset is not None
    imports = ["import numpy as np", "import keras", "from keras import Input, Model"]
    imports.append("from keras.layers import Dense, Flatten" if spec.flatten else "from keras.layers import Dense")
    out = imports + ["", f"keras.utils.set_random_seed({spec.seed})", ""]
    if dataset:
        out += [D.code(dataset, spec.seed).rstrip("\n"), ""]
    out += model_lines(spec)
    if summary:
        out.append("model.summary()")
    if compile:
        metrics = f", metrics={list(spec.metrics)!r}".replace("'", '"') if spec.metrics else ""
        out += ["", f'model.compile(optimizer={_optimizer(spec)}, loss="{spec.loss}"{metrics})']
    if fit:
        out += [
            "",
            f"history = model.fit(x_train, y_train, epochs={spec.epochs}, batch_size={spec.fit_batch_size},",
            f"                    validation_split={spec.validation_split:g}, verbose=0)",
            'print("final loss:", history.history["loss"][-1])',
        ]
    if predict:
        out += ["", "y_pred = model.predict(x_train[:5], verbose=0)", "print(y_pred)"]
    return "\n".join(out) + "\n"
