"""Transfer-learning page: the shipped base, the live comparison, the document's Step 3 error
and fixes, real keras.applications counts, the offline ImageNet message, in both languages."""
import json

import pytest

from tests.conftest import open_page, texts
from ui.text import translate

P = "transfer_learning"
# Few epochs through the URL (the sliders are bound to it): the page stays quick to test.
FAST = {"transfer_learning_epochs": "5"}

def _run_on_request(at, key):
    """Settings that are not the defaults run on request: press the button if the result is not known yet."""
    if any(b.key == key for b in at.button):
        at.button(key=key).click().run()



def _metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def _traces(at, key_part):
    for el in at.main:
        if getattr(el, "type", "") == "plotly_chart":
            spec = json.loads(el.proto.spec)
            names = [str(tr.get("name")) for tr in spec["data"]]
            if any(key_part in n for n in names):
                return names
    return []


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_page_shows_base_workflow_comparison_and_step3_error(lang):
    at = open_page(P, lang, **FAST)
    assert not at.exception, [e.value for e in at.exception]
    at.radio(key=f"{P}_compare_guess").set_value("frozen").run()  # predict first
    if any(b.key == f"{P}_compare_run" for b in at.button):  # not known yet: run on request
        at.button(key=f"{P}_compare_run").click().run()
    # The verdict names the run that really ended highest.
    verdicts = [m.value for m in list(at.success) + list(at.error)
                if translate(lang, f"{P}.strategy_frozen") in m.value and "%" in m.value]
    assert verdicts, "the guess is judged against the real runs"
    assert _metric(at, translate(lang, f"{P}.base_params")) == "23,744"
    assert _metric(at, translate(lang, f"{P}.base_layers")) == "11"
    shown = texts(at)
    assert translate(lang, f"{P}.step2_result", trainable="0", non_trainable="23,744") in shown
    assert translate(lang, f"{P}.step3_result", params="56,709", trainable="32,965") in shown
    # Three strategies, each trained once per seed: the mean test accuracy with its range under it.
    for s in ("frozen", "unfrozen", "scratch"):
        metric = next(m for m in at.metric if m.label == translate(lang, f"{P}.strategy_{s}"))
        assert metric.value.endswith("%")
        lo_hi = translate(lang, f"{P}.range_delta", lo="@", hi="@").split("@")
        assert metric.delta.startswith(lo_hi[0]) and lo_hi[1] in metric.delta and metric.delta.endswith("%")
    mean_test = f"{translate(lang, f'{P}.strategy_frozen')} · {translate(lang, 'freeze_common.series_test')}"
    names = [n for n in _traces(at, mean_test) if n != "None"]
    assert len(names) == 6  # mean test and training curve per strategy (plus unnamed range bands)
    assert translate(lang, f"{P}.data_caption", n=5, n_train=25, n_test=448, seeds=3) in shown
    # The table shows the spread and every run; the box says what the runs support.
    table = next(d.value for d in at.dataframe if translate(lang, f"{P}.col_spread") in d.value.columns)
    assert len(table) == 3 and all(len(v.split(" · ")) == 3 for v in table[translate(lang, f"{P}.col_each")])
    assert all(v.startswith("± ") for v in table[translate(lang, f"{P}.col_sd")])
    box = " ".join(i.value for i in at.info)
    assert translate(lang, f"{P}.verdict_best", seeds=3, best="@", acc="@").split("@")[0] in box
    spreads = _traces(at, translate(lang, f"{P}.dots_each"))
    assert spreads, "the chart of every run's test accuracy"
    # The document's Step 3 as written: Keras 3's own error.
    assert any("Shapes used to initialize variables must be fully-defined" in c.value for c in at.code)


def test_widgets_change_what_is_shown():
    at = open_page(P, "en", **FAST)
    at.slider(key="transfer_learning_n").set_value(2).run()
    assert not at.exception, [e.value for e in at.exception]
    assert translate("en", f"{P}.compare_gate", n=2, epochs=5, lr="0.01", seeds=3) in texts(at)
    at.button(key=f"{P}_compare_skip").click().run()  # a learner in a hurry
    assert any(b.key == f"{P}_compare_run" for b in at.button)  # a slider move alone runs nothing
    at.button(key=f"{P}_compare_run").click().run()
    assert translate("en", f"{P}.data_caption", n=2, n_train=10, n_test=448, seeds=3) in texts(at)
    frozen_code = next(c.value for c in at.code if "base_model.trainable = False" in c.value and "fit(" in c.value)
    assert "train += list(idx[half:half + 2])" in frozen_code and "epochs=5" in frozen_code

    at.radio(key="transfer_learning_step3").set_value("gap").run()
    assert not at.exception
    ok = " ".join(s.value for s in at.success)
    assert "14,781,642" in ok and "(None, 512)" in ok
    at.radio(key="transfer_learning_step3").set_value("input_shape").run()
    ok = " ".join(s.value for s in at.success)
    assert "17,927,370" in ok and "(None, 25088)" in ok

    at.selectbox(key="transfer_learning_arch").set_value("VGG16").run()
    assert not at.exception
    assert _metric(at, translate("en", f"{P}.arch_layers")) == "19"
    assert _metric(at, translate("en", "common.total_params")) == "14,714,688"


def test_imagenet_button_says_offline_clearly():
    at = open_page(P, "en", **FAST)
    at.selectbox(key="transfer_learning_arch").set_value("MobileNetV2").run()
    assert _metric(at, translate("en", "common.total_params")) == "2,257,984"
    at.button(key="transfer_learning_imagenet").click().run()
    assert not at.exception, [e.value for e in at.exception]
    # This machine (and CI) has no internet: the page must say so, not hang or crash.
    warned = [w.value for w in at.warning]
    succeeded = [s.value for s in at.success if "ImageNet" in s.value]
    assert warned == [translate("en", f"{P}.imagenet_offline")] or succeeded


def test_document_step3_style_and_what_keeps_bn_statistics_fixed():
    at = open_page(P, "en", **FAST)
    shown = texts(at)
    assert "model = keras.Model(base_model.input, outputs)" in shown
    assert translate("en", f"{P}.doc_step3_why", params="156,234", trainable="132,490", doc=14, app=5)[:80] in shown
    rows = [df for df in (d.value for d in at.dataframe) if translate("en", f"{P}.bn_col_mode") in df.columns]
    assert rows, "the BN check table is on the page"
    moved = dict(zip(rows[0][translate("en", f"{P}.bn_col_mode")], rows[0][translate("en", f"{P}.bn_col_moved")]))
    assert moved[translate("en", f"{P}.bn_mode_training_false")] == "✔"
    assert moved[translate("en", f"{P}.bn_mode_base_frozen")] == "✘"
    assert moved[translate("en", f"{P}.bn_mode_bn_frozen")] == "✘"
