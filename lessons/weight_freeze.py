"""Weight freezing, run for real: which layers are frozen, what training does to them, and
the recompile mistake with `model.fit` itself.

The lesson model is the document's listing (conv1, conv2, dense1, dense2) on scikit-learn's
bundled 8×8 digits, small enough to train in a second.
"""
from __future__ import annotations

import numpy as np

from engine.fit_fast import fit_model, no_leak
from runtime.jobs import job

LAYERS = ("conv1", "conv2", "dense1", "dense2")
MAX_EPOCHS = 30
BATCH = 32
LR = 1e-3
SEED = 0
RECOMPILE_SAMPLES = 600


# ---------------------------------------------------------------- data and model
def digits(seed: int = SEED):
    """All ten digits, 8×8×1 in [0, 1]; a fixed 80/20 split."""
    from engine.pretrained import digits_dataset

    x, y = digits_dataset()
    order = np.random.default_rng(seed).permutation(len(y))
    cut = int(len(y) * 0.8)
    tr, te = order[:cut], order[cut:]
    return x[tr], y[tr], x[te], y[te]


DATA_CODE = (
    "from sklearn.datasets import load_digits\n\n"
    "digits = load_digits()  # bundled with scikit-learn: 1,797 images of 8×8 pixels\n"
    "images = (digits.images / 16.0).astype(\"float32\")[..., None]  # (1797, 8, 8, 1)\n"
    "labels = digits.target\n"
    "order = np.random.default_rng({seed}).permutation(len(labels))\n"
    "train, test = order[:1437], order[1437:]\n"
)


def build(model_trainable: bool = True):
    """Input(8, 8, 1) → conv1 → conv2 → flatten → dense1 → dense2 (10 digits)."""
    import keras
    from keras import layers

    from engine.build import fresh_names

    keras.utils.set_random_seed(SEED)
    with fresh_names():
        inputs = keras.Input(shape=(8, 8, 1))
        x = layers.Conv2D(8, 3, activation="relu", name="conv1")(inputs)
        x = layers.Conv2D(16, 3, activation="relu", name="conv2")(x)
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(32, activation="relu", name="dense1")(x)
        outputs = layers.Dense(10, activation="softmax", name="dense2")(x)
        kw = {} if model_trainable else {"trainable": False}
        return keras.Model(inputs, outputs, **kw)


