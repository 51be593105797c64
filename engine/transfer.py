"""Transfer learning and fine-tuning on the shipped base, run for real.

Source task: digits 0–4 (the base learned them, see scripts/pretrain_base.py).
Target task: digits 5–9 from a few labelled examples per class.
Every job returns plain data: histories, counts, timings, code.
"""
from __future__ import annotations

import numpy as np

from engine import pretrained as pretrained_mod
from engine.fit_fast import fit_model

BATCH = 16
HEAD_UNITS = 32
MAX_EPOCHS = 60
MAX_RUN_EPOCHS_RACE = 40
STRATEGIES = ("frozen", "unfrozen", "scratch")
RACE = ("head", "partial", "full")
STEP3_VARIANTS = ("document", "input_shape", "gap")


def stopped(ctx) -> bool:
    """The learner moved on: a multi-run job returns early instead of finishing every run."""
    fn = getattr(ctx, "cancelled", None)
    return bool(fn and fn())


def capped_epochs(e, cap=MAX_EPOCHS) -> int:
    return max(1, min(int(e), cap))


def per_class_count(n) -> int:
    return max(1, min(int(n), pretrained_mod.max_per_class()))


# ---------------------------------------------------------------- building the target model
def new_head(x, seed: int):
    """Flatten → Dense(32, relu) → Dense(5, softmax): the new head, seeded the same for every run."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(seed)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(HEAD_UNITS, activation="relu", name="new_dense")(x)
    return layers.Dense(len(pretrained_mod.TARGET_CLASSES), activation="softmax", name="new_output")(x)


def build_target(strategy: str, seed: int = pretrained_mod.SEED, freeze_upto: int | None = None, training_arg=False,
                 freeze_bn: bool = False):
    """(model, base, pretrained) for one strategy.

    frozen: the shipped base with base.trainable = False; unfrozen: the same base, trainable;
    scratch: the same architecture, randomly initialised; partial: layers[:freeze_upto] frozen.
    `training_arg` is what the base is called with (False keeps BatchNormalization in
    inference mode; None leaves it to fit(), i.e. batch statistics during training).
    """
    import keras

    from engine.build import fresh_names

    with fresh_names():
        if strategy == "scratch":
            keras.utils.set_random_seed(seed + 7)
            inp = keras.Input(shape=(8, 8, 1), name="digit")
            h = inp
            for layer in pretrained_mod.feature_layers():
                h = layer(h)
            base = keras.Model(inp, h, name="digits_base")
            pretrained = None
            training_arg = None  # a fresh network learns its BatchNormalization statistics
        else:
            pretrained = pretrained_mod.load_pretrained()
            base = pretrained_mod.base_from(pretrained)
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
        model = keras.Model(inputs, new_head(x, seed), name=f"digits_5_9_{strategy}")
    return model, base, pretrained


def compile_target(model, lr: float):
    import keras

    model.compile(optimizer=keras.optimizers.Adam(float(lr)), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])


def learned_weights(base) -> dict:
    """The base's learned weights per layer (kernels, biases, gamma, beta), without the
    BatchNormalization moving statistics, which are reported on their own."""
    return {
        layer.name: [v.numpy().copy() for v in layer.weights if not v.path.endswith(("moving_mean", "moving_variance"))]
        for layer in base.layers if layer.weights
    }


def base_drift(base, start: dict) -> float:
    """How far training moved the base: ‖Δw‖ / ‖w‖ over its learned weights (0 = untouched)."""
    now = learned_weights(base)
    num = sum(float(((a - b) ** 2).sum()) for name in start for a, b in zip(now[name], start[name]))
    den = sum(float((b ** 2).sum()) for name in start for b in start[name])
    return float(np.sqrt(num / den)) if den else 0.0


def largest_rise(values) -> float:
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
            f"pretrained = keras.saving.load_model(\"{pretrained_mod.BASE_PATH.relative_to(pretrained_mod.ROOT)}\")",
            f"base_model = keras.Model(pretrained.input, pretrained.get_layer(\"{pretrained_mod.FEATURE_LAYER}\").output)",
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
def run_strategy(ctx, strategy, n_per_class, epochs, lr, seed, k=None, training_false=True, emit_tag=None,
         init_weights=None, freeze_bn=False):
    from engine.table import totals

    x_tr, y_tr, x_te, y_te = pretrained_mod.target_data(n_per_class, seed)
    model, base, pretrained = build_target(strategy, seed, k, training_arg=False if training_false else None,
                                           freeze_bn=freeze_bn)
    if init_weights is not None:
        model.set_weights(init_weights)
    compile_target(model, lr)
    start = learned_weights(base)
    stats_start = bn_stats(base)

    def emit(msg):
        ctx.emit({"run": emit_tag or strategy, **msg})

    res = fit_model(ctx, model, x_tr, y_tr, epochs, BATCH, x_te, y_te, seed=seed, emit=emit)
    h = res["history"]
    _, _, xs, ys = pretrained_mod.source_data()
    out = {
        "strategy": strategy,
        "totals": totals(model),
        "train_accuracy": h["accuracy"][-1],
        "test_accuracy": h["val_accuracy"][-1],
        "best_test_accuracy": max(h["val_accuracy"]),
        "gap": h["accuracy"][-1] - h["val_accuracy"][-1],
        "largest_loss_rise": largest_rise(h["val_loss"]),
        "base_drift": base_drift(base, start),
        "bn_stats_change": bn_change(stats_start, bn_stats(base)),
        # The old task, measured through the old top on the base as it is now.
        "old_task_accuracy": pretrained_mod.accuracy(pretrained, xs, ys) if pretrained is not None else None,
        "n_train": int(len(y_tr)),
        "n_test": int(len(y_te)),
        **res,
    }
    return out, model


def bn_stats(base) -> dict:
    return {
        layer.name: [layer.moving_mean.numpy().copy(), layer.moving_variance.numpy().copy()]
        for layer in base.layers if type(layer).__name__ == "BatchNormalization"
    }


def bn_change(before: dict, after: dict) -> dict:
    return {
        name: {
            "mean": float(np.abs(after[name][0] - before[name][0]).max()),
            "variance": float(np.abs(after[name][1] - before[name][1]).max()),
        }
        for name in before
    }
