"""Run a Keras call and keep what Keras itself says when it fails."""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np


@dataclass
class KerasError:
    type: str
    message: str

    def __str__(self) -> str:
        return f"{self.type}: {self.message}"


def capture(fn, *args, **kwargs) -> KerasError | None:
    """None if the call succeeds, else the real exception's type name and message."""
    try:
        fn(*args, **kwargs)
    except Exception as exc:  # the point is to show any error Keras raises
        return KerasError(*keras_said(exc))
    return None


def mandatory_demo(what: str) -> KerasError | None:
    """Leave out one mandatory argument on purpose and return Keras's own complaint."""
    import keras

    from engine.build import fresh_names

    def input_without_shape():
        keras.Input()

    def dense_without_units():
        keras.layers.Dense()

    def model_without_outputs():
        with fresh_names():
            inputs = keras.Input(shape=(1,))
            keras.Model(inputs)

    def model_without_inputs():
        with fresh_names():
            inputs = keras.Input(shape=(1,))
            outputs = keras.layers.Dense(1)(inputs)
            keras.Model(outputs=outputs)

    def fit_without_compile():

        with fresh_names():
            inputs = keras.Input(shape=(1,))
            model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
            model.fit(np.zeros((4, 1)), np.zeros((4, 1)), verbose=0)

    def compile_without_loss_then_fit():

        with fresh_names():
            inputs = keras.Input(shape=(1,))
            model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
            model.compile(optimizer="adam")
            model.fit(np.zeros((4, 1)), np.zeros((4, 1)), verbose=0)

    demos = {
        "input_shape": input_without_shape,
        "dense_units": dense_without_units,
        "model_outputs": model_without_outputs,
        "model_inputs": model_without_inputs,
        "compile": fit_without_compile,
        "compile_loss": compile_without_loss_then_fit,
    }
    return capture(demos[what])


def clean_graph_error(msg: str) -> str:
    """TensorFlow's graph errors carry a Python trace of the traced function; keep its own words."""
    if "Graph execution error" not in msg:
        return msg
    keep = []
    for block in msg.split("\n\n"):
        head = block.lstrip()
        if head.startswith(("Graph execution error", "Detected at node", "File ")):
            continue
        lines = [ln for ln in block.splitlines() if "[[{{node" not in ln]
        keep.append("\n".join(lines).strip())
    text = "\n".join(k for k in keep if k)
    # The label dump lists every label of the batch; the first few make the point.
    if "Label values:" in text:
        head, _, values = text.partition("Label values:")
        vals = values.split()
        text = head + "Label values: " + " ".join(vals[:20]) + (" …" if len(vals) > 20 else "")
    return text or msg


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def keras_said(exc: BaseException) -> tuple[str, str]:
    """(type name, message) of a Keras/TensorFlow exception, cleaned once for a web page.

    The one cleaner: terminal colour codes go (Keras bolds parts of its messages), graph-mode
    traces are cut to Keras's own words, and very long texts are shortened.
    """
    msg = _ANSI.sub("", str(exc)).strip()
    msg = clean_graph_error(msg)
    if len(msg) > 1200:
        msg = msg[:1200] + " …"
    return type(exc).__name__, msg
