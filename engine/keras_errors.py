"""Run a Keras call and keep what Keras itself says when it fails."""
from __future__ import annotations

from dataclasses import dataclass


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
        msg = str(exc).strip()
        if len(msg) > 1200:
            msg = msg[:1200] + " …"
        return KerasError(type(exc).__name__, msg)
    return None


def mandatory_demo(what: str) -> KerasError | None:
    """Leave out one mandatory argument on purpose and return Keras's own complaint."""
    import keras

    from core.build import fresh_names

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
        import numpy as np

        with fresh_names():
            inputs = keras.Input(shape=(1,))
            model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
            model.fit(np.zeros((4, 1)), np.zeros((4, 1)), verbose=0)

    def compile_without_loss_then_fit():
        import numpy as np

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
