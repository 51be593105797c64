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
    kw: dict = {"shape": tuple(spec.input_shape)}
    if spec.batch_size:
        kw["batch_size"] = spec.batch_size
    if spec.input_name:
        kw["name"] = spec.input_name
    if spec.input_dtype:
        kw["dtype"] = spec.input_dtype
    return kw


def model_kwargs(spec: model_spec.ModelSpec) -> dict:
    kw: dict = {}
    if spec.name:
        kw["name"] = spec.name
    if not spec.trainable:
        kw["trainable"] = False
    return kw


def build_tensors(spec: model_spec.ModelSpec):
    """Run the Functional-API calls; return (inputs, [intermediate tensors], outputs)."""
    inputs = keras.Input(**input_kwargs(spec))
    x = inputs
    steps = []
    if spec.flatten:
        x = keras.layers.Flatten()(x)
        steps.append(x)
    for d in spec.hidden:
        x = keras.layers.Dense(d.units, **dense_kwargs(d))(x)
        steps.append(x)
    outputs = keras.layers.Dense(spec.output.units, **dense_kwargs(spec.output))(x)
    return inputs, steps, outputs


def build_model(spec: model_spec.ModelSpec, compile: bool = False, validate: bool = True) -> keras.Model:
    """The model on screen, named exactly as the generated code would name it."""
    if validate:
        validate_spec(spec)
    if spec.seed is not None:
        keras.utils.set_random_seed(spec.seed)
    with fresh_names():
        inputs, _, outputs = build_tensors(spec)
        model = keras.Model(inputs=inputs, outputs=outputs, **model_kwargs(spec))
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
    with fresh_names():
        model.compile(optimizer=make_optimizer(spec), loss=spec.loss, metrics=list(spec.metrics) or None)
    return model
