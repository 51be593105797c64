"""Jobs of the "Functional graphs" page: describe a graph (build it with real Keras), train it per
output, save it. The graph arrives as its link text (engine.graphs), the data set by name.
"""
from __future__ import annotations

import time

import numpy as np

from engine import graphs
from engine import spec as model_spec
from engine.results import keras_no, rejected_by
from engine.validate import SpecError, validate_graph
from runtime.jobs import job

PREDICT_ROWS = 8
SCATTER_ROWS = 200


def settings(g: model_spec.GraphSpec, epochs: int, learning_rate: float, batch_size: int,
             validation_split: float) -> model_spec.GraphSpec:
    return g.replace(epochs=int(epochs), learning_rate=float(learning_rate), fit_batch_size=int(batch_size),
                     validation_split=float(validation_split))


def check(text: str, dataset: str, **fit) -> tuple:
    """(GraphSpec, None) or (None, failure dict): parsed, validated, bound to the data."""
    try:
        g = graphs.from_text(text)
        if fit:
            g = settings(g, **fit)
        validate_graph(g)
        graphs.check_data(g, dataset)
    except SpecError as e:
        return None, rejected_by(e)
    return g, None


def graph_data(g: model_spec.GraphSpec, d) -> tuple[dict, dict]:
    """x keyed by input layer name, y keyed by output name, as `model.fit` takes them."""
    from engine.build import output_names

    x = {g.node(i).name or i: d.features[i] for i in g.model_inputs()}
    y = {nm: d.targets[o.target] for nm, o in zip(output_names(g), g.outputs)}
    # One input or one output: a plain array, as the generated code passes it.
    return (x if len(x) > 1 else next(iter(x.values()))), (y if len(y) > 1 else next(iter(y.values())))


@job
def describe_graph(ctx, text: str, dataset: str, call_label: str = "call {k} of {n}, same weights",
                   shared_comment: str = "one layer object, {calls} calls: one set of weights") -> dict:
    """Build the graph with Keras; everything the page shows without training it.

    Returns {"ok": True, table, totals, dot, summary, code, sequential, sequential_params,
    not_sequential, loose_ends, outputs, inputs, shared} or a failure (`engine.results`): the
    input rejected by our check, or Keras's own refusal, cleaned.
    """
    from engine.build import build_graph, output_names
    from engine.codegen import graph_lines, graph_source, is_chain, sequential_lines
    from engine.graph import model_graph, to_dot
    from engine.table import param_table, summary_text, totals

    g, failure = check(text, dataset)
    if failure:
        return failure
    try:
        model = build_graph(g, validate=False)
    except Exception as exc:  # Keras's own refusal is the lesson
        return keras_no(exc)
    seq = sequential_lines(g)
    seq_params = None
    if seq is not None:
        import keras

        from engine.build import fresh_names, make_layer, node_kwargs

        with fresh_names():
            seq_model = keras.Sequential([keras.Input(**node_kwargs(g.nodes[0])),
                                          *[make_layer(n) for n in g.nodes[1:]]])
        seq_params = int(seq_model.count_params())
    table = param_table(model, with_calls=True)
    return {
        "ok": True,
        "table": table.to_dict("records"),
        "totals": totals(model),
        "dot": to_dot(model_graph(model, call_label=call_label)),
        "summary": summary_text(model),
        "code": graph_source(g, dataset, comment_shared=shared_comment),
        "functional": "\n".join(graph_lines(g, shared_comment)),
        "sequential": "\n".join(seq) if seq else None,
        "sequential_params": seq_params,
        "is_chain": is_chain(g),
        "not_sequential": graphs.not_sequential(g),
        "loose_ends": graphs.loose_ends(g),
        "outputs": [{"name": nm, "node": o.node, "target": o.target, "loss": o.loss, "weight": o.weight,
                     "shape": str(tuple(t.shape))} for nm, o, t in zip(output_names(g), g.outputs, model.outputs)],
        "inputs": [{"name": t.name, "shape": str(tuple(t.shape))} for t in model.inputs],
        "layers": [layer.name for layer in model.layers],
        "model_name": model.name,
        "shared": [r["layer"] for r in table.to_dict("records") if r["calls"] > 1],
    }


