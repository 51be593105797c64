"""One Bengali voice (issue 12 §3): the Bengali strings follow content/glossary.toml and the register rules.

Pure Python: reads content/bn/*.toml and content/glossary.toml with tomllib; no Streamlit, no app imports.
Every check is a small function on one string, so the negative tests at the bottom can prove each one
really fails on a bad made-up string.
"""
from __future__ import annotations

import re
import tomllib
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONTENT = ROOT / "content"
GLOSSARY = CONTENT / "glossary.toml"

BN_LETTER = "\u0980-\u09FF"
BN_DIGIT = re.compile("[০-৯]")
WESTERN_DIGIT = re.compile("[0-9]")
PHRASE_BREAK = re.compile(r"[।,.;:!?\n]")
FENCE = re.compile(r"```.*?```", re.S)
BACKTICKS = re.compile(r"`[^`\n]*`")
PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*(?:[:!][^{}]*)?\}")

# আপনি-register: pronouns and the polite verb forms that go with them.
POLITE = re.compile(
    rf"(?<![{BN_LETTER}])(?:আপনি|আপনার|আপনাকে|আপনারা|আপনাদের|করুন|দেখুন|লিখুন|রাখুন|বাছুন|আনুন|ভাবুন|পড়ুন|বলুন|"
    rf"খুলুন|চাপুন|চালান|বানান|নিন|পারবেন|করবেন|দেবেন|নেবেন|দেখবেন|পাবেন|রেখেছেন|দিয়েছেন|করেছেন)(?![{BN_LETTER}])"
)

# A Bengali string may start with an English word only if it is a technical name (or code / a math symbol).
TECHNICAL = {
    # Keras / Python names and ML vocabulary kept in English by design
    "keras", "tensorflow", "jax", "python", "numpy", "scikit-learn", "input", "dense", "model", "models",
    "sequential", "flatten", "pooling", "batchnormalization", "conv2d", "vgg16", "imagenet", "adam", "rmsprop",
    "sgd", "relu", "sigmoid", "softmax", "linear", "huber", "mse", "mae", "loss", "epoch", "epochs", "optimizer",
    "metrics", "metric", "accuracy", "layer", "layers", "tensor", "tensors", "shape", "dtype", "units", "unit",
    "activation", "kernel", "bias", "weight", "weights", "parameter", "parameters", "params", "gradient",
    "backpropagation", "regularizer", "initializer", "neuron", "feature", "features", "target", "class",
    "training", "train", "trainable", "non-trainable", "frozen", "unfrozen", "freeze", "fine-tuning", "transfer",
    "validation", "test", "batch", "predicted", "prediction", "output", "outputs", "inputs", "head", "base",
    "regression", "classification", "default", "error", "warning", "data", "dataset", "curve", "graph", "chart",
    "table", "code", "file", "csv", "server", "engine", "app", "link", "loop", "text", "document", "functional",
    "api", "learning", "least-squares", "norm", "score", "run", "auto", "tl", "digits_base", "diabetes",
    "golden", "moons", "update",
}
EXEMPT_KEYS = {
    "fine_tuning.doc_code",  # a Python listing, verbatim from the document
}


def _flatten(prefix: str, table: dict, out: dict) -> None:
    for k, v in table.items():
        key = f"{prefix}.{k}" if prefix else k
        if isinstance(v, dict):
            _flatten(key, v, out)
        elif isinstance(v, str):
            out[key] = unicodedata.normalize("NFC", v)
        elif isinstance(v, list):
            for i, item in enumerate(v):
                if isinstance(item, str):
                    out[f"{key}[{i}]"] = unicodedata.normalize("NFC", item)


def bengali_strings() -> dict[str, str]:
    out: dict[str, str] = {}
    files = sorted((CONTENT / "bn").glob("*.toml"))
    assert files, "no content/bn/*.toml found"
    for path in files:
        with path.open("rb") as f:
            _flatten(path.stem, tomllib.load(f), out)
    return out


def load_glossary() -> list[dict]:
    with GLOSSARY.open("rb") as f:
        return tomllib.load(f).get("term", [])


# --- the checks, one string at a time -------------------------------------------------------

