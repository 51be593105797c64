"""What Keras really says when something mandatory is left out (checked, not assumed)."""
import pytest

import engine  # noqa: F401
from engine.keras_errors import capture, mandatory_demo


@pytest.mark.parametrize(("what", "etype", "named"), [
    ("input_shape", "ValueError", "shape"),  # Input() without shape
    ("dense_units", "TypeError", "units"),  # Dense() without units
    ("compile", "ValueError", "compile()"),  # fit() before compile()
    ("compile_loss", "ValueError", "loss"),  # compile() without a loss, then fit()
])
def test_keras_names_what_is_missing(what, etype, named):
    err = mandatory_demo(what)
    assert err.type == etype and named in err.message


def test_model_without_outputs_or_inputs():
    assert mandatory_demo("model_outputs").type == "TypeError"
    assert mandatory_demo("model_inputs") is not None


def test_capture_returns_none_on_success():
    assert capture(lambda: 1) is None
