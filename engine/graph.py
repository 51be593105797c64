"""Model graphs as Graphviz DOT text, drawn in the browser (no system graphviz, no pydot)."""
from __future__ import annotations

from dataclasses import dataclass, field

COLORS = {
    "InputLayer": "#dbeafe",
    "Dense": "#dcfce7",
    "Flatten": "#fef9c3",
    "Model": "#f3e8ff",
    "Tensor": "#ffffff",
    "compile": "#ffe4e6",
    "frozen": "#e5e7eb",
}


@dataclass
class Node:
    id: str
    label: str
    kind: str
    frozen: bool = False
    detail: str = ""


@dataclass
class Graph:
    nodes: list[Node] = field(default_factory=list)
    edges: list[tuple[str, str, str]] = field(default_factory=list)  # (src, dst, shape label)


def dot_quote(s: str) -> str:
    return '"' + str(s).replace('"', '\\"') + '"'


def to_dot(g: Graph, rankdir: str = "TB") -> str:
    out = [
        "digraph G {",
        f"  rankdir={rankdir}; bgcolor=transparent;",
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=12, penwidth=1.2];',
        '  edge [fontname="Helvetica", fontsize=10, color="#475569"];',
    ]
    for n in g.nodes:
        color = COLORS["frozen"] if n.frozen else COLORS.get(n.kind, "#ffffff")
        # Names are validated identifiers; dropping backslashes keeps DOT escapes ours alone.
        label = n.label.replace("\\", "") + (f"\\n{n.detail}" if n.detail else "")
        style = '"rounded,filled,dashed"' if n.frozen else '"rounded,filled"'
        out.append(f"  {dot_quote(n.id)} [label={dot_quote(label)}, fillcolor={dot_quote(color)}, style={style}];")
    for src, dst, lab in g.edges:
        out.append(f"  {dot_quote(src)} -> {dot_quote(dst)} [label={dot_quote(lab)}];")
    out.append("}")
    return "\n".join(out)


def chain(items: list[tuple[str, str, str, str]]) -> Graph:
    """A straight chain from (id, label, kind, shape-out) tuples; pure Python, no Keras."""
    g = Graph()
    for i, (nid, label, kind, shape) in enumerate(items):
        g.nodes.append(Node(nid, label, kind))
        if i:
            g.edges.append((items[i - 1][0], nid, items[i - 1][3]))
    return g


def model_graph(model, show_params: bool = True) -> Graph:
    """Every layer of a built Keras model, edges labelled with the tensor shape they carry."""
    from engine.table import shape_text

    g = Graph()
    for layer in model.layers:
        kind = type(layer).__name__
        detail = kind
        if show_params and layer.count_params():
            detail += f" · {layer.count_params():,} params"
        frozen = bool(layer.weights) and not layer.trainable
        g.nodes.append(Node(layer.name, layer.name, kind, frozen=frozen, detail=detail))
        for node in layer._inbound_nodes:
            for t in node.input_tensors:
                src = t._keras_history.operation
                g.edges.append((src.name, layer.name, shape_text(t.shape)))
    return g
