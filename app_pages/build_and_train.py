"""Build & train: introduction (the live lesson lands in its own issue)."""
from components.i18n import page_header

page_header("build_and_train")
