# The Makefile is Moments' interface: `make dev` runs the app, `make test` proves it.
# Every target creates the virtualenv and installs the pinned dependencies on first use.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export SAM_CLI_TELEMETRY := 0
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.DEFAULT_GOAL := help
.PHONY: help venv dev test unit lint

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 18

$(STAMP): requirements-dev.txt src/requirements.txt constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "==> installing pinned dependencies into $(VENV) (first run only)"
	@$(BIN)/pip install --quiet --upgrade pip
	@$(BIN)/pip install --quiet -r requirements-dev.txt -c constraints.txt
	@touch $(STAMP)

venv: $(STAMP) ## Create .venv with the pinned dependencies

dev: $(STAMP) ## Run the whole app locally (API :3000, hosted UI :3001, AWS emulator :3002)
	@$(BIN)/python -m local_stack

test: $(STAMP) ## Run every test: unit, handlers, end-to-end, SAM, Postman, browser
	@$(BIN)/python -m pytest

unit: $(STAMP) ## Run the fast tests only (no local stack, no SAM CLI, no browser)
	@$(BIN)/python -m pytest tests/unit tests/handlers
