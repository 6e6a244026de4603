# One Makefile that CI calls unchanged. Every target creates .venv and installs what it needs.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
STAMP := $(VENV)/.skillevo-installed
PYTHON ?= $(shell command -v python3.11 || command -v python3)
export CREWAI_DISABLE_TELEMETRY=true
export OTEL_SDK_DISABLED=true
export CREWAI_DISABLE_VERSION_CHECK=true
export CREWAI_TRACING_ENABLED=false
export HF_HUB_OFFLINE=1
export TOKENIZERS_PARALLELISM=false

.PHONY: install demo test lint bench bench-deps sandbox-deps clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip uv

$(STAMP): pyproject.toml adapters/langgraph/pyproject.toml adapters/crewai/pyproject.toml integrations/trl/pyproject.toml | $(PY)
	# torch first, from the CPU wheel (pip finds it on local disk); any other route may pull a CUDA build.
	$(PY) -m pip install -q "torch==2.13.0"
	$(UV) pip install -q -p $(VENV) -e ".[cli,dev,postgres]" -e adapters/langgraph -e adapters/crewai -e integrations/trl
	touch $(STAMP)

install: $(STAMP)

demo: install sandbox-deps
	$(VENV)/bin/skillevo demo

# The BFCL driver's test (tests/test_bfcl_driver.py) needs bench-deps too: 14 MB, no extra dependencies.
test: install bench-deps sandbox-deps
	$(PY) -m pytest -q

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# BFCL's stateful multi-turn tools for the learning benchmark: the package without its (heavy, unused)
# dependencies, plus the one its tool classes import.
bench-deps: install
	$(UV) pip install -q -p $(VENV) --no-deps "bfcl-eval==2026.3.23"
	$(UV) pip install -q -p $(VENV) "mpmath>=1.3"

# Code skills run only inside a bubblewrap jail with a libseccomp filter (docs/security.md). Installed here
# when missing and we are root with apt-get; otherwise this says how, and code skills refuse to run.
sandbox-deps:
	@if command -v bwrap >/dev/null 2>&1 && ldconfig -p 2>/dev/null | grep -q libseccomp.so.2; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap libseccomp2 >/dev/null) \
	    || echo "bubblewrap could not be installed: code skills will refuse to run (apt-get install bubblewrap libseccomp2)"; \
	else echo "bubblewrap is missing: code skills will refuse to run; install it: sudo apt-get install bubblewrap libseccomp2"; fi

bench: install bench-deps sandbox-deps
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
