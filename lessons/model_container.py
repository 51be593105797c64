"""Jobs behind the Input(), Dense(), outputs-tensor and Model() lessons.

Each job runs the real Keras call the page talks about and returns plain data: reprs,
shapes, names, weight values, curves and Keras's own error texts. Nothing here is a
hard-coded copy of what Keras would say. Keras is imported inside the jobs so a worker
process pays for TensorFlow only when a lesson needs it.
"""
from __future__ import annotations

import re
import warnings

import numpy as np

from core import spec as S
from core.validate import SpecError, check_name, format_shape

__jobs__ = ("input_tensor", "dense_layer", "activation_curve", "linear_collapse", "output_head", "container")

# Small enough that W fits a readable heatmap and every unit's arithmetic can be listed.
DENSE_MAX_IN = 32
DENSE_MAX_UNITS = 32
HEAD_MAX_UNITS = 10
STACK_MAX_DEPTH = 4
STACK_MAX_WIDTH = 64
MAX_STEPS = 1000
SEED_MAX = 10_000
STEP_ROWS = 8  # units spelled out in the Wx+b walk-through

# Initializer spelled as the class the generated code uses, so its `seed=` is visible.
INIT_CLASSES = {
    "glorot_uniform": "GlorotUniform",
    "glorot_normal": "GlorotNormal",
    "he_normal": "HeNormal",
    "he_uniform": "HeUniform",
    "random_normal": "RandomNormal",
    "zeros": "Zeros",
    "ones": "Ones",
}
SEEDED = {"glorot_uniform", "glorot_normal", "he_normal", "he_uniform", "random_normal"}
# keras.regularizers.get() knows "l1" and "l2" but not "l1_l2": that one needs the class.
DENSE_REGULARIZERS = (None, "l1", "l2", "l1_l2")
HEAD_TASKS = ("regression", "binary", "multiclass")
N_CLASSES = 3
INPUT_CHOICES = ("inputs", None)
OUTPUT_CHOICES = ("outputs", "x", None)
CALL_STYLES = ("keyword", "positional")


def _spec_error(e: SpecError) -> dict:
    return {"ok": False, "spec_error": (e.code, e.params)}


def _clean_graph_error(msg: str) -> str:
    """TensorFlow's graph errors carry a Python trace of the traced function; keep its own words."""
    if "Graph execution error" not in msg:
        return msg
    keep = []
    for block in msg.split("\n\n"):
        head = block.lstrip()
        if head.startswith(("Graph execution error", "Detected at node", "File ")):
            continue
        lines = [ln for ln in block.splitlines() if "[[{{node" not in ln]
        keep.append("\n".join(lines).strip())
    text = "\n".join(k for k in keep if k)
    # The label dump lists every label of the batch; the first few make the point.
    if "Label values:" in text:
        head, _, values = text.partition("Label values:")
        vals = values.split()
        text = head + "Label values: " + " ".join(vals[:20]) + (" …" if len(vals) > 20 else "")
    return text or msg


def _keras_error(exc: BaseException) -> tuple[str, str]:
    msg = str(exc).strip()
    # Keras wraps some messages in ANSI bold; the page shows plain text.
    msg = msg.replace("\x1b[1m", "").replace("\x1b[0m", "")
    msg = _clean_graph_error(msg)
    if len(msg) > 1200:
        msg = msg[:1200] + " …"
    return type(exc).__name__, msg


