"""Entry point: page config, language, navigation. Nothing else lives here."""
import streamlit as st

from ui.client import prewarm, warm
from ui.live import EngineDown
from ui.i18n import init_language, language_selector, t
from ui.share import (
    link_notice,
    presenter_css,
    presenter_toggle,
    presenting,
    remember_first_link,
    sidebar_tools,
)
from ui.style import inject as inject_style

# The page folder is app_pages/, not pages/: a folder named pages/ makes a cold server
# answer a deep link in Streamlit's legacy multipage mode (see README, "Deep links").
PAGES = {
    "functional": [
        ("home", ":material/home:"),
        ("input_layer", ":material/input:"),
        ("dense_layer", ":material/hub:"),
        ("outputs_tensor", ":material/output:"),
        ("model_container", ":material/inventory_2:"),
        ("compile_step", ":material/settings:"),
        ("build_and_train", ":material/construction:"),
        ("functional_graphs", ":material/account_tree:"),
    ],
    "freeze": [
        ("weight_freeze", ":material/ac_unit:"),
        ("transfer_learning", ":material/swap_horiz:"),
        ("fine_tuning", ":material/tune:"),
    ],
    "check": [
        ("exam", ":material/quiz:"),
    ],
}

init_language()
remember_first_link()
st.set_page_config(
    page_title="Keras Functional API Lab",
    page_icon="🧩",
    layout="wide",
    initial_sidebar_state="collapsed" if presenting() else "auto",
)

nav = {
    t(f"nav.section_{section}"): [
        st.Page(f"app_pages/{name}.py", title=t(f"{name}.title"), icon=icon, url_path=name, default=(name == "home"))
        for name, icon in pages
    ]
    for section, pages in PAGES.items()
}
page = st.navigation(nav)
language_selector()
presenter_toggle()
presenter_css()
inject_style()
st.sidebar.caption(t("common.sidebar_note"))
notice = st.container()
name = page.url_path or "home"
warming = None
if name != "home" and not warm():
    # A cold server (a Community Cloud app waking up) needs a few seconds to load Keras in
    # its workers: say so instead of showing a half-empty page.
    warming = st.empty()
    warming.info(t("common.loading_engine"), icon=":material/hourglass_top:")
try:
    page.run()
except EngineDown:
    pass  # the engine's failure is already said on the page; what came before it stays
finally:
    if warming is not None:
        warming.empty()
    # Also after a page stops early (st.stop on bad input): the learner still needs to know
    # which link values were ignored, and the share box still belongs in the sidebar.
    with notice:
        link_notice(name)
    sidebar_tools(name)
    # The page is on screen; now start the Keras workers so the first model the learner
    # asks for does not wait for TensorFlow to load (the Streamlit process never imports it).
    prewarm()
