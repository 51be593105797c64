"""Jobs about one model spec, run in a worker: describe it, or show what Keras says."""
from __future__ import annotations

from core import spec as S
from core.validate import SpecError, validate_spec

__jobs__ = ("describe", "mandatory_error", "noop")


def describe(ctx, spec: dict, dataset: str | None = None) -> dict:
    """Everything a page shows about a spec without training it.

    Returns {"ok": True, table, totals, dot, summary, code, names, shapes} or
    {"ok": False, "spec_error": (code, params)} / {"ok": False, "keras_error": (type, msg)}.
    """
    from core.build import build_model
    from core.codegen import source
    from core.graph import model_graph, to_dot
    from core.table import param_table, summary_text, totals, shape_text

    s = S.ModelSpec.from_dict(spec)
    try:
        validate_spec(s)
    except SpecError as e:
        return {"ok": False, "spec_error": (e.code, e.params)}
    try:
        model = build_model(s, validate=False)
    except Exception as exc:  # Keras's own refusal is the lesson; show it verbatim
        return {"ok": False, "keras_error": (type(exc).__name__, str(exc)[:1200])}
    return {
        "ok": True,
        "table": param_table(model).to_dict("records"),
        "totals": totals(model),
        "dot": to_dot(model_graph(model)),
        "summary": summary_text(model),
        "code": source(s, dataset),
        "names": [layer.name for layer in model.layers],
        "model_name": model.name,
        "input_tensor": {
            "name": model.inputs[0].name,
            "shape": shape_text(model.inputs[0].shape),
            "dtype": str(model.inputs[0].dtype),
            "type": type(model.inputs[0]).__name__,
        },
        "output_tensor": {
            "name": model.outputs[0].name,
            "shape": shape_text(model.outputs[0].shape),
            "dtype": str(model.outputs[0].dtype),
            "type": type(model.outputs[0]).__name__,
        },
    }


def mandatory_error(ctx, what: str) -> tuple[str, str] | None:
    from core.errors import mandatory_demo

    err = mandatory_demo(what)
    return None if err is None else (err.type, err.message)


def noop(ctx) -> str:
    """Warms a worker: importing this module's callers pulls TensorFlow in."""
    import keras  # noqa: F401

    return "ready"
