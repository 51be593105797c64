"""Validation: shapes are parsed, never evaluated; every rejection has a message in both languages."""
import pytest

from engine import spec as model_spec
from engine.validate import (
    SpecError,
    check_name,
    format_shape,
    parse_float,
    parse_int,
    parse_shape,
    validate_spec,
)
from ui.text import LANGS, translate


@pytest.mark.parametrize("text,shape", [("(1,)", (1,)), ("10", (10,)), ("(28, 28, 1)", (28, 28, 1)), ("[3,4]", (3, 4)), (" ( 5 , ) ", (5,))])
def test_good_shapes(text, shape):
    assert parse_shape(text) == shape
    assert parse_shape(format_shape(shape)) == shape


@pytest.mark.parametrize(
    "text,code",
    [
        ("(28, -1)", "shape_dim_not_positive"),
        ("(0,)", "shape_dim_not_positive"),
        ("", "shape_empty"),
        ("()", "shape_empty"),
        ("abc", "shape_syntax"),
        ("(1.5,)", "shape_syntax"),
        ("__import__('os').system('ls')", "shape_syntax"),
        ("(None, 1)", "shape_none"),
        ("(100000,)", "shape_dim_too_big"),
        ("(2,2,2,2,2)", "shape_rank_too_big"),
        ("(1000, 1000)", "shape_too_many_values"),
        ("😀", "shape_syntax"),
        ("1" * 500, "text_too_long"),
        ("(1,,2)", "shape_syntax"),
    ],
)
def test_bad_shapes(text, code):
    with pytest.raises(SpecError) as e:
        parse_shape(text)
    assert e.value.code == code


def test_numbers():
    assert parse_int("32", 1, 100, "epochs") == 32
    assert parse_float("1e-3", 1e-6, 1, "learning_rate") == 0.001
    for bad in ["abc", "1.5", "", "9" * 300]:
        with pytest.raises(SpecError):
            parse_int(bad, 1, 100, "epochs")
    for bad in ["nan", "inf", "1e9", "-1", "x"]:
        with pytest.raises(SpecError):
            parse_float(bad, 1e-6, 1, "learning_rate")


def test_names():
    assert check_name("") is None
    assert check_name("hidden1") == "hidden1"
    for bad in ["1abc", "a b", "a/b", "রাম", "x" * 41, "<script>"]:
        with pytest.raises(SpecError):
            check_name(bad)


@pytest.mark.parametrize(
    "change,code",
    [
        (lambda s: s.hidden.__setitem__(0, model_spec.DenseSpec(0)), "units_not_positive"),
        (lambda s: s.hidden.__setitem__(0, model_spec.DenseSpec(100000)), "units_too_big"),
        (lambda s: s.hidden.extend([model_spec.DenseSpec(4)] * 10), "too_many_layers"),
        (lambda s: s.hidden.__setitem__(1, model_spec.DenseSpec(4, name="hidden1")), "name_duplicate"),
        (lambda s: setattr(s, "hidden", [model_spec.DenseSpec(512)] * 4), "too_many_params"),
        (lambda s: setattr(s, "learning_rate", 100.0), "out_of_range"),
        (lambda s: setattr(s, "optimizer", "magic"), "choice_invalid"),
    ],
)
def test_spec_rejections(change, code):
    spec = model_spec.recommended()
    change(spec)
    with pytest.raises(SpecError) as e:
        validate_spec(spec)
    assert e.value.code == code
    for lang in LANGS:
        msg = translate(lang, f"errors.{code}", **{"field": "x", **e.value.params})
        assert msg != f"errors.{code}" and "{" not in msg


def test_every_error_code_in_validate_has_a_message():
    import re
    from pathlib import Path

    src = Path("engine/validate.py").read_text()
    codes = set(re.findall(r'SpecError\("([a-z_]+)"', src))
    for lang in LANGS:
        for code in codes:
            assert translate(lang, f"errors.{code}") != f"errors.{code}", (lang, code)