def _check_int(value, lo: int, hi: int, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise SpecError("not_an_integer", field=field, text=str(value)[:40])
    if not lo <= int(value) <= hi:
        raise SpecError("out_of_range", field=field, value=int(value), lo=lo, hi=hi)
    return int(value)


def _check_choice(value, choices, field: str):
    if value not in choices:
        raise SpecError("choice_invalid", field=field, value=str(value)[:40])
    return value


def _check_shape(shape) -> tuple[int, ...]:
    from core.validate import parse_shape

    if not isinstance(shape, (list, tuple)) or not shape:
        raise SpecError("shape_empty")
    if not all(isinstance(d, (int, np.integer)) and not isinstance(d, bool) for d in shape):
        raise SpecError("shape_syntax", text=str(shape)[:40])
    return parse_shape(format_shape(tuple(int(d) for d in shape)))


def _kw_text(kwargs: dict) -> str:
    parts = []
    for k, v in kwargs.items():
        if k == "shape":
            parts.append(f"shape={format_shape(v)}")
        elif isinstance(v, _Code):
            parts.append(f"{k}={v.src}")
        else:
            parts.append(f"{k}={v!r}".replace("'", '"'))
    return ", ".join(parts)


class _Code:
    """A keyword value that the generated source spells as code, not as a literal."""

    def __init__(self, src: str):
        self.src = src


# ---------------------------------------------------------------- Input()

def input_tensor(ctx, shape=None, batch_size=None, name=None, dtype=None, sparse=False, ragged=False) -> dict:
    """Call `keras.Input(...)` with these arguments and report the KerasTensor it returns.

    `shape=None` leaves the argument out on purpose: the result then carries Keras's error.
    """
    import keras

    from core.build import fresh_names
    from core.table import shape_text

    try:
        dims = None if shape is None else _check_shape(shape)
        if batch_size is not None:
            batch_size = _check_int(batch_size, 1, 1024, "batch_size")
        name = check_name(name)
        if dtype is not None:
            _check_choice(dtype, S.DTYPES, "dtype")
    except SpecError as e:
        return _spec_error(e)

    kwargs: dict = {}
    if dims is not None:
        kwargs["shape"] = dims
    if batch_size is not None:
        kwargs["batch_size"] = batch_size
    if name:
        kwargs["name"] = name
    if dtype:
        kwargs["dtype"] = dtype
    if sparse:
        kwargs["sparse"] = True
    if ragged:
        kwargs["ragged"] = True
    code = "\n".join(["from keras import Input", "", f"inputs = Input({_kw_text(kwargs)})", "print(inputs)"])

    with fresh_names():
        try:
            t = keras.Input(**kwargs)
        except Exception as exc:  # Keras's refusal is the lesson
            return {"ok": False, "keras_error": _keras_error(exc), "code": code, "backend": keras.backend.backend()}
        layer = t._keras_history.operation
    try:
        np.asarray(t)
        no_data = None
    except Exception as exc:  # a KerasTensor has no values: Keras says so itself
        no_data = _keras_error(exc)
    other_batch = None
    if batch_size is not None and not sparse and not ragged:
        # Does a fixed batch_size refuse a batch of another size? Ask the installed Keras.
        n = batch_size + 1
        try:
            with fresh_names():
                probe = keras.Model(t, t)
            out = probe(np.zeros((n, *dims), dtype=t.dtype))
            other_batch = {"n": n, "ok": True, "shape": list(np.asarray(out).shape), "error": None}
        except Exception as exc:
            other_batch = {"n": n, "ok": False, "shape": None, "error": _keras_error(exc)}
    return {
        "ok": True,
        "repr": repr(t),
        "type": type(t).__name__,
        "module": type(t).__module__,
        "shape": shape_text(t.shape),
        "sample_shape": format_shape(dims),
        "batch_dim": t.shape[0],
        "dtype": str(t.dtype),
        "tensor_name": t.name,
        "layer_name": layer.name,
        "layer_type": type(layer).__name__,
        "sparse": bool(t.sparse),
        "ragged": bool(getattr(t, "ragged", False)),
        "no_data_error": no_data,
        "other_batch": other_batch,
        "code": code,
        "backend": keras.backend.backend(),
        "keras_version": keras.__version__,
    }


# ---------------------------------------------------------------- Dense()

def _initializer(name: str, seed: int):
    import keras

    cls = getattr(keras.initializers, INIT_CLASSES[name])
    if name in SEEDED:
        return cls(seed=seed), _Code(f"keras.initializers.{INIT_CLASSES[name]}(seed={seed})")
    return cls(), name


def _regularizer(name):
    import keras

    if name is None:
        return None, None
    if name == "l1_l2":
        return keras.regularizers.L1L2(l1=0.01, l2=0.01), _Code("keras.regularizers.L1L2(l1=0.01, l2=0.01)")
    return keras.regularizers.get(name), name


def _sample(seed: int, n: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.round(rng.uniform(-2, 2, size=n), 1).astype("float32")


def _fmt(v: float) -> str:
    return f"{v:.3f}".replace("-0.000", "0.000")


def dense_layer(
    ctx,
    in_features: int = 3,
    units: int = 4,
    activation: str | None = "relu",
    use_bias: bool = True,
    kernel_initializer: str = "glorot_uniform",
    bias_initializer: str = "zeros",
    kernel_regularizer: str | None = None,
    seed: int = 0,
    name: str | None = None,
) -> dict:
    """Build one Dense layer on an Input of `in_features`, then read back W, b and Wx+b on a sample."""
    import keras

    from core.build import fresh_names
    from core.table import arithmetic, shape_text

    if isinstance(units, (int, np.integer)) and not isinstance(units, bool) and units < 1:
        # Keras checks units itself and echoes the bad value: show that, not a message of ours.
        try:
            keras.layers.Dense(int(units))
        except Exception as exc:
            return {"ok": False, "keras_error": _keras_error(exc)}
    try:
        in_features = _check_int(in_features, 1, DENSE_MAX_IN, "in_features")
        units = _check_int(units, 1, DENSE_MAX_UNITS, "units")
        if activation is not None:
            _check_choice(activation, S.ACTIVATIONS, "activation")
        _check_choice(kernel_initializer, S.INITIALIZERS, "kernel_initializer")
        _check_choice(bias_initializer, S.INITIALIZERS, "bias_initializer")
        _check_choice(kernel_regularizer, DENSE_REGULARIZERS, "kernel_regularizer")
        seed = _check_int(seed, 0, SEED_MAX, "seed")
        name = check_name(name)
    except SpecError as e:
        return _spec_error(e)

    k_init, k_code = _initializer(kernel_initializer, seed)
    b_init, b_code = _initializer(bias_initializer, seed + 1)
    reg, reg_code = _regularizer(kernel_regularizer)
    kwargs: dict = {}
    code_kw: dict = {}
    if activation is not None:
        kwargs["activation"] = code_kw["activation"] = activation
    if not use_bias:
        kwargs["use_bias"] = code_kw["use_bias"] = False
    # Always spelled out: the default glorot_uniform draws W at random too, and the seed makes it repeatable.
    kwargs["kernel_initializer"], code_kw["kernel_initializer"] = k_init, k_code
    if use_bias and bias_initializer != "zeros":
        kwargs["bias_initializer"], code_kw["bias_initializer"] = b_init, b_code
    if reg is not None:
        kwargs["kernel_regularizer"], code_kw["kernel_regularizer"] = reg, reg_code
    if name:
        kwargs["name"] = code_kw["name"] = name

    with fresh_names():
        inputs = keras.Input(shape=(in_features,))
        layer = keras.layers.Dense(units, **kwargs)
        outputs = layer(inputs)
    W = np.asarray(layer.kernel.numpy(), dtype="float64")
    b = np.asarray(layer.bias.numpy(), dtype="float64") if use_bias else None

    x = _sample(seed, in_features)
    y_keras = np.asarray(layer(x[None, :]))[0].astype("float64")
    xw = x.astype("float64") @ W
    z = xw + (b if b is not None else 0.0)
    act = keras.activations.get(activation)
    a = np.asarray(act(z[None, :].astype("float32")))[0].astype("float64")
    penalty = float(sum(float(v) for v in layer.losses)) if layer.losses else None
    if kernel_regularizer == "l1":
        penalty_formula = 0.01 * float(np.abs(W).sum())
    elif kernel_regularizer == "l2":
        penalty_formula = 0.01 * float((W**2).sum())
    elif kernel_regularizer == "l1_l2":
        penalty_formula = 0.01 * float(np.abs(W).sum()) + 0.01 * float((W**2).sum())
    else:
        penalty_formula = None

    steps = []
    for j in range(min(units, STEP_ROWS)):
        terms = " + ".join(f"({_fmt(x[i])})×({_fmt(W[i, j])})" for i in range(in_features))
        steps.append(
            {
                "unit": j,
                "terms": terms,
                "wx": float(xw[j]),
                "b": None if b is None else float(b[j]),
                "z": float(z[j]),
                "a": float(a[j]),
            }
        )

    x_text = "[[" + ", ".join(f"{v:g}" for v in x) + "]]"
    code = "\n".join(
        [
            "import numpy as np",
            "import keras",
            "from keras import Input",
            "from keras.layers import Dense",
            "",
            f"inputs = Input(shape=({in_features},))",
            f"layer = Dense({units}{', ' if code_kw else ''}{_kw_text(code_kw)})",
            "outputs = layer(inputs)",
            "W = layer.kernel.numpy()" + ("" if not use_bias else "      # b = layer.bias.numpy()"),
            "print(W.shape, layer.count_params())",
            f'x = np.array({x_text}, dtype="float32")',
            "print(layer(x))",
        ]
    )
    return {
        "ok": True,
        "layer_name": layer.name,
        "output_shape": shape_text(outputs.shape),
        "kernel_shape": list(layer.kernel.shape),
        "bias_shape": list(layer.bias.shape) if use_bias else None,
        "params": int(layer.count_params()),
        "arithmetic": arithmetic(layer),
        "W": W.tolist(),
        "b": None if b is None else b.tolist(),
        "x": x.tolist(),
        "steps": steps,
        "y_keras": y_keras.tolist(),
        "max_diff": float(np.max(np.abs(y_keras - a))),
        "penalty": penalty,
        "penalty_formula": penalty_formula,
        "code": code,
        "in_features": in_features,
        "units": units,
    }


def activation_curve(ctx, activation: str | None = "relu", lo: float = -5.0, hi: float = 5.0, n: int = 201) -> dict:
    """y = activation(z) on a grid, computed by keras.activations.

    softmax is not element-wise: it is shown for two units, the second held at 0, which
    is the share the first unit gets.
    """
    import keras

    try:
        if activation is not None:
            _check_choice(activation, S.ACTIVATIONS, "activation")
        n = _check_int(n, 3, 2001, "n")
    except SpecError as e:
        return _spec_error(e)
    z = np.linspace(float(lo), float(hi), n).astype("float32")
    fn = keras.activations.get(activation)
    if activation == "softmax":
        pair = np.stack([z, np.zeros_like(z)], axis=1)
        y = np.asarray(fn(pair))[:, 0]
    else:
        y = np.asarray(fn(z[:, None]))[:, 0]
    return {"ok": True, "z": z.astype("float64").tolist(), "y": y.astype("float64").tolist(),
            "pairwise": activation == "softmax", "name": activation or "linear"}


# ---------------------------------------------------------------- training helper

def _fit(model, x, y, steps: int) -> list[float]:
    """`steps` full-batch updates of the compiled model (one graph, core.train.fit_fast);
    the loss after each."""
    from core.train import fit_fast

    hist = fit_fast(model, x, y, epochs=steps, batch_size=len(x), shuffle=True, seed=0)
    return [float(v) for v in hist["loss"]]


def _run(model, x) -> np.ndarray:
    """model(x) called eagerly: for a few hundred rows this beats tracing predict()."""
    return np.asarray(model(x, training=False))


def _curve_data(seed: int, n: int = 200):
    from core.data import load

    ds = load("curve", seed)
    return ds.x[:n], ds.y[:n]


# ---------------------------------------------------------------- hidden vs output

def linear_collapse(ctx, activation: str | None = None, depth: int = 3, width: int = 16, steps: int = 300,
                    seed: int = 0) -> dict:
    """Fit the curve data with `depth` Dense(width, activation) layers and a Dense(1) head.

    With no activation, the stack is one matrix product: the job multiplies the kernels
    out and checks the trained model against that single straight line.
    """
    import keras

    from core.build import fresh_names

    try:
        if activation is not None:
            _check_choice(activation, S.ACTIVATIONS, "activation")
        depth = _check_int(depth, 1, STACK_MAX_DEPTH, "depth")
        width = _check_int(width, 1, STACK_MAX_WIDTH, "units")
        steps = _check_int(steps, 1, MAX_STEPS, "steps")
        seed = _check_int(seed, 0, SEED_MAX, "seed")
    except SpecError as e:
        return _spec_error(e)
    x, y = _curve_data(seed)
    keras.utils.set_random_seed(seed)
    with fresh_names():
        inputs = keras.Input(shape=(1,))
        h = inputs
        for _ in range(depth):
            h = keras.layers.Dense(width, activation=activation)(h)
        outputs = keras.layers.Dense(1)(h)
        model = keras.Model(inputs, outputs)
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.02), loss="mse")
    losses = _fit(model, x, y, steps)
    grid = np.linspace(-3, 3, 121, dtype="float32")[:, None]
    pred = _run(model, grid)[:, 0].astype("float64")
    final = float(np.mean((_run(model, x) - y) ** 2))

    # A straight line fitted by least squares: the best any linear model can do.
    slope_ls, icept_ls = np.polyfit(x[:, 0].astype("float64"), y[:, 0].astype("float64"), 1)
    line_mse = float(np.mean((slope_ls * x[:, 0] + icept_ls - y[:, 0]) ** 2))

    out = {
        "ok": True,
        "activation": activation,
        "params": int(model.count_params()),
        "x": x[:, 0].astype("float64").tolist(),
        "y": y[:, 0].astype("float64").tolist(),
        "grid": grid[:, 0].astype("float64").tolist(),
        "pred": pred.tolist(),
        "losses": losses,
        "mse": final,
        "line_mse": line_mse,
        "line": [float(slope_ls), float(icept_ls)],
        "max_second_diff": float(np.max(np.abs(np.diff(pred, 2)))),
    }
    dense = [layer for layer in model.layers if type(layer).__name__ == "Dense"]
    if activation in (None, "linear"):
        w_eff = np.eye(1)
        b_eff = np.zeros(1)
        for layer in dense:
            W = layer.kernel.numpy().astype("float64")
            b = layer.bias.numpy().astype("float64")
            b_eff = b_eff @ W + b
            w_eff = w_eff @ W
        collapsed = grid[:, 0].astype("float64") * w_eff[0, 0] + b_eff[0]
        out["collapsed"] = [float(w_eff[0, 0]), float(b_eff[0])]
        out["collapse_max_diff"] = float(np.max(np.abs(collapsed - pred)))
    return out


