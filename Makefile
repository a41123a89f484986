# The two Quick start commands (see README.md): `make serve` and `make test`.
# Both install what they need into .venv first; nothing else is assumed but Python 3.11+.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
TODAY  ?=

.PHONY: serve test browser benchmark attacks soak golden fuzz audit clean lint typecheck imports package-check translations

# `make serve PORT=8101 TODAY=2027-01-05`: another port, and a fixed "today" (as CALENDAR_TODAY does).
serve: $(VENV)/.installed
	$(BIN)/calendar-app serve --port $(PORT)$(if $(TODAY), --today $(TODAY))

test: $(VENV)/.installed-test browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Browser tests drive Debian's Chromium through Playwright (Playwright's own browser
# download is not used). Installed here when missing and when we may install packages.
browser:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing Debian's chromium for the browser tests..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "chromium is not installed: browser tests will be skipped (sudo apt-get install chromium)"; fi

# What CI checks besides the tests, each as a contributor would type it from the project root.
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

imports: $(VENV)/.installed-test
	$(BIN)/lint-imports

# The wheel and sdist built, the wheel installed in a fresh venv outside the checkout, and the
# sample site validated, built and served from there.
package-check: $(VENV)/.installed-test
	bash .ci/package-check

golden: $(VENV)/.installed-test
	$(BIN)/python -m tests.refresh_golden

# The public pages' words in other languages (docs/languages.md): extracted from the templates and
# the code (babel.cfg) into calendar_app/locale/messages.pot, merged into each language's catalog
# (new words come out empty, changed ones fuzzy, for a translator), then compiled into the .mo
# files the site reads. The .mo files are committed, so the wheel carries them without a build step.
LOCALE := calendar_app/locale
translations: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg --add-location=file --sort-by-file --no-wrap \
	  --project=calendar-app --copyright-holder="calendar-app contributors" -o $(LOCALE)/messages.pot .
	$(BIN)/pybabel update -i $(LOCALE)/messages.pot -d $(LOCALE) --no-wrap --ignore-obsolete
	$(BIN)/pybabel compile -d $(LOCALE) --statistics

# The HTTP benchmarks load the server with Debian's wrk and compare it with nginx serving the
# same feed; both are installed here when missing and when we may install packages. Without
# them a Python client makes the load and the nginx comparison is skipped, with a message.
# `make benchmark BENCHMARK_ARGS="--sizes 1000,10000 --repeats 3"` passes options through.
benchmark: $(VENV)/.installed-test
	@if command -v wrk >/dev/null 2>&1 && { command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; }; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing Debian's wrk and nginx-light for the HTTP benchmarks..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx-light >/dev/null; \
	else echo "wrk or nginx is missing (sudo apt-get install wrk nginx-light): the load comes from a Python client and nginx is skipped"; fi
	$(BIN)/python -m benchmarks.run $(BENCHMARK_ARGS)

# What the requests that once knocked the site over cost now (docs/hardening.md), in process.
attacks: $(VENV)/.installed-test
	$(BIN)/python -m benchmarks.attacks $(ATTACKS_ARGS)

# A bounded soak from loopback: readers of feeds and pages while a coordinator saves every second
# (see docs/hardening.md). `make soak SOAK_ARGS="--duration 300 --clients 64"`.
soak: $(VENV)/.installed-test
	$(BIN)/python -m benchmarks.load_soak $(SOAK_ARGS)

# Coverage-guided fuzzing of the front-matter reader and validation (docs/hardening.md):
# `make fuzz FUZZ_SECONDS=300`. atheris is installed here only; finds go to .venv/fuzz/finds/.
FUZZ_SECONDS ?= 300
fuzz: $(VENV)/.installed-test
	$(BIN)/python -m pip install -q "atheris>=2.3"
	mkdir -p $(VENV)/fuzz/corpus $(VENV)/fuzz/finds
	$(BIN)/python tests/fuzz/fuzz_frontmatter.py $(VENV)/fuzz/corpus tests/data/valid tests/data/invalid tests/data/fuzz \
	  -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 -artifact_prefix=$(VENV)/fuzz/finds/

# Known vulnerabilities in the installed dependencies, by pip-audit from an environment of its own
# (so its own packages are not audited); fails on one that has a fix (see .ci/audit.py).
AUDIT := $(VENV)/audit-tool
audit: $(VENV)/.installed-test
	$(BIN)/python -m pip freeze --exclude-editable > $(VENV)/audit-requirements.txt
	@[ -x $(AUDIT)/bin/pip-audit ] || { $(PYTHON) -m venv $(AUDIT) && $(AUDIT)/bin/python -m pip install -q "pip-audit>=2.7"; }
	$(AUDIT)/bin/python .ci/audit.py $(VENV)/audit-requirements.txt

# The manual: docs/ as an MkDocs site (Material theme), built into build/docs with every warning
# an error. `make docs-reference` rewrites its generated pages (settings, event schema, command
# line) from the code; tests/test_docs.py fails when a committed one differs.
.PHONY: docs docs-reference
docs: $(VENV)/.installed-docs
	$(BIN)/mkdocs build --strict

docs-reference: $(VENV)/.installed
	$(BIN)/python docs/gen_reference.py

$(VENV)/.installed-docs: $(VENV)/.created pyproject.toml
	$(BIN)/python -m pip install -q -e ".[docs]"
	touch $@ $(VENV)/.installed

$(VENV)/.created:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	touch $@

$(VENV)/.installed: $(VENV)/.created pyproject.toml
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.created pyproject.toml
	$(BIN)/python -m pip install -q -e ".[test]"
	touch $@ $(VENV)/.installed

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache
