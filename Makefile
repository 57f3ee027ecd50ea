# Two commands set up a fresh machine:  `make demo` (score the bundled samples) and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: demo test lint bench dist lock clean browser postgres

# The versions tested live in requirements.lock; pyproject.toml says which ranges work.
$(BIN)/.installed: pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "needs $(PYTHON) (set PYTHON=...)"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock -e '.[test,bench]'
	touch $@

demo: $(BIN)/.installed
	$(BIN)/qc score audio_samples/*.flac audio_samples/*.wav

# Browser tests drive Debian's Chromium; CJK fonts render Chinese pages, screenshots and report plots.
browser:
	@command -v chromium >/dev/null && fc-list :lang=zh | grep -q . || { \
	  echo "installing Debian's chromium and fonts-noto-cjk (browser tests, report plots)"; \
	  $$(command -v sudo) apt-get update -q && $$(command -v sudo) apt-get install -y -q chromium fonts-noto-cjk; }

# The services test (tests/test_deploy.py) starts a PostgreSQL cluster of its own with Debian's binaries.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  echo "installing Debian's postgresql (the services test)"; \
	  $$(command -v sudo) apt-get update -q && $$(command -v sudo) apt-get install -y -q postgresql; }

test: $(BIN)/.installed browser postgres
	$(BIN)/pytest -q

lint: $(BIN)/.installed
	$(BIN)/ruff check .

# The wheel (rubrics, model registry and our converted weights inside) goes to dist/; any pip of Python >= 3.11.
dist:
	$(PYTHON) -m pip wheel --no-deps --wheel-dir dist .
	rm -rf build

# Re-resolve requirements.lock after a change to pyproject.toml's dependencies; versions already locked stay
# unless pyproject.toml rules them out (uv keeps them); move one on purpose: make lock LOCK_ARGS="--upgrade-package NAME".
# One lock for Python 3.11-3.13 and every platform: what only some need carries a marker.
UV_VENV ?= /tmp/hotline-qc-uv
lock:
	test -x $(UV_VENV)/bin/uv || { $(PYTHON) -m venv $(UV_VENV) && $(UV_VENV)/bin/pip install --quiet uv==0.13.10; }
	$(UV_VENV)/bin/uv pip compile pyproject.toml --extra test --extra bench --universal --python-version 3.11 \
	  --quiet $(LOCK_ARGS) -o requirements.lock

bench: $(BIN)/.installed
	$(BIN)/python bench/pipeline.py

clean:
	rm -rf $(VENV) qc.duckdb qc.duckdb.wal build dist
