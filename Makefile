# Set-up and entry points. `make run` and `make test` work on a fresh machine: they create
# the Python 3.12 venv if missing and install the project before doing their job.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Find Python 3.12 by itself: on PATH, in pyenv's versions, or through pyenv's shim.
PYTHON312 := $(or $(firstword $(wildcard /root/.pyenv/versions/3.12.*/bin/python3.12) $(wildcard $(HOME)/.pyenv/versions/3.12.*/bin/python3.12)),$(shell command -v python3.12 2>/dev/null))

export PYTHONDONTWRITEBYTECODE := 1

.PHONY: venv run test lint bench assets chromium headless pdf-libs peer
SUDO := $(shell [ "$$(id -u)" != 0 ] && command -v sudo >/dev/null && echo sudo)
ASSETS_STAMP := $(VENV)/share/solara/cdn/.complete
venv: $(STAMP)

$(STAMP): pyproject.toml
	@if [ ! -x $(PY) ]; then \
	  if [ -z "$(PYTHON312)" ]; then echo "error: Python 3.12 not found (install it or pyenv 3.12)"; exit 1; fi; \
	  PYENV_VERSION=3.12.1 $(PYTHON312) -m venv $(VENV); \
	fi
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $(STAMP)

# The exchange model's peer, decide-exchange-model 2022.1.28 (benchmarks/exchange_peer.py and
# tests/test_exchange_peer.py), in its own Python 3.11 venv: it pins numpy 1.23.4, which has
# no wheel for 3.12. Only what its model, reader and loop import (numpy and typesystem at
# its pins, peewee); its Qt GUI, matplotlib and pandas serve its GUI and result writers.
PEER := .peer-venv
PEER_STAMP := $(PEER)/.installed
PYTHON311 := $(or $(firstword $(wildcard /root/.pyenv/versions/3.11.*/bin/python3.11) $(wildcard $(HOME)/.pyenv/versions/3.11.*/bin/python3.11)),$(shell command -v python3.11 2>/dev/null))
peer: $(PEER_STAMP)
$(PEER_STAMP):
	@if [ -z "$(PYTHON311)" ]; then echo "error: Python 3.11 not found (install it or pyenv 3.11)"; exit 1; fi
	$(PYTHON311) -m venv $(PEER)
	$(PEER)/bin/python -m pip install -q --no-deps decide-exchange-model==2022.1.28 \
	  numpy==1.23.4 typesystem==0.2.5 peewee==4.5.3
	touch $@

# The Solara app's front end, fetched once from the npm registry (no CDN at run time).
assets: $(ASSETS_STAMP)
$(ASSETS_STAMP): $(STAMP) app/offline.py
	@command -v npm >/dev/null || { $(SUDO) apt-get update -q && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -q npm; }
	$(PY) -m app.offline
	touch $@

# Debian's Chromium for the browser tests (Playwright drives it; no browser download).
chromium:
	@[ -x /usr/bin/chromium ] || { $(SUDO) apt-get update -q && \
	  $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver; }

# Pango and fonts for WeasyPrint (eunato brief --pdf), from Debian.
pdf-libs:
	@ldconfig -p | grep -q libpangoft2-1.0.so.0 && fc-list | grep -qi dejavu || { \
	  $(SUDO) apt-get update -q && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	  libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core fontconfig; }

run: venv assets
	$(VENV)/bin/eunato app

# the headless main job: one baseline run, outcome table printed, data in out/
headless: venv
	$(VENV)/bin/eunato run --scenario baseline-2024 --seed 1 --out out/baseline-2024

test: venv assets chromium pdf-libs peer
	$(VENV)/bin/pytest -q

lint: venv
	$(VENV)/bin/ruff check .

bench: venv
	for f in benchmarks/*.py; do echo "== $$f"; $(PY) $$f || exit 1; done
