"""The self-check: questions, their answers and the scoring, as plain Python.

The words of every question live in `content/<lang>/exam.toml` under `q.<id>`; here are
only the ids, the right answers and what each answer rests on. Every answer that Keras can
confirm names a `check`, and tests/test_exam.py runs that check against the installed
Keras — so an upgrade that changes a default or an error message fails a test instead of
teaching something false.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from engine.validate import SpecError, parse_int
from runtime.jobs import job

CHOICE, MULTI, NUMBER = "choice", "multi", "number"
MAX_NUMBER_ANSWER = 10_000_000


@dataclass(frozen=True)
class Question:
    """One question: `options` are ids of texts in exam.toml; `answer` an option id, ids or an int."""

    id: str
    section: str
    kind: str
    answer: object
    page: str
    options: tuple[str, ...] = ()
    check: str | None = None  # what tests/test_exam.py verifies against Keras
    keras_says: str | None = None  # Keras's verbatim complaint, shown as feedback and tested


SECTIONS = ("summary", "params", "heads", "compile", "rule", "freeze")

QUESTIONS: tuple[Question, ...] = (
    # --- The document's summary table: what happens when a piece is left out.
    Question("input_no_shape", "summary", CHOICE, "error", "input_layer",
             ("guess_1", "error", "scalar", "batch_only"),
             check="mandatory:input_shape", keras_says="ValueError: You must pass a `shape` argument."),
    Question("dense_no_units", "summary", CHOICE, "error", "dense_layer",
             ("one_unit", "same_as_input", "error", "auto"),
             check="mandatory:dense_units",
             keras_says="TypeError: Dense.__init__() missing 1 required positional argument: 'units'"),
    Question("dense_no_activation", "summary", CHOICE, "linear", "dense_layer",
             ("error", "relu", "sigmoid", "linear"), check="dense_default_activation"),
    Question("linear_stack", "summary", CHOICE, "straight", "dense_layer",
             ("any_curve", "straight", "error", "positive"), check="linear_collapse"),
    Question("dense_auto_name", "summary", CHOICE, "dense_1", "dense_layer",
             ("dense_2", "hidden_1", "dense_1", "layer_2"), check="dense_auto_name"),
    Question("input_auto_name", "summary", CHOICE, "input_layer", "input_layer",
             ("input_1", "input_layer", "keras_tensor", "inputs"), check="input_auto_name"),
    Question("model_no_outputs", "summary", CHOICE, "error", "model_container",
             ("ends_at_input", "error", "finds_last", "warning"), check="mandatory:model_outputs",
             keras_says="TypeError: Layer.__init__() takes 1 positional argument but 2 were given"),
    Question("mandatory_set", "summary", MULTI, ("input_shape", "dense_units", "model_inputs", "model_outputs"),
             "home",
             ("input_shape", "dense_units", "dense_activation", "dense_name", "model_inputs", "model_outputs"),
             check="mandatory_set"),
    # --- Parameter arithmetic: in×units + units.
    Question("params_first", "params", NUMBER, 16, "dense_layer", check="dense_params:1:8:1"),
    Question("params_second", "params", NUMBER, 144, "dense_layer", check="dense_params:8:16:1"),
    Question("params_no_bias", "params", NUMBER, 80, "dense_layer", check="dense_params:10:8:0"),
    Question("params_total", "params", NUMBER, 233, "build_and_train", check="recommended_total"),
    Question("params_frozen", "params", NUMBER, 0, "model_container", check="frozen_trainable"),
    # --- The outputs tensor and the head that fits the task.
    Question("outputs_is", "heads", CHOICE, "keras_tensor", "outputs_tensor",
             ("model", "keras_tensor", "numpy", "layer"), check="outputs_type"),
    Question("outputs_shape", "heads", CHOICE, "none_1", "outputs_tensor",
             ("one", "none_1", "one_one", "b32_1"), check="outputs_shape"),
    Question("head_regression", "heads", CHOICE, "linear_1", "outputs_tensor",
             ("sigmoid_1", "linear_1", "softmax_10", "relu_2")),
    Question("head_binary", "heads", CHOICE, "sigmoid_1", "outputs_tensor",
             ("linear_1", "relu_1", "sigmoid_1", "softmax_10"), check="sigmoid_range"),
    Question("head_multiclass", "heads", CHOICE, "softmax_10", "outputs_tensor",
             ("sigmoid_1", "softmax_10", "linear_10", "relu_10"), check="softmax_sums"),
    # --- compile(): what it needs, and what Keras 3 does when something is missing.
    Question("fit_before_compile", "compile", CHOICE, "error", "compile_step",
             ("defaults", "error", "adam", "silent"), check="mandatory:compile",
             keras_says="ValueError: You must call `compile()` before using the model."),
    Question("compile_no_optimizer", "compile", CHOICE, "rmsprop", "compile_step",
             ("error", "adam", "rmsprop", "sgd"), check="default_optimizer"),
    Question("compile_no_loss", "compile", CHOICE, "fit_error", "compile_step",
             ("mse", "compile_error", "fit_error", "zero"), check="mandatory:compile_loss",
             keras_says="ValueError: No loss to compute. Provide a `loss` argument in `compile()`."),
    Question("compile_no_metrics", "compile", CHOICE, "loss_only", "compile_step",
             ("error", "loss_only", "accuracy", "mae"), check="history_without_metrics"),
    # --- The golden rule and the interview answer.
    Question("golden_rule", "rule", CHOICE, "layers_functions", "home",
             ("layers_functions", "tensors_functions", "model_data", "layers_data")),
    Question("interview", "rule", CHOICE, "tensors_to_tensors", "home",
             ("stacking_list", "tensors_to_tensors", "subclassing", "compile_defines")),
    # --- The weight-freeze half: interview one-liners and TL;DR.
    Question("freeze_means", "freeze", CHOICE, "no_update", "weight_freeze",
             ("deleted", "no_update", "reset", "zero_output"), check="freeze_keeps_weights"),
    Question("freeze_where", "freeze", CHOICE, "transfer", "transfer_learning",
             ("augmentation", "transfer", "tokenizing", "batchnorm_only")),
    Question("freeze_why", "freeze", CHOICE, "keep_knowledge", "transfer_learning",
             ("bigger_model", "keep_knowledge", "faster_predict", "more_data")),
    Question("freeze_recompile", "freeze", CHOICE, "yes", "weight_freeze",
             ("no", "yes", "only_tf1", "only_gpu"), check="recompile_needed"),
)

BY_ID = {q.id: q for q in QUESTIONS}


def question(qid: str) -> Question:
    return BY_ID[qid]


def normalise(q: Question, response):
    """The learner's raw widget value -> a comparable answer; None if unanswered.

    Raises SpecError for a number answer that is not a whole number, so the page can say so.
    """
    if response is None:
        return None
    if q.kind == NUMBER:
        text = str(response).strip()
        if text == "":
            return None
        return parse_int(text.replace(",", "").replace("_", ""), 0, MAX_NUMBER_ANSWER, "answer")
    if q.kind == MULTI:
        picked = tuple(sorted(str(r) for r in response))
        return picked or None
    return str(response)


def is_correct(q: Question, response) -> bool | None:
    """True/False for an answer, None while the question is unanswered or the input is unreadable."""
    try:
        value = normalise(q, response)
    except SpecError:
        return None
    if value is None:
        return None
    if q.kind == MULTI:
        return value == tuple(sorted(q.answer))
    return value == q.answer


@dataclass(frozen=True)
class Score:
    correct: int
    answered: int
    total: int


def score(answers: dict) -> Score:
    """Count correct and answered questions from {question id: raw response}."""
    correct = answered = 0
    for q in QUESTIONS:
        verdict = is_correct(q, answers.get(q.id))
        if verdict is None:
            continue
        answered += 1
        correct += int(verdict)
    return Score(correct, answered, len(QUESTIONS))


# ---------------------------------------------------------------- the summary table, run on Keras
# The revision sheet's "left out →" table is not written by hand: `table_rows()` runs every call on the
# installed Keras, `python -m lessons.exam` ships the result as JSON, and the page (which never imports
# Keras) renders that file. tests/unit/test_exam_table.py runs the calls again and fails with a
# "regenerate" message when the installed Keras says something else.
#
# The file lives in content/ because it is learner-facing text the page reads like the TOML files
# (Keras's own words, the same in both languages); content/generated/ because no one edits it by hand.
TABLE_FILE = Path(__file__).resolve().parent.parent / "content" / "generated" / "summary_table.json"
REGENERATE = ".venv/bin/python -m lessons.exam"

# (row id, the component the document lists, the call written without it) — in the table's order.
# A row id with "_keyword"/"_positional" is the same omission written two ways: Keras answers differently.
SUMMARY_CALLS = (
    ("input_shape", "Input.shape", "Input()"),
    ("dense_units", "Dense.units", "Dense()"),
    ("dense_activation", "Dense.activation", "Dense(1)"),
    ("dense_name", "Dense.name", "Dense(1); Dense(1)"),
    ("model_inputs_keyword", "Model.inputs", "Model(outputs=outputs)"),
    ("model_inputs_positional", "Model.inputs", "Model(outputs)"),
    ("model_outputs_keyword", "Model.outputs", "Model(inputs=inputs)"),
    ("model_outputs_positional", "Model.outputs", "Model(inputs)"),
    ("compile", "compile()", "model.fit(x, y)"),
    ("compile_loss", "compile(loss=…)", 'model.compile(optimizer="adam"); model.fit(x, y)'),
    ("compile_optimizer", "compile(optimizer=…)", 'model.compile(loss="mse")'),
)


def table_rows() -> list[dict]:
    """Every row of SUMMARY_CALLS run on the installed Keras: what it raised (type and message, cleaned
    by engine.keras_errors) or, when it raised nothing, the default Keras filled in."""
    import keras
    import numpy as np

    from engine.build import fresh_names
    from engine.keras_errors import capture, mandatory_demo
    from lessons.model_container import model_call_rows

    model_rows = {r["call"]: r for r in model_call_rows()}

    def default_of(what: str) -> str:
        with fresh_names():
            if what == "dense_activation":
                return keras.layers.Dense(1).get_config()["activation"]
            if what == "dense_name":
                return ", ".join(keras.layers.Dense(1).name for _ in range(2))
            inputs = keras.Input(shape=(1,))
            model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
            model.compile(loss="mse")
            model.fit(np.zeros((4, 1)), np.zeros((4, 1)), epochs=1, verbose=0)  # it trains: nothing is missing
            return type(model.optimizer).__name__

    rows = []
    for what, component, call in SUMMARY_CALLS:
        row = {"what": what, "component": component, "call": call, "error_type": None, "error": None,
               "default": None}
        if call in model_rows:
            row["error_type"], row["error"] = model_rows[call]["error_type"], model_rows[call]["error"]
        elif what in ("dense_activation", "dense_name", "compile_optimizer"):
            got: dict = {}
            err = capture(lambda w=what, into=got: into.update(value=default_of(w)))
            if err is None:
                row["default"] = got["value"]
            else:  # a Keras that makes it mandatory: the table shows what it said
                row["error_type"], row["error"] = err.type, err.message
        else:
            err = mandatory_demo(what)
            if err is not None:
                row["error_type"], row["error"] = err.type, err.message
        rows.append(row)
    return rows


def table_data() -> dict:
    """What the shipped file holds: the rows and the Keras version that produced them."""
    import keras

    return {"keras_version": keras.__version__, "regenerate": REGENERATE, "rows": table_rows()}


def shipped_table() -> dict:
    """The table as shipped (pure Python: the page reads it without TensorFlow)."""
    return json.loads(TABLE_FILE.read_text(encoding="utf-8"))


def brief_error(row: dict, limit: int = 110) -> str:
    """`Type: message` for a table cell: Keras's repr of the tensors it rejected is cut off."""
    return f"{row['error_type']}: {row['error'].split(': {')[0][:limit]}"


@job
def summary_errors(ctx) -> dict:
    """The summary table's rows, run now on the installed Keras (the page's "run it" button)."""
    return table_data()


def write_table(path: Path = TABLE_FILE) -> dict:
    data = table_data()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return data


if __name__ == "__main__":
    written = write_table()
    print(f"wrote {TABLE_FILE.relative_to(TABLE_FILE.parents[2])}: {len(written['rows'])} rows, "
          f"Keras {written['keras_version']}")
