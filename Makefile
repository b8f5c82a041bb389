# newspaper-qa: `make run` opens the chat on the bundled issue, `make test` runs the tests. Both set up .venv first.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: setup run test test-fast lint bench index clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0   # the CPU build on local disk; never let pip pick a CUDA build
	$(PY) -m pip install -q -e '.[test]'
	touch $@

run: setup
	$(PY) app.py

index: setup
	$(VENV)/bin/qa index build data/issues/*.txt

test: setup lint
	$(PY) -m pytest -q

lint: setup
	$(VENV)/bin/ruff format --check qa tests bench app.py
	$(VENV)/bin/ruff check qa tests bench app.py

test-fast: setup
	$(PY) -m pytest -q -m "not slow and not browser"

bench: setup  # quality and speed tables of README (tens of minutes on 2 cores)
	$(PY) bench/quality.py
	$(PY) bench/readers.py --split test
	$(PY) bench/speed.py

clean:
	rm -rf index/*.faiss index/lexical-* index/qa.db* index/manifest.json index/sources tests/artifacts bench/out
