"""Jobs behind the Input(), Dense(), outputs-tensor and Model() lessons.

Each job runs the real Keras call the page talks about and returns plain data: reprs,
shapes, names, weight values, curves and Keras's own error texts. Nothing here is a
hard-coded copy of what Keras would say. Keras is imported inside the jobs so a worker
process pays for TensorFlow only when a lesson needs it.
"""
from __future__ import annotations

from engine import spec as model_spec
from engine.codegen import CodeExpr, kw_text, model_lines
from engine.results import keras_no, rejected_by, said
from engine.validate import SpecError, check_choice, check_name
from runtime.jobs import job

INPUT_CHOICES = ("inputs", None)
OUTPUT_CHOICES = ("outputs", "x", None)
CALL_STYLES = ("keyword", "positional")


# ---------------------------------------------------------------- Model()

def _model_call(inputs_choice, outputs_choice, style: str, spec) -> tuple[list[str], dict]:
    """Model()'s arguments as the learner chose them: (positional variable names, keywords).

    A tensor keyword is a `CodeExpr` naming its variable; name / trainable come from the spec.
    """
    from engine.build import model_kwargs

    positional: list[str] = []
    keywords: dict = {}
    for key, choice in (("inputs", inputs_choice), ("outputs", outputs_choice)):
        if choice is None:
            continue
        if style == "positional":
            positional.append(choice)
        else:
            keywords[key] = CodeExpr(choice)
    keywords.update(model_kwargs(spec))
    return positional, keywords


def _container_code(spec, positional: list[str], keywords: dict) -> tuple[str, str]:
    """(the tensor-building lines, the Model(...) call as the learner chose it)."""
    lines = ["from keras import Input, Model", "from keras.layers import Dense", ""]
    lines += model_lines(spec)[:-1]
    args = [*positional, *([kw_text(keywords)] if keywords else [])]
    return "\n".join(lines), f"model = Model({', '.join(args)})\nmodel.summary()"


def _call_model(tensors: dict, positional: list[str], keywords: dict):
    """Run the same Model(...) call the code shows, on the real tensors."""
    import keras

    kwargs = {k: tensors[v.src] if isinstance(v, CodeExpr) else v for k, v in keywords.items()}
    return keras.Model(*[tensors[v] for v in positional], **kwargs)


def _summary(model, width: int) -> str:
    """`model.summary()` as text, narrow enough to sit beside the app's own table."""
    lines: list[str] = []
    model.summary(print_fn=lambda s, **_: lines.append(s), line_length=width)
    return "\n".join(lines)


def _empty_fields(model) -> dict:
    """Model() with no tensors is a bare subclassing-style shell: no layers, nothing to run."""
    try:
        model.count_params()
        error = None
    except Exception as exc:
        error = said(exc)
    return {"empty_error": error, "empty": True}


def _model_fields(model) -> dict:
    from engine.graph import model_graph, to_dot
    from engine.table import param_table, shape_text, totals

    return {
        "empty": False,
        "table": param_table(model).to_dict("records"),
        "totals": totals(model),
        "dot": to_dot(model_graph(model)),
        "names": [layer.name for layer in model.layers],
        "output_shape": shape_text(model.output.shape),
        "layer_trainable": [[layer.name, bool(layer.trainable)] for layer in model.layers],
    }


def _setter_layer_trainable(inputs, model) -> list:
    """Model(trainable=False) leaves each layer's own flag alone; the property setter on a
    model built without it does not. Done last: the layers are shared with the learner's model."""
    import keras

    from engine.build import fresh_names

    with fresh_names():
        other = keras.Model(inputs, model.outputs[0])
    other.trainable = False
    return [[layer.name, bool(layer.trainable)] for layer in other.layers]


