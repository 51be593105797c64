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
    _, _, xs, ys = pretrained_mod.source_data()
    out = {**outcome(strategy, model, base, pretrained, (xs, ys), res["history"], start, stats_start,
                     n_train=len(y_tr), n_test=len(y_te)), **res}
    return out, model


def outcome(strategy, model, base, pretrained, old_task, h, start, stats_start, *, n_train, n_test) -> dict:
    """What a finished run reports: accuracies, the proxies, how far the base and its statistics moved."""
    from engine.table import totals

    return {
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
        "old_task_accuracy": pretrained_mod.accuracy(pretrained, *old_task) if pretrained is not None else None,
        "n_train": n_train,
        "n_test": n_test,
    }


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


# ---------------------------------------------------------------- the same run over several seeds
# One run on 1–5 images per digit says little: which images are drawn and the random start move
# the test accuracy by tens of points. The comparison trains every strategy once per seed and
# reports the mean and the spread.
COMPARE_SEEDS = 3
MAX_SEEDS = 5
SUMMARY_KEYS = ("test_accuracy", "train_accuracy", "best_test_accuracy", "gap", "largest_loss_rise", "base_drift",
                "old_task_accuracy", "seconds_per_epoch")
MEAN_HISTORY_KEYS = ("accuracy", "val_accuracy", "loss", "val_loss")


def compare_seeds(count: int = COMPARE_SEEDS) -> list[int]:
    """Distinct seeds, the page's usual seed first (its run's code is the one shown)."""
    count = max(1, min(int(count), MAX_SEEDS))
    return [pretrained_mod.SEED + i for i in range(count)]


def draw_target(n_per_class: int, seed: int):
    """The new task's data for one seeded run. The test set never changes (half of every digit);
    the training images are the first n of each digit's pool for the page's seed, exactly
    `pretrained.target_data` (and the data code shown), and n others drawn from the same pool
    for any other seed."""
    if seed == pretrained_mod.SEED:
        return pretrained_mod.target_data(n_per_class, seed)
    x, y = pretrained_mod.digits_dataset()
    pool, test = pretrained_mod.split_classes(pretrained_mod.TARGET_CLASSES, 0.5, pretrained_mod.SEED + 1)
    n = max(1, min(int(n_per_class), min(len(p) for p in pool)))
    rng = np.random.default_rng(seed)
    train = np.concatenate([p[rng.permutation(len(p))[:n]] for p in pool])
    offset = pretrained_mod.TARGET_CLASSES[0]
    return x[train], y[train] - offset, x[test], y[test] - offset


def spread(values) -> dict:
    """mean, sd (population), min, max and the values themselves; None when there is nothing to
    average (e.g. scratch has no old task). Equal values average to exactly that value."""
    vals = [float(v) for v in values if v is not None]
    if not vals:
        return {"mean": None, "sd": None, "min": None, "max": None, "values": []}
    lo, hi = min(vals), max(vals)
    mean = lo if lo == hi else float(np.mean(vals))
    return {"mean": mean, "sd": float(np.std(vals)), "min": lo, "max": hi, "values": vals}


def summarize(per_seed: list[dict]) -> tuple[dict, dict]:
    """Runs of one strategy over several seeds -> (the mean run, the spread of each number).

    The mean run has the keys of one run (test accuracy, histories, drift, ...), each the mean
    over the seeds; counts and code come from the first run; `bn_stats_change` is the largest.
    """
    first = per_seed[0]
    stats = {k: spread(r.get(k) for r in per_seed) for k in SUMMARY_KEYS}
    mean = {**first, **{k: s["mean"] for k, s in stats.items()}}
    n_epochs = min(len(r["history"]["val_accuracy"]) for r in per_seed)
    mean["history"] = {k: [float(np.mean([r["history"][k][e] for r in per_seed])) for e in range(n_epochs)]
                       for k in MEAN_HISTORY_KEYS}
    band = {"min": [float(min(r["history"]["val_accuracy"][e] for r in per_seed)) for e in range(n_epochs)],
            "max": [float(max(r["history"]["val_accuracy"][e] for r in per_seed)) for e in range(n_epochs)]}
    stats["val_accuracy_band"] = band
    mean["bn_stats_change"] = {
        name: {f: max(r["bn_stats_change"][name][f] for r in per_seed) for f in ("mean", "variance")}
        for name in first["bn_stats_change"]
    }
    mean["status"] = next((r["status"] for r in per_seed if r.get("status") != "done"), first.get("status"))
    mean["seconds"] = float(sum(r["seconds"] for r in per_seed))
    return mean, stats


def paired_wins(per_seed: dict, a: str, b: str) -> int:
    """In how many seeds `a` ended with a higher test accuracy than `b` (same images, same head start)."""
    return sum(1 for ra, rb in zip(per_seed[a], per_seed[b]) if ra["test_accuracy"] > rb["test_accuracy"])