# ---------------------------------------------------------------- outputs tensor / heads

def _head_data(task: str, seed: int):
    if task == "regression":
        x, y = _curve_data(seed)
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


def output_head(ctx, task: str = "regression", units: int = 1, activation: str | None = None, steps: int = 300,
                seed: int = 0) -> dict:
    """Input -> Dense(16, relu) -> Dense(16, relu) -> head; describe `outputs`, then train it on the task's data."""
    import keras

    from core.build import fresh_names
    from core.table import shape_text

    try:
        _check_choice(task, HEAD_TASKS, "task")
        units = _check_int(units, 1, HEAD_MAX_UNITS, "units")
        if activation is not None:
            _check_choice(activation, S.ACTIVATIONS, "activation")
        steps = _check_int(steps, 1, MAX_STEPS, "steps")
        seed = _check_int(seed, 0, SEED_MAX, "seed")
    except SpecError as e:
        return _spec_error(e)

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
                result["summary_error"] = _keras_error(exc)
            model = keras.Model(inputs, outputs, name=f"{task}_model")
            model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.02), loss=loss)
        result["model"] = {"type": type(model).__name__, "is_model": isinstance(model, keras.Model),
                           "output_shape": shape_text(model.output.shape), "params": int(model.count_params())}
        try:
            result["losses"] = _fit(model, x, y, steps)
        except Exception as exc:  # e.g. 3 classes into 1 unit: the backend refuses the labels
            result["ok"] = False
            result["keras_error"] = _keras_error(exc)
        if result["ok"]:
            pred = np.asarray(model.predict(x, verbose=0))
            if task == "regression":
                grid = np.linspace(-3, 3, 121, dtype="float32")[:, None]
            else:
                lo, hi = x.min(0) - 0.5, x.max(0) + 0.5
                gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], 60), np.linspace(lo[1], hi[1], 60))
                grid = np.stack([gx.ravel(), gy.ravel()], axis=1).astype("float32")
            gp = _run(model, grid)
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


