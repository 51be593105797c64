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


# ----------------------------------------------------------------------------- the graph spec
# A model as a graph: named nodes, each with its settings and the earlier nodes it takes.
# The chain above (`ModelSpec`) is one case of it: `chain_graph(spec)` gives the graph that
# every engine function (validate, build, codegen, graph, table) works on.

NODE_OPS = ("Input", "Dense", "Dropout", "BatchNormalization", "Concatenate", "Add", "Average", "Multiply",
            "Flatten", "Reuse")
MERGE_OPS = ("Concatenate", "Add", "Average", "Multiply")
LAYER_OPS = ("Dense", "Dropout", "BatchNormalization", "Flatten")  # one input, a layer object of their own


@dataclass
class NodeSpec:
    """One node: an `Input`, one layer call, or ("Reuse") a second call of an earlier node's layer.

    `id` names the node (and its tensor in graph-style code); `name` is the Keras layer name
    (None: Keras picks). `inputs` are ids of earlier nodes; `layer` is, for "Reuse", the id of
    the node whose layer object is called again (same weights).
    """

    id: str
    op: str
    inputs: list[str] = field(default_factory=list)
    name: str | None = None
    shape: tuple[int, ...] | None = None  # Input
    dtype: str | None = None  # Input
    batch_size: int | None = None  # Input
    units: int | None = None  # Dense
    activation: str | None = None  # Dense
    use_bias: bool = True
    kernel_initializer: str = "glorot_uniform"
    bias_initializer: str = "zeros"
    kernel_regularizer: str | None = None
    rate: float = 0.5  # Dropout
    layer: str | None = None  # Reuse


@dataclass
class OutputSpec:
    """One model output: the node, what it predicts (a target of the data), its loss and weight."""

    node: str
    loss: str = "mse"
    weight: float = 1.0
    metrics: list[str] = field(default_factory=list)
    target: str | None = None


@dataclass
class GraphSpec:
    """Nodes in order (inputs only from earlier nodes), declared model inputs, outputs, settings."""

    nodes: list[NodeSpec] = field(default_factory=list)
    inputs: list[str] | None = None  # None: every Input node, in order
    outputs: list[OutputSpec] = field(default_factory=list)
    name: str | None = None
    trainable: bool = True
    optimizer: str = "adam"
    learning_rate: float = 0.001
    epochs: int = 100
    fit_batch_size: int = 32
    validation_split: float = 0.2
    seed: int = 0

    def node(self, node_id: str) -> NodeSpec:
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(node_id)

    def model_inputs(self) -> list[str]:
        return list(self.inputs) if self.inputs is not None else [n.id for n in self.nodes if n.op == "Input"]

    def layer_of(self, node_id: str) -> NodeSpec:
        """The node that owns the layer object a node calls (itself, or the node it reuses)."""
        n = self.node(node_id)
        seen = set()
        while n.op == "Reuse" and n.layer and n.layer not in seen:
            seen.add(n.id)
            n = self.node(n.layer)
        return n

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        for n in d["nodes"]:
            if n["shape"] is not None:
                n["shape"] = list(n["shape"])
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "GraphSpec":
        d = dict(d)
        nodes = []
        for n in d.get("nodes", []):
            n = dict(n)
            if n.get("shape") is not None:
                n["shape"] = tuple(n["shape"])
            n["inputs"] = list(n.get("inputs") or [])
            nodes.append(NodeSpec(**n))
        d["nodes"] = nodes
        d["outputs"] = [OutputSpec(**o) for o in d.get("outputs", [])]
        return cls(**d)

    def key(self) -> str:
        blob = json.dumps(self.to_dict(), sort_keys=True).encode()
        return hashlib.sha1(blob).hexdigest()[:16]

    def replace(self, **changes) -> "GraphSpec":
        return dataclasses.replace(self, **changes)


def dense_node(node_id: str, d: DenseSpec, inputs: list[str]) -> NodeSpec:
    return NodeSpec(node_id, "Dense", inputs, name=d.name, units=d.units, activation=d.activation,
                    use_bias=d.use_bias, kernel_initializer=d.kernel_initializer,
                    bias_initializer=d.bias_initializer, kernel_regularizer=d.kernel_regularizer)


def chain_graph(spec: ModelSpec) -> GraphSpec:
    """The chain spec as a graph: Input -> [Flatten] -> hidden Dense... -> output Dense."""
    nodes = [NodeSpec("inputs", "Input", name=spec.input_name, shape=tuple(spec.input_shape),
                      dtype=spec.input_dtype, batch_size=spec.batch_size)]
    prev = "inputs"
    if spec.flatten:
        nodes.append(NodeSpec("flatten", "Flatten", [prev]))
        prev = "flatten"
    for i, d in enumerate(spec.hidden):
        nodes.append(dense_node(f"hidden_{i + 1}", d, [prev]))
        prev = f"hidden_{i + 1}"
    nodes.append(dense_node("outputs", spec.output, [prev]))
    return GraphSpec(nodes=nodes, outputs=[OutputSpec("outputs", spec.loss, 1.0, list(spec.metrics))],
                     name=spec.name, trainable=spec.trainable, optimizer=spec.optimizer,
                     learning_rate=spec.learning_rate, epochs=spec.epochs, fit_batch_size=spec.fit_batch_size,
                     validation_split=spec.validation_split, seed=spec.seed)
