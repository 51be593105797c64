"""Small real data sets that need no download, each with the code that recreates it."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

N_SAMPLES = 1000


@dataclass
class Dataset:
    name: str
    x: np.ndarray
    y: np.ndarray
    task: str  # "regression" | "binary"
    input_shape: tuple[int, ...]


def _curve(seed: int) -> Dataset:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3, 3, size=(N_SAMPLES, 1)).astype("float32")
    y = (np.sin(1.5 * x) + 0.3 * x + rng.normal(0, 0.1, size=x.shape)).astype("float32")
    return Dataset("curve", x, y, "regression", (1,))


def _diabetes(seed: int) -> Dataset:
    from sklearn.datasets import load_diabetes

    x, y = load_diabetes(return_X_y=True)
    x = ((x - x.mean(0)) / x.std(0)).astype("float32")
    y = ((y - y.mean()) / y.std()).astype("float32").reshape(-1, 1)
    return Dataset("diabetes", x, y, "regression", (10,))


def _moons(seed: int) -> Dataset:
    from sklearn.datasets import make_moons

    x, y = make_moons(n_samples=N_SAMPLES, noise=0.2, random_state=seed)
    return Dataset("moons", x.astype("float32"), y.astype("float32").reshape(-1, 1), "binary", (2,))


LOADERS = {"curve": _curve, "diabetes": _diabetes, "moons": _moons}

CODE = {
    "curve": (
        "rng = np.random.default_rng({seed})\n"
        "x_train = rng.uniform(-3, 3, size=(1000, 1)).astype(\"float32\")\n"
        "y_train = (np.sin(1.5 * x_train) + 0.3 * x_train\n"
        "           + rng.normal(0, 0.1, size=x_train.shape)).astype(\"float32\")\n"
    ),
    "diabetes": (
        "from sklearn.datasets import load_diabetes\n"
        "x_train, y_train = load_diabetes(return_X_y=True)  # 442 patients, 10 features\n"
        "x_train = ((x_train - x_train.mean(0)) / x_train.std(0)).astype(\"float32\")\n"
        "y_train = ((y_train - y_train.mean()) / y_train.std()).astype(\"float32\").reshape(-1, 1)\n"
    ),
    "moons": (
        "from sklearn.datasets import make_moons\n"
        "x_train, y_train = make_moons(n_samples=1000, noise=0.2, random_state={seed})\n"
        "x_train = x_train.astype(\"float32\")\n"
        "y_train = y_train.astype(\"float32\").reshape(-1, 1)\n"
    ),
}


def load(name: str, seed: int = 0) -> Dataset:
    return LOADERS[name](seed)


def code(name: str, seed: int = 0) -> str:
    return CODE[name].format(seed=seed)


def curve_sample(seed: int, n: int = 200):
    from engine.data import load

    ds = load("curve", seed)
    return ds.x[:n], ds.y[:n]


# ----------------------------------------------------------------------------- data for graphs
# A graph takes named feature groups (one per `Input`, the Input's id is the group's name) and
# predicts named targets (one per output). Everything ships inside scikit-learn: no download.

@dataclass
class GraphData:
    name: str
    features: dict  # group name -> float32 array (n, width)
    targets: dict  # target name -> float32 array (n, 1)
    kinds: dict  # target name -> "regression" | "binary"

    def widths(self) -> dict:
        return {k: tuple(v.shape[1:]) for k, v in self.features.items()}


def _graph_diabetes(seed: int) -> GraphData:
    from sklearn.datasets import load_diabetes

    raw, target = load_diabetes(return_X_y=True)
    raw = ((raw - raw.mean(0)) / raw.std(0)).astype("float32")
    features = {"features": raw, "basics": raw[:, :4], "blood": raw[:, 4:]}
    targets = {"progression": ((target - target.mean()) / target.std()).astype("float32").reshape(-1, 1),
               "high": (target > np.median(target)).astype("float32").reshape(-1, 1)}
    return GraphData("diabetes", features, targets, {"progression": "regression", "high": "binary"})


def _graph_cancer(seed: int) -> GraphData:
    from sklearn.datasets import load_breast_cancer

    raw, target = load_breast_cancer(return_X_y=True)
    raw = ((raw - raw.mean(0)) / raw.std(0)).astype("float32")
    features = {"features": raw, "mean_cells": raw[:, :10], "error_cells": raw[:, 10:20], "worst_cells": raw[:, 20:]}
    targets = {"malignant": (target == 0).astype("float32").reshape(-1, 1)}
    return GraphData("cancer", features, targets, {"malignant": "binary"})


def _graph_digit_pairs(seed: int) -> GraphData:
    from sklearn.datasets import load_digits

    images, labels = load_digits(return_X_y=True)
    images = (images / 16.0).astype("float32")
    rng = np.random.default_rng(seed)
    first = rng.integers(0, len(images), N_SAMPLES)
    same = rng.random(N_SAMPLES) < 0.5
    second = np.array([rng.choice(np.flatnonzero((labels == labels[i]) == s)) for i, s in zip(first, same)])
    features = {"digit_a": images[first], "digit_b": images[second]}
    targets = {"same": same.astype("float32").reshape(-1, 1)}
    return GraphData("digit_pairs", features, targets, {"same": "binary"})


GRAPH_LOADERS = {"diabetes": _graph_diabetes, "cancer": _graph_cancer, "digit_pairs": _graph_digit_pairs}

GRAPH_CODE = {
    "diabetes": (
        "from sklearn.datasets import load_diabetes\n"
        "raw, target = load_diabetes(return_X_y=True)  # 442 patients, 10 features\n"
        "raw = ((raw - raw.mean(0)) / raw.std(0)).astype(\"float32\")\n"
        "# age, sex, bmi, blood pressure | six blood serum measurements\n"
        "x_all = {{\"features\": raw, \"basics\": raw[:, :4], \"blood\": raw[:, 4:]}}\n"
        "y_all = {{\"progression\": ((target - target.mean()) / target.std()).astype(\"float32\").reshape(-1, 1),\n"
        "         \"high\": (target > np.median(target)).astype(\"float32\").reshape(-1, 1)}}\n"
    ),
    "cancer": (
        "from sklearn.datasets import load_breast_cancer\n"
        "raw, target = load_breast_cancer(return_X_y=True)  # 569 tumours, 30 measurements\n"
        "raw = ((raw - raw.mean(0)) / raw.std(0)).astype(\"float32\")\n"
        "# 10 cell measurements, each as a mean, its standard error and its worst value\n"
        "x_all = {{\"features\": raw, \"mean_cells\": raw[:, :10], \"error_cells\": raw[:, 10:20],\n"
        "         \"worst_cells\": raw[:, 20:]}}\n"
        "y_all = {{\"malignant\": (target == 0).astype(\"float32\").reshape(-1, 1)}}\n"
    ),
    "digit_pairs": (
        "from sklearn.datasets import load_digits\n"
        "images, labels = load_digits(return_X_y=True)  # 1,797 handwritten digits, 8x8 pixels\n"
        "images = (images / 16.0).astype(\"float32\")\n"
        "rng = np.random.default_rng({seed})\n"
        "idx_a = rng.integers(0, len(images), 1000)\n"
        "is_same = rng.random(1000) < 0.5  # half the pairs show the same digit twice\n"
        "idx_b = np.array([rng.choice(np.flatnonzero((labels == labels[i]) == s)) for i, s in zip(idx_a, is_same)])\n"
        "x_all = {{\"digit_a\": images[idx_a], \"digit_b\": images[idx_b]}}\n"
        "y_all = {{\"same\": is_same.astype(\"float32\").reshape(-1, 1)}}\n"
    ),
}


def load_graph(name: str, seed: int = 0) -> GraphData:
    return GRAPH_LOADERS[name](seed)


def graph_code(name: str, seed: int = 0) -> str:
    return GRAPH_CODE[name].format(seed=seed)


def graph_widths(name: str) -> dict:
    """Feature group -> shape, without loading anything (for the page's editor, no Keras)."""
    return dict(GRAPH_SHAPES[name]["features"])


GRAPH_SHAPES = {
    "diabetes": {"features": {"features": (10,), "basics": (4,), "blood": (6,)},
                 "targets": {"progression": "regression", "high": "binary"}},
    "cancer": {"features": {"features": (30,), "mean_cells": (10,), "error_cells": (10,), "worst_cells": (10,)},
               "targets": {"malignant": "binary"}},
    "digit_pairs": {"features": {"digit_a": (64,), "digit_b": (64,)}, "targets": {"same": "binary"}},
}
