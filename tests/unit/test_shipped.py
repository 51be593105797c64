"""The shipped first results (ui/shipped.py): made by this very code and the installed Keras,
equal to a live run, and enough for a cold server with no worker yet to show a page's model."""
from __future__ import annotations

import math
import re

import pytest

from ui import shipped

REMAKE = "make it again: make shipped"


@pytest.fixture(scope="module")
def data():
    got = shipped.read()
    assert got is not None, f"{shipped.FILE} is missing: {REMAKE}"
    return got


def test_the_file_was_made_by_this_code_and_these_pins(data):
    assert data["fingerprint"] == shipped.fingerprint(), \
        f"engine/, lessons/, runtime/jobs.py or requirements.txt changed since the file was made: {REMAKE}"
    from importlib.metadata import version

    assert data["keras"] == version("keras")
    pages = {entry["target"].split(":")[0] for entry in data["results"].values()}
    assert {"lessons.dense_layer", "lessons.spec_jobs", "lessons.weight_freeze", "lessons.fine_tuning"} <= pages


# Measured durations (seconds, ms per epoch, epochs per second) are the machine's, not the model's.
TIMING = re.compile(r"second|per_s$|_ms$|^ms_|time")


def _same(a, b, path="") -> list[str]:
    """Where two results differ; floats may differ in the last digits (TensorFlow's thread pools
    may sum in another order), durations may differ at will, nothing else may."""
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) and math.isnan(b) or math.isclose(a, b, rel_tol=1e-3, abs_tol=1e-5):
            return []
        return [f"{path}: {a!r} != {b!r}"]
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return [f"{path}: keys {sorted(a.keys() ^ b.keys())}"]
        return [d for k in a if not (isinstance(k, str) and TIMING.search(k)) for d in _same(a[k], b[k], f"{path}.{k}")]
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if len(a) != len(b):
            return [f"{path}: length {len(a)} != {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in _same(x, y, f"{path}[{i}]")]
    if type(a).__module__ == "numpy" or type(b).__module__ == "numpy":
        import numpy as np

        ok = np.allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=1e-3, atol=1e-5)
        return [] if ok else [f"{path}: arrays differ"]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


@pytest.mark.slow
def test_every_shipped_result_equals_a_live_run(data):
    from ui import client

    pool = client.pool()
    diffs = []
    for entry in data["results"].values():
        live = pool.call(entry["target"], timeout=900, **entry["args"])
        diffs += [f"{entry['target']} {str(entry['args'])[:80]}: {d}" for d in _same(entry["result"], live)[:3]]
    assert not diffs, "\n".join(diffs[:20]) + f"\n{REMAKE}"