@job
def container(ctx, inputs_choice="inputs", outputs_choice="outputs", style="keyword", name=None,
              trainable=True) -> dict:
    """Build the document's recommended stack, then call Model(...) with only the tensors chosen.

    inputs_choice: "inputs" or None; outputs_choice: "outputs" (the head), "x" (the last
    hidden tensor) or None; style: Model(inputs=..., outputs=...) or Model(inputs, outputs).
    """
    import keras

    from engine.build import build_tensors, fresh_names

    try:
        check_choice(inputs_choice, INPUT_CHOICES, "inputs")
        check_choice(outputs_choice, OUTPUT_CHOICES, "outputs")
        check_choice(style, CALL_STYLES, "style")
        name = check_name(name, "model_name")
        trainable = bool(trainable)
    except SpecError as e:
        return rejected_by(e)

    spec = model_spec.recommended().replace(name=name, trainable=trainable)
    positional, keywords = _model_call(inputs_choice, outputs_choice, style, spec)
    tensors_code, call_code = _container_code(spec, positional, keywords)
    codes = {"code": tensors_code + "\n" + call_code, "tensors_code": tensors_code, "call_code": call_code}
    with fresh_names():
        inputs, steps, outputs = build_tensors(spec)
        try:
            model = _call_model({"inputs": inputs, "x": steps[-1], "outputs": outputs}, positional, keywords)
        except Exception as exc:  # the lesson: what Keras says when a mandatory tensor is missing
            return keras_no(exc, **codes)
        # Built after the learner's model, so theirs gets the name a fresh session would give it.
        full_params = int(keras.Model(inputs, outputs).count_params())
    base = {"ok": True, **codes, "model_name": model.name, "model_type": type(model).__name__,
            "n_layers": len(model.layers), "summary": _summary(model, 62), "full_params": full_params}
    if not model.layers:
        return {**base, **_empty_fields(model)}
    base.update(_model_fields(model))
    if not trainable:
        base["setter_layer_trainable"] = _setter_layer_trainable(inputs, model)
    return base


# ---------------------------------------------------------------- what Keras does with each way of calling Model()
# (call as written, positional tensors, keyword tensors); "i" is the Input tensor, "o" the last Dense output.
MODEL_CALLS = (
    ("Model(inputs, outputs)", ("i", "o"), ()),
    ("Model(inputs=inputs, outputs=outputs)", (), ("inputs", "outputs")),
    ("Model(inputs, outputs=outputs)", ("i",), ("outputs",)),
    ("Model(inputs)", ("i",), ()),
    ("Model(inputs=inputs)", (), ("inputs",)),
    ("Model(outputs)", ("o",), ()),
    ("Model(outputs=outputs)", (), ("outputs",)),
    ("Model()", (), ()),
)


def model_call_rows() -> list[dict]:
    """Run every call of MODEL_CALLS on the installed Keras: the class it builds or what it raises."""
    import keras

    from engine.build import fresh_names

    rows = []
    for text, positional, keywords in MODEL_CALLS:
        with fresh_names():
            i = keras.Input(shape=(1,))
            o = keras.layers.Dense(1)(i)
            tensors = {"i": i, "o": o, "inputs": i, "outputs": o}
            try:
                model = keras.Model(*[tensors[a] for a in positional], **{k: tensors[k] for k in keywords})
                rows.append({"call": text, "ok": True, "built": type(model).__name__, "n_layers": len(model.layers),
                             "error_type": None, "error": None})
            except Exception as exc:
                kind, message = said(exc)
                rows.append({"call": text, "ok": False, "built": None, "n_layers": None, "error_type": kind,
                             "error": message})
    return rows


@job
def model_calls(ctx) -> dict:
    """Model()'s signatures as the installed Keras defines them, and every way of calling it, run."""
    import inspect

    import keras
    from keras.src.models.functional import Functional

    from lessons.input_layer import signature_text

    return {
        "keras_version": keras.__version__,
        "model_signature": signature_text(keras.Model.__init__, "Model"),
        "functional_signature": signature_text(Functional.__init__, "Functional"),
        "functional_params": [p for p in inspect.signature(Functional.__init__).parameters if p != "self"],
        "rows": model_call_rows(),
    }
