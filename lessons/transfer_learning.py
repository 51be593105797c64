"""Jobs of the transfer-learning page: the four steps on the shipped base, the comparison, the document's Step 3."""
from __future__ import annotations

import functools
import os
import socket
import time
from pathlib import Path

from engine import pretrained as pretrained_mod
from engine.pretrained import (
    BASE_PATH,
    ROOT,
    accuracy,
    base_from,
    layer_rows,
    load_pretrained,
    source_data,
)
from engine.transfer import (
    COMPARE_SEEDS,
    HEAD_CODE,
    STEP3_VARIANTS,
    STRATEGIES,
    capped_epochs,
    compare_findings,
    compare_seeds,
    new_head,
    per_class_count,
    run_seeds,
    stopped,
    strategy_code,
    summarize,
)
from runtime.jobs import job


# ---------------------------------------------------------------- jobs: transfer_learning page
@job
def workflow(ctx) -> dict:
    """The four steps on the shipped base, each with what Keras reports after it."""
    import keras

    from engine.pretrained import layer_rows
    from engine.table import totals

    pretrained = pretrained_mod.load_pretrained()
    base = pretrained_mod.base_from(pretrained)
    step1 = {"layers": layer_rows(base), "totals": totals(base), "old_top": [
        layer.name for layer in pretrained.layers[len(base.layers):]]}
    base.trainable = False
    step2 = {"totals": totals(base), "trainable_weights": len(base.trainable_weights)}
    from engine.build import fresh_names

    with fresh_names():
        inputs = keras.Input(shape=(8, 8, 1), name="image")
        model = keras.Model(inputs, new_head(base(inputs, training=False), pretrained_mod.SEED), name="digits_5_9")
    step3 = {"layers": layer_rows(model), "totals": totals(model)}
    return {
        "step1": step1, "step2": step2, "step3": step3,
        "base_path": str(pretrained_mod.BASE_PATH.relative_to(pretrained_mod.ROOT)),
        "max_per_class": pretrained_mod.max_per_class(),
        "snippets": step_snippets(),
    }