def _fit(ctx, g: model_spec.GraphSpec, dataset: str, emit):
    """Build, compile, train (fit_fast, several inputs/outputs); (model, history, data, x, y)."""
    from engine import data
    from engine.build import build_graph
    from engine.fit_fast import fit_fast
    from engine.train_spec import time_capped

    cancelled, hit_limit = time_capped(ctx)

    d = data.load_graph(dataset, g.seed)
    x, y = graph_data(g, d)
    model = build_graph(g, compile=True, validate=False)
    hist = fit_fast(model, x, y, epochs=g.epochs, batch_size=g.fit_batch_size, validation_split=g.validation_split,
                    shuffle=True, seed=g.seed, on_epoch=lambda e, logs: emit({"epoch": e + 1, **logs}),
                    cancelled=cancelled)
    if hit_limit and hist.status == "cancelled":
        hist.status = "time_limit"
    return model, hist, d, x, y


def predictions(model, g: model_spec.GraphSpec, x, y) -> list[dict]:
    """Per output, on the validation rows: true and predicted values (a few as a table, more to plot)."""
    from engine.build import output_names

    xs = list(x.values()) if isinstance(x, dict) else [x]  # in the model's input order
    names = output_names(g)
    ys = [y[nm] for nm in names] if isinstance(y, dict) else [y]
    n = len(xs[0])
    start = int(np.floor(n * (1.0 - g.validation_split))) if g.validation_split else 0
    rows = slice(start, min(n, start + SCATTER_ROWS))
    pred = model([v[rows] for v in xs] if len(xs) > 1 else xs[0][rows], training=False)
    pred = pred if isinstance(pred, (list, tuple)) else [pred]
    out = []
    for nm, o, p, yv in zip(names, g.outputs, pred, ys):
        p = np.asarray(p, dtype="float32")[:, 0]
        true = yv[rows][:, 0]
        item = {"name": nm, "target": o.target, "kind": "binary" if "crossentropy" in o.loss else "regression",
                "y_true": true, "y_pred": p}
        if item["kind"] == "binary":
            item["accuracy"] = float(np.mean((p > 0.5) == (true > 0.5)))
        else:
            item["mae"] = float(np.mean(np.abs(p - true)))
        out.append(item)
    return out


@job
def train_graph(ctx, text: str, dataset: str, epochs: int = 100, learning_rate: float = 0.001,
                batch_size: int = 32, validation_split: float = 0.2) -> dict:
    """Train the graph, one message per epoch ({"epoch", "loss", "<output>_loss", ...}).

    Returns {"ok": True, "status", "history" (Keras's keys), "epochs_run", "seconds",
    "epochs_per_s", "engine", "predict": per output} or a failure dict.
    """
    from engine.train_spec import outcome

    t0 = time.perf_counter()
    g, failure = check(text, dataset, epochs=epochs, learning_rate=learning_rate, batch_size=batch_size,
                       validation_split=validation_split)
    if failure:
        return failure
    try:
        model, hist, d, x, y = _fit(ctx, g, dataset, ctx.emit)
    except Exception as exc:  # e.g. an output whose width does not fit its target: Keras says why
        return keras_no(exc)
    out = outcome(hist, t0)
    out["predict"] = predictions(model, g, x, y) if hist.epochs_run else None
    return out


@job
def keras_file(ctx, text: str, dataset: str, epochs: int = 100, learning_rate: float = 0.001,
               batch_size: int = 32, validation_split: float = 0.2) -> dict:
    """Train like the page did and save the model as .keras: {"ok", "data", "file_name", "x_check", "y_check"}."""
    from engine.exports import model_bytes

    g, failure = check(text, dataset, epochs=epochs, learning_rate=learning_rate, batch_size=batch_size,
                       validation_split=validation_split)
    if failure:
        return failure
    try:
        model, hist, d, x, y = _fit(ctx, g, dataset, lambda m: None)
    except Exception as exc:
        return keras_no(exc)
    x_check = {k: np.asarray(v[:5], dtype="float32") for k, v in x.items()} if isinstance(x, dict) else x[:5]
    xin = list(x_check.values()) if isinstance(x_check, dict) else [x_check]
    pred = model(xin if len(xin) > 1 else xin[0], training=False)
    pred = pred if isinstance(pred, (list, tuple)) else [pred]
    return {"ok": True, "data": model_bytes(model), "file_name": f"{g.name or 'functional'}.keras",
            "status": hist.status, "x_check": x_check, "y_check": [np.asarray(p) for p in pred]}
