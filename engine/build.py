"""spec -> keras.Model through the Functional API.

Keras auto-names layers from a per-thread counter (`dense`, `dense_1`, ...). A server
process builds many models, so left alone the tenth model's first layer would be called
`dense_27`. `fresh_names()` gives each build the counters of a fresh Python session and
puts the old ones back afterwards, without `clear_session()` (which would reset every
learner's state at once).
"""
from __future__ import annotations

import collections
import contextlib

import keras  # engine/__init__.py has already quietened TensorFlow and chosen the backend
from keras.src.backend.common import global_state

from engine import spec as model_spec
from engine.validate import validate_spec


@contextlib.contextmanager
def fresh_names():
    """Name layers and tensors as a brand-new Python session would."""
    saved = global_state.get_global_attribute("object_name_uids")
    global_state.set_global_attribute("object_name_uids", collections.defaultdict(int))
    try:
        yield
    finally:
        global_state.set_global_attribute("object_name_uids", saved)


def dense_kwargs(d: model_spec.DenseSpec, seed: int | None = None) -> dict:
    """Only the arguments that differ from Keras's defaults, as the code panel shows them."""
    kw: dict = {}
    if d.activation is not None:
        kw["activation"] = d.activation
    if not d.use_bias:
        kw["use_bias"] = False
    if d.kernel_initializer != "glorot_uniform":
        kw["kernel_initializer"] = d.kernel_initializer
    if d.bias_initializer != "zeros":
        kw["bias_initializer"] = d.bias_initializer
    if d.kernel_regularizer:
        kw["kernel_regularizer"] = d.kernel_regularizer
    if d.name:
        kw["name"] = d.name
    return kw


def input_kwargs(spec: model_spec.ModelSpec) -> dict:
    return input_call_kwargs(spec.input_shape, spec.batch_size, spec.input_name, spec.input_dtype)


def input_call_kwargs(shape, batch_size=None, name=None, dtype=None, sparse=False, ragged=False) -> dict:
    """`Input()`'s keyword arguments: each only where it differs from Keras's default (what the code shows)."""
    kw: dict = {}
    if shape is not None:
        kw["shape"] = tuple(shape)
    if batch_size is not None:
        kw["batch_size"] = batch_size
    if name:
        kw["name"] = name
    if dtype:
        kw["dtype"] = dtype
    if sparse:
        kw["sparse"] = True
    if ragged:
        kw["ragged"] = True
    return kw


def model_kwargs(spec: model_spec.ModelSpec) -> dict:
    kw: dict = {}
    if spec.name:
        kw["name"] = spec.name
    if not spec.trainable:
        kw["trainable"] = False
    return kw


def node_kwargs(n: model_spec.NodeSpec) -> dict:
    """A node's keyword arguments that differ from Keras's defaults (what the code shows)."""
    if n.op == "Input":
        return input_call_kwargs(n.shape, n.batch_size, n.name, n.dtype)
    if n.op == "Dense":
        return dense_kwargs(model_spec.DenseSpec(n.units, n.activation, n.use_bias, n.name, n.kernel_initializer,
                                                 n.bias_initializer, n.kernel_regularizer))
    kw = {}
    if n.op == "Dropout":
        kw["rate"] = float(n.rate)
    if n.name:
        kw["name"] = n.name
    return kw


def node_args(n: model_spec.NodeSpec) -> list:
    """Positional arguments: Dense's units, Dropout's rate."""
    if n.op == "Dense":
        return [n.units]
    if n.op == "Dropout":
        return [float(n.rate)]
    return []


def make_layer(n: model_spec.NodeSpec):
    """The Keras layer object of one node (not for Input or Reuse)."""
    kw = node_kwargs(n)
    kw.pop("rate", None)
    return getattr(keras.layers, n.op)(*node_args(n), **kw)


def graph_model_kwargs(g: model_spec.GraphSpec) -> dict:
    kw: dict = {}
    if g.name:
        kw["name"] = g.name
    if not g.trainable:
        kw["trainable"] = False
    return kw


