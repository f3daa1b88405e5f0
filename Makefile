# The two commands: `make run` and `make test`. Everything else here is what they need
# (and `make dev`, the reloading server for developers).

PYTHON ?= python3
PORT ?= 5000
WEB_WORKERS ?= 2
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi

# Debian packages: fonts for certificates in every script, cairo for the charts of the Word
# copies (cairosvg); Chromium and poppler for the tests, LibreOffice's Writer (without its
# desktop; it reads .docx itself) for the test that opens the Word copies; npm installs
# axe-core (package.json), the accessibility engine of tests/browser/test_axe.py.
DEBS_RUN := fonts-noto-core fonts-noto-cjk libcairo2
DEBS_TEST := chromium poppler-utils zbar-tools postgresql-client libreoffice-writer-nogui
# Node's npm, for the test tools of package.json; only when no npm is on the PATH (NodeSource's
# nodejs brings its own, and conflicts with Debian's npm).
DEBS_NPM := nodejs npm
# The load tool of bench/web.py.
DEBS_BENCH := wrk

.PHONY: run dev test setup setup-test db debs-run debs-test debs-bench lint bench

# Install the Debian packages in $(1) that are missing: as root with apt-get, otherwise
# stop and print the exact command to run.
define ensure_debs
	@missing=""; \
	for pkg in $(1); do \
	  dpkg-query -W -f='$${Status}' $$pkg 2>/dev/null | grep -q "ok installed" || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else \
	    echo "Missing Debian packages:$$missing"; \
	    echo "Run:  sudo apt-get install --no-install-recommends$$missing"; \
	    exit 1; \
	  fi; \
	fi
endef

$(BIN)/python:
	@$(PYTHON) -c "import ensurepip" 2>/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv; \
	  else echo "Run:  sudo apt-get install python3-venv"; exit 1; fi; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

# The test tools of the npm registry, as package-lock.json pins them.
node_modules/.installed: package.json package-lock.json
	$(if $(shell command -v npm),,$(call ensure_debs,$(DEBS_NPM)))
	npm ci --no-audit --no-fund
	@touch $@

debs-run:
	$(call ensure_debs,$(DEBS_RUN))

debs-test:
	$(call ensure_debs,$(DEBS_TEST))

debs-bench:
	$(call ensure_debs,$(DEBS_BENCH))

setup: $(VENV)/.installed debs-run

setup-test: setup $(VENV)/.installed-test debs-test node_modules/.installed

db: setup
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty

# The web server and the job worker side by side, each in a process group of its own; Ctrl-C,
# a signal to make, make's own death (setpriv's parent-death signal) or either of them ending
# stops both, with whatever they started (gunicorn's workers, the reloader's child).
define serve
	@echo "Serving on http://127.0.0.1:$(PORT) with $(1), and the job worker. Ctrl-C stops both."
	@exec setpriv --pdeathsig TERM bash -c 'set -m; \
	  $(FLASK) worker & worker=$$!; \
	  $(2) & web=$$!; \
	  trap "kill -TERM -$$web -$$worker 2>/dev/null; wait" EXIT INT TERM; \
	  wait -n'
endef

# As in production: gunicorn (WEB_WORKERS processes) and the job worker. No control socket:
# gunicorn's default one (~/.gunicorn/gunicorn.ctl) is shared by every gunicorn of the user.
GUNICORN := $(BIN)/gunicorn --workers $(WEB_WORKERS) --no-control-socket
run: db
	$(call serve,gunicorn,$(GUNICORN) --bind 127.0.0.1:$(PORT) wsgi:app)

# For developers: Flask's server, reloading on every change, with the debugger; and the worker.
dev: db
	$(call serve,the reloading development server,$(FLASK) run --debug --host 127.0.0.1 --port $(PORT))

# Ruff, then bandit on the application: a finding is fixed or explained where it stands
# ("# nosec B105" after the reason).
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/bandit -q -r wipo_training config.py wsgi.py

# The suite runs on SQLite, then again on PostgreSQL when TEST_DATABASE_URL is set (.ci/run sets it).
test: setup-test lint
	env -u TEST_DATABASE_URL $(BIN)/pytest
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
	  echo "== The same suite on PostgreSQL ($$TEST_DATABASE_URL)"; \
	  $(BIN)/pytest; \
	fi

# The measurements of bench/ (minutes; written to bench/RESULTS.md). Not part of `make test`.
bench: setup-test debs-bench
	$(BIN)/python bench/web.py
	$(BIN)/python bench/course_report.py
	$(BIN)/python bench/certificates.py
