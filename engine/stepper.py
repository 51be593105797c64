"""Step through the generated Functional-API code one statement at a time, in real Keras.

`steps` (a job) runs the statements of `core.codegen.model_lines(spec)` in order, exactly as a
fresh Python session would (same seed, same auto-names), and after each one records what
Keras made: the tensor the statement returned (its repr, shape, dtype, name), the layer it
created and its parameters, and the graph so far as DOT. The page then walks back and forth
through that list without asking Keras again: "next line" is instant in a lecture.

The graph grows by one layer box per statement; the tensor the statement just returned hangs
off the newest box as an oval (what the variable on the left of `=` now holds). The last
statement, `Model(...)`, creates no layer: it draws a frame around the graph from `inputs` to
`outputs`, which is what a Model is.
"""
from __future__ import annotations

from core import spec as S
from core.graph import _COLORS, _q
from core.validate import SpecError, validate_spec

__jobs__ = ("steps",)

CURRENT = "#1f6feb"  # the border of what the current statement made


def _dot(layers: list[dict], tensor: dict | None, model: dict | None) -> str:
    """layers: [{"id", "label", "kind", "detail", "in": id or None, "in_shape"}] in call order."""
    out = [
        "digraph G {",
        "  rankdir=TB; bgcolor=transparent; compound=true;",
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=12, penwidth=1.2];',
        '  edge [fontname="Helvetica", fontsize=10, color="#475569"];',
    ]
    body = []
    for i, layer in enumerate(layers):
        newest = i == len(layers) - 1 and model is None
        extra = f', color={_q(CURRENT)}, penwidth=3' if newest else ""
        label = layer["label"] + (f"\\n{layer['detail']}" if layer["detail"] else "")
        body.append(f"  {_q(layer['id'])} [label={_q(label)}, fillcolor={_q(_COLORS.get(layer['kind'], '#ffffff'))}{extra}];")
        if layer["in"] is not None:
            body.append(f"  {_q(layer['in'])} -> {_q(layer['id'])} [label={_q(layer['in_shape'])}];")
    if model is not None:
        out.append("  subgraph cluster_model {")
        out.append(f"    label={_q(model['label'])}; labelloc=t; fontname=\"Helvetica\"; fontsize=13;")
        out.append(f'    style="rounded,filled"; fillcolor="#f3e8ff"; color={_q(CURRENT)}; penwidth=3;')
        out += ["  " + line for line in body]
        out.append("  }")
    else:
        out += body
    if tensor is not None and layers:
        label = _q(tensor["var"] + "\\n" + tensor["shape"])
        out.append(f'  "__tensor" [shape=oval, style=filled, fillcolor="#ffffff", color={_q(CURRENT)}, '
                   f'penwidth=2, label={label}];')
        out.append(f'  {_q(layers[-1]["id"])} -> "__tensor" [style=dashed, color={_q(CURRENT)}];')
    out.append("}")
    return "\n".join(out)


def _tensor_info(var: str, t) -> dict:
    from core.table import shape_text

    return {"var": var, "repr": str(t), "shape": shape_text(t.shape), "dtype": str(t.dtype), "name": t.name,
            "type": type(t).__name__}


def steps(ctx, spec: dict) -> dict:
    """Run the model's statements one by one; {"ok": True, "lines", "steps"} or a failure.

    steps[i] belongs to lines[i]: {"kind": "tensor"|"model", "var", "tensor" (what the
    statement returned: repr, shape, dtype, name, type), "layer" (class, name, params) or
    "model" (name, params, type), "dot": the graph after this statement}.
    """
    import keras

    from core.build import dense_kwargs, fresh_names, input_kwargs, model_kwargs
    from core.codegen import model_lines

    try:
        s = validate_spec(S.ModelSpec.from_dict(spec))
    except SpecError as e:
        return {"ok": False, "spec_error": (e.code, e.params)}
    lines = model_lines(s)
    out: list[dict] = []
    drawn: list[dict] = []

    def record(var: str, tensor, layer) -> None:
        info = _tensor_info(var, tensor)
        params = layer.count_params() if layer.weights else 0
        kind = type(layer).__name__
        prev = drawn[-1] if drawn else None
        detail = f"{kind} · {params:,} params" if params else kind
        drawn.append({"id": layer.name, "label": layer.name, "kind": kind, "detail": detail,
                      "in": prev["id"] if prev else None, "in_shape": prev["out_shape"] if prev else "",
                      "out_shape": info["shape"]})
        out.append({"kind": "tensor", "var": var, "tensor": info,
                    "layer": {"class": kind, "name": layer.name, "params": params},
                    "dot": _dot(drawn, info, None)})

    try:
        if s.seed is not None:
            keras.utils.set_random_seed(s.seed)  # as the generated script does before its first layer
        with fresh_names():
            inputs = keras.Input(**input_kwargs(s))
            record("inputs", inputs, inputs._keras_history.operation)
            x = inputs
            if s.flatten:
                layer = keras.layers.Flatten()
                x = layer(x)
                record("x", x, layer)
            for d in s.hidden:
                layer = keras.layers.Dense(d.units, **dense_kwargs(d))
                x = layer(x)
                record("x", x, layer)
            layer = keras.layers.Dense(s.output.units, **dense_kwargs(s.output))
            outputs = layer(x)
            record("outputs", outputs, layer)
            model = keras.Model(inputs=inputs, outputs=outputs, **model_kwargs(s))
    except Exception as exc:  # Keras's own refusal is the lesson
        return {"ok": False, "keras_error": (type(exc).__name__, str(exc)[:1200])}
    label = f'Model · name="{model.name}" · {model.count_params():,} params'
    out.append({"kind": "model", "var": "model", "tensor": None,
                "model": {"name": model.name, "params": model.count_params(), "type": type(model).__name__,
                          "inputs": [t.name for t in model.inputs], "outputs": [t.name for t in model.outputs]},
                "dot": _dot(drawn, None, {"label": label})})
    if len(out) != len(lines):  # the code panel and Keras must walk in step
        return {"ok": False, "keras_error": ("AssertionError", "statements and steps differ")}
    return {"ok": True, "lines": lines, "steps": out}