def step_snippets() -> dict:
    """The four steps as short code blocks (the full runnable script comes with each run)."""
    path = pretrained_mod.BASE_PATH.relative_to(pretrained_mod.ROOT)
    return {
        "step1": (
            f"pretrained = keras.saving.load_model(\"{path}\")  # digits 0–4, trained offline\n"
            "# cut off the old top, like include_top=False in keras.applications\n"
            f"base_model = keras.Model(pretrained.input, pretrained.get_layer(\"{pretrained_mod.FEATURE_LAYER}\").output)\n"
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


@job
def compare(ctx, n_per_class: int = 5, epochs: int = 30, lr: float = 1e-2, seeds: int = COMPARE_SEEDS) -> dict:
    """Frozen base + new head, unfrozen base, and the same network from scratch, on the same data,
    each trained once per seed (a new draw of the training images and a new random start):
    the mean run of each, the spread of its numbers, and how often one beat another seed by seed."""
    n = per_class_count(n_per_class)
    epochs = capped_epochs(epochs)
    seed_list = compare_seeds(seeds)
    per_seed, runs, spreads = {}, {}, {}
    for s in STRATEGIES:
        if stopped(ctx):
            return {"cancelled": True}
        # Streamed as "<strategy>@run<i>": one line per seed on the live chart, in the strategy's colour.
        per_seed[s] = run_seeds(ctx, s, n, epochs, lr, seed_list, tag=lambda i, s=s: f"{s}@run{i + 1}")
        if stopped(ctx) or len(per_seed[s]) < len(seed_list):
            return {"cancelled": True}
        runs[s], spreads[s] = summarize(per_seed[s])
        runs[s]["code"] = strategy_code(s, n, epochs, lr)
    _, _, xs, ys = pretrained_mod.source_data()
    return {
        "n_per_class": n,
        "epochs": epochs,
        "lr": float(lr),
        "seeds": seed_list,
        "runs": runs,
        "spread": spreads,
        "test_accuracy_by_seed": {s: [r["test_accuracy"] for r in per_seed[s]] for s in STRATEGIES},
        "findings": compare_findings(per_seed, spreads),
        "old_task_before": pretrained_mod.accuracy(pretrained_mod.load_pretrained(), xs, ys),
        "max_per_class": pretrained_mod.max_per_class(),
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

    from engine.build import fresh_names
    from engine.keras_errors import capture
    from engine.pretrained import layer_rows
    from engine.table import shape_text, totals

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


@job
def step3(ctx, variant: str = "document") -> dict:
    """The document's Step 3 on VGG16 as written (fails in Keras 3), and its two fixes."""
    return _step3(variant if variant in STEP3_VARIANTS else "document")


# keras.applications offered on the pages: constructor name and the input shape it is shown with.
# VGG16 keeps the document's call (no input_shape) so its count matches the document's model.
APPLICATIONS = {
    "VGG16": None,
    "MobileNetV2": (96, 96, 3),
    "ResNet50": (224, 224, 3),
    "EfficientNetB0": (224, 224, 3),
}


IMAGENET_HOST = ("storage.googleapis.com", 443)


@job
def base_info(ctx) -> dict:
    """The shipped base: its layers, counts, and its accuracy on held-out digits 0–4, measured now."""
    from engine.table import summary_text, totals

    pretrained = load_pretrained()
    base = base_from(pretrained)
    _, _, x_te, y_te = source_data()
    return {
        "path": str(BASE_PATH.relative_to(ROOT)),
        "file_kb": round(BASE_PATH.stat().st_size / 1024, 1),
        "layers": layer_rows(base),
        "totals": totals(base),
        "pretrained_totals": totals(pretrained),
        "n_layers": len(base.layers),
        "source_accuracy": accuracy(pretrained, x_te, y_te),
        "n_source_test": len(y_te),
        "summary": summary_text(base),
    }


# ---------------------------------------------------------------- keras.applications
def _app_kwargs(name: str) -> dict:
    kw = {"weights": None, "include_top": False}
    if APPLICATIONS[name] is not None:
        kw["input_shape"] = APPLICATIONS[name]
    return kw


def app_code(name: str, weights: str | None = None) -> str:
    kw = _app_kwargs(name)
    args = [f"weights={weights!r}", "include_top=False"]
    if "input_shape" in kw:
        args.append(f"input_shape={kw['input_shape']}")
    return (
        "import keras\n\n"
        f"base_model = keras.applications.{name}({', '.join(args)})\n"
        "print(len(base_model.layers), base_model.count_params())\n"
    )


@functools.lru_cache(maxsize=4)
def _application_info(name: str) -> dict:
    import keras

    from engine.build import fresh_names
    from engine.table import totals

    if name not in APPLICATIONS:
        raise ValueError(f"unknown application {name!r}")
    t0 = time.perf_counter()
    with fresh_names():
        model = getattr(keras.applications, name)(**_app_kwargs(name))
    seconds = time.perf_counter() - t0
    rows = layer_rows(model)
    info = {
        "name": name,
        "n_layers": len(model.layers),
        "totals": totals(model),
        "layers": rows,
        "input_shape": str(tuple(model.input.shape)),
        "output_shape": str(tuple(model.output.shape)),
        "build_seconds": round(seconds, 2),
        "layer_types": _type_counts(rows),
        "code": app_code(name),
    }
    del model
    return info


def _type_counts(rows) -> dict:
    out: dict = {}
    for r in rows:
        out[r["type"]] = out.get(r["type"], 0) + 1
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))


@job
def application_info(ctx, name: str) -> dict:
    """A real keras.applications network built with weights=None: its layers and counts."""
    return _application_info(name)


def online(timeout: float = 1.5) -> bool:
    """Can this machine reach the server that hosts the ImageNet weights? Never waits long."""
    if os.environ.get("KERAS_LAB_OFFLINE"):
        return False
    try:
        with socket.create_connection(IMAGENET_HOST, timeout=timeout):
            return True
    except OSError:
        return False


def _cached_weights(name: str) -> bool:
    cache = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "models"
    stem = name.lower()
    return cache.is_dir() and any(stem in p.name.lower() and "notop" in p.name for p in cache.iterdir())


@job
def imagenet_status(ctx, name: str) -> dict:
    return {"online": online(), "cached": _cached_weights(name)}


@job
def load_imagenet(ctx, name: str) -> dict:
    """Build `name` with ImageNet weights (downloads them once when online).

    Returns {"ok": True, counts, first-kernel statistics} or {"ok": False, "reason": ...}.
    """
    if not (_cached_weights(name) or online()):
        return {"ok": False, "reason": "offline"}
    import keras

    from engine.build import fresh_names
    from engine.table import totals

    kw = _app_kwargs(name)
    kw["weights"] = "imagenet"
    t0 = time.perf_counter()
    try:
        with fresh_names():
            model = getattr(keras.applications, name)(**kw)
    except Exception as exc:  # a download cut off half-way is the learner's to see
        return {"ok": False, "reason": "error", "error": (type(exc).__name__, str(exc)[:600])}
    first = next(w for w in model.weights if len(w.shape) == 4)
    k = first.numpy()
    return {
        "ok": True,
        "seconds": round(time.perf_counter() - t0, 1),
        "totals": totals(model),
        "first_kernel": {"path": first.path, "mean": float(k.mean()), "std": float(k.std())},
    }


# ---------------------------------------------------------------- the document's Step 3 style vs this app's
DOC_STEP3_CODE = (
    "x = base_model.output\n"
    "x = keras.layers.Flatten()(x)\n"
    "x = keras.layers.Dense(128, activation=\"relu\")(x)\n"
    "outputs = keras.layers.Dense(10, activation=\"softmax\")(x)\n"
    "model = keras.Model(base_model.input, outputs)"
)


@job
def step3_styles(ctx) -> dict:
    """The document's `Model(base_model.input, …)` and this app's `base_model(inputs, training=False)`, both built.

    Same base, same head: the first splices the base's layers into the new model, the second
    nests the base as one layer that can be called with `training=False`.
    """
    import keras

    from engine.build import fresh_names
    from engine.table import totals

    pretrained = load_pretrained()
    base = base_from(pretrained)
    base.trainable = False
    with fresh_names():
        x = keras.layers.Flatten()(base.output)
        x = keras.layers.Dense(128, activation="relu")(x)
        outputs = keras.layers.Dense(10, activation="softmax")(x)
        doc = keras.Model(base.input, outputs)
        inputs = keras.Input(shape=base.input.shape[1:])
        y = base(inputs, training=False)
        y = keras.layers.Flatten()(y)
        y = keras.layers.Dense(128, activation="relu")(y)
        app = keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(y))
    return {
        "doc_code": DOC_STEP3_CODE,
        "doc_layers": len(doc.layers),
        "app_layers": len(app.layers),
        "doc_types": [type(layer).__name__ for layer in doc.layers],
        "app_types": [type(layer).__name__ for layer in app.layers],
        "doc_totals": totals(doc),
        "app_totals": totals(app),
        "base_is_one_layer": any(layer is base for layer in app.layers),
    }


