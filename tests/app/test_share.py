"""Shareable state of the build page: a link reopens the same model, hostile links never crash,
presenter mode folds the controls away."""
from __future__ import annotations

import pytest

from engine import stack
from engine.validate import count_dense_params
from tests.conftest import open_page, texts
from ui.text import translate

P = "build_and_train"
NOT_BINDABLE = {"button", "download_button", "file_uploader", "plotly_chart"}


def _is_control(key: str, kind: str) -> bool:
    """A widget whose value belongs in a shared link: not a button or a container, and not a
    prediction gate (a guess is the learner's own; a link must not carry it to the class)."""
    return kind not in NOT_BINDABLE and not kind.endswith("container") and not key.endswith(("_guess", "_view"))


def _params(at, lang="en") -> str:
    return next(m.value for m in at.metric if m.label == translate(lang, "common.total_params"))


def _names(at) -> list[str]:
    return at.dataframe[0].value.iloc[:, 0].tolist()


def _widgets(at) -> dict[str, str]:
    """key -> element type of every keyed element on screen."""
    found: dict[str, str] = {}

    def walk(node):
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for child in children.values():
                key = getattr(child, "key", None)
                if key:
                    found[key] = child.type
                walk(child)

    walk(getattr(at, "_tree", at))
    return found


def _bound(at) -> set[str]:
    # Streamlit keeps the bindings in the session's query-params object (no public accessor).
    return set(at.session_state._state._state.query_params._bindings_by_param)


def test_every_control_of_the_page_is_bound_to_the_url():
    from engine import userdata

    at = open_page(P, "en", build_and_train_n_hidden="8", build_and_train_section="step")
    at.selectbox(key=f"{P}_dataset").set_value(stack.MY_CSV).run()
    at.file_uploader(key=f"{P}_csv").set_value(("iris.csv", userdata.example_csv(), "text/csv")).run()
    assert not at.exception
    widgets = {k: v for k, v in _widgets(at).items() if k.startswith(P + "_") and _is_control(k, v)}
    assert {f"{P}_units_7", f"{P}_act_7", f"{P}_target", f"{P}_features", f"{P}_task", f"{P}_step"} <= set(widgets)
    assert set(widgets) - _bound(at) == set()
    # The open section goes into the link too, as its id (ui.sections writes it; a tab holds its label).
    assert at.query_params[f"{P}_section"] == "step"


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_a_link_with_changed_values_reproduces_the_changed_model(lang):
    default = open_page(P, lang)
    assert _params(default, lang) == "233"
    link = {"build_and_train_dataset": "moons", "build_and_train_n_hidden": "2", "build_and_train_units_0": "32",
            "build_and_train_units_1": "5", "build_and_train_act_1": "tanh", "build_and_train_optimizer": "sgd",
            "build_and_train_lr": "0.05", "build_and_train_epochs": "30", "build_and_train_val": "0.3"}
    at = open_page(P, lang, **link)
    assert not at.exception and not at.warning, [w.value for w in at.warning]
    expected = stack.spec_from_controls(dataset="moons", named=True, n_hidden=2, units=["32", "5"],
                                    activations=["relu", "tanh"], optimizer="sgd", learning_rate="0.05",
                                    epochs="30", batch_size="32", validation_split=0.3)
    from engine.build import build_model

    model = build_model(expected)
    assert _params(at, lang) == f"{model.count_params():,}" == f"{count_dense_params(expected):,}"
    assert _names(at) == [layer.name for layer in model.layers]
    code = next(c.value for c in at.code if "import keras" in c.value)
    assert 'x = Dense(5, activation="tanh", name="hidden2")(x)' in code
    assert "keras.optimizers.SGD(learning_rate=0.05)" in code and "epochs=30" in code
    assert "validation_split=0.3" in code
    # The widgets show the link's values, so the next copy of the link carries them again.
    assert at.text_input(key=f"{P}_units_0").value == "32" and at.slider(key=f"{P}_val").value == 0.3


def test_a_link_is_the_same_in_both_languages():
    link = {"build_and_train_example": "minimal", "build_and_train_units_0": "12"}
    bn, en = open_page(P, "bn", **link), open_page(P, "en", **link)
    assert _params(bn, "bn") == _params(en, "en") == f"{1 * 12 + 12 + 12 + 1}"
    assert _names(bn) == _names(en) == ["input_layer", "dense", "dense_1"]


