"""Model stacks from plain values: the home page's growing sketch and the build page's controls.

Pure Python (no Keras): the home page draws from here without paying for TensorFlow, and
the build page turns its widget values into a validated ModelSpec before any job runs.
"""
from __future__ import annotations

from engine import spec as model_spec
from engine.graph import chain, to_dot
from engine.validate import (
    LR_MAX,
    LR_MIN,
    MAX_EPOCHS,
    MAX_FIT_BATCH,
    MAX_LAYERS,
    MAX_UNITS,
    SpecError,
    count_dense_params,
    format_shape,
    parse_float,
    parse_int,
    validate_spec,
)

# ----------------------------------------------------------------------------- home sketch
STAGES = ("input", "layers", "outputs", "model", "compile", "fit", "predict")
HOME_UNITS = (8, 16, 4, 8)  # the document's 8 -> 16 -> 4, and one more for a learner who adds a layer
HOME_MAX_HIDDEN = len(HOME_UNITS)


def home_spec(n_hidden: int) -> model_spec.ModelSpec:
    """The recommended example with `n_hidden` hidden layers (3 gives exactly the document's)."""
    n = max(1, min(int(n_hidden), HOME_MAX_HIDDEN))
    hidden = [model_spec.DenseSpec(u, "relu", name=f"hidden{i + 1}") for i, u in enumerate(HOME_UNITS[:n])]
    return model_spec.recommended().replace(hidden=hidden)


def _dense_call(d: model_spec.DenseSpec, prev: str) -> str:
    return f'Dense({d.units}, activation="{d.activation}", name="{d.name}")({prev})'


def home_lines(n_hidden: int, stage: str) -> list[str]:
    """The code written so far, one statement per block, up to and including `stage`."""
    spec = home_spec(n_hidden)
    upto = STAGES.index(stage)
    lines = [f'inputs = Input(shape={format_shape(spec.input_shape)}, name="{spec.input_name}")']
    if upto >= 1:
        prev = "inputs"
        for d in spec.hidden:
            lines.append(f"x = {_dense_call(d, prev)}")
            prev = "x"
    if upto >= 2:
        lines.append(f"outputs = {_dense_call(spec.output, 'x')}")
    if upto >= 3:
        lines.append(f'model = Model(inputs=inputs, outputs=outputs, name="{spec.name}")')
    if upto >= 4:
        lines.append(f'model.compile(optimizer="{spec.optimizer}", loss="{spec.loss}")')
    if upto >= 5:
        lines.append(f"history = model.fit(x_train, y_train, epochs={spec.epochs})")
    if upto >= 6:
        lines.append("y_pred = model.predict(x_new)")
    return lines


def home_graph(n_hidden: int, stage: str, labels: dict[str, str], rankdir: str = "TB") -> str:
    """DOT of the sketch: layers as boxes (functions), tensors on the arrows (data flow).

    `labels` holds the learner-language words for the nodes that are not code:
    keys "outputs", "model", "compile", "fit", "predict".
    """
    spec = home_spec(n_hidden)
    upto = STAGES.index(stage)
    # (id, label, kind, shape of the tensor leaving it, second line)
    items = [("input", f"Input(shape={format_shape(spec.input_shape)})", "InputLayer",
              f"(None, {spec.input_shape[-1]})", spec.input_name)]
    if upto >= 1:
        for d in spec.hidden:
            items.append((d.name, f"Dense({d.units}, {d.activation})", "Dense", f"(None, {d.units})", d.name))
    if upto >= 2:
        o = spec.output
        items.append((o.name, f"Dense({o.units}, {o.activation})", "Dense", f"(None, {o.units})", o.name))
        items.append(("outputs", labels["outputs"], "Tensor", "", f"(None, {o.units})"))
    if upto >= 3:
        items.append(("model", "Model", "Model", "", spec.name))
    for i, step in enumerate(("compile", "fit", "predict"), start=4):
        if upto >= i:
            items.append((step, labels[step], "compile", "", ""))
    g = chain([it[:4] for it in items])
    for node, it in zip(g.nodes, items):
        node.detail = it[4] or ""
    return to_dot(g, rankdir=rankdir)


