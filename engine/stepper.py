"""Step through the generated Functional-API code one statement at a time, in real Keras.

`steps` (a job) runs the statements of `engine.codegen.model_lines(spec)` in order, exactly as a
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

from engine.graph import COLORS, dot_quote

CURRENT = "#1f6feb"  # the border of what the current statement made


def step_dot(layers: list[dict], tensor: dict | None, model: dict | None) -> str:
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
        extra = f', color={dot_quote(CURRENT)}, penwidth=3' if newest else ""
        label = layer["label"] + (f"\\n{layer['detail']}" if layer["detail"] else "")
        body.append(f"  {dot_quote(layer['id'])} [label={dot_quote(label)}, fillcolor={dot_quote(COLORS.get(layer['kind'], '#ffffff'))}{extra}];")
        if layer["in"] is not None:
            body.append(f"  {dot_quote(layer['in'])} -> {dot_quote(layer['id'])} [label={dot_quote(layer['in_shape'])}];")
    if model is not None:
        out.append("  subgraph cluster_model {")
        out.append(f"    label={dot_quote(model['label'])}; labelloc=t; fontname=\"Helvetica\"; fontsize=13;")
        out.append(f'    style="rounded,filled"; fillcolor="#f3e8ff"; color={dot_quote(CURRENT)}; penwidth=3;')
        out += ["  " + line for line in body]
        out.append("  }")
    else:
        out += body
    if tensor is not None and layers:
        label = dot_quote(tensor["var"] + "\\n" + tensor["shape"])
        out.append(f'  "__tensor" [shape=oval, style=filled, fillcolor="#ffffff", color={dot_quote(CURRENT)}, '
                   f'penwidth=2, label={label}];')
        out.append(f'  {dot_quote(layers[-1]["id"])} -> "__tensor" [style=dashed, color={dot_quote(CURRENT)}];')
    out.append("}")
    return "\n".join(out)


def tensor_info(var: str, t) -> dict:
    from engine.table import shape_text

    return {"var": var, "repr": str(t), "shape": shape_text(t.shape), "dtype": str(t.dtype), "name": t.name,
            "type": type(t).__name__}


