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
