"""Transfer learning and fine-tuning on the shipped base, run for real.

Source task: digits 0–4 (the base learned them, see scripts/pretrain_base.py).
Target task: digits 5–9 from a few labelled examples per class.
Every job returns plain data: histories, counts, timings, code.
"""
from __future__ import annotations

import functools

import numpy as np

from core import pretrained as P
from core.freeze import fit_model

__jobs__ = ("step3", "compare", "partial", "finetune", "race", "bn_demo", "workflow")

BATCH = 16
HEAD_UNITS = 32
MAX_EPOCHS = 60
MAX_RUN_EPOCHS_RACE = 40
STRATEGIES = ("frozen", "unfrozen", "scratch")
RACE = ("head", "partial", "full")
STEP3_VARIANTS = ("document", "input_shape", "gap")


def _stopped(ctx) -> bool:
    """The learner moved on: a multi-run job returns early instead of finishing every run."""
    fn = getattr(ctx, "cancelled", None)
    return bool(fn and fn())


def _epochs(e, cap=MAX_EPOCHS) -> int:
    return max(1, min(int(e), cap))


def _per_class(n) -> int:
    return max(1, min(int(n), P.max_per_class()))


# ---------------------------------------------------------------- building the target model
def _head(x, seed: int):
    """Flatten → Dense(32, relu) → Dense(5, softmax): the new head, seeded the same for every run."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(seed)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(HEAD_UNITS, activation="relu", name="new_dense")(x)
    return layers.Dense(len(P.TARGET_CLASSES), activation="softmax", name="new_output")(x)


def build_target(strategy: str, seed: int = P.SEED, freeze_upto: int | None = None, training_arg=False,
                 freeze_bn: bool = False):
    """(model, base, pretrained) for one strategy.

    frozen: the shipped base with base.trainable = False; unfrozen: the same base, trainable;
    scratch: the same architecture, randomly initialised; partial: layers[:freeze_upto] frozen.
    `training_arg` is what the base is called with (False keeps BatchNormalization in
    inference mode; None leaves it to fit(), i.e. batch statistics during training).
    """
    import keras

    from core.build import fresh_names

    with fresh_names():
        if strategy == "scratch":
            keras.utils.set_random_seed(seed + 7)
            inp = keras.Input(shape=(8, 8, 1), name="digit")
            h = inp
            for layer in P.feature_layers():
                h = layer(h)
            base = keras.Model(inp, h, name="digits_base")
            pretrained = None
            training_arg = None  # a fresh network learns its BatchNormalization statistics
        else:
            pretrained = P.load_pretrained()
            base = P.base_from(pretrained)
            if strategy == "frozen":
                base.trainable = False
            elif strategy == "partial":
                k = int(freeze_upto or 0)
                for layer in base.layers[:k]:
                    layer.trainable = False
                for layer in base.layers[k:]:
                    layer.trainable = True
            if freeze_bn:
                # A BatchNormalization layer whose trainable is False runs in inference mode.
                for layer in base.layers:
                    if isinstance(layer, keras.layers.BatchNormalization):
                        layer.trainable = False
        inputs = keras.Input(shape=(8, 8, 1), name="image")
        x = base(inputs, training=training_arg) if training_arg is not None else base(inputs)
        model = keras.Model(inputs, _head(x, seed), name=f"digits_5_9_{strategy}")
    return model, base, pretrained


def _compile(model, lr: float):
    import keras

    model.compile(optimizer=keras.optimizers.Adam(float(lr)), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])


def _learned(base) -> dict:
    """The base's learned weights per layer (kernels, biases, gamma, beta), without the
    BatchNormalization moving statistics, which are reported on their own."""
    return {
        layer.name: [v.numpy().copy() for v in layer.weights if not v.path.endswith(("moving_mean", "moving_variance"))]
        for layer in base.layers if layer.weights
    }


def _base_drift(base, start: dict) -> float:
    """How far training moved the base: ‖Δw‖ / ‖w‖ over its learned weights (0 = untouched)."""
    now = _learned(base)
    num = sum(float(((a - b) ** 2).sum()) for name in start for a, b in zip(now[name], start[name]))
    den = sum(float((b ** 2).sum()) for name in start for b in start[name])
    return float(np.sqrt(num / den)) if den else 0.0


def _largest_rise(values) -> float:
    diffs = np.diff(np.asarray(values, dtype=float))
    return float(max(diffs.max(), 0.0)) if len(diffs) else 0.0


# ---------------------------------------------------------------- code shown on the pages
def data_code(n_per_class: int) -> str:
    return (
        "from sklearn.datasets import load_digits\n\n"
        "digits = load_digits()\n"
        "images = (digits.images / 16.0).astype(\"float32\")[..., None]  # (1797, 8, 8, 1)\n"
        "rng = np.random.default_rng(1)\n"
        "train, test = [], []\n"
        "for digit in range(5, 10):  # the new task: digits 5–9, labels 0–4\n"
        "    idx = np.flatnonzero(digits.target == digit)\n"
        "    idx = idx[rng.permutation(len(idx))]\n"
        "    half = int(round(len(idx) * 0.5))\n"
        f"    test += list(idx[:half]); train += list(idx[half:half + {n_per_class}])\n"
        "x_train, y_train = images[train], digits.target[train] - 5\n"
        "x_test, y_test = images[test], digits.target[test] - 5\n"
    )


HEAD_CODE = (
    "x = layers.Flatten()(x)\n"
    f"x = layers.Dense({HEAD_UNITS}, activation=\"relu\")(x)\n"
    "outputs = layers.Dense(5, activation=\"softmax\")(x)\n"
    "model = keras.Model(inputs, outputs)\n"
)


def strategy_code(strategy: str, n_per_class: int, epochs: int, lr: float, k: int | None = None,
                  training_false: bool = True, freeze_bn: bool = False) -> str:
    lines = ["import keras", "import numpy as np", "from keras import layers", "", data_code(n_per_class)]
    if strategy == "scratch":
        lines += [
            "# the same architecture, random weights: nothing is reused",
            "inputs = keras.Input(shape=(8, 8, 1))",
            "x = inputs",
            "for filters in (16, 32, 64):",
            "    x = layers.Conv2D(filters, 3, padding=\"same\")(x)",
            "    x = layers.BatchNormalization()(x)",
            "    x = layers.Activation(\"relu\")(x)",
            "    if filters == 32:",
            "        x = layers.MaxPooling2D()(x)",
        ]
    else:
        lines += [
            "# Step 1: load the pretrained network and cut off its old top (like include_top=False)",
            f"pretrained = keras.saving.load_model(\"{P.BASE_PATH.relative_to(P.ROOT)}\")",
            f"base_model = keras.Model(pretrained.input, pretrained.get_layer(\"{P.FEATURE_LAYER}\").output)",
            "",
        ]
        if strategy == "frozen":
            lines += ["# Step 2: freeze it", "base_model.trainable = False"]
        elif strategy == "unfrozen":
            lines += ["# no freezing: every pretrained weight may change", "base_model.trainable = True"]
        elif strategy == "partial":
            lines += [
                "# partial freeze: the early layers stay, the deeper ones learn again",
                f"for layer in base_model.layers[:{k}]:",
                "    layer.trainable = False",
                f"for layer in base_model.layers[{k}:]:",
                "    layer.trainable = True",
            ]
        if freeze_bn:
            lines += [
                "for layer in base_model.layers:",
                "    if isinstance(layer, layers.BatchNormalization):",
                "        layer.trainable = False  # a frozen BatchNormalization runs in inference mode",
            ]
        lines += [
            "",
            "# Step 3: a new head, through the Functional API",
            "inputs = keras.Input(shape=(8, 8, 1))",
            "x = base_model(inputs, training=False)  # meant to keep BatchNormalization in inference mode"
            if training_false else "x = base_model(inputs)  # no training=False: BatchNormalization follows fit()",
        ]
    lines += [
        HEAD_CODE.rstrip("\n"),
        "",
        "# Step 4: compile (after choosing what is frozen!) and train",
        f"model.compile(optimizer=keras.optimizers.Adam({lr:g}), loss=\"sparse_categorical_crossentropy\",",
        "              metrics=[\"accuracy\"])",
        f"model.fit(x_train, y_train, epochs={epochs}, batch_size={BATCH}, validation_data=(x_test, y_test))",
    ]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- one training run
def _run(ctx, strategy, n_per_class, epochs, lr, seed, k=None, training_false=True, emit_tag=None,
         init_weights=None, freeze_bn=False):
    from core.table import totals

    x_tr, y_tr, x_te, y_te = P.target_data(n_per_class, seed)
    model, base, pretrained = build_target(strategy, seed, k, training_arg=False if training_false else None,
                                           freeze_bn=freeze_bn)
    if init_weights is not None:
        model.set_weights(init_weights)
    _compile(model, lr)
    start = _learned(base)
    stats_start = _bn_stats(base)

    def emit(msg):
        ctx.emit({"run": emit_tag or strategy, **msg})

    res = fit_model(ctx, model, x_tr, y_tr, epochs, BATCH, x_te, y_te, seed=seed, emit=emit)
    h = res["history"]
    _, _, xs, ys = P.source_data()
    out = {
        "strategy": strategy,
        "totals": totals(model),
        "train_accuracy": h["accuracy"][-1],
        "test_accuracy": h["val_accuracy"][-1],
        "best_test_accuracy": max(h["val_accuracy"]),
        "gap": h["accuracy"][-1] - h["val_accuracy"][-1],
        "largest_loss_rise": _largest_rise(h["val_loss"]),
        "base_drift": _base_drift(base, start),
        "bn_stats_change": _bn_change(stats_start, _bn_stats(base)),
        # The old task, measured through the old top on the base as it is now.
        "old_task_accuracy": P.accuracy(pretrained, xs, ys) if pretrained is not None else None,
        "n_train": int(len(y_tr)),
        "n_test": int(len(y_te)),
        **res,
    }
    return out, model


def _bn_stats(base) -> dict:
    return {
        layer.name: [layer.moving_mean.numpy().copy(), layer.moving_variance.numpy().copy()]
        for layer in base.layers if type(layer).__name__ == "BatchNormalization"
    }


def _bn_change(before: dict, after: dict) -> dict:
    return {
        name: {
            "mean": float(np.abs(after[name][0] - before[name][0]).max()),
            "variance": float(np.abs(after[name][1] - before[name][1]).max()),
        }
        for name in before
    }


# ---------------------------------------------------------------- jobs: transfer_learning page
def workflow(ctx) -> dict:
    """The four steps on the shipped base, each with what Keras reports after it."""
    import keras

    from core.pretrained import layer_rows
    from core.table import totals

    pretrained = P.load_pretrained()
    base = P.base_from(pretrained)
    step1 = {"layers": layer_rows(base), "totals": totals(base), "old_top": [
        layer.name for layer in pretrained.layers[len(base.layers):]]}
    base.trainable = False
    step2 = {"totals": totals(base), "trainable_weights": len(base.trainable_weights)}
    from core.build import fresh_names

    with fresh_names():
        inputs = keras.Input(shape=(8, 8, 1), name="image")
        model = keras.Model(inputs, _head(base(inputs, training=False), P.SEED), name="digits_5_9")
    step3 = {"layers": layer_rows(model), "totals": totals(model)}
    return {
        "step1": step1, "step2": step2, "step3": step3,
        "base_path": str(P.BASE_PATH.relative_to(P.ROOT)),
        "max_per_class": P.max_per_class(),
        "snippets": step_snippets(),
    }


def step_snippets() -> dict:
    """The four steps as short code blocks (the full runnable script comes with each run)."""
    path = P.BASE_PATH.relative_to(P.ROOT)
    return {
        "step1": (
            f"pretrained = keras.saving.load_model(\"{path}\")  # digits 0–4, trained offline\n"
            "# cut off the old top, like include_top=False in keras.applications\n"
            f"base_model = keras.Model(pretrained.input, pretrained.get_layer(\"{P.FEATURE_LAYER}\").output)\n"
        ),
        "step2": "base_model.trainable = False\n",
        "step3": (
            "inputs = keras.Input(shape=(8, 8, 1))\n"
            "x = base_model(inputs, training=False)\n" + HEAD_CODE
        ),
        "step4": (
            "model.compile(optimizer=\"adam\", loss=\"sparse_categorical_crossentropy\", metrics=[\"accuracy\"])\n"
            "model.fit(x_train, y_train, epochs=30, validation_data=(x_test, y_test))\n"
        ),
    }


def compare(ctx, n_per_class: int = 5, epochs: int = 30, lr: float = 1e-2, seed: int = P.SEED) -> dict:
    """Frozen base + new head, unfrozen base, and the same network from scratch, on the same data."""
    n = _per_class(n_per_class)
    epochs = _epochs(epochs)
    runs = {}
    for s in STRATEGIES:
        if _stopped(ctx):
            return {"cancelled": True}
        out, _ = _run(ctx, s, n, epochs, lr, seed)
        out["code"] = strategy_code(s, n, epochs, lr)
        runs[s] = out
    _, _, xs, ys = P.source_data()
    return {
        "n_per_class": n,
        "epochs": epochs,
        "lr": float(lr),
        "runs": runs,
        "old_task_before": P.accuracy(P.load_pretrained(), xs, ys),
        "max_per_class": P.max_per_class(),
    }


def _step3_code(variant: str) -> str:
    shape = ", input_shape=(224, 224, 3)" if variant == "input_shape" else ""
    pool = "GlobalAveragePooling2D" if variant == "gap" else "Flatten"
    comment = {
        "document": "  # the document's Step 3, as written",
        "input_shape": "  # fix 1: a fully known input shape",
        "gap": "  # fix 2: pooling works for any image size",
    }[variant]
    return (
        "import keras\n"
        "from keras import layers\n\n"
        "# weights=None builds the same network offline; the document loads weights='imagenet'\n"
        f"base_model = keras.applications.VGG16(weights=None, include_top=False{shape})\n"
        "base_model.trainable = False\n\n"
        "x = base_model.output\n"
        f"x = layers.{pool}()(x){comment}\n"
        "x = layers.Dense(128, activation=\"relu\")(x)\n"
        "outputs = layers.Dense(10, activation=\"softmax\")(x)\n"
        "model = keras.Model(base_model.input, outputs)\n"
    )


@functools.lru_cache(maxsize=4)
def _step3(variant: str) -> dict:
    import keras
    from keras import layers

    from core.build import fresh_names
    from core.errors import capture
    from core.pretrained import layer_rows
    from core.table import shape_text, totals

    kw = {"weights": None, "include_top": False}
    if variant == "input_shape":
        kw["input_shape"] = (224, 224, 3)
    built: dict = {}

    def go():
        with fresh_names():
            base = keras.applications.VGG16(**kw)
            base.trainable = False
            built["base_output"] = shape_text(base.output.shape)
            x = base.output
            x = (layers.GlobalAveragePooling2D() if variant == "gap" else layers.Flatten())(x)
            built["pooled"] = shape_text(x.shape)
            x = layers.Dense(128, activation="relu")(x)
            outputs = layers.Dense(10, activation="softmax")(x)
            model = keras.Model(base.input, outputs)
            built["totals"] = totals(model)
            built["base_totals"] = totals(base)
            built["head"] = layer_rows(model)[len(base.layers):]
            built["n_layers"] = len(model.layers)

    err = capture(go)
    out = {"variant": variant, "code": _step3_code(variant), "ok": err is None, **built}
    if err is not None:
        out["error"] = (err.type, err.message)
    return out


def step3(ctx, variant: str = "document") -> dict:
    """The document's Step 3 on VGG16 as written (fails in Keras 3), and its two fixes."""
    return _step3(variant if variant in STEP3_VARIANTS else "document")


