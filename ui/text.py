"""Load the learner-facing text of one language from content/<lang>/*.toml.

Every file is a namespace: `content/en/dense_layer.toml` key `intro` is `dense_layer.intro`.
Pure Python (tomllib), so tests can compare the two languages key by key.
"""
from __future__ import annotations

import ast
import functools
import io
import logging
import os
import re
import string
import tokenize
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


@functools.cache
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


# ---------------------------------------------------------------- comments inside shown code
# The code a page shows is generated in English (lessons/, engine/codegen.py, engine/data.py) and
# must stay runnable; only its `# …` comments speak the learner's language. content/<lang>/
# code_comments.toml maps each English comment (the key, as the generator writes it, without "# ")
# to its translation; a `{name}` in a key matches any text and is repeated in the translation.
# Comments are found with `tokenize`, so a `#` inside a string literal is never touched.
COMMENTS = "code_comments"
STRICT_COMMENTS = "KFL_STRICT_COMMENTS"  # "1": an unknown comment raises (tests), else it is logged
_BENGALI = re.compile("[\u0980-\u09ff]")
_FIELD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_log = logging.getLogger(__name__)


class UnknownComment(KeyError):
    """A comment in shown code has no entry in content/<lang>/code_comments.toml."""


@functools.cache
def _comment_table(lang: str) -> tuple[dict, tuple]:
    """(exact English -> translation, ((pattern, translation), …) for keys with {fields})."""
    prefix = COMMENTS + "."
    exact, patterns = {}, []
    for key, value in strings(lang).items():
        if not key.startswith(prefix):
            continue
        english = key[len(prefix):]
        if _FIELD.search(english):
            regex, seen, pos = "", set(), 0
            for m in _FIELD.finditer(english):
                regex += re.escape(english[pos:m.start()])
                name = m.group(1)
                regex += f"(?P={name})" if name in seen else f"(?P<{name}>.+?)"
                seen.add(name)
                pos = m.end()
            patterns.append((re.compile(regex + re.escape(english[pos:]) + "$"), value))
        else:
            exact[english] = value
    return exact, tuple(patterns)


def _is_code(body: str) -> bool:
    """A commented-out statement or expression (`b = layer.bias.numpy()`, `(1) == 1`) stays as it is."""
    try:
        tree = ast.parse(body)
    except SyntaxError:
        return False
    if len(tree.body) != 1:
        return False
    node = tree.body[0]
    # A lone word ("again") or a lone number parses too, but is prose.
    return not (isinstance(node, ast.Expr) and isinstance(node.value, (ast.Name, ast.Constant)))


def comment_text(body: str, lang: str) -> str | None:
    """The comment `body` (without "# ") in `lang`; None if the table has no entry for it."""
    if lang == "en" or not body.strip() or _BENGALI.search(body) or _is_code(body):
        return body
    exact, patterns = _comment_table(lang)
    if body in exact:
        return exact[body]
    for pattern, value in patterns:
        m = pattern.match(body)
        if m:
            return value.format(**m.groupdict())
    return None


def code_comments(src: str) -> list[tuple[int, int, str]]:
    """Every comment of `src` as (line index, column, "# text"), found by the Python tokenizer.

    Shown code may be a fragment (an unclosed bracket, an odd indent): the tokenizer is restarted
    after a line it cannot read, and the comments it reached are kept.
    """
    lines = src.splitlines(keepends=True)
    found, start = [], 0
    while start < len(lines):
        reader = io.StringIO("".join(lines[start:])).readline
        try:
            for tok in tokenize.generate_tokens(reader):
                if tok.type == tokenize.COMMENT:
                    found.append((start + tok.start[0] - 1, tok.start[1], tok.string))
            break
        except tokenize.TokenError:  # EOF inside a bracket: every comment was already read
            break
        except SyntaxError as exc:  # an indentation the tokenizer rejects: read on from that line
            start += max((exc.lineno or 1) - 1, 1)
    return found


def missing_comments(src: str, lang: str) -> list[str]:
    """The comments of `src` that have no `lang` entry (what a test wants to be empty)."""
    return [c[1:].strip() for _, _, c in code_comments(src) if comment_text(c[1:].strip(), lang) is None]


def localise_code(src: str, lang: str) -> str:
    """`src` with every `# …` comment in `lang`; code and string literals unchanged.

    An unknown comment stays English and is logged (or raises UnknownComment when
    KFL_STRICT_COMMENTS=1, as the tests set it).
    """
    if lang == "en" or "#" not in src:
        return src
    lines = src.splitlines(keepends=True)
    for row, col, comment in code_comments(src):
        body = comment[1:].strip()
        text = comment_text(body, lang)
        if text is None:
            if os.environ.get(STRICT_COMMENTS) == "1":
                raise UnknownComment(f"no {lang} entry in content/{lang}/{COMMENTS}.toml for the comment {body!r}")
            _log.warning("code comment without a %s translation: %r", lang, body)
            continue
        line = lines[row]
        end = len(line.rstrip("\r\n"))
        lead = comment[: len(comment) - len(comment[1:].lstrip())]  # "#" and the spaces after it
        lines[row] = line[:col] + lead + text + line[end:]
    return "".join(lines)


_CODE_SPAN = re.compile(r"(`[^`\n]*`)")


def escape_markdown(text: str) -> str:
    """Keras's words for a cell that renders Markdown: `__init__` stays `__init__` (not bold `init`);
    its own backtick spans stay code."""
    return "".join(part if part.startswith("`") and part.endswith("`") and len(part) > 1
                   else re.sub(r"([\\*_\[\]<>])", r"\\\1", part) for part in _CODE_SPAN.split(text))
