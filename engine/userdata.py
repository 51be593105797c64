"""The learner's own CSV: read it, check it, turn chosen columns into training arrays.

Pure pandas and numpy (no Keras, no Streamlit): the page reads and checks the upload in the
Streamlit process and keeps it in the session; only the finished arrays travel to a worker,
where `train` (a job) fits the model on them through the same engine as the built-in data.

Every rejection is a `SpecError` whose code names a message in content/<lang>/build_and_train.toml
(prefix `csv_`). The preparation is written so that `engine.exports.csv_source` can spell out
the same steps as plain pandas code: what the learner downloads redoes exactly this.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from engine.validate import SpecError

MAX_BYTES = 5 * 1024 * 1024  # the same as server.maxUploadSize in .streamlit/config.toml
MAX_ROWS = 10_000
MIN_ROWS = 20  # after rows with missing values are left out; a validation split needs some
MAX_COLUMNS = 100  # in the file
MAX_FEATURES = 50
MAX_CLASSES = 10  # "a few classes": more than this is rarely what a learner means
MAX_NAME = 60  # characters of a column name
# Rows x epochs: the upload trains in one blocking call, so its length is capped (~10 s here).
MAX_SAMPLE_EPOCHS = 1_000_000
TASKS = ("auto", "regression", "classification")
_ENCODINGS = ("utf-8-sig", "cp1252")


@dataclass
class Table:
    """A CSV as read: the frame, and how to read it again (for the generated code)."""

    df: pd.DataFrame
    file_name: str
    sep: str = ","
    encoding: str = "utf-8-sig"

    @property
    def numeric(self) -> list[str]:
        return [c for c in self.df.columns if is_numeric(self.df[c])]


@dataclass
class Prepared:
    """Training arrays from a table, and every number needed to explain or redo them."""

    x: np.ndarray  # (n, features) float32, standardised
    y: np.ndarray  # (n, 1) float32: the target (standardised) or the class index
    task: str  # "regression" | "binary" | "multiclass"
    features: list[str]
    target: str
    classes: list = field(default_factory=list)  # class labels in index order
    dropped: int = 0  # rows left out for a missing value
    rows: int = 0

    @property
    def n_features(self) -> int:
        return int(self.x.shape[1])

    def digest(self) -> str:
        """Identifies these arrays, so results computed from them can be kept per session."""
        import hashlib

        h = hashlib.sha1()
        h.update(self.x.tobytes())
        h.update(self.y.tobytes())
        h.update(self.task.encode())
        return h.hexdigest()[:16]


def is_numeric(col: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)


def safe_file_name(name: str) -> str:
    """A file name that is safe to print inside generated code."""
    base = "".join(ch for ch in str(name or "")[-80:] if ch.isascii() and (ch.isalnum() or ch in "._-"))
    if not base.lower().endswith(".csv") or base.startswith("."):
        base = "my_data.csv"
    return base


def _sniff_sep(text: str) -> str:
    head = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(head, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def read_csv(raw: bytes, file_name: str = "my_data.csv") -> Table:
    """Bytes of an uploaded file -> Table, or SpecError saying what is wrong with it."""
    if raw is None or len(raw) == 0:
        raise SpecError("csv_empty")
    if len(raw) > MAX_BYTES:
        raise SpecError("csv_too_big", mb=round(len(raw) / 2**20, 1), max_mb=MAX_BYTES // 2**20)
    if b"\x00" in raw[:4096]:
        raise SpecError("csv_unreadable")  # a spreadsheet or picture, not text
    for enc in _ENCODINGS:
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:  # cp1252 fails only on a few bytes; anything else is not text
        raise SpecError("csv_unreadable")
    sep = _sniff_sep(text)
    try:
        df = pd.read_csv(io.StringIO(text), sep=sep, nrows=MAX_ROWS + 1)
    except pd.errors.EmptyDataError:
        raise SpecError("csv_empty") from None
    except (pd.errors.ParserError, ValueError, csv.Error):
        raise SpecError("csv_unreadable") from None
    if df.shape[1] > MAX_COLUMNS:
        raise SpecError("csv_too_many_columns", n=df.shape[1], max=MAX_COLUMNS)
    if len(df) > MAX_ROWS:
        raise SpecError("csv_too_many_rows", max=f"{MAX_ROWS:,}")
    if df.shape[1] < 2:
        raise SpecError("csv_one_column")
    if len(df) < MIN_ROWS:
        raise SpecError("csv_too_few_rows", n=len(df), min=MIN_ROWS)
    long = [str(c) for c in df.columns if len(str(c)) > MAX_NAME]
    if long:
        raise SpecError("csv_long_name", name=long[0][:40] + "…", max=MAX_NAME)
    df.columns = [str(c) for c in df.columns]
    if len(set(df.columns)) != len(df.columns):  # pandas renames duplicates; an odd header anyway
        raise SpecError("csv_unreadable")
    return Table(df, safe_file_name(file_name), sep, enc)


def default_target(table: Table) -> str:
    """The last column: where most data sets put what is to be predicted."""
    return str(table.df.columns[-1])


def default_features(table: Table, target: str) -> list[str]:
    return [c for c in table.numeric if c != target][:MAX_FEATURES]


def resolve_task(col: pd.Series, task: str = "auto") -> str:
    """auto: text, or whole numbers with at most MAX_CLASSES values -> classes; else regression."""
    if task not in TASKS:
        raise SpecError("choice_invalid", field="task", value=str(task)[:40])
    values = col.dropna()
    numeric = is_numeric(col)
    if task == "regression":
        if not numeric:
            raise SpecError("csv_text_target_regression", name=col.name)
        return "regression"
    n_values = values.nunique()
    if task == "auto":
        whole = numeric and bool(np.all(np.mod(values.astype("float64"), 1) == 0))
        if numeric and not (whole and n_values <= MAX_CLASSES):
            return "regression"
        if not numeric and n_values > MAX_CLASSES:
            raise SpecError("csv_too_many_classes", name=col.name, n=n_values, max=MAX_CLASSES)
    if n_values > MAX_CLASSES:
        raise SpecError("csv_too_many_classes", name=col.name, n=n_values, max=MAX_CLASSES)
    return "binary" if n_values == 2 else "multiclass"


def prepare(table: Table, target: str, features: list[str], task: str = "auto", seed: int = 0) -> Prepared:
    """Chosen columns -> shuffled, standardised float32 arrays; SpecError if they cannot train.

    The steps, in the order the generated code repeats them: keep the chosen columns, leave
    out rows with a missing value, shuffle the rows (Keras takes the validation split from the
    end, and files are often sorted), standardise each feature, then the target: standardised
    for regression, the index of its class (sorted labels) for classification.
    """
    df = table.df
    if target not in df.columns:
        raise SpecError("csv_no_target")
    features = [str(f) for f in (features or [])]
    if not features:
        raise SpecError("csv_no_features")
    missing_cols = [f for f in features if f not in df.columns]
    if missing_cols:
        raise SpecError("choice_invalid", field="features", value=missing_cols[0][:40])
    if target in features:
        raise SpecError("csv_target_is_feature", name=target)
    if len(features) > MAX_FEATURES:
        raise SpecError("csv_too_many_features", n=len(features), max=MAX_FEATURES)
    text = [f for f in features if not is_numeric(df[f])]
    if text:
        raise SpecError("csv_text_feature", names=", ".join(f"`{c}`" for c in text[:5]))
    data = df[features + [target]].replace([np.inf, -np.inf], np.nan).dropna()
    dropped = len(df) - len(data)
    if len(data) < MIN_ROWS:
        raise SpecError("csv_too_few_after_missing", n=len(data), dropped=dropped, min=MIN_ROWS)
    if data[target].nunique() < 2:
        raise SpecError("csv_constant_target", name=target)
    kind = resolve_task(data[target], task)
    data = data.iloc[np.random.default_rng(seed).permutation(len(data))]
    x = data[features].to_numpy("float32")
    std = x.std(0)
    x = (x - x.mean(0)) / np.where(std > 0, std, 1)
    classes: list = []
    if kind == "regression":
        y = data[target].to_numpy("float32").reshape(-1, 1)
        y = (y - y.mean()) / y.std()
    else:
        classes = sorted(data[target].unique())
        y = data[target].map({c: i for i, c in enumerate(classes)}).to_numpy("float32").reshape(-1, 1)
        classes = [c.item() if hasattr(c, "item") else c for c in classes]  # plain Python for pickling
    return Prepared(x.astype("float32"), y.astype("float32"), kind, features, target, classes, dropped, len(data))


def check_work(rows: int, epochs: int) -> None:
    """Uploads train in one call: refuse runs that would keep a shared server busy too long."""
    if rows * epochs > MAX_SAMPLE_EPOCHS:
        raise SpecError("csv_too_much_work", rows=f"{rows:,}", epochs=epochs,
                        max_epochs=max(1, MAX_SAMPLE_EPOCHS // max(rows, 1)))


def example_csv() -> bytes:
    """Fisher's iris flowers (bundled with scikit-learn): 150 rows, 4 features, 3 classes."""
    from sklearn.datasets import load_iris

    iris = load_iris(as_frame=True)
    df = iris.frame.rename(columns=lambda c: c.replace(" (cm)", "").replace(" ", "_"))
    df["target"] = [iris.target_names[i] for i in iris.target]
    return df.rename(columns={"target": "species"}).to_csv(index=False).encode()


