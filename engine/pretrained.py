"""The shipped pretrained base and the real keras.applications architectures.

The base is a small CNN that learned digits 0–4 of scikit-learn's bundled 8×8 digits
(no download anywhere). `scripts/pretrain_base.py` makes `assets/digits_base.keras` from a
fixed seed; the transfer pages reuse its features for digits 5–9.
"""
from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BASE_PATH = ROOT / "assets" / "digits_base.keras"
SEED = 0
SOURCE_CLASSES = (0, 1, 2, 3, 4)
TARGET_CLASSES = (5, 6, 7, 8, 9)
FEATURE_LAYER = "relu3"  # the last layer of the base; after it comes the old task's top
OLD_HEAD = "digits_0_4"
PRETRAIN_EPOCHS = 20
PRETRAIN_BATCH = 32
PRETRAIN_LR = 1e-3


# ---------------------------------------------------------------- data
@functools.lru_cache(maxsize=1)
def digits_dataset():
    from sklearn.datasets import load_digits

    d = load_digits()
    x = (d.images / 16.0).astype("float32")[..., None]  # (1797, 8, 8, 1), pixels in [0, 1]
    return x, d.target.astype("int64")


def split_classes(classes, test_fraction: float, seed: int):
    """Per class, a fixed shuffled order: the first part is the pool, the rest the test set."""
    x, y = digits_dataset()
    rng = np.random.default_rng(seed)
    pool, test = [], []
    for c in classes:
        idx = np.flatnonzero(y == c)
        idx = idx[rng.permutation(len(idx))]
        n_test = int(round(len(idx) * test_fraction))
        test.append(idx[:n_test])
        pool.append(idx[n_test:])
    return pool, np.concatenate(test)


def source_data(seed: int = SEED):
    """Digits 0–4: (x_train, y_train, x_test, y_test); labels are the digits themselves."""
    x, y = digits_dataset()
    pool, test = split_classes(SOURCE_CLASSES, 0.2, seed)
    train = np.sort(np.concatenate(pool))
    return x[train], y[train], x[test], y[test]


def target_data(n_per_class: int, seed: int = SEED):
    """Digits 5–9 as labels 0–4: a few labelled examples per class, and a fixed test set.

    The test set is half of every class and never changes with `n_per_class`, so runs with
    different training-set sizes are measured on the same images.
    """
    x, y = digits_dataset()
    pool, test = split_classes(TARGET_CLASSES, 0.5, seed + 1)
    n = max(1, min(int(n_per_class), min(len(p) for p in pool)))
    train = np.concatenate([p[:n] for p in pool])
    offset = TARGET_CLASSES[0]
    return x[train], y[train] - offset, x[test], y[test] - offset


def max_per_class() -> int:
    pool, _ = split_classes(TARGET_CLASSES, 0.5, SEED + 1)
    return min(len(p) for p in pool)


# ---------------------------------------------------------------- the base network
def feature_layers(prefix: str = ""):
    """The convolutional feature extractor, layer by layer (a fresh, untrained set)."""
    from keras import layers

    p = prefix
    return [
        layers.Conv2D(16, 3, padding="same", name=f"{p}conv1"),
        layers.BatchNormalization(name=f"{p}bn1"),
        layers.Activation("relu", name=f"{p}relu1"),
        layers.Conv2D(32, 3, padding="same", name=f"{p}conv2"),
        layers.BatchNormalization(name=f"{p}bn2"),
        layers.Activation("relu", name=f"{p}relu2"),
        layers.MaxPooling2D(name=f"{p}pool"),
        layers.Conv2D(64, 3, padding="same", name=f"{p}conv3"),
        layers.BatchNormalization(name=f"{p}bn3"),
        layers.Activation("relu", name=f"{p}relu3"),
    ]


def build_classifier():
    """The network that is pretrained on digits 0–4: features + a 5-way softmax head."""
    import keras

    from engine.build import fresh_names

    with fresh_names():
        inputs = keras.Input(shape=(8, 8, 1), name="digit")
        x = inputs
        for layer in feature_layers():
            x = layer(x)
        # The "top", as keras.applications calls it: cut off by base_from() like include_top=False.
        x = keras.layers.Flatten(name="flatten")(x)
        outputs = keras.layers.Dense(len(SOURCE_CLASSES), activation="softmax", name=OLD_HEAD)(x)
        return keras.Model(inputs, outputs, name="digits_pretrained")


def load_pretrained(path: Path | str = BASE_PATH):
    """The shipped classifier for digits 0–4, freshly loaded (each caller may freeze it its own way)."""
    import keras

    return keras.saving.load_model(str(path), compile=False)


def base_from(pretrained):
    """Cut the old head off: like `include_top=False` for keras.applications."""
    import keras

    return keras.Model(pretrained.input, pretrained.get_layer(FEATURE_LAYER).output, name="digits_base")


def load_base(path: Path | str = BASE_PATH):
    return base_from(load_pretrained(path))


def accuracy(model, x, y) -> float:
    # A direct call, not predict(): predict traces a new function for every new model.
    probs = model(x, training=False)
    return float((np.asarray(probs).argmax(-1) == y).mean())


def pretrain(seed: int = SEED, epochs: int = PRETRAIN_EPOCHS, on_epoch=None):
    """Train the base from scratch on digits 0–4; returns (model, history dict)."""
    import keras

    keras.utils.set_random_seed(seed)
    x_tr, y_tr, x_te, y_te = source_data(seed)
    model = build_classifier()
    model.compile(
        optimizer=keras.optimizers.Adam(PRETRAIN_LR),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    callbacks = []
    if on_epoch is not None:
        callbacks.append(keras.callbacks.LambdaCallback(on_epoch_end=lambda e, logs: on_epoch(e, logs)))
    hist = model.fit(
        x_tr, y_tr, epochs=epochs, batch_size=PRETRAIN_BATCH, validation_data=(x_te, y_te),
        shuffle=True, verbose=0, callbacks=callbacks,
    )
    return model, {k: [float(v) for v in vals] for k, vals in hist.history.items()}


# ---------------------------------------------------------------- describing models as plain data
def layer_rows(model) -> list[dict]:
    """One row per layer: name, type, output shape, params, trainable, non-trainable, flag."""
    from engine.table import layer_counts, shape_text

    rows = []
    for layer in model.layers:
        out = getattr(layer, "output", None)
        try:
            shape = shape_text(out.shape) if out is not None else "?"
        except Exception:  # layers reused in several places have no single output
            shape = "?"
        rows.append(
            {
                "layer": layer.name,
                "type": type(layer).__name__,
                "output_shape": shape,
                **layer_counts(layer),
                "is_trainable": bool(layer.trainable),
            }
        )
    return rows