# ---------------------------------------------------------------- what keeps BatchNormalization's statistics fixed
BN_MODES = ("default", "training_false", "bn_frozen", "base_frozen")


@job
def bn_check(ctx, seed: int = 0) -> dict:
    """A tiny base with one BatchNormalization layer, fitted four ways: do its moving statistics move?

    default: base_model(inputs); training_false: base_model(inputs, training=False);
    bn_frozen: that BN layer trainable=False (the base still trains); base_frozen: base_model.trainable = False.
    """
    import keras
    import numpy as np

    from engine.build import fresh_names

    rng = np.random.default_rng(seed)
    x = (rng.random((64, 4)) * 5).astype("float32")
    y = rng.random((64, 1)).astype("float32")
    rows = []
    for mode in BN_MODES:
        keras.utils.set_random_seed(seed)
        with fresh_names():
            bi = keras.Input(shape=(4,))
            h = keras.layers.BatchNormalization(name="bn")(keras.layers.Dense(4, name="base_dense")(bi))
            base = keras.Model(bi, h, name="base_model")
            inputs = keras.Input(shape=(4,))
            z = base(inputs, training=False) if mode == "training_false" else base(inputs)
            model = keras.Model(inputs, keras.layers.Dense(1, name="head")(z))
        if mode == "bn_frozen":
            base.get_layer("bn").trainable = False
        if mode == "base_frozen":
            base.trainable = False
        model.compile(optimizer="adam", loss="mse")
        bn = base.get_layer("bn")
        before = bn.moving_mean.numpy().copy()
        model.fit(x, y, epochs=2, batch_size=16, verbose=0)
        moved = float(np.abs(bn.moving_mean.numpy() - before).max())
        rows.append({"mode": mode, "moving_mean_change": moved, "moved": moved > 0,
                     "base_trainable_weights": len(base.trainable_weights)})
    return {"rows": rows, "keras_version": keras.__version__}