# ---------------------------------------------------------------- jobs: fine_tuning page
def partial(ctx, k: int = 0) -> dict:
    """base_model.layers[:k] frozen: per-layer trainable / non-trainable counts, and the loop."""
    from core.pretrained import layer_rows
    from core.table import totals

    model, base, _ = build_target("partial", freeze_upto=k)
    n = len(base.layers)
    k = max(0, min(int(k), n))
    return {
        "k": k,
        "n_layers": n,
        "layers": layer_rows(base),
        "base_totals": totals(base),
        "totals": totals(model),
        "head": layer_rows(model)[2:],
        "code": "\n".join([
            f"for layer in base_model.layers[:{k}]:",
            "    layer.trainable = False",
            f"for layer in base_model.layers[{k}:]:",
            "    layer.trainable = True",
            "",
            "for layer in base_model.layers:",
            "    print(layer.name, layer.trainable)",
        ]) + "\n",
        "listing": "\n".join(f"{layer.name} {layer.trainable}" for layer in base.layers),
    }


def finetune(ctx, k: int = 8, lr: float = 1e-3, n_per_class: int = 5, epochs: int = 30,
             seed: int = P.SEED) -> dict:
    """One run with base_model.layers[:k] frozen."""
    n = _per_class(n_per_class)
    epochs = _epochs(epochs)
    out, _ = _run(ctx, "partial", n, epochs, lr, seed, k=int(k))
    out["code"] = strategy_code("partial", n, epochs, lr, k=int(k))
    out["k"] = int(k)
    return out


