"""Jobs of the Dense() page: one real layer's weights and arithmetic, activations, and a linear stack collapsing."""
from __future__ import annotations

import numpy as np

from engine import spec as model_spec
from engine.codegen import CodeExpr, kw_text
from engine.data import curve_sample
from engine.fit_fast import fit_steps, run_eager
from engine.results import keras_no, rejected_by
from engine.validate import (
    MAX_STEPS,
    SEED_MAX,
    SpecError,
    check_choice,
    check_int,
    check_name,
)
from runtime.jobs import job

# Small enough that W fits a readable heatmap and every unit's arithmetic can be listed.
DENSE_MAX_IN = 32


DENSE_MAX_UNITS = 32


STACK_MAX_DEPTH = 4


STACK_MAX_WIDTH = 64


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


class _KerasCall(CodeExpr):
    """A keyword value made by a Keras constructor: one description gives both the object and its source."""

    def __init__(self, path: str, **kwargs):
        self.path, self.kwargs = path, kwargs
        super().__init__(f"keras.{path}({kw_text(kwargs)})")

    def make(self):
        import keras

        obj = keras
        for part in self.path.split("."):
            obj = getattr(obj, part)
        return obj(**self.kwargs)


def _initializer(name: str, seed: int):
    """A seeded initializer as its class (so `seed=` shows in the code), the others by name."""
    if name in SEEDED:
        return _KerasCall(f"initializers.{INIT_CLASSES[name]}", seed=seed)
    return name


def _regularizer(name):
    if name == "l1_l2":
        return _KerasCall("regularizers.L1L2", l1=0.01, l2=0.01)
    return name


