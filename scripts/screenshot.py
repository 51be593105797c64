"""Screenshot app pages in headless Chromium (the Debian package), after Streamlit finishes.

usage: python scripts/screenshot.py BASE_URL OUT_DIR path[?query] [path ...]
"""
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def main(base, out, paths, width=1400, height=int(__import__("os").environ.get("SHOT_H", "2600"))):
    Path(out).mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": width, "height": height})
        for path in paths:
            page.goto(base.rstrip("/") + "/" + path.lstrip("/"))
            page.wait_for_selector(READY, timeout=60000)
            page.wait_for_timeout(1500)
            page.wait_for_selector(READY, timeout=60000)
            name = path.strip("/").replace("?", "_").replace("=", "-").replace("&", "_") or "root"
            page.screenshot(path=f"{out}/{name}.png", full_page=True)
            print(f"{out}/{name}.png")
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
