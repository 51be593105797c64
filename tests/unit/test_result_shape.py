"""One result shape (issue 10): a failed job result is written and read only by `engine.results`.

Jobs and engine helpers write failures with `keras_no`, `rejected`, `rejected_by` (and `said`
for a field such as "fit_error"); pages and ui helpers read them with `failure_of`,
`keras_failure`, `said_text` and show them with `ui.model_view.show_failure`. The keys those
dicts carry are spelled only in engine/results.py, so no module builds
`{"ok": False, "keras_error": ...}` or reads `res["keras_error"]` by hand.
"""
from __future__ import annotations

import ast
from pathlib import Path

from engine.results import (
    KERAS,
    REJECTED,
    failure_of,
    keras_failure,
    keras_no,
    rejected,
    rejected_by,
    said,
    said_text,
)
from engine.validate import SpecError

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("lessons", "engine", "app_pages", "ui")  # writers, then readers
OWNER = ROOT / "engine" / "results.py"


def hand_built_failures() -> list[str]:
    """file:line of every literal "keras_error" / "spec_error" (a dict key, a subscript, a test)."""
    out = []
    for layer in LAYERS:
        for path in sorted((ROOT / layer).rglob("*.py")):
            if path == OWNER:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and node.value in (KERAS, REJECTED):
                    out.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}")
    return out


def test_failures_are_written_and_read_only_by_engine_results():
    offenders = hand_built_failures()
    assert not offenders, "write failures with engine.results (keras_no, rejected, rejected_by), read them " \
        "with failure_of / keras_failure / said_text: " + ", ".join(offenders)


def test_the_helpers_write_what_failure_of_reads():
    keras = failure_of(keras_no(ValueError("\x1b[1mbad\x1b[0m shape"), code="x = 1"))
    assert (keras.type, keras.message) == ("ValueError", "bad shape")
    assert failure_of(rejected("csv_shape_mismatch")).code == "csv_shape_mismatch"
    by = failure_of(rejected_by(SpecError("out_of_range", field="epochs", lo=1, hi=500)))
    assert (by.code, by.params) == ("out_of_range", {"field": "epochs", "lo": 1, "hi": 500})
    assert failure_of({"ok": True}) is None


def test_the_readers_for_a_page():
    keras = keras_no(ValueError("no tensor"), call_code="Model()")
    assert keras_failure(keras) == failure_of(keras)
    assert keras_failure(rejected("out_of_range")) is None
    assert keras_failure({"ok": True, KERAS: None}) is None  # a success that carries the key empty
    assert keras_failure(None) is None
    assert said_text(said(TypeError("bad labels"))) == "TypeError: bad labels"
    assert said_text(None) == ""