HOSTILE = {
    "build_and_train_n_hidden": ["😀", "999", "-1", "1e9", ""],
    "build_and_train_dataset": ["<script>alert(1)</script>", "../../etc/passwd", "my_csv\x00"],
    "build_and_train_act_0": ["evil", "relu;rm -rf /"],
    "build_and_train_example": ["bogus"],
    "build_and_train_named": ["maybe"],
    "build_and_train_val": ["5", "nan"],
    "build_and_train_step": ["99", "-3", "😀"],
    "build_and_train_units_0": ["😀", "1e999", "9" * 5000, "__import__('os')"],
    "build_and_train_lr": ["inf", "-0.1"],
    "build_and_train_epochs": ["99999999"],
    "build_and_train_target": ["nope"],
    "build_and_train_features": ["nope"],
    "build_and_train_task": ["drop table"],
}


def _hostile_links() -> list[dict]:
    """Link i takes the i-th hostile value of every key (cycling): every value, few page loads."""
    n = max(len(v) for v in HOSTILE.values())
    return [{k: vs[i % len(vs)] for k, vs in HOSTILE.items()} for i in range(n)]


@pytest.mark.parametrize("link", _hostile_links(), ids=lambda link: f"link{_hostile_links().index(link)}")
def test_hostile_link_values_are_ignored_without_a_crash(link):
    at = open_page(P, "en", **link)
    assert not at.exception, [e.value for e in at.exception]
    assert _params(at) in ("233", "241", "305")  # a model is on screen: the example one
    assert "Traceback" not in texts(at)
    # A control on screen kept a hostile value only where any text is a value (a text field,
    # which then says what is wrong); choices, sliders and toggles dropped it.
    on_screen = _widgets(at)
    for key, value in at.query_params.items():
        if key in on_screen and key in link and value == link[key]:
            assert on_screen[key] == "text_input", (key, value)


@pytest.mark.parametrize("value", ["😀", "__import__('os')", "0"])
def test_a_bad_number_in_a_link_is_explained_and_the_example_model_shown(value):
    at = open_page(P, "en", build_and_train_units_0=value)
    assert not at.exception
    assert at.error and translate("en", f"{P}.layer_prefix", n=1) in at.error[0].value
    assert translate("en", f"{P}.fallback_model") in [i.value for i in at.info]
    assert _params(at) == "233" and _names(at)[1] == "hidden1"
    # Correcting the field brings the learner's model back.
    at.text_input(key=f"{P}_units_0").set_value("4").run()
    assert not at.error and _params(at) == f"{4 + 4 + 4 * 16 + 16 + 68 + 5}"


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_unusable_link_values_are_named_in_a_notice(lang):
    at = open_page(P, lang, build_and_train_n_hidden="😀", build_and_train_dataset="nope", someone_else="x",
                   build_and_train_units_0="16")
    assert not at.exception
    notice = " ".join(w.value for w in at.warning)
    for key in ("build_and_train_n_hidden", "build_and_train_dataset", "someone_else"):
        assert f"`{key}`" in notice
    assert "build_and_train_units_0" not in notice  # this one was used
    assert _params(at, lang) == f"{16 + 16 + 16 * 16 + 16 + 16 * 4 + 4 + 5:,}"


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_presenter_mode_folds_the_controls_into_a_closed_expander(lang):
    at = open_page(P, lang, present="1")
    assert not at.exception
    controls = [e for e in at.expander if e.label == translate(lang, f"{P}.controls")]
    assert len(controls) == 1 and controls[0].proto.expanded is False
    inside = _widgets(controls[0])
    assert {f"{P}_dataset", f"{P}_n_hidden", f"{P}_epochs"} <= set(inside)
    assert any("presenter mode" in h.value for h in at.html)  # the larger type for a projector
    assert _params(at, lang) == "233"
    # Without ?present=1 the controls sit open in their column.
    plain = open_page(P, lang)
    assert not [e for e in plain.expander if e.label == translate(lang, f"{P}.controls")]
    assert not any("presenter mode" in h.value for h in plain.html)
