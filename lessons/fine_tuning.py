"""Jobs of the fine-tuning page: freeze depth, the learning-rate race, BatchNormalization statistics."""
from __future__ import annotations

from engine import pretrained
from engine.transfer import (
    BATCH,
    HEAD_UNITS,
    MAX_RUN_EPOCHS_RACE,
    RACE,
    build_target,
    capped_epochs,
    data_code,
    per_class_count,
    run_strategy,
    stopped,
    strategy_code,
)
from runtime.jobs import job


# ---------------------------------------------------------------- jobs: fine_tuning page
@job
def partial(ctx, k: int = 0) -> dict:
    """base_model.layers[:k] frozen: per-layer trainable / non-trainable counts, and the loop."""
    from engine.pretrained import layer_rows
    from engine.table import totals

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


@job
def finetune(ctx, k: int = 8, lr: float = 1e-3, n_per_class: int = 5, epochs: int = 30,
             seed: int = pretrained.SEED) -> dict:
    """One run with base_model.layers[:k] frozen."""
    n = per_class_count(n_per_class)
    epochs = capped_epochs(epochs)
    out, _ = run_strategy(ctx, "partial", n, epochs, lr, seed, k=int(k))
    out["code"] = strategy_code("partial", n, epochs, lr, k=int(k))
    out["k"] = int(k)
    return out


def _head_phase(ctx, n, epochs, lr, seed):
    """Phase 1 of the usual recipe: train only the new head on the frozen base; return its weights."""
    out, model = run_strategy(ctx, "frozen", n, epochs, lr, seed, emit_tag="phase1")
    return out, model.get_weights()


@job
def race(ctx, k: int = 8, lr_normal: float = 1e-3, lr_low: float = 1e-5, n_per_class: int = 5,
         head_epochs: int = 20, epochs: int = 20, seed: int = pretrained.SEED) -> dict:
    """Fine-tuning race: head only vs layers[:k] frozen vs everything unfrozen, at two learning rates.

    All six runs start from the same point: the new head already trained on the frozen base
    (phase 1, as in the Keras transfer-learning guide), so the curves show only what
    unfreezing and the learning rate do.
    """
    n = per_class_count(n_per_class)
    head_epochs = capped_epochs(head_epochs, MAX_RUN_EPOCHS_RACE)
    epochs = capped_epochs(epochs, MAX_RUN_EPOCHS_RACE)
    phase1, start = _head_phase(ctx, n, head_epochs, lr_normal, seed)
    runs = []
    for lr in (float(lr_normal), float(lr_low)):
        for kind in RACE:
            if stopped(ctx):
                return {"cancelled": True}
            strategy = {"head": "frozen", "partial": "partial", "full": "unfrozen"}[kind]
            out, _ = run_strategy(ctx, strategy, n, epochs, lr, seed, k=int(k), emit_tag=f"{kind}@{lr:g}",
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
        f"    pretrained = keras.saving.load_model(\"{pretrained.BASE_PATH.relative_to(pretrained.ROOT)}\")",
        f"    base_model = keras.Model(pretrained.input, pretrained.get_layer(\"{pretrained.FEATURE_LAYER}\").output)",
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


@job
def bn_demo(ctx, n_per_class: int = 5, epochs: int = 20, lr: float = 1e-3, seed: int = pretrained.SEED) -> dict:
    """Fine-tune the whole base three ways and watch BatchNormalization's moving statistics.

    training_false: base_model(inputs, training=False), the advice of the Keras guide;
    default: base_model(inputs); bn_frozen: the BatchNormalization layers set trainable=False.
    Each reports how far the moving mean/variance moved and the accuracy on both tasks.
    """
    n = per_class_count(n_per_class)
    epochs = capped_epochs(epochs, MAX_RUN_EPOCHS_RACE)
    runs = {}
    for variant in BN_VARIANTS:
        if stopped(ctx):
            return {"cancelled": True}
        out, _ = run_strategy(ctx, "unfrozen", n, epochs, lr, seed, training_false=(variant != "default"),
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