def compile_model(model, lr: float = LR):
    import keras

    model.compile(optimizer=keras.optimizers.Adam(lr), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def model_code(frozen, model_trainable: bool) -> list[str]:
    lines = [
        "import keras",
        "import numpy as np",
        "from keras import layers",
        "",
        "keras.utils.set_random_seed(0)",
        "inputs = keras.Input(shape=(8, 8, 1))",
        'x = layers.Conv2D(8, 3, activation="relu", name="conv1")(inputs)',
        'x = layers.Conv2D(16, 3, activation="relu", name="conv2")(x)',
        'x = layers.Flatten(name="flatten")(x)',
        'x = layers.Dense(32, activation="relu", name="dense1")(x)',
        'outputs = layers.Dense(10, activation="softmax", name="dense2")(x)',
        "model = keras.Model(inputs, outputs, trainable=False)" if not model_trainable
        else "model = keras.Model(inputs, outputs)",
    ]
    if frozen:
        lines.append("")
        lines += [f'model.get_layer("{name}").trainable = False' for name in frozen]
    lines += ["", "for layer in model.layers:", "    print(layer.name, layer.trainable)"]
    return lines


def _clean_frozen(frozen) -> list[str]:
    return [name for name in LAYERS if name in set(frozen or ())]


def _listing(model) -> str:
    return "\n".join(f"{layer.name} {layer.trainable}" for layer in model.layers)


def _layer_rows(model):
    from engine.pretrained import layer_rows

    return layer_rows(model)


@job
def describe_freeze(ctx, frozen=(), model_trainable: bool = True) -> dict:
    """The lesson model with the chosen layers frozen: listing, per-layer counts, graph, code."""
    from engine.graph import model_graph, to_dot
    from engine.table import totals

    frozen = _clean_frozen(frozen)
    model = build(model_trainable)
    for name in frozen:
        model.get_layer(name).trainable = False
    return {
        "frozen": frozen,
        "listing": _listing(model),
        "layers": _layer_rows(model),
        "totals": totals(model),
        "n_trainable_weights": len(model.trainable_weights),
        "n_weights": len(model.weights),
        "dot": to_dot(model_graph(model)),
        "code": "\n".join(model_code(frozen, model_trainable)) + "\n",
    }


# ---------------------------------------------------------------- training with frozen layers
def _weights_by_layer(model) -> dict:
    return {layer.name: [np.array(w) for w in layer.get_weights()] for layer in model.layers if layer.weights}


def _change(before: dict, after: dict) -> dict:
    """Per layer: the largest absolute change of any weight, and the norm of the change."""
    out = {}
    for name, ws in before.items():
        diffs = [a - b for a, b in zip(after[name], ws)]
        out[name] = {
            "max_abs": float(max(np.abs(d).max() for d in diffs)),
            "norm": float(np.sqrt(sum(float((d ** 2).sum()) for d in diffs))),
        }
    return out


def backprop_step(model, xb, yb) -> dict:
    """One real training step, seen from inside.

    Per layer: the norm of the gradient of the loss with respect to its weights (computed here
    for every layer, frozen ones included, by watching their variables) and the norm of the
    update Keras then applied with `train_on_batch`. Keras itself only asks for the gradients
    of `model.trainable_weights`, so for a frozen layer it is never even computed, let alone applied.
    """
    import tensorflow as tf

    owners = [(layer.name, v) for layer in model.layers for v in layer.weights]
    updated = {id(v) for v in model.trainable_weights}
    variables = [v for _, v in owners]
    with tf.GradientTape() as tape:
        tape.watch([v.value for v in variables])
        pred = model(xb, training=True)
        loss = model.compute_loss(x=xb, y=yb, y_pred=pred, training=True)
    grads = tape.gradient(loss, [v.value for v in variables])
    grad_sq: dict = {}
    for (name, _), g in zip(owners, grads):
        grad_sq[name] = grad_sq.get(name, 0.0) + (0.0 if g is None else float(tf.reduce_sum(g * g)))
    before = _weights_by_layer(model)
    model.train_on_batch(xb, yb)
    after = _weights_by_layer(model)
    step = _change(before, after)
    return {
        "loss": float(loss),
        "layers": [
            {
                "layer": name,
                "trainable": bool(model.get_layer(name).trainable),
                "in_trainable_weights": any(id(v) in updated for v in model.get_layer(name).weights),
                "grad_norm": float(np.sqrt(grad_sq.get(name, 0.0))),
                "update_norm": step[name]["norm"],
            }
            for name in before
        ],
    }


def train_code(frozen, model_trainable: bool, epochs: int) -> str:
    lines = model_code(frozen, model_trainable)
    data = DATA_CODE.format(seed=SEED).rstrip("\n").split("\n")
    lines = lines[:4] + data + [""] + lines[4:]
    lines += [
        "",
        "# compile AFTER choosing what is frozen: fit() uses the trainable set seen at compile time",
        'model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",',
        '              metrics=["accuracy"])',
        "before = {l.name: [w.copy() for w in l.get_weights()] for l in model.layers if l.weights}",
        f"model.fit(images[train], labels[train], epochs={epochs}, batch_size={BATCH},",
        "          validation_data=(images[test], labels[test]))",
        "for l in model.layers:",
        "    if l.weights:",
        "        change = max(np.abs(a - b).max() for a, b in zip(l.get_weights(), before[l.name]))",
        "        print(l.name, l.trainable, change)",
    ]
    return "\n".join(lines) + "\n"


@job
def train_freeze(ctx, frozen=(), model_trainable: bool = True, epochs: int = 5, seed: int = SEED) -> dict:
    """Train the lesson model with the chosen layers frozen; prove which weights moved."""
    import warnings

    from engine.table import totals

    frozen = _clean_frozen(frozen)
    epochs = max(1, min(int(epochs), MAX_EPOCHS))
    x_tr, y_tr, x_te, y_te = digits(seed)
    model = build(model_trainable)
    for name in frozen:
        model.get_layer(name).trainable = False
    compile_model(model)
    start = _weights_by_layer(model)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with no_leak():
            step = backprop_step(model, x_tr[:BATCH], y_tr[:BATCH])
        run = fit_model(ctx, model, x_tr, y_tr, epochs, BATCH, x_te, y_te, seed=seed, emit=ctx.emit)
    change = _change(start, _weights_by_layer(model))
    notes = sorted({str(w.message).strip() for w in caught if "trainable" in str(w.message)})
    return {
        "frozen": frozen,
        "model_trainable": bool(model_trainable),
        "epochs": epochs,
        "change": [
            {"layer": name, "trainable": bool(model.get_layer(name).trainable), **change[name]}
            for name in change
        ],
        "backprop": step,
        "totals": totals(model),
        "warnings": notes[:3],
        "code": train_code(frozen, model_trainable, epochs),
        **run,
    }


# ---------------------------------------------------------------- the recompile mistake, with model.fit
def recompile_code(layer: str, compile_again: bool, epochs: int) -> str:
    lines = [
        "import keras",
        "import numpy as np",
        "from keras import layers",
        "",
        *DATA_CODE.format(seed=SEED).rstrip("\n").split("\n"),
        "x_small, y_small = images[train][:600], labels[train][:600]",
        "",
        *model_code([], True)[4:12],
        'model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")',
        f"model.fit(x_small, y_small, epochs={epochs}, batch_size=32, verbose=0)  # everything trains",
        "",
        f'frozen = model.get_layer("{layer}")',
        "frozen.trainable = False",
        "before = [w.copy() for w in frozen.get_weights()]",
    ]
    if compile_again:
        lines.append('model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")  # again!')
    else:
        lines.append("# no compile() here: the mistake")
    lines += [
        f"model.fit(x_small, y_small, epochs={epochs}, batch_size=32, verbose=0)",
        "print(max(np.abs(a - b).max() for a, b in zip(frozen.get_weights(), before)))",
    ]
    return "\n".join(lines) + "\n"


@job
def recompile_demo(ctx, layer: str = "dense1", compile_again: bool = False, epochs: int = 2) -> dict:
    """Train with model.fit, freeze a layer, train again with or without compile() in between.

    The installed Keras's own `model.fit` is used on purpose: its compiled train function
    captured the list of trainable variables, and only compile() makes a new one.
    """
    import keras

    layer = layer if layer in LAYERS else "dense1"
    epochs = max(1, min(int(epochs), 5))
    x_tr, y_tr, _, _ = digits()
    x, y = x_tr[:RECOMPILE_SAMPLES], y_tr[:RECOMPILE_SAMPLES]
    model = build(True)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    with no_leak():
        h1 = model.fit(x, y, epochs=epochs, batch_size=32, verbose=0)
        target = model.get_layer(layer)
        target.trainable = False
        if compile_again:
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        before = _weights_by_layer(model)
        counted = len(model.trainable_weights)
        h2 = model.fit(x, y, epochs=epochs, batch_size=32, verbose=0)
    change = _change(before, _weights_by_layer(model))
    from engine.table import totals

    return {
        "layer": layer,
        "compile_again": bool(compile_again),
        "epochs": epochs,
        "run_eagerly": bool(model.run_eagerly),
        "frozen_change": change[layer]["max_abs"],
        "change": [
            {"layer": name, "trainable": bool(model.get_layer(name).trainable), **change[name]} for name in change
        ],
        "trainable_weights_listed": counted,
        "totals_claimed": totals(model),
        "loss_phase1": [float(v) for v in h1.history["loss"]],
        "loss_phase2": [float(v) for v in h2.history["loss"]],
        "code": recompile_code(layer, compile_again, epochs),
        "keras_version": keras.__version__,
    }


# ---------------------------------------------------------------- the document's loop freezes the head too
LOOP_SAMPLES = 400


def loop_code(variant: str) -> str:
    lines = [*model_code([], True)[4:12]]
    if variant == "document":
        lines += ["", "# the document's loop", "for layer in model.layers:", "    layer.trainable = False"]
    else:
        lines += ["", "# every layer except the last two (the new head)", "for layer in model.layers[:-2]:",
                  "    layer.trainable = False"]
    lines += ['model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")',
              "model.fit(x_small, y_small, epochs=1, batch_size=32, verbose=0)"]
    return "\n".join(lines) + "\n"


@job
def freeze_loop(ctx, variant: str = "document") -> dict:
    """Run the document's `for layer in model.layers: layer.trainable = False`, then fit().

    The document says the new head still trains; the installed Keras shows whether it does.
    variant "head_free" stops the loop before the last two layers, the usual intent.
    """
    import keras

    from engine.table import totals

    variant = variant if variant in ("document", "head_free") else "document"
    x_tr, y_tr, _, _ = digits()
    x, y = x_tr[:LOOP_SAMPLES], y_tr[:LOOP_SAMPLES]
    model = build(True)
    chosen = model.layers if variant == "document" else model.layers[:-2]
    for layer in chosen:
        layer.trainable = False
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    before = _weights_by_layer(model)
    import warnings

    with no_leak(), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(x, y, epochs=1, batch_size=BATCH, verbose=0)
    change = _change(before, _weights_by_layer(model))
    return {
        "variant": variant,
        "warnings": sorted({str(w.message) for w in caught if "trainable" in str(w.message)}),
        "flags": [[layer.name, bool(layer.trainable)] for layer in model.layers],
        "totals": totals(model),
        "change": [{"layer": name, "trainable": bool(model.get_layer(name).trainable), **change[name]}
                   for name in change],
        "head_moved": any(change[name]["max_abs"] > 0 for name in ("dense1", "dense2")),
        "code": loop_code(variant),
        "keras_version": keras.__version__,
    }
