"""Shared test helpers: run a page through the real entry script with AppTest."""
from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

PAGES = [
    "home",
    "input_layer",
    "dense_layer",
    "outputs_tensor",
    "model_container",
    "build_and_train",
    "compile_step",
    "exam",
    "weight_freeze",
    "transfer_learning",
    "fine_tuning",
]
LANGS = ["bn", "en"]
# Pages that import TensorFlow need far more than AppTest's 3 s default.
TIMEOUT = 120


def open_page(page: str, lang: str = "bn", timeout: float = TIMEOUT, **query):
    """AppTest of `streamlit_app.py` switched to `page`, with ?lang= and other query params."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=timeout)
    at.query_params["lang"] = lang
    for k, v in query.items():
        at.query_params[k] = v
    if page != "home":
        at.switch_page(f"app_pages/{page}.py")
    at.run()
    return at


def texts(at) -> str:
    """All visible text of a run (markdown, captions, code, metrics, errors...) joined."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "code", "error", "warning",
                 "info", "success", "text", "latex"):
        for el in getattr(at, kind, []):
            parts.append(str(el.value))
    for m in at.metric:
        parts.append(f"{m.label} {m.value}")
    return "\n".join(parts)

