"""Load the learner-facing text of one language from content/<lang>/*.toml.

Every file is a namespace: `content/en/dense_layer.toml` key `intro` is `dense_layer.intro`.
Pure Python (tomllib), so tests can compare the two languages key by key.
"""
from __future__ import annotations

import functools
import string
import tomllib
from pathlib import Path

LANGS = ("bn", "en")
DEFAULT_LANG = "bn"
CONTENT = Path(__file__).resolve().parent.parent / "content"


def _flatten(prefix: str, table: dict, out: dict) -> None:
    for k, v in table.items():
        key = f"{prefix}.{k}"
        if isinstance(v, dict):
            _flatten(key, v, out)
        else:
            out[key] = v


@functools.lru_cache(maxsize=None)
def strings(lang: str) -> dict:
    """All strings of a language as a flat {namespace.key: value} dict."""
    if lang not in LANGS:
        lang = DEFAULT_LANG
    out: dict = {}
    for path in sorted((CONTENT / lang).glob("*.toml")):
        with path.open("rb") as f:
            _flatten(path.stem, tomllib.load(f), out)
    return out


def placeholders(text: str) -> set[str]:
    """The {names} a string expects, so both languages can be checked to agree."""
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def translate(lang: str, key: str, **params) -> str:
    table = strings(lang)
    text = table.get(key)
    if text is None:
        text = strings(DEFAULT_LANG).get(key, key)
    if not isinstance(text, str):
        return text
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text
    return text