def home_params(n_hidden: int, stage: str) -> int:
    """Parameters of what is drawn so far (0 until a layer exists)."""
    spec = home_spec(n_hidden)
    upto = STAGES.index(stage)
    if upto == 0:
        return 0
    if upto == 1:
        # Hidden layers only: count them as a stack whose last hidden layer is the "output".
        return count_dense_params(spec.replace(hidden=spec.hidden[:-1], output=spec.hidden[-1]))
    return count_dense_params(spec)


# ----------------------------------------------------------------------------- build controls
DATASETS = ("curve", "diabetes", "moons")
DATASET_SHAPES = {"curve": (1,), "diabetes": (10,), "moons": (2,)}
DATASET_TASKS = {"curve": "regression", "diabetes": "regression", "moons": "binary"}
EXAMPLES = ("recommended", "minimal")


def preset(example: str) -> dict:
    """The widget values of one of the document's examples."""
    spec = model_spec.recommended() if example == "recommended" else model_spec.minimal()
    return {
        "named": example == "recommended",
        "n_hidden": len(spec.hidden),
        "units": [d.units for d in spec.hidden],
        "activations": [d.activation or "linear" for d in spec.hidden],
    }


MY_CSV = "my_csv"  # the learner's own upload; its shape and task come from the chosen columns
SOURCES = DATASETS + (MY_CSV,)
TASK_MODEL_NAMES = {"regression": "regression_model", "binary": "binary_classifier",
                    "multiclass": "multiclass_classifier"}


def head_for_task(task: str, named: bool, n_classes: int = 2) -> tuple[model_spec.DenseSpec, str, list[str], str | None]:
    """Output layer, loss, metrics and model name for a task.

    regression: one linear unit and mse; binary: one sigmoid unit and binary_crossentropy;
    multiclass: one softmax unit per class and sparse_categorical_crossentropy (labels are
    class indices, not one-hot rows).
    """
    name = TASK_MODEL_NAMES[task] if named else None
    out_name = "output" if named else None
    if task == "binary":
        return model_spec.DenseSpec(1, "sigmoid", name=out_name), "binary_crossentropy", ["accuracy"], name
    if task == "multiclass":
        return (model_spec.DenseSpec(int(n_classes), "softmax", name=out_name), "sparse_categorical_crossentropy",
                ["accuracy"], name)
    # The minimal example leaves the activation out: Keras's default is linear anyway.
    return model_spec.DenseSpec(1, "linear" if named else None, name=out_name), "mse", [], name


def head_for(dataset: str, named: bool) -> tuple[model_spec.DenseSpec, str, list[str], str | None]:
    """Output layer, loss, metrics and model name that fit the data set's task."""
    return head_for_task(DATASET_TASKS[dataset], named)