def ruled_out_forms(text: str, terms: list[dict]) -> list[str]:
    """Ruled-out forms found in text, each as 'form (use: …)'."""
    text = unicodedata.normalize("NFC", text)
    found = []
    for term in terms:
        rest = text
        for ok in [term["use"], *term.get("also_ok", [])]:
            rest = rest.replace(unicodedata.normalize("NFC", ok), "\0")
        for bad in term["ruled_out"]:
            # a form counts where a word starts: "মধ্যে কোন" does not hold "যে কোন"
            if re.search(rf"(?<![{BN_LETTER}A-Za-z]){re.escape(unicodedata.normalize('NFC', bad))}", rest):
                found.append(f"{bad!r} (use {term['use']!r})")
    return found


def polite_forms(text: str) -> list[str]:
    return POLITE.findall(unicodedata.normalize("NFC", text))


def mixed_digit_phrases(text: str) -> list[str]:
    """Phrases holding both Bengali and Western digits, code spans and placeholders left out."""
    prose = PLACEHOLDER.sub(" ", BACKTICKS.sub(" ", FENCE.sub(" ", text)))
    return [p.strip() for p in PHRASE_BREAK.split(prose) if BN_DIGIT.search(p) and WESTERN_DIGIT.search(p)]


LEADING_MARKUP = re.compile(r"^[\s>*#|\-_~]+")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-_][A-Za-z0-9]+)*")


def english_start(text: str) -> str | None:
    """The first word if the string opens with an English word that is not a technical name, else None."""
    s = LEADING_MARKUP.sub("", text)
    if not s or s[0] in "`{(":
        return None  # code span, placeholder or a bracketed value
    m = LATIN_WORD.match(s)
    if not m:
        return None  # starts in Bengali (or with a digit / symbol)
    word, after = m.group(0), s[m.end():]
    if len(word) == 1 or "_" in word:
        return None  # a math symbol (x, W, k, P …) or a code identifier
    if after[:1] in "(.[=" or after.lstrip()[:1] in "×=+→(":
        return None  # a call, attribute or formula: code, not prose
    if word.lower() in TECHNICAL:
        return None
    return word


# --- the glossary itself ----------------------------------------------------------------------

def test_glossary_is_well_formed():
    terms = load_glossary()
    assert terms, "content/glossary.toml has no [[term]] entries"
    seen_bad: dict[str, str] = {}
    uses = set()
    for i, term in enumerate(terms):
        where = f"term #{i + 1} ({term.get('use')!r})"
        assert set(term) <= {"meaning", "use", "ruled_out", "also_ok"}, f"{where}: unknown field"
        assert isinstance(term.get("meaning"), str) and term["meaning"].strip(), f"{where}: needs a meaning"
        assert isinstance(term.get("use"), str) and term["use"].strip(), f"{where}: needs the form used"
        assert term["use"] not in uses, f"{where}: the same form is listed twice"
        uses.add(term["use"])
        bad = term.get("ruled_out")
        assert isinstance(bad, list) and bad, f"{where}: needs a non-empty ruled_out list"
        for form in bad:
            assert isinstance(form, str) and form.strip() and form == form.strip(), f"{where}: bad form {form!r}"
            assert form != term["use"], f"{where}: rules out its own form"
            assert form not in seen_bad, f"{where}: {form!r} is also ruled out by {seen_bad[form]!r}"
            seen_bad[form] = term["use"]
        assert isinstance(term.get("also_ok", []), list)
    # no entry rules out the form another entry prescribes
    for term in terms:
        assert not ruled_out_forms(term["use"], terms), f"glossary contradicts itself on {term['use']!r}"


def test_every_glossary_form_is_really_used():
    """The glossary records what the Bengali text says, not wishes: each chosen form occurs somewhere."""
    everything = "\n".join(bengali_strings().values())
    missing = [t["use"] for t in load_glossary() if unicodedata.normalize("NFC", t["use"]) not in everything]
    assert not missing, f"glossary forms not found in content/bn: {missing}"


# --- the Bengali strings -----------------------------------------------------------------------

def test_no_ruled_out_form_in_bengali():
    terms = load_glossary()
    problems = {k: f for k, v in bengali_strings().items() if (f := ruled_out_forms(v, terms))}
    assert not problems, "ruled-out forms (see content/glossary.toml):\n" + "\n".join(
        f"  {k}: {', '.join(v)}" for k, v in sorted(problems.items()))