def _head_phase(ctx, n, epochs, lr, seed):
    """Phase 1 of the usual recipe: train only the new head on the frozen base; return its weights."""
    out, model = _run(ctx, "frozen", n, epochs, lr, seed, emit_tag="phase1")
    return out, model.get_weights()


def race(ctx, k: int = 8, lr_normal: float = 1e-3, lr_low: float = 1e-5, n_per_class: int = 5,
         head_epochs: int = 20, epochs: int = 20, seed: int = P.SEED) -> dict:
    """Fine-tuning race: head only vs layers[:k] frozen vs everything unfrozen, at two learning rates.

    All six runs start from the same point: the new head already trained on the frozen base
    (phase 1, as in the Keras transfer-learning guide), so the curves show only what
    unfreezing and the learning rate do.
    """
    n = _per_class(n_per_class)
    head_epochs = _epochs(head_epochs, MAX_RUN_EPOCHS_RACE)
    epochs = _epochs(epochs, MAX_RUN_EPOCHS_RACE)
    phase1, start = _head_phase(ctx, n, head_epochs, lr_normal, seed)
    runs = []
    for lr in (float(lr_normal), float(lr_low)):
        for kind in RACE:
            if _stopped(ctx):
                return {"cancelled": True}
            strategy = {"head": "frozen", "partial": "partial", "full": "unfrozen"}[kind]
            out, _ = _run(ctx, strategy, n, epochs, lr, seed, k=int(k), emit_tag=f"{kind}@{lr:g}",
                          init_weights=start)
            out.update({"kind": kind, "lr": lr})
            out.pop("code", None)
            runs.append(out)
    return {
        "k": int(k), "n_per_class": n, "head_epochs": head_epochs, "epochs": epochs,
        "phase1": {"history": phase1["history"], "test_accuracy": phase1["test_accuracy"]},
        "runs": runs,
        "code": race_code(int(k), lr_normal, lr_low, n, head_epochs, epochs),
    }


