# survey-report-banner: every task a developer or CI runs. `make help` lists them.
.DEFAULT_GOAL := help
SHELL := /bin/bash
.PHONY: help requirements system-requirements upgrade dist test test-unit test-django42 test-py312 test-mysql \
        test-integration test-tutor screenshots quality lint_workflows pii_check demo bench clean \
        extract_translations compile_translations validate_translations dummy_translations axe

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TUTOR_VENV := .venv-tutor
PYTEST := $(BIN)/pytest
STAMP := $(VENV)/.installed
# axe-core for the browser tests' accessibility audit: pinned (with its integrity hash) in
# tests/integration/axe/package-lock.json, installed by npm into a git-ignored node_modules.
AXE_DIR := tests/integration/axe
AXE_JS := $(AXE_DIR)/node_modules/axe-core/axe.min.js
# The sdist and the wheel are built once, again only when what goes into them changes; the packaging
# tests and the tox tiers all use that one build.
DIST := dist
DIST_STAMP := $(DIST)/.built
DIST_SOURCES := setup.py pyproject.toml MANIFEST.in README.rst CHANGELOG.rst LICENSE.txt requirements/base.in \
                requirements/constraints.txt $(shell find survey_report_banner -type f -not -path '*/__pycache__/*')
WHEEL = $(wildcard $(DIST)/survey_report_banner-*.whl)
# One MariaDB test database per checkout: concurrent runs from two worktrees never drop each other's.
SRB_MYSQL_TEST_NAME ?= test_srb_$(shell printf %s "$(CURDIR)" | md5sum | cut -c1-8)
# The unit suite without the tiers that need services or build things.
UNIT_MARKERS := not mysql and not worker and not browser

help: ## show this help
	@grep -hE '^[a-zA-Z0-9_-]+:.*?## ' $(MAKEFILE_LIST) | sort | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-22s %s\n", $$1, $$2}'

system-requirements: ## install the Debian packages the suite needs (mysqlclient headers, Chromium)
	@./scripts/system-requirements.sh

$(STAMP): requirements/dev.txt setup.py
	@$(MAKE) --no-print-directory system-requirements
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements/dev.txt
	$(BIN)/pip install -q --no-deps -e .
	touch $(STAMP)

requirements: $(STAMP) ## create .venv and install the pinned development requirements

$(AXE_JS): $(AXE_DIR)/package.json $(AXE_DIR)/package-lock.json
	@$(MAKE) --no-print-directory system-requirements
	cd $(AXE_DIR) && npm ci --no-audit --no-fund --ignore-scripts
	touch $(AXE_JS)

axe: $(AXE_JS) ## install the pinned axe-core the browser tests audit the banner with (npm ci)

upgrade: export CUSTOM_COMPILE_COMMAND=make upgrade
upgrade: $(STAMP) ## recompile requirements/*.txt from requirements/*.in with the newest versions
	$(BIN)/pip install -q -r requirements/pip-tools.txt
	for f in pip-tools base test quality dev tutor ci release; do \
	  $(BIN)/pip-compile -q --upgrade --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links \
	    -o requirements/$$f.txt requirements/$$f.in || exit 1; done

TIERS := test-unit test-django42 test-py312 test-mysql test-integration test-tutor

# Each tier is timed, and the times are printed at the end: CI's budget is 15 minutes in all.
test: requirements ## run every tier: unit (SQLite), Django 4.2, Python 3.12, MariaDB, worker + browser, Tutor plugin
	@times=""; for tier in $(TIERS); do \
	  start=$$(date +%s); \
	  $(MAKE) --no-print-directory $$tier || { echo "make test: $$tier failed"; exit 1; }; \
	  times="$$times $$tier $$(( $$(date +%s) - start ))s"; \
	done; \
	echo "make test: all tiers passed (seconds per tier:$$times)"

dist: $(DIST_STAMP) ## build the sdist and the wheel into dist/ (once; again when their sources change)

$(DIST_STAMP): $(STAMP) $(DIST_SOURCES)
	rm -rf $(DIST) build
	@# --no-isolation: this virtualenv's setuptools (requirements/dev.txt), nothing downloaded. The
	@# build's chatter is shown only when it fails.
	@out=$$($(BIN)/python -m build --no-isolation --outdir $(DIST) . 2>&1) || { echo "$$out"; exit 1; }
	@ls $(DIST)
	touch $@

test-unit: requirements $(DIST_STAMP) ## the whole unit suite on SQLite, with coverage, and the wheel in a fresh virtualenv
	SRB_DIST_DIR=$(DIST) $(PYTEST) -m "$(UNIT_MARKERS) and not slow" \
	  --cov=survey_report_banner --cov-report=term-missing:skip-covered

