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
.PHONY: help venv dev test unit bench

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 18

$(STAMP): requirements-dev.txt src/requirements.txt src/*/requirements.txt constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "==> installing pinned dependencies into $(VENV) (first run only)"
	@$(BIN)/pip install --quiet --upgrade pip
	@$(BIN)/pip install --quiet -r requirements-dev.txt -c constraints.txt
	@touch $(STAMP)

venv: $(STAMP) ## Create .venv with the pinned dependencies

# checkov (issue 24) lives in its own virtualenv: its exact pins (boto3==1.35.49,
# networkx<2.7, packaging<24) conflict with aws-sam-cli's and moto's. Every package it
# installs is pinned in requirements-checkov.txt, so no resolver runs (--no-deps) and
# `pip check` proves the set complete.
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed-stamp

$(CHECKOV_STAMP): requirements-checkov.txt
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	@echo "==> installing checkov into $(CHECKOV_VENV) (first run only)"
	@$(CHECKOV_VENV)/bin/pip install --quiet --upgrade pip
	@$(CHECKOV_VENV)/bin/pip install --quiet --no-deps -r requirements-checkov.txt
	@$(CHECKOV_VENV)/bin/pip check >/dev/null
	@touch $(CHECKOV_STAMP)

dev: $(STAMP) ## Run the whole app locally (API :3000, hosted UI :3001, AWS emulator :3002); state kept in .local-stack/
	@$(BIN)/python -m local_stack --state-dir .local-stack

.PHONY: dev-reset
dev-reset: $(STAMP) ## Like `make dev`, but forget the saved state first (new pool, no users, empty bucket)
	@$(BIN)/python -m local_stack --state-dir .local-stack --reset

# Parallel test processes (pytest-xdist): two more than the CPUs, because the end-to-end
# tests spend much of their time waiting (the fault test on retry backoff, sam build and
# newman on pip and npm, the browser on the stack). On 2 cores, 4 workers ran the suite in
# 152-161 s, 3 in 160-178 s, 5 in 177-185 s.
TEST_WORKERS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 2) + 2 )))

# Bytecode caches on, even where the environment turns them off (PYTHONDONTWRITEBYTECODE=1):
# each of the suite's ~40 Python processes would otherwise recompile every module it imports,
# and pytest would rewrite every test module's asserts again (about 20 s of CPU per run).
# __pycache__/ is gitignored.
test unit: export PYTHONDONTWRITEBYTECODE :=

test: $(STAMP) $(CHECKOV_STAMP) ## Run every test: unit, handlers, end-to-end, SAM, Postman, browser (TEST_WORKERS=N processes)
	@$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

unit: $(STAMP) ## Run the fast tests only (no local stack, no SAM CLI, no browser)
	@$(BIN)/python -m pytest -n 2 --dist worksteal tests/unit tests/handlers

bench: $(STAMP) ## Benchmarks: cold starts; make dev's start; list latency 100 vs 100k items; 10 parallel uploads; the photo pipeline; passkey sign-in timing, known vs unknown email; sam local vs make dev
	@$(BIN)/python bench/cold_start.py
	@$(BIN)/python bench/stack_start.py
	@$(BIN)/python bench/list_latency.py
	@$(BIN)/python bench/concurrent_uploads.py
	@$(BIN)/python bench/revocation_check.py
	@$(BIN)/python bench/sign_in_choice.py  # passkey and choice sign-in: known vs unknown email
	@$(BIN)/python bench/photos.py --big --browser  # grid bytes, upload-end to ready, 100 MiB uploads
	@$(BIN)/python bench/sam_local.py  # sam local (LAZY, EAGER) vs make dev: first request, warm p50 (needs Docker)

# --------------------------------------------------------- SAM, sam local, Postman (docs/)
ENV ?= dev
.PHONY: build deploy env-json invoke postman

build: $(STAMP) ## sam build (cached, parallel; no Docker needed)
	@$(BIN)/sam build --config-env $(ENV)

deploy: build ## sam deploy with samconfig.toml's ENV environment (ENV=dev default, ENV=prod)
	@$(BIN)/sam deploy --config-env $(ENV)

env-json: $(STAMP) ## Write env.json for `sam local start-api` from a deployed stack: STACK=<name> [REGION=]
	@test -n "$(STACK)" || { echo "usage: make env-json STACK=<stack name> [REGION=<region>]" >&2; exit 2; }
	@$(BIN)/python -m tools.env_json --stack "$(STACK)" $(if $(REGION),--region "$(REGION)")

invoke: $(STAMP) ## Docker-free `sam local invoke` with the emulator's user, token and photo filled in: FN=<LogicalId> EVENT=events/<file>.json
	@test -n "$(FN)" && test -n "$(EVENT)" || { echo "usage: make invoke FN=<FunctionLogicalId> EVENT=events/<file>.json" >&2; exit 2; }
	@$(BIN)/python -m tools.invoke "$(FN)" "$(EVENT)"

postman: $(STAMP) ## Run the Postman collection with newman (npm ci on first use) against a fresh local stack
	@$(BIN)/python -m local_stack run -- $(CURDIR)/$(BIN)/python -m tools.newman

.PHONY: sam-local
# Ports and options for `make sam-local`, e.g. SAM_LOCAL_FLAGS="--api-port 4000 --warm-containers EAGER".
SAM_LOCAL_FLAGS ?=
sam-local: $(STAMP) ## SAM CLI's `sam local start-api` (Docker) on :3000 in front of the local stack's emulator (docs/sam-local.md)
	@$(BIN)/python -m tools.sam_local $(SAM_LOCAL_FLAGS)

.PHONY: deploy-web
deploy-web: $(STAMP) ## Upload web/ to the deployed stack's bucket and invalidate CloudFront (ENV=dev|prod)
	@$(BIN)/python -m tools.deploy_web --stack-name moments-$(or $(ENV),dev)

# ------------------------------------------------------ API contract, lint (issue 12)
.PHONY: openapi events route-tables lint

openapi: $(STAMP) ## Regenerate openapi.json from template.yaml and the pydantic models
	@$(BIN)/python -m tools.openapi
	@$(BIN)/openapi-spec-validator openapi.json

events: $(STAMP) ## Regenerate events/ (one sample event per function) from template.yaml and openapi.json
	@$(BIN)/python -m tools.events

route-tables: $(STAMP) ## Regenerate the route tables of README.md, docs/auth.md and docs/photos.md from template.yaml and openapi.json
	@$(BIN)/python -m tools.route_tables

.PHONY: bench-fuzz
bench-fuzz: $(STAMP) ## Time the schemathesis run of make test against a fresh local stack (budget: >= 1,000 cases in <= 90 s)
	@$(BIN)/python -m local_stack run -- $(CURDIR)/$(BIN)/python bench/openapi_fuzz.py

lint: $(STAMP) $(CHECKOV_STAMP) ## ruff check, ruff format --check, mypy over src/, checkov over template.yaml per samconfig.toml environment
	@$(BIN)/ruff check .
	@$(BIN)/mypy
	@$(BIN)/ruff format --check .
	@$(BIN)/python -m tools.checkov_scan --checkov $(CHECKOV_VENV)/bin/checkov

.PHONY: format
format: $(STAMP) ## Apply ruff's formatter and its safe fixes (what `make lint` checks)
	@$(BIN)/ruff format .
	@$(BIN)/ruff check --fix .
