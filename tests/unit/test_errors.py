"""What Keras really says when something mandatory is left out (checked, not assumed)."""
import engine  # noqa: F401
from engine.keras_errors import capture, mandatory_demo


def test_input_without_shape():
    err = mandatory_demo("input_shape")
    assert err.type == "ValueError" and "shape" in err.message


def test_dense_without_units():
    err = mandatory_demo("dense_units")
    assert err.type == "TypeError" and "units" in err.message


def test_model_without_outputs_or_inputs():
    assert mandatory_demo("model_outputs").type == "TypeError"
    assert mandatory_demo("model_inputs") is not None


def test_fit_before_compile():
    err = mandatory_demo("compile")
    assert err.type == "ValueError" and "compile()" in err.message


def test_compile_without_loss_then_fit():
    err = mandatory_demo("compile_loss")
    assert err.type == "ValueError" and "loss" in err.message


def test_capture_returns_none_on_success():
    assert capture(lambda: 1) is None