test-django42: requirements $(DIST_STAMP) ## the unit suite again on Django 4.2 LTS (Sumac/Teak-era LMS), through tox
	$(BIN)/tox -e py311-django42 --installpkg $(WHEEL) -- -q -m "$(UNIT_MARKERS) and not packaging and not slow"

# The year-long schedule simulations (marker slow) run here, once: the rule they exercise is the same
# on every Python, Django and database, and this tier has no coverage tracer to slow them down.
test-py312: requirements $(DIST_STAMP) ## the unit suite on Python 3.12 and Django 5.2 (openedx-platform master), through tox
	@if ! py=$$(./scripts/find-python.sh 3.12); then \
	  if [ "$${CI:-}" = true ]; then echo "test-py312: no Python 3.12 found; CI must run this tier" >&2; exit 1; fi; \
	  echo "test-py312: SKIPPED, no Python 3.12 found (pyenv install 3.12, or put python3.12 on PATH)"; exit 0; \
	fi; \
	echo "test-py312: $$py"; \
	$(BIN)/tox -e py312-django52 --discover "$$py" --installpkg $(WHEEL) -- -q -m "$(UNIT_MARKERS) and not packaging"

test-mysql: requirements ## the whole unit suite again on MariaDB (127.0.0.1:3306)
	./scripts/ensure-services.sh mysql
	SRB_DB=mysql SRB_MYSQL_TEST_NAME=$(SRB_MYSQL_TEST_NAME) $(PYTEST) -m "not worker and not browser and not packaging and not slow"

test-integration: requirements $(AXE_JS) ## real Redis + Celery worker, broker outages, concurrency, browser
	./scripts/ensure-services.sh redis mysql rabbitmq
	# The browser tests' captures go to .screenshots/ here; `make screenshots` refreshes docs/images.
	SRB_SCREENSHOT_DIR=.screenshots $(PYTEST) -m "worker or browser" -p no:randomly --durations=10

screenshots: requirements $(AXE_JS) ## run the browser tests and save their captures as the README's docs/images
	./scripts/ensure-services.sh redis mysql rabbitmq
	SRB_SCREENSHOT_DIR=docs/images $(PYTEST) -m browser -p no:randomly

test-tutor: ## the Tutor plugin against the real tutor package, in its own virtualenv
	./scripts/test-tutor.sh

quality: requirements ## lint, import order, docstrings, annotations, GitHub workflows
	$(BIN)/ruff check survey_report_banner tests scripts setup.py
	$(BIN)/code_annotations static_find_annotations --config_file .annotations.yml --lint --report
	@$(MAKE) --no-print-directory pii_check lint_workflows

# Workflows cannot run here; these prove them well-formed (the schema ships inside check-jsonschema)
# and free of the usual security mistakes (zizmor, offline: no GitHub API calls).
lint_workflows: requirements ## check the GitHub workflows against their schema and with zizmor
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(BIN)/zizmor --offline --no-progress .github/workflows/

pii_check: requirements ## every model must say whether it stores PII
	DJANGO_SETTINGS_MODULE=host.settings PYTHONPATH=tests $(BIN)/code_annotations django_find_annotations \
	  --config_file .pii_annotations.yml --lint --report --coverage

demo: requirements ## start the host on 127.0.0.1:8000 with a worker and a report receiver
	./scripts/ensure-services.sh redis
	$(BIN)/python scripts/demo.py

bench: requirements ## measure the banner's cost with and without the app (SRB_DB=mysql for MariaDB)
	$(BIN)/python scripts/bench.py

extract_translations: requirements ## extract strings to conf/locale/en; merge new ones into the translations
	cd survey_report_banner && PATH=../$(BIN):$$PATH ../$(BIN)/i18n_tool extract --no-segment
	cd survey_report_banner/conf/locale && for lang in es; do \
	  msgmerge --quiet --update --backup=none $$lang/LC_MESSAGES/django.po en/LC_MESSAGES/django.po || exit 1; done

compile_translations: requirements ## compile .po files into the .mo files we ship
	cd survey_report_banner && PATH=../$(BIN):$$PATH ../$(BIN)/i18n_tool generate

dummy_translations: requirements ## fake translations (eo) for spotting untranslated strings
	cd survey_report_banner && PATH=../$(BIN):$$PATH ../$(BIN)/i18n_tool dummy

validate_translations: requirements ## check the .po files
	cd survey_report_banner && PATH=../$(BIN):$$PATH ../$(BIN)/i18n_tool validate

clean: ## remove virtualenvs, build output and local databases
	rm -rf $(VENV) $(TUTOR_VENV) .tox build $(DIST) *.egg-info .static .host.sqlite3 .demo .screenshots \
	  $(AXE_DIR)/node_modules