def spec_from_controls(
    *,
    dataset: str,
    named: bool,
    n_hidden: int,
    units: list,
    activations: list,
    optimizer: str,
    learning_rate,
    epochs,
    batch_size,
    validation_split: float,
    seed: int = 0,
    data_shape: tuple[int, ...] | None = None,
    task: str | None = None,
    n_classes: int = 2,
) -> model_spec.ModelSpec:
    """Widget values (text where the learner types) -> a validated ModelSpec, or SpecError.

    For the learner's own data (dataset MY_CSV) `data_shape` and `task` come from the chosen
    columns (engine.userdata.prepare) instead of a built-in data set.
    """
    if dataset == MY_CSV:
        if data_shape is None or task not in TASK_MODEL_NAMES:
            raise SpecError("csv_none")
        shape, (output, loss, metrics, name) = tuple(data_shape), head_for_task(task, named, n_classes)
    elif dataset in DATASETS:
        shape, (output, loss, metrics, name) = DATASET_SHAPES[dataset], head_for(dataset, named)
    else:
        raise SpecError("choice_invalid", field="dataset", value=str(dataset)[:40])
    n = parse_int(n_hidden, 0, MAX_LAYERS, "n_hidden")  # a slider: only a forged value can fail
    hidden = []
    for i in range(n):
        try:
            u = parse_int(units[i], 1, MAX_UNITS, "units") if i < len(units) else 8
        except SpecError as e:
            e.params["layer"] = i + 1  # the page names the layer whose field is wrong
            raise
        act = activations[i] if i < len(activations) else "relu"
        # "linear" is what Keras does when activation is left out; the code then leaves it out too.
        hidden.append(model_spec.DenseSpec(u, None if act == "linear" else act, name=f"hidden{i + 1}" if named else None))
    spec = model_spec.ModelSpec(
        input_shape=shape,
        input_name="input_layer" if named else None,
        hidden=hidden,
        output=output,
        name=name,
        optimizer=optimizer,
        learning_rate=parse_float(learning_rate, LR_MIN, LR_MAX, "learning_rate"),
        loss=loss,
        metrics=metrics,
        epochs=parse_int(epochs, 1, MAX_EPOCHS, "epochs"),
        fit_batch_size=parse_int(batch_size, 1, MAX_FIT_BATCH, "fit_batch_size"),
        validation_split=float(validation_split),
        seed=seed,
    )
    return validate_spec(spec)



# ----------------------------------------------------------------------------- compile comparison
VARY = ("optimizer", "learning_rate", "loss")
REGRESSION_LOSSES = ("mse", "mae", "huber")
MAX_COMPARE = 6  # lines on one chart; lessons.spec_jobs.train_many takes at most this many


def parse_rates(text: str) -> list[float]:
    """'0.1, 0.01, 1e-3' -> [0.1, 0.01, 0.001]: each checked like the single learning-rate field."""
    parts = [p.strip() for p in str(text)[:200].replace(";", ",").split(",") if p.strip()]
    if not parts:
        raise SpecError("not_a_number", field="learning_rate", text="")
    if len(parts) > MAX_COMPARE:
        raise SpecError("compare_too_many", n=len(parts), max=MAX_COMPARE)
    rates = [parse_float(p, LR_MIN, LR_MAX, "learning_rate") for p in parts]
    return list(dict.fromkeys(rates))  # a rate typed twice is one line


def compare_specs(base: model_spec.ModelSpec, vary: str, values: list) -> list[tuple[str, model_spec.ModelSpec]]:
    """One (label, spec) per value of the varied setting; everything else stays as in `base`.

    When losses are compared, every run also reports MSE: losses differ in scale, so only a
    shared metric puts the lines on one footing.
    """
    if vary not in VARY:
        raise SpecError("choice_invalid", field="vary", value=str(vary)[:40])
    if not values:
        raise SpecError("compare_empty")
    if len(values) > MAX_COMPARE:
        raise SpecError("compare_too_many", n=len(values), max=MAX_COMPARE)
    out = []
    for v in values:
        if vary == "optimizer":
            spec, label = base.replace(optimizer=v), str(v)
        elif vary == "learning_rate":
            spec, label = base.replace(learning_rate=float(v)), f"{float(v):g}"
        else:
            spec, label = base.replace(loss=v, metrics=["mse"]), str(v)
        out.append((label, validate_spec(spec)))
    return out


_OPTIMIZER_CLASSES = {"adam": "Adam", "sgd": "SGD", "rmsprop": "RMSprop", "adamw": "AdamW", "adagrad": "Adagrad"}


def compile_line(spec: model_spec.ModelSpec) -> str:
    """The `model.compile(...)` statement of the generated code, without importing Keras."""
    metrics = (", metrics=[" + ", ".join(f'"{m}"' for m in spec.metrics) + "]") if spec.metrics else ""
    return (f"model.compile(optimizer=keras.optimizers.{_OPTIMIZER_CLASSES[spec.optimizer]}"
            f'(learning_rate={spec.learning_rate:g}), loss="{spec.loss}"{metrics})')