def run_seeds(ctx, strategy: str, n_per_class: int, epochs: int, lr: float, seeds, tag=None) -> list[dict]:
    """One strategy trained once per seed: a new draw of the training images, a new random start
    of the head (and of the whole network from scratch), a new shuffle.

    The model is built and its training graph traced once; each further seed puts a freshly
    built model's weights and the optimizer's starting state back into it, so a run equals the
    same seed trained alone (a test checks) without tracing again. `tag(i)` names the run in
    the streamed messages (default: the strategy). Stops early when the learner moved on.
    """
    from engine.fit_fast import fit_fast, release

    runs: list[dict] = []
    model = base = pretrained = None
    opt_start: list = []
    _, _, xs, ys = pretrained_mod.source_data()
    try:
        for i, seed in enumerate(seeds):
            if stopped(ctx):
                break
            fresh, fresh_base, fresh_pretrained = build_target(strategy, seed)
            if model is None:
                model, base, pretrained = fresh, fresh_base, fresh_pretrained
                compile_target(model, lr)
                model.optimizer.build(model.trainable_variables)
                opt_start = [v.numpy().copy() for v in model.optimizer.variables]
            else:
                model.set_weights(fresh.get_weights())
                for var, value in zip(model.optimizer.variables, opt_start):
                    var.assign(value)
            x_tr, y_tr, x_te, y_te = draw_target(n_per_class, seed)
            start, stats_start = learned_weights(base), bn_stats(base)
            run_tag = tag(i) if tag else strategy

            def on_epoch(epoch, logs, run_tag=run_tag):
                ctx.emit({"run": run_tag, "epoch": epoch + 1, **{k: float(v) for k, v in logs.items()}})

            # As engine.fit_fast.fit_model: the test set rides behind the training data as Keras's
            # validation split; the graph is kept for the next seed.
            x = np.concatenate([x_tr, x_te])
            y = np.concatenate([y_tr, y_te])
            vs = (len(x_te) - 0.5) / len(x)
            hist = fit_fast(model, x, y, epochs=epochs, batch_size=BATCH, validation_split=vs, shuffle=True,
                            seed=seed, on_epoch=on_epoch, cancelled=getattr(ctx, "cancelled", None), keep_graph=True)
            h = {k: [float(v) for v in vals] for k, vals in hist.items()}
            if not h.get("val_accuracy"):
                break  # cancelled before the first epoch
            runs.append(_run_record(strategy, seed, model, base, pretrained, xs, ys, hist, h, start, stats_start,
                                    n_train=len(y_tr), n_test=len(y_te)))
    finally:
        if model is not None:
            release(model)
    return runs


def _run_record(strategy, seed, model, base, pretrained, xs, ys, hist, h, start, stats_start, *, n_train, n_test):
    """One seed's run: its outcome, its seed and history, its timing."""
    return {
        **outcome(strategy, model, base, pretrained, (xs, ys), h, start, stats_start, n_train=n_train, n_test=n_test),
        "seed": int(seed),
        "history": h,
        "seconds_per_epoch": max(hist.seconds - hist.trace_seconds, 1e-9) / max(hist.epochs_run, 1),
        "seconds": hist.seconds,
        "engine": hist.engine,
        "status": hist.status,
    }


PAIRS = (("frozen", "unfrozen"), ("frozen", "scratch"), ("unfrozen", "scratch"))


def compare_findings(per_seed: dict, spreads: dict) -> dict:
    """What the seeds support, as codes a page words (so no sentence claims more than the runs show).

    Per pair, `a` is the one with the higher mean test accuracy, and `kind` says how firmly:
    "apart" - a won in every seed and even a's worst run beat b's best; "every" - a won in every
    seed (same images for both) but the ranges overlap; "most" - a won in more seeds than b;
    "mixed" - b won at least as often: the mean difference is not a winner. Also the strategy with
    the widest and the narrowest range (highest − lowest run).
    """
    n = min(len(v) for v in per_seed.values())
    acc = {s: spreads[s]["test_accuracy"] for s in per_seed}
    best = max(per_seed, key=lambda s: acc[s]["mean"])
    pairs = []
    for x, y in PAIRS:
        if x not in per_seed or y not in per_seed:
            continue
        a, b = (x, y) if acc[x]["mean"] >= acc[y]["mean"] else (y, x)
        wins, losses = paired_wins(per_seed, a, b), paired_wins(per_seed, b, a)
        if wins == n and acc[a]["min"] > acc[b]["max"]:
            kind = "apart"
        elif wins == n:
            kind = "every"
        elif wins > losses:
            kind = "most"
        else:
            kind = "mixed"
        pairs.append({"a": a, "b": b, "wins": wins, "losses": losses, "diff": acc[a]["mean"] - acc[b]["mean"],
                      "kind": kind})
    width = {s: acc[s]["max"] - acc[s]["min"] for s in per_seed}
    widest, narrowest = max(width, key=width.get), min(width, key=width.get)
    return {"seeds": n, "best": best, "pairs": pairs, "widest": widest, "width": width[widest],
            "narrowest": narrowest, "narrow_width": width[narrowest]}
