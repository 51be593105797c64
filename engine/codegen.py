"""spec -> the exact, runnable Python source of the model on screen."""
from __future__ import annotations

from engine import data
from engine import spec as model_spec
from engine.validate import format_shape


def _kw(kwargs: dict) -> str:
    parts = []
    for k, v in kwargs.items():
        if k == "shape":
            parts.append(f"shape={format_shape(v)}")
        else:
            parts.append(f"{k}={v!r}".replace("'", '"'))
    return ", ".join(parts)


def optimizer_code(spec: model_spec.ModelSpec) -> str:
    cls = {"adam": "Adam", "sgd": "SGD", "rmsprop": "RMSprop", "adamw": "AdamW", "adagrad": "Adagrad"}[spec.optimizer]
    return f"keras.optimizers.{cls}(learning_rate={spec.learning_rate:g})"


def model_lines(spec: model_spec.ModelSpec) -> list[str]:
    """The Functional-API statements alone: Input, each layer call, Model."""
    from engine.build import dense_kwargs, input_kwargs, model_kwargs  # imports Keras: only when code is made

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
    spec: model_spec.ModelSpec,
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
        out += [data.code(dataset, spec.seed).rstrip("\n"), ""]
    out += model_lines(spec)
    if summary:
        out.append("model.summary()")
    if compile:
        metrics = f", metrics={list(spec.metrics)!r}".replace("'", '"') if spec.metrics else ""
        out += ["", f'model.compile(optimizer={optimizer_code(spec)}, loss="{spec.loss}"{metrics})']
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


def kw_text(kwargs: dict) -> str:
    parts = []
    for k, v in kwargs.items():
        if k == "shape":
            parts.append(f"shape={format_shape(v)}")
        elif isinstance(v, CodeExpr):
            parts.append(f"{k}={v.src}")
        else:
            parts.append(f"{k}={v!r}".replace("'", '"'))
    return ", ".join(parts)


class CodeExpr:
    """A keyword value that the generated source spells as code, not as a literal."""

    def __init__(self, src: str):
        self.src = src
