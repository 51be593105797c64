"""One result shape for "it did not work": Keras said no, or the learner's input was rejected.

Jobs return plain dicts (they travel between processes); a failed one is
`{"ok": False, "keras_error": (type, message), ...}` or `{"ok": False, "spec_error": (code, params), ...}`.
These helpers are the only way to write and to read those two keys:

- `keras_no(exc, **extra)`: Keras's own refusal, cleaned once by `engine.keras_errors.keras_said`.
- `rejected(code, **params)` / `rejected_by(spec_error, **extra)`: the learner's input, refused by
  `engine.validate` before Keras ran; the page words it from `content/<lang>/errors.toml`.
- `failure_of(result)`: a `KerasSaid`, an `InputRejected` or None, for the one UI function that
  shows failures (`ui.model_view.show_failure`).
- `keras_failure(result)`: only Keras's refusal (None for a rejected input), for a page whose lesson
  *is* that refusal; `said_text(pair)`: a `said` field (a table row's "error") as one line.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from engine.keras_errors import keras_said

KERAS = "keras_error"
REJECTED = "spec_error"


@dataclass(frozen=True)
class KerasSaid:
    """Keras (or TensorFlow) raised: its exception type and its own message, cleaned once."""

    type: str
    message: str

    def __str__(self) -> str:
        return f"{self.type}: {self.message}"


@dataclass(frozen=True)
class InputRejected:
    """The learner's input was refused before Keras ran: an errors.toml code and its parameters."""

    code: str
    params: dict = field(default_factory=dict)


def said(exc: BaseException) -> tuple[str, str]:
    """(type, message) of an exception as a result carries it (for fields such as "fit_error")."""
    return keras_said(exc)


def keras_no(exc: BaseException, **extra) -> dict:
    """A failed result carrying what Keras said."""
    return {"ok": False, KERAS: keras_said(exc), **extra}


def rejected(code: str, extra: dict | None = None, **params) -> dict:
    """A failed result: the learner's input was rejected (`code` is a key of errors.toml)."""
    return {"ok": False, REJECTED: (code, params), **(extra or {})}


def rejected_by(err, **extra) -> dict:
    """A failed result from an `engine.validate.SpecError`."""
    return {"ok": False, REJECTED: (err.code, dict(err.params)), **extra}


def keras_said_of(value) -> KerasSaid | None:
    """A (type, message) pair (or a KerasError, or a KerasSaid) as a KerasSaid."""
    if value is None:
        return None
    if isinstance(value, KerasSaid):
        return value
    if hasattr(value, "type") and hasattr(value, "message"):
        return KerasSaid(str(value.type), str(value.message))
    etype, msg = value
    return KerasSaid(str(etype), str(msg))


def failure_of(result) -> KerasSaid | InputRejected | None:
    """What went wrong in a job's result dict, or None if nothing did."""
    if not isinstance(result, dict) or result.get("ok", True):
        return None
    if result.get(REJECTED) is not None:
        code, params = result[REJECTED]
        return InputRejected(str(code), dict(params or {}))
    if result.get(KERAS) is not None:
        return keras_said_of(result[KERAS])
    return None


def keras_failure(result) -> KerasSaid | None:
    """What Keras said in a failed result, or None (it did not fail, or the input was rejected)."""
    failure = failure_of(result)
    return failure if isinstance(failure, KerasSaid) else None


def said_text(value) -> str:
    """A (type, message) field written by `said` as one line, "type: message" ("" if there is none)."""
    said_ = keras_said_of(value)
    return "" if said_ is None else str(said_)