def race_code(k, lr_normal, lr_low, n, head_epochs, epochs) -> str:
    return "\n".join([
        "import keras",
        "import numpy as np",
        "from keras import layers",
        "",
        data_code(n).rstrip("\n"),
        "",
        "def make_model():",
        f"    pretrained = keras.saving.load_model(\"{P.BASE_PATH.relative_to(P.ROOT)}\")",
        f"    base_model = keras.Model(pretrained.input, pretrained.get_layer(\"{P.FEATURE_LAYER}\").output)",
        "    inputs = keras.Input(shape=(8, 8, 1))",
        "    x = base_model(inputs, training=False)",
        "    x = layers.Flatten()(x)",
        f"    x = layers.Dense({HEAD_UNITS}, activation=\"relu\")(x)",
        "    outputs = layers.Dense(5, activation=\"softmax\")(x)",
        "    return keras.Model(inputs, outputs), base_model",
        "",
        "def train(model, lr, epochs):",
        "    model.compile(optimizer=keras.optimizers.Adam(lr), loss=\"sparse_categorical_crossentropy\",",
        "                  metrics=[\"accuracy\"])  # compile again after every trainable change",
        f"    return model.fit(x_train, y_train, epochs=epochs, batch_size={BATCH},",
        "                     validation_data=(x_test, y_test))",
        "",
        "# phase 1: only the new head learns",
        "model, base_model = make_model()",
        "base_model.trainable = False",
        f"train(model, {lr_normal:g}, {head_epochs})",
        "start = model.get_weights()",
        "",
        "# phase 2: the race, every run from the same starting point",
        f"for lr in ({lr_normal:g}, {lr_low:g}):",
        "    for run in (\"head\", \"partial\", \"full\"):",
        "        model, base_model = make_model()",
        "        model.set_weights(start)",
        "        for i, layer in enumerate(base_model.layers):",
        f"            layer.trainable = {{\"head\": False, \"partial\": i >= {k}, \"full\": True}}[run]",
        f"        train(model, lr, {epochs})",
    ]) + "\n"


