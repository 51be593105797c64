"""Weight-freeze page: toggles rebuild the model, training proves frozen weights stay, the
recompile control switches between the mistake and the fix, in both languages."""
import pytest

from tests.conftest import open_page, texts
from ui.text import translate

P = "weight_freeze"


def _metric(at, key, lang):
    label = translate(lang, key)
    return next(m.value for m in at.metric if m.label == label)


def _listing(at):
    return next(c.value for c in at.code if c.value.startswith("input_layer "))


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_default_freezes_conv_layers_and_proves_it(lang):
    at = open_page(P, lang)
    assert not at.exception, [e.value for e in at.exception]
    assert _listing(at).splitlines()[1:3] == ["conv1 False", "conv2 False"]
    assert _metric(at, "common.trainable_params", lang) == "8,554"
    assert _metric(at, "common.non_trainable_params", lang) == "1,248"
    shown = texts(at)
    assert translate(lang, f"{P}.frozen_proof", layers="conv1, conv2", value="0") in shown
    # The default recompile control is off: the mistake, measured with model.fit — after a guess.
    assert not any(translate(lang, f"{P}.mistake_moved", layer="dense1", change="")[:20] in e.value for e in at.error)
    at.radio(key=f"{P}_recompile_guess").set_value("moves").run()
    assert translate(lang, f"{P}.mistake_opt_moves") in at.success[-1].value  # judged right by the real run
    assert any(translate(lang, f"{P}.mistake_moved", layer="dense1", change="")[:20] in e.value for e in at.error)
    assert translate(lang, f"{P}.tldr_title") in shown


def test_toggles_rebuild_and_recompile_fixes():
    at = open_page(P, "en")
    at.checkbox(key="weight_freeze_freeze_conv1").uncheck().run()
    at.checkbox(key="weight_freeze_freeze_dense1").check().run()
    assert not at.exception, [e.value for e in at.exception]
    lines = _listing(at).splitlines()
    assert "conv1 True" in lines and "dense1 False" in lines
    assert _metric(at, "common.trainable_params", "en") == f"{9802 - 4 * 4 * 16 * 32 - 32 - 1168:,}"
    assert "conv2, dense1" in " ".join(s.value for s in at.success)
    code = next(c.value for c in at.code if "import keras" in c.value)
    assert 'model.get_layer("dense1").trainable = False' in code
    assert 'model.get_layer("conv1").trainable = False' not in code

    at.toggle(key="weight_freeze_mistake_compile").set_value(True).run()
    assert not at.exception
    at.radio(key=f"{P}_recompile_guess").set_value("moves").run()  # new settings, new question
    assert translate("en", f"{P}.mistake_opt_moves") in at.error[-1].value  # wrong: it stays
    assert translate("en", f"{P}.mistake_claim_fixed", layer="dense1", trainable="9,482")[:60] in texts(at)
    assert translate("en", f"{P}.mistake_claim", layer="dense1", trainable="9,482")[:40] not in texts(at)
    assert any("dense1" in s.value and "compile()" in s.value for s in at.success)
    assert not any("compile()" in e.value for e in at.error)


def test_model_trainable_false_freezes_everything():
    at = open_page(P, "en")
    at.toggle(key="weight_freeze_model_off").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    assert _metric(at, "common.trainable_params", "en") == "0"
    assert translate("en", f"{P}.model_flag_note", trainable="0") in texts(at)
    assert translate("en", f"{P}.all_frozen") in texts(at)
    assert any("does not have any trainable weights" in c.value for c in at.code)


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_document_loop_freezes_the_head_too(lang):
    at = open_page(P, lang)
    at.radio(key=f"{P}_loop_guess").set_value("learns").run()
    assert not at.exception
    # The document says the head still trains; the installed Keras says it does not.
    assert translate(lang, f"{P}.loop_opt_learns") in at.error[-1].value
    assert translate(lang, f"{P}.loop_actual_frozen", trainable="0") in at.error[-1].value
    assert any("does not have any trainable weights" in c.value for c in at.code)
    assert "for layer in model.layers[:-2]:" in "\n".join(c.value for c in at.code)