def _sample(seed: int, n: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.round(rng.uniform(-2, 2, size=n), 1).astype("float32")


def _fmt(v: float) -> str:
    return f"{v:.3f}".replace("-0.000", "0.000")


def _dense_description(activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer, seed,
                       name) -> dict:
    """Dense()'s keyword arguments as the code spells them (values may be `_KerasCall`s)."""
    kw: dict = {}
    if activation is not None:
        kw["activation"] = activation
    if not use_bias:
        kw["use_bias"] = False
    # Always spelled out: the default glorot_uniform draws W at random too, and the seed makes it repeatable.
    kw["kernel_initializer"] = _initializer(kernel_initializer, seed)
    if use_bias and bias_initializer != "zeros":
        kw["bias_initializer"] = _initializer(bias_initializer, seed + 1)
    if kernel_regularizer is not None:
        kw["kernel_regularizer"] = _regularizer(kernel_regularizer)
    if name:
        kw["name"] = name
    return kw


def _keras_kwargs(description: dict) -> dict:
    """The description's values as the Keras objects they spell."""
    return {k: v.make() if isinstance(v, _KerasCall) else v for k, v in description.items()}


def _dense_code(in_features: int, units: int, description: dict, use_bias: bool, x: np.ndarray) -> str:
    x_text = "[[" + ", ".join(f"{v:g}" for v in x) + "]]"
    return "\n".join(
        [
            "import numpy as np",
            "import keras",
            "from keras import Input",
            "from keras.layers import Dense",
            "",
            f"inputs = Input(shape=({in_features},))",
            f"layer = Dense({units}{', ' if description else ''}{kw_text(description)})",
            "outputs = layer(inputs)",
            "W = layer.kernel.numpy()" + ("" if not use_bias else "      # b = layer.bias.numpy()"),
            "print(W.shape, layer.count_params())",
            f'x = np.array({x_text}, dtype="float32")',
            "print(layer(x))",
        ]
    )


def _check_dense(in_features, units, activation, kernel_initializer, bias_initializer, kernel_regularizer, seed,
                 name) -> tuple:
    """The arguments checked (SpecError on a bad one): (in_features, units, seed, name)."""
    in_features = check_int(in_features, 1, DENSE_MAX_IN, "in_features")
    units = check_int(units, 1, DENSE_MAX_UNITS, "units")
    if activation is not None:
        check_choice(activation, model_spec.ACTIVATIONS, "activation")
    check_choice(kernel_initializer, model_spec.INITIALIZERS, "kernel_initializer")
    check_choice(bias_initializer, model_spec.INITIALIZERS, "bias_initializer")
    check_choice(kernel_regularizer, DENSE_REGULARIZERS, "kernel_regularizer")
    return in_features, units, check_int(seed, 0, SEED_MAX, "seed"), check_name(name)


def _penalty_formula(kernel_regularizer, W: np.ndarray) -> float | None:
    """The regularizer's penalty recomputed in numpy from W."""
    l1, l2 = 0.01 * float(np.abs(W).sum()), 0.01 * float((W**2).sum())
    return {"l1": l1, "l2": l2, "l1_l2": l1 + l2}.get(kernel_regularizer)


def _steps(x, W, xw, b, z, a, units: int) -> list[dict]:
    """Wx+b spelled out for the first STEP_ROWS units."""
    steps = []
    for j in range(min(units, STEP_ROWS)):
        terms = " + ".join(f"({_fmt(x[i])})×({_fmt(W[i, j])})" for i in range(len(x)))
        steps.append({"unit": j, "terms": terms, "wx": float(xw[j]), "b": None if b is None else float(b[j]),
                      "z": float(z[j]), "a": float(a[j])})
    return steps


def _arithmetic_fields(layer, activation, kernel_regularizer, x: np.ndarray, units: int) -> dict:
    """W, b, the sample's Wx+b by hand and by Keras, and the regularizer's penalty."""
    import keras

    W = np.asarray(layer.kernel.numpy(), dtype="float64")
    b = np.asarray(layer.bias.numpy(), dtype="float64") if layer.use_bias else None
    y_keras = np.asarray(layer(x[None, :]))[0].astype("float64")
    xw = x.astype("float64") @ W
    z = xw + (b if b is not None else 0.0)
    a = np.asarray(keras.activations.get(activation)(z[None, :].astype("float32")))[0].astype("float64")
    return {
        "W": W.tolist(),
        "b": None if b is None else b.tolist(),
        "x": x.tolist(),
        "steps": _steps(x, W, xw, b, z, a, units),
        "y_keras": y_keras.tolist(),
        "max_diff": float(np.max(np.abs(y_keras - a))),
        "penalty": float(sum(float(v) for v in layer.losses)) if layer.losses else None,
        "penalty_formula": _penalty_formula(kernel_regularizer, W),
    }


@job
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

    from engine.build import fresh_names
    from engine.table import arithmetic, shape_text

    if isinstance(units, (int, np.integer)) and not isinstance(units, bool) and units < 1:
        # Keras checks units itself and echoes the bad value: show that, not a message of ours.
        try:
            keras.layers.Dense(int(units))
        except Exception as exc:
            return keras_no(exc)
    try:
        in_features, units, seed, name = _check_dense(in_features, units, activation, kernel_initializer,
                                                      bias_initializer, kernel_regularizer, seed, name)
    except SpecError as e:
        return rejected_by(e)

    description = _dense_description(activation, use_bias, kernel_initializer, bias_initializer,
                                     kernel_regularizer, seed, name)
    with fresh_names():
        inputs = keras.Input(shape=(in_features,))
        layer = keras.layers.Dense(units, **_keras_kwargs(description))
        outputs = layer(inputs)
    x = _sample(seed, in_features)
    return {
        "ok": True,
        "layer_name": layer.name,
        "output_shape": shape_text(outputs.shape),
        "kernel_shape": list(layer.kernel.shape),
        "bias_shape": list(layer.bias.shape) if use_bias else None,
        "params": int(layer.count_params()),
        "arithmetic": arithmetic(layer),
        **_arithmetic_fields(layer, activation, kernel_regularizer, x, units),
        "code": _dense_code(in_features, units, description, use_bias, x),
        "in_features": in_features,
        "units": units,
    }


@job
def activation_curve(ctx, activation: str | None = "relu", lo: float = -5.0, hi: float = 5.0, n: int = 201) -> dict:
    """y = activation(z) on a grid, computed by keras.activations.

    softmax is not element-wise: it is shown for two units, the second held at 0, which
    is the share the first unit gets.
    """
    import keras

    try:
        if activation is not None:
            check_choice(activation, model_spec.ACTIVATIONS, "activation")
        n = check_int(n, 3, 2001, "n")
    except SpecError as e:
        return rejected_by(e)
    z = np.linspace(float(lo), float(hi), n).astype("float32")
    fn = keras.activations.get(activation)
    if activation == "softmax":
        pair = np.stack([z, np.zeros_like(z)], axis=1)
        y = np.asarray(fn(pair))[:, 0]
    else:
        y = np.asarray(fn(z[:, None]))[:, 0]
    return {"ok": True, "z": z.astype("float64").tolist(), "y": y.astype("float64").tolist(),
            "pairwise": activation == "softmax", "name": activation or "linear"}


def _stack_spec(activation, depth: int, width: int, seed: int) -> model_spec.ModelSpec:
    """Input(1) -> `depth` x Dense(width, activation) -> Dense(1), Adam(0.02) on mse; Keras names everything."""
    return model_spec.ModelSpec(input_shape=(1,), input_name=None,
                                hidden=[model_spec.DenseSpec(width, activation) for _ in range(depth)],
                                output=model_spec.DenseSpec(1, None), name=None, learning_rate=0.02, loss="mse",
                                seed=seed)


def _collapse(model, grid: np.ndarray, pred: np.ndarray) -> dict:
    """The linear stack multiplied out into one slope and intercept, and how far the model is from that line."""
    w_eff = np.eye(1)
    b_eff = np.zeros(1)
    for layer in (layer for layer in model.layers if type(layer).__name__ == "Dense"):
        W = layer.kernel.numpy().astype("float64")
        b = layer.bias.numpy().astype("float64")
        b_eff = b_eff @ W + b
        w_eff = w_eff @ W
    collapsed = grid[:, 0].astype("float64") * w_eff[0, 0] + b_eff[0]
    return {"collapsed": [float(w_eff[0, 0]), float(b_eff[0])],
            "collapse_max_diff": float(np.max(np.abs(collapsed - pred)))}


@job
def linear_collapse(ctx, activation: str | None = None, depth: int = 3, width: int = 16, steps: int = 300,
                    seed: int = 0) -> dict:
    """Fit the curve data with `depth` Dense(width, activation) layers and a Dense(1) head.

    With no activation, the stack is one matrix product: the job multiplies the kernels
    out and checks the trained model against that single straight line.
    """
    from engine.build import build_model

    try:
        if activation is not None:
            check_choice(activation, model_spec.ACTIVATIONS, "activation")
        depth = check_int(depth, 1, STACK_MAX_DEPTH, "depth")
        width = check_int(width, 1, STACK_MAX_WIDTH, "units")
        steps = check_int(steps, 1, MAX_STEPS, "steps")
        seed = check_int(seed, 0, SEED_MAX, "seed")
    except SpecError as e:
        return rejected_by(e)
    x, y = curve_sample(seed)
    model = build_model(_stack_spec(activation, depth, width, seed), compile=True, validate=False)
    losses = fit_steps(model, x, y, steps)
    grid = np.linspace(-3, 3, 121, dtype="float32")[:, None]
    pred = run_eager(model, grid)[:, 0].astype("float64")
    final = float(np.mean((run_eager(model, x) - y) ** 2))

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
    if activation in (None, "linear"):
        out.update(_collapse(model, grid, pred))
    return out


DOCUMENT_ARGS = ("units", "activation", "use_bias", "kernel_initializer", "bias_initializer", "kernel_regularizer",
                 "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint", "name")


@job
def signature(ctx) -> dict:
    """`Dense.__init__`'s real signature, and which of its arguments the document does not list."""
    import inspect

    import keras

    from lessons.input_layer import signature_text

    names = [p for p in inspect.signature(keras.layers.Dense.__init__).parameters if p != "self"]
    return {
        "keras_version": keras.__version__,
        "signature": signature_text(keras.layers.Dense.__init__, "Dense"),
        "extra": [n for n in names if n not in DOCUMENT_ARGS and n != "kwargs"],
        "required": [p.name for p in inspect.signature(keras.layers.Dense.__init__).parameters.values()
                     if p.default is inspect.Parameter.empty and p.kind is p.POSITIONAL_OR_KEYWORD
                     and p.name != "self"],
    }
