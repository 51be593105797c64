"""A Bengali page shows the code's comments in Bengali; the English page shows them as written.

Strict mode (KFL_STRICT_COMMENTS=1): a comment without an entry in content/bn/code_comments.toml
would raise inside the page and show up as an exception here.
"""
import pytest

from tests.conftest import open_page
from ui.text import STRICT_COMMENTS, code_comments

P = "weight_freeze"
ENGLISH = "# compile AFTER choosing what is frozen: fit() uses the trainable set seen at compile time"
BENGALI = "# কী freeze থাকবে ঠিক করার পরে compile করো: fit() চলে compile-এর সময়কার trainable অবস্থা ধরে"


def _python_code(at) -> list[str]:
    return [c.value for c in at.code if c.language == "python"]


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_shown_code_speaks_the_page_language_and_still_runs_as_python(lang, monkeypatch):
    monkeypatch.setenv(STRICT_COMMENTS, "1")
    at = open_page(P, lang)
    assert not at.exception
    shown = _python_code(at)
    program = next(src for src in shown if "model.compile(" in src)
    compile(program, "<shown code>", "exec")  # comments only: still a valid program
    if lang == "bn":
        assert BENGALI in program and ENGLISH not in program
        assert "load_digits()  # scikit-learn-এর সঙ্গেই আসে" in program
        assert "# (1797, 8, 8, 1)" in program  # a comment that is code stays as written
    else:
        assert ENGLISH in program
    comments = [c for src in shown for _, _, c in code_comments(src)]
    assert comments
