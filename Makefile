# Two commands set up a fresh machine:  `make demo` (score the bundled samples) and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: demo test bench clean browser postgres

$(BIN)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "needs $(PYTHON) (set PYTHON=...)"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
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

bench: $(BIN)/.installed
	$(BIN)/python bench/pipeline.py

clean:
	rm -rf $(VENV) qc.duckdb qc.duckdb.wal
