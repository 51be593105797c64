# Two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501

.PHONY: run test test-fast system-deps bench shipped clean

$(VENV)/.stamp-run: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.stamp-dev: $(VENV)/.stamp-run requirements-dev.txt
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

# Headless Chromium and Bengali fonts for the real-browser tests (Debian packages).
system-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "Noto Sans Bengali"; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium and fonts-noto-core"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-core haproxy >/dev/null; \
	  else echo "chromium missing and apt-get unavailable: browser tests will be skipped"; fi; \
	fi

run: $(VENV)/.stamp-run
	$(VENV)/bin/streamlit run streamlit_app.py --server.port $(PORT)

test: $(VENV)/.stamp-dev system-deps
	$(PY) -m pytest

# Quick lane (no browser, no fuzz, no real-training suites): unit tests + one AppTest per page.
# Markers are set in tests/conftest.py; see pytest.ini. `make test` stays the whole suite.
test-fast: $(VENV)/.stamp-dev
	$(PY) -m pytest -m "not slow" tests/unit tests/app

# Every page's first results, made by the installed Keras (ui/shipped.py): after changing engine/ or lessons/.
shipped: $(VENV)/.stamp-run
	$(PY) -m ui.shipped

bench: $(VENV)/.stamp-dev
	for f in benchmarks/[!_]*.py; do echo "== $$f"; PYTHONPATH=. $(PY) $$f; done

clean:
	rm -rf $(VENV) .pytest_cache artifacts
