"""The model spec: every knob of a Functional-API model as plain data.

A spec is what a page's widgets produce and what the engine turns into a Keras model,
Python source, a parameter table or a training run. It holds no Keras objects, so it can
be hashed, put in a URL, sent to a worker process and compared in tests.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field

ACTIVATIONS = ("linear", "relu", "sigmoid", "tanh", "softmax", "elu", "gelu", "selu", "swish", "softplus")
INITIALIZERS = ("glorot_uniform", "glorot_normal", "he_normal", "he_uniform", "random_normal", "zeros", "ones")
REGULARIZERS = (None, "l1", "l2")  # names keras.regularizers.get() accepts
OPTIMIZERS = ("adam", "sgd", "rmsprop", "adamw", "adagrad")
LOSSES = (
    "mse",
    "mae",
    "huber",
    "binary_crossentropy",
    "categorical_crossentropy",
    "sparse_categorical_crossentropy",
)
METRICS = ("mae", "mse", "accuracy")
DTYPES = ("float32", "float16", "float64", "int32")


@dataclass
class DenseSpec:
    """One `Dense(...)` call; `None` means "left at Keras's default"."""

    units: int
    activation: str | None = "relu"
    use_bias: bool = True
    name: str | None = None
    kernel_initializer: str = "glorot_uniform"
    bias_initializer: str = "zeros"
    kernel_regularizer: str | None = None


@dataclass
class ModelSpec:
    """Input, hidden stack, output head, Model() arguments, compile() and fit() settings."""

    input_shape: tuple[int, ...] = (1,)
    input_name: str | None = "input_layer"
    input_dtype: str | None = None
    batch_size: int | None = None
    flatten: bool = False
    hidden: list[DenseSpec] = field(default_factory=list)
    output: DenseSpec = field(default_factory=lambda: DenseSpec(1, "linear", name="output"))
    name: str | None = "regression_model"
    trainable: bool = True
    optimizer: str = "adam"
    learning_rate: float = 0.001
    loss: str = "mse"
    metrics: list[str] = field(default_factory=list)
    epochs: int = 100
    fit_batch_size: int = 32
    validation_split: float = 0.2
    seed: int = 0

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["input_shape"] = list(self.input_shape)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "ModelSpec":
        d = dict(d)
        d["input_shape"] = tuple(d.get("input_shape", (1,)))
        d["hidden"] = [DenseSpec(**h) for h in d.get("hidden", [])]
        if "output" in d:
            d["output"] = DenseSpec(**d["output"])
        return cls(**d)

    def key(self) -> str:
        """Stable short hash: the cache key of everything derived from this spec."""
        blob = json.dumps(self.to_dict(), sort_keys=True).encode()
        return hashlib.sha1(blob).hexdigest()[:16]

    def replace(self, **changes) -> "ModelSpec":
        return dataclasses.replace(self, **changes)


def recommended() -> ModelSpec:
    """Section 6 of the source document: 1 -> 8 -> 16 -> 4 -> 1, 233 parameters."""
    return ModelSpec(
        input_shape=(1,),
        input_name="input_layer",
        hidden=[
            DenseSpec(8, "relu", name="hidden1"),
            DenseSpec(16, "relu", name="hidden2"),
            DenseSpec(4, "relu", name="hidden3"),
        ],
        output=DenseSpec(1, "linear", name="output"),
        name="regression_model",
    )


def minimal() -> ModelSpec:
    """Section 5 of the source document: only what is mandatory, Keras names everything."""
    return ModelSpec(
        input_shape=(1,),
        input_name=None,
        hidden=[DenseSpec(8, "relu")],
        output=DenseSpec(1, None),
        name=None,
    )
