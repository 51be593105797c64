"""Model graphs as Graphviz DOT text, drawn in the browser (no system graphviz, no pydot)."""
from __future__ import annotations

from dataclasses import dataclass, field

COLORS = {
    "InputLayer": "#dbeafe",
    "Dense": "#dcfce7",
    "Flatten": "#fef9c3",
    "Concatenate": "#fde68a",
    "Add": "#fde68a",
    "Average": "#fde68a",
    "Multiply": "#fde68a",
    "Dropout": "#f1f5f9",
    "BatchNormalization": "#e0f2fe",
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
    output: bool = False  # a model output: drawn with a double border


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
        extra = ", peripheries=2" if n.output else ""
        out.append(f"  {dot_quote(n.id)} [label={dot_quote(label)}, fillcolor={dot_quote(color)}, style={style}{extra}];")
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


def call_id(layer, node_index: int) -> str:
    """A layer's first call is drawn under the layer's name; a second call as `name (2)`, and so on."""
    return layer.name if node_index == 0 else f"{layer.name} ({node_index + 1})"


def model_graph(model, show_params: bool = True, call_label: str = "call {k} of {n}, same weights") -> Graph:
    """Every layer call of a built Keras model, edges labelled with the tensor shape they carry.

    A layer called more than once (a shared layer) is drawn once per call, each box saying which
    call it is; its parameters are written on the first call only, since the calls share them.
    """
    from engine.table import shape_text

    g = Graph()
    outputs = {(t._keras_history.operation.name, t._keras_history.node_index) for t in model.outputs}
    for layer in model.layers:
        kind = type(layer).__name__
        calls = [i for i, node in enumerate(layer._inbound_nodes) if in_model(model, layer, i)]
        for k, index in enumerate(calls):
            detail = kind
            if show_params and layer.count_params() and k == 0:
                detail += f" · {layer.count_params():,} params"
            if len(calls) > 1:
                detail += "\\n" + call_label.format(k=k + 1, n=len(calls))
            frozen = bool(layer.weights) and not layer.trainable
            nid = call_id(layer, index)
            g.nodes.append(Node(nid, layer.name, kind, frozen=frozen, detail=detail,
                                output=(layer.name, index) in outputs))
            for t in layer._inbound_nodes[index].input_tensors:
                hist = t._keras_history
                g.edges.append((call_id(hist.operation, hist.node_index), nid, shape_text(t.shape)))
    return g


def in_model(model, layer, index: int) -> bool:
    """Is this call part of `model` (a layer may also have been called outside it)?"""
    nodes = getattr(model, "_nodes", None)
    if nodes is None:
        return True
    from keras.src.ops.function import make_node_key

    return make_node_key(layer, index) in nodes