# ---------------------------------------------------------------- Model()

def _container_code(spec, inputs_choice, outputs_choice, style, name, trainable) -> tuple[str, str]:
    """(the tensor-building lines, the Model(...) call as the learner chose it)."""
    from core.codegen import model_lines

    lines = ["from keras import Input, Model", "from keras.layers import Dense", ""]
    lines += model_lines(spec)[:-1]
    args: list[str] = []
    if style == "positional":
        if inputs_choice:
            args.append(inputs_choice)
        if outputs_choice:
            args.append(outputs_choice)
    else:
        if inputs_choice:
            args.append(f"inputs={inputs_choice}")
        if outputs_choice:
            args.append(f"outputs={outputs_choice}")
    if name:
        args.append(f'name="{name}"')
    if not trainable:
        args.append("trainable=False")
    return "\n".join(lines), f"model = Model({', '.join(args)})\nmodel.summary()"


def _summary(model, width: int) -> str:
    """`model.summary()` as text, narrow enough to sit beside the app's own table."""
    lines: list[str] = []
    model.summary(print_fn=lambda s, **_: lines.append(s), line_length=width)
    return "\n".join(lines)


def container(ctx, inputs_choice="inputs", outputs_choice="outputs", style="keyword", name=None,
              trainable=True) -> dict:
    """Build the document's recommended stack, then call Model(...) with only the tensors chosen.

    inputs_choice: "inputs" or None; outputs_choice: "outputs" (the head), "x" (the last
    hidden tensor) or None; style: Model(inputs=..., outputs=...) or Model(inputs, outputs).
    """
    import keras

    from core.build import build_tensors, fresh_names
    from core.graph import model_graph, to_dot
    from core.table import param_table, shape_text, totals

    try:
        _check_choice(inputs_choice, INPUT_CHOICES, "inputs")
        _check_choice(outputs_choice, OUTPUT_CHOICES, "outputs")
        _check_choice(style, CALL_STYLES, "style")
        name = check_name(name, "model_name")
        trainable = bool(trainable)
    except SpecError as e:
        return _spec_error(e)

    spec = S.recommended().replace(name=name, trainable=trainable)
    tensors_code, call_code = _container_code(spec, inputs_choice, outputs_choice, style, name, trainable)
    code = tensors_code + "\n" + call_code
    with fresh_names():
        inputs, steps, outputs = build_tensors(spec)
        tensors = {"inputs": inputs, "x": steps[-1], "outputs": outputs}
        args, kwargs = [], {}
        chosen = [("inputs", inputs_choice), ("outputs", outputs_choice)]
        for key, choice in chosen:
            if choice is None:
                continue
            if style == "positional":
                args.append(tensors[choice])
            else:
                kwargs[key] = tensors[choice]
        if name:
            kwargs["name"] = name
        if not trainable:
            kwargs["trainable"] = False
        try:
            model = keras.Model(*args, **kwargs)
        except Exception as exc:  # the lesson: what Keras says when a mandatory tensor is missing
            return {"ok": False, "keras_error": _keras_error(exc), "code": code, "tensors_code": tensors_code,
                    "call_code": call_code}
        # Built after the learner's model, so theirs gets the name a fresh session would give it.
        full_params = int(keras.Model(inputs, outputs).count_params())
    base = {"ok": True, "code": code, "tensors_code": tensors_code, "call_code": call_code, "model_name": model.name, "model_type": type(model).__name__,
            "n_layers": len(model.layers), "summary": _summary(model, 62), "full_params": full_params}
    if not model.layers:
        # Model() with no tensors is a bare subclassing-style shell: no layers, nothing to run.
        try:
            model.count_params()
            base["empty_error"] = None
        except Exception as exc:
            base["empty_error"] = _keras_error(exc)
        base["empty"] = True
        return base
    base.update(
        {
            "empty": False,
            "table": param_table(model).to_dict("records"),
            "totals": totals(model),
            "dot": to_dot(model_graph(model)),
            "names": [layer.name for layer in model.layers],
            "output_shape": shape_text(model.output.shape),
            "layer_trainable": [[layer.name, bool(layer.trainable)] for layer in model.layers],
        }
    )
    if not trainable:
        # Model(trainable=False) leaves each layer's own flag alone; the property setter on a
        # model built without it does not. Done last: the layers are shared with the learner's model.
        with fresh_names():
            other = keras.Model(inputs, model.outputs[0])
        other.trainable = False
        base["setter_layer_trainable"] = [[layer.name, bool(layer.trainable)] for layer in other.layers]
    return base