def build_graph_tensors(g: model_spec.GraphSpec, on_node=None):
    """Run the graph's Functional-API calls in order; return (tensors by id, layers by owner id).

    on_node(node, tensor, layer) is called after each node (the step-through walks with it).
    A shared layer is one object: the "Reuse" node calls the owner's layer again.
    """
    tensors: dict = {}
    layers: dict = {}
    for n in g.nodes:
        if n.op == "Input":
            t = keras.Input(**node_kwargs(n))
            layer = t._keras_history.operation
        else:
            if n.op == "Reuse":
                layer = layers[g.layer_of(n.id).id]
            else:
                layer = make_layer(n)
                layers[n.id] = layer
            args = [tensors[i] for i in n.inputs]
            t = layer(args if n.op in model_spec.MERGE_OPS else args[0])
        tensors[n.id] = t
        if on_node is not None:
            on_node(n, t, layer)
    return tensors, layers


def io_structure(items: list):
    """One tensor alone, several as a list: Model() and fit() then take plain arrays for one."""
    return items[0] if len(items) == 1 else list(items)


def build_tensors(spec: model_spec.ModelSpec):
    """Run the chain's Functional-API calls; return (inputs, [intermediate tensors], outputs)."""
    g = model_spec.chain_graph(spec)
    tensors, _ = build_graph_tensors(g)
    ids = [n.id for n in g.nodes]
    return tensors[ids[0]], [tensors[i] for i in ids[1:-1]], tensors[ids[-1]]


def build_graph(g: model_spec.GraphSpec, compile: bool = False, validate: bool = True) -> keras.Model:
    """The graph as a Keras model, named exactly as the generated code names it."""
    from engine.validate import validate_graph

    if validate:
        validate_graph(g)
    if g.seed is not None:
        keras.utils.set_random_seed(g.seed)
    with fresh_names():
        tensors, _ = build_graph_tensors(g)
        inputs = io_structure([tensors[i] for i in g.model_inputs()])
        outputs = io_structure([tensors[o.node] for o in g.outputs])
        model = keras.Model(inputs=inputs, outputs=outputs, **graph_model_kwargs(g))
    if compile:
        compile_graph(model, g)
    return model


def output_names(g: model_spec.GraphSpec) -> list[str]:
    """Keras's name of each output: the name of the layer that made it."""
    names = []
    for o in g.outputs:
        owner = g.layer_of(o.node)
        names.append(owner.name or owner.id)
    return names


def compile_args(g: model_spec.GraphSpec, names: list[str] | None = None) -> dict:
    """loss / loss_weights / metrics for compile(): plain for one output, dicts by output name for several."""
    if len(g.outputs) == 1:
        o = g.outputs[0]
        kw: dict = {"loss": o.loss}
        if o.metrics:
            kw["metrics"] = list(o.metrics)
        if o.weight != 1.0:
            kw["loss_weights"] = float(o.weight)
        return kw
    names = names or output_names(g)
    kw = {"loss": {nm: o.loss for nm, o in zip(names, g.outputs)},
          "loss_weights": {nm: float(o.weight) for nm, o in zip(names, g.outputs)}}
    metrics = {nm: list(o.metrics) for nm, o in zip(names, g.outputs) if o.metrics}
    if metrics:
        kw["metrics"] = metrics
    return kw


def compile_graph(model: keras.Model, g: model_spec.GraphSpec) -> keras.Model:
    names = [t._keras_history.operation.name for t in model.outputs]
    with fresh_names():
        model.compile(optimizer=make_optimizer(g), **compile_args(g, names))
    return model


def build_model(spec: model_spec.ModelSpec, compile: bool = False, validate: bool = True) -> keras.Model:
    """The model on screen, named exactly as the generated code would name it."""
    if validate:
        validate_spec(spec)
    model = build_graph(model_spec.chain_graph(spec), validate=False)
    if compile:
        compile_model(model, spec)
    return model


def make_optimizer(spec: model_spec.ModelSpec):
    cls = {
        "adam": keras.optimizers.Adam,
        "sgd": keras.optimizers.SGD,
        "rmsprop": keras.optimizers.RMSprop,
        "adamw": keras.optimizers.AdamW,
        "adagrad": keras.optimizers.Adagrad,
    }[spec.optimizer]
    return cls(learning_rate=spec.learning_rate)


def compile_model(model: keras.Model, spec: model_spec.ModelSpec) -> keras.Model:
    return compile_graph(model, model_spec.chain_graph(spec))