def test_learner_is_tumi_never_apni():
    problems = {k: f for k, v in bengali_strings().items() if (f := polite_forms(v))}
    assert not problems, "আপনি-register in Bengali strings (use তুমি / তোমার / করো …):\n" + "\n".join(
        f"  {k}: {v}" for k, v in sorted(problems.items()))


def test_no_phrase_mixes_bengali_and_western_digits():
    problems = {k: f for k, v in bengali_strings().items() if (f := mixed_digit_phrases(v))}
    assert not problems, "Bengali and Western digits in one phrase:\n" + "\n".join(
        f"  {k}: {v}" for k, v in sorted(problems.items()))


def test_no_bengali_string_opens_with_plain_english():
    problems = {k: w for k, v in bengali_strings().items() if k not in EXEMPT_KEYS and (w := english_start(v))}
    assert not problems, "Bengali strings opening with a non-technical English word:\n" + "\n".join(
        f"  {k}: {w!r}" for k, w in sorted(problems.items()))


# --- the checks catch what they should (made-up strings) --------------------------------------

FAKE_TERMS = [{"meaning": "any", "use": "যেকোনো", "ruled_out": ["যে কোনো", "যেকোন"]},
              {"meaning": "page", "use": "পাতা", "ruled_out": ["পেজ"]}]


@pytest.mark.parametrize("text, expected", [
    ("এই পেজে যে কোনো মান দাও।", 2),
    ("যেকোন মান চলবে।", 1),
    ("যেকোনো মান চলবে, এই পাতায়।", 0),
    ("এগুলোর মধ্যে কোনগুলো দিতেই হবে?", 0),  # "মধ্যে কোন" is not "যে কোন"
    (unicodedata.normalize("NFD", "এই পেজ"), 1),  # decomposed input is caught too
])
def test_ruled_out_check_on_made_up_strings(text, expected):
    assert len(ruled_out_forms(text, FAKE_TERMS)) == expected


def test_real_glossary_flags_a_made_up_bad_string():
    bad = "এই পেজের উপর ফোঁটা দাগ, আর ছেদক হলো জরিমানা, প্রতিটা স্তূপ পুরনো।"
    assert len(ruled_out_forms(bad, load_glossary())) >= 8


@pytest.mark.parametrize("text, bad", [
    ("আপনি `shape` দিন", True),
    ("আপনার call:", True),
    ("নিজে চালিয়ে দেখুন", True),
    ("এই বাক্সে টিক দিলে Keras কী বলে, দেখে নিন।", True),
    ("তুমি `shape` দাও, তারপর দেখো।", False),
    ("নতুন একটা layer বানাও।", False),  # নতুন ends like a polite verb but is not one
])
def test_polite_check_on_made_up_strings(text, bad):
    assert bool(polite_forms(text)) is bad


@pytest.mark.parametrize("text, bad", [
    ("১ থেকে 32-এর মধ্যে", True),
    ("units: ২৮×28", True),
    ("১ থেকে {max}", False),  # placeholder left out: no mix inside the phrase
    ("ধাপ ২, তারপর 32টা ছবি", False),  # different phrases
    ("ধাপ ১: `Dense(16)`", False),  # digits in code spans do not count
    ("1 থেকে 1024-এর মধ্যে", False),
])
def test_digit_check_on_made_up_strings(text, bad):
    assert bool(mixed_digit_phrases(text)) is bad


@pytest.mark.parametrize("text, bad", [
    ("Hidden layer {n}:", True),
    ("Best practice: প্রতিটি layer-এর নাম", True),
    ("Presenter mode", True),
    ("Keras যা বলছে", False),
    ("`Dense` layer-এর কাজ", False),
    ("{n} নম্বর hidden layer:", False),
    ("Loss অসীম হয়ে গেছে", False),
    ("in × units + units", False),
    ("isinstance(outputs, keras.Model)", False),
    ("> **Weight freeze** মানে", False),
])
def test_english_start_check_on_made_up_strings(text, bad):
    assert bool(english_start(text)) is bad