BN_VARIANTS = ("training_false", "default", "bn_frozen")


def bn_demo(ctx, n_per_class: int = 5, epochs: int = 20, lr: float = 1e-3, seed: int = P.SEED) -> dict:
    """Fine-tune the whole base three ways and watch BatchNormalization's moving statistics.

    training_false: base_model(inputs, training=False), the advice of the Keras guide;
    default: base_model(inputs); bn_frozen: the BatchNormalization layers set trainable=False.
    Each reports how far the moving mean/variance moved and the accuracy on both tasks.
    """
    n = _per_class(n_per_class)
    epochs = _epochs(epochs, MAX_RUN_EPOCHS_RACE)
    runs = {}
    for variant in BN_VARIANTS:
        if _stopped(ctx):
            return {"cancelled": True}
        out, _ = _run(ctx, "unfrozen", n, epochs, lr, seed, training_false=(variant != "default"),
                      emit_tag=variant, freeze_bn=(variant == "bn_frozen"))
        out["code"] = strategy_code("unfrozen", n, epochs, lr, training_false=(variant != "default"),
                                    freeze_bn=(variant == "bn_frozen"))
        out["stats_moved"] = any(v["mean"] > 0 or v["variance"] > 0 for v in out["bn_stats_change"].values())
        runs[variant] = out
    same = all(
        runs["training_false"]["history"][k] == runs["default"]["history"][k] for k in runs["default"]["history"]
    )
    import keras

    return {
        "n_per_class": n, "epochs": epochs, "lr": float(lr), "runs": runs, "keras_version": keras.__version__,
        "training_false_kept_stats": not runs["training_false"]["stats_moved"],
        "training_false_same_as_default": same,
    }
