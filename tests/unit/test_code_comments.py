"""Shown code speaks the learner's language: every comment a generator can write has a Bengali entry.

Two nets, so a new comment cannot slip through:
- statically, every string literal in lessons/, engine/ and app_pages/ (f-strings with their
  `{fields}`) is read line by line with Python's tokenizer, and each `# …` comment it holds must be
  known to content/bn/code_comments.toml;
- dynamically, the code the generators really produce (presets, datasets, lesson code functions) is
  localised and must leave no comment unknown, stay the same code token for token, and still compile.
And ui.text.localise_code never touches a `#` inside a string literal.
"""
from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

import pytest

from ui.text import (
    STRICT_COMMENTS,
    UnknownComment,
    code_comments,
    comment_text,
    localise_code,
    missing_comments,
)

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("lessons", "engine", "app_pages")
ONLY_A_FIELD = "{"  # `# {comment_shared…}`: the text comes from content/, already in the page's language


def _string_literals(path: Path):
    """(line, text) of every string literal that is not a docstring; an f-string's fields as `{expr}`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                skip.add(id(first.value))
        if isinstance(node, ast.JoinedStr):
            skip.update(id(v) for v in node.values)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            yield node.lineno, node.value
        elif isinstance(node, ast.JoinedStr):
            yield node.lineno, "".join(v.value if isinstance(v, ast.Constant) else "{" + ast.unparse(v.value) + "}"
                                       for v in node.values)


def _comments_in_literal(text: str):
    """Comments a code line in this literal would carry ("# " + words; "#1f6feb" is a colour, not a comment)."""
    for line in text.splitlines():
        if "#" not in line:
            continue
        try:
            for tok in tokenize.generate_tokens(io.StringIO(line).readline):
                if tok.type == tokenize.COMMENT and tok.string.startswith("# "):
                    yield tok.string[2:].strip()
        except (tokenize.TokenError, SyntaxError):  # a fragment such as `metrics=[...])  # …`
            continue


def all_generator_comments() -> list[tuple[str, str]]:
    found = []
    for folder in SCANNED:
        for path in sorted((ROOT / folder).glob("*.py")):
            for line, text in _string_literals(path):
                for body in _comments_in_literal(text):
                    if not body.startswith(ONLY_A_FIELD):
                        found.append((f"{path.relative_to(ROOT)}:{line}", body))
    return found


def test_the_scan_finds_the_comments_it_must_find():
    bodies = {body for _, body in all_generator_comments()}
    for known in ("no compile() here: the mistake", "the document's loop", "442 patients, 10 features",
                  "Step 2: freeze it", "({n}) is the int {n}, not a tuple", "compile again after every trainable change"):
        assert known in bodies, known
    assert not any(b.startswith(("1f6feb", "dbeafe")) for b in bodies)  # colours are not comments


def test_every_comment_a_generator_can_write_has_a_bengali_entry():
    missing = [f"{where}: {body!r}" for where, body in all_generator_comments() if comment_text(body, "bn") is None]
    assert not missing, "add these to content/bn/code_comments.toml (and the same key to content/en/):\n" + "\n".join(missing)


def test_the_table_has_no_stale_entries():
    from ui.text import COMMENTS, strings

    bodies = {body for _, body in all_generator_comments()}
    keys = [k[len(COMMENTS) + 1:] for k in strings("bn") if k.startswith(COMMENTS + ".")]
    assert sorted(k for k in keys if k not in bodies) == []


def _code_tokens(src: str) -> list[tuple[int, str]]:
    return [(tok.type, tok.string) for tok in tokenize.generate_tokens(io.StringIO(src).readline)
            if tok.type != tokenize.COMMENT]


def _generated_sources() -> dict[str, str]:
    """Code the generators produce for the defaults, presets and the variants the pages show."""
    from engine import codegen, data, graphs, stack, transfer
    from engine import spec as model_spec
    from lessons import fine_tuning, input_layer, transfer_learning, weight_freeze

    out = {}
    for name in data.LOADERS:
        out[f"data:{name}"] = data.code(name)
    for name in data.GRAPH_LOADERS:
        out[f"graph_data:{name}"] = data.graph_code(name)
    for name in graphs.PRESETS:
        out[f"preset:{name}"] = codegen.graph_source(graphs.preset(name), graphs.PRESET_DATA[name])
    for i, spec in enumerate((model_spec.recommended(), model_spec.minimal())):
        out[f"source:{i}"] = codegen.source(spec, dataset="curve")
    out["home"] = "\n".join(stack.home_lines(2, "predict"))
    for variant in ("document", "fixed"):
        out[f"freeze_loop:{variant}"] = weight_freeze.loop_code(variant)
    for again in (False, True):
        out[f"recompile:{again}"] = weight_freeze.recompile_code("dense1", again, 2)
    out["train_freeze"] = weight_freeze.train_code(("conv",), True, 3)
    out.update({f"transfer:{k}": v for k, v in transfer_learning.step_snippets().items()})
    for variant in ("document", "input_shape", "gap"):
        out[f"step3:{variant}"] = transfer_learning._step3_code(variant)
    for s in transfer.STRATEGIES:
        out[f"strategy:{s}"] = transfer.strategy_code(s, 5, 3, 1e-2)
    out["strategy:partial"] = transfer.strategy_code("unfrozen", 5, 3, 1e-2, k=4)
    out["race"] = fine_tuning.race_code(4, 1e-3, 1e-5, 5, 3, 3)
    out["int_bug"] = input_layer.int_shape(None, n=1)["code"]
    return out


@pytest.fixture(scope="module")
def sources():
    return _generated_sources()


def test_generated_code_is_fully_localised_and_still_the_same_code(sources):
    for name, src in sources.items():
        assert missing_comments(src, "bn") == [], name
        bn = localise_code(src, "bn")
        assert localise_code(src, "en") == src, name  # English pages: unchanged
        assert _code_tokens(bn) == _code_tokens(src), name  # only comments changed
        try:
            compile(src, name, "exec")
        except SyntaxError:
            continue  # a fragment shown on its own
        compile(bn, name, "exec")


def test_generated_code_shows_bengali_comments(sources):
    shown = "\n".join(localise_code(src, "bn") for src in sources.values())
    for bengali in ("# এখানে compile() নেই: এটাই ভুল", "# document-এর loop", "# ৪৪২ জন রোগী, ১০টি feature",
                    "# ধাপ ২: সেটা freeze করো", "# (1) আসলে int 1, tuple নয়"):
        assert bengali in shown, bengali


def test_a_hash_inside_a_string_is_not_a_comment():
    src = 'label = "# the document\'s loop"  # the document\'s loop\nurl = f"{base}#again!"\n'
    bn = localise_code(src, "bn")
    assert bn.splitlines()[0] == 'label = "# the document\'s loop"  # document-এর loop'
    assert bn.splitlines()[1] == 'url = f"{base}#again!"'


def test_fields_code_fragments_and_indentation():
    assert localise_code("x = Input(shape=(7))   # (7) is the int 7, not a tuple\n", "bn") == \
        "x = Input(shape=(7))   # (7) আসলে int 7, tuple নয়\n"
    # a commented-out statement and a tuple are code: they stay as written, no entry needed
    assert comment_text("b = layer.bias.numpy()", "bn") == "b = layer.bias.numpy()"
    assert comment_text("(1797, 8, 8, 1)", "bn") == "(1797, 8, 8, 1)"
    # a fragment with an unclosed bracket, or an indentation the tokenizer rejects, still has its comments found
    frag = "model.compile(optimizer=\"adam\",\n    metrics=[\"accuracy\"])  # again!\nx = (1  # again!\n"
    assert [c for _, _, c in code_comments(frag)] == ["# again!", "# again!"]
    assert localise_code(frag, "bn").count("# আবার!") == 2
    odd = "if x:\n        a = 1  # again!\n    b = 2  # again!\nc = 3  # again!\n"
    assert localise_code(odd, "bn").count("# আবার!") == 3


def test_an_unknown_comment_is_logged_or_raises_in_strict_mode(monkeypatch, caplog):
    src = "x = 1  # a comment nobody translated\n"
    monkeypatch.delenv(STRICT_COMMENTS, raising=False)
    assert localise_code(src, "bn") == src
    assert "a comment nobody translated" in caplog.text
    monkeypatch.setenv(STRICT_COMMENTS, "1")
    with pytest.raises(UnknownComment):
        localise_code(src, "bn")
