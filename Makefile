# stateful.nfs — `make demo` runs the workflow on the local test bed, `make test` runs every test.
# `make help` lists the targets.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

export STATEFUL_NFS_CACHE ?= /var/cache/stateful-nfs
PYTHON_VERSION ?= 3.11

# ansible-test needs the collection at .../ansible_collections/<namespace>/<name>; we test a copy there.
# The copy lives outside the checkout: inside it, ansible-test would list only files git tracks and
# skip the (ignored) copy.
BUILD := $(CURDIR)/.build
COLLECTIONS_ROOT := $(or $(TMPDIR),/tmp)/stateful-nfs-$(shell printf %s "$(CURDIR)" | sha256sum | cut -c1-8)/collections
COLLECTION := $(COLLECTIONS_ROOT)/ansible_collections/stateful/nfs

# The toolchain's virtualenv (outside the repository, keyed by the requirement files).
VENV_KEY := $(shell cat requirements.txt requirements-dev.txt 2>/dev/null | sha256sum | cut -c1-12)
VENV := $(STATEFUL_NFS_CACHE)/venv-py$(PYTHON_VERSION)-$(VENV_KEY)
export PATH := $(VENV)/bin:$(PATH)
# The lower bounds of the supported ranges (kubernetes from requirements.txt, ansible-core 2.16), so
# the unit tests cover both ends.
OLDEST_KUBERNETES := $(shell sed -n 's/^kubernetes>=\([0-9.]*\),.*/kubernetes==\1/p' requirements.txt)
OLDEST_ANSIBLE_CORE := ansible-core>=2.16,<2.17
OLDEST_VENV := $(STATEFUL_NFS_CACHE)/venv-py$(PYTHON_VERSION)-$(subst ==,-,$(OLDEST_KUBERNETES))-ansible-core-2.16
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS_ROOT)

include tests/cluster/cluster.mk

# The molecule scenario runs with the integration targets once it exists.
MOLECULE_IF_PRESENT := $(if $(wildcard molecule/default/molecule.yml),molecule)

.PHONY: help deps collection sanity lint unit integration integration-host integration-testbed \
        molecule ee-check test demo bench build changelog clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-22s %s\n", $$1, $$2}'

deps: ## Install Debian packages and the Python toolchain (virtualenv outside the repo)
	@PYTHON=python$(PYTHON_VERSION) tests/bin/install-deps >/dev/null

collection: deps ## Copy the working tree to $(COLLECTION) for ansible-test and ansible-doc
	@mkdir -p $(COLLECTION)
	@rsync -a --delete --exclude .git --exclude .build --exclude tests/output --exclude __pycache__ ./ $(COLLECTION)/

sanity: collection ## ansible-test sanity (every test ansible-test runs for this collection)
	cd $(COLLECTION) && ansible-test sanity --color --python $(PYTHON_VERSION) --requirements

lint: collection ## ansible-lint, production profile, on the collection's YAML
	cd $(COLLECTION) && ansible-lint --profile production

unit: collection ## Unit tests (no cluster), with the newest and the oldest supported kubernetes library
	cd $(COLLECTION) && PYTHONPATH=$(COLLECTIONS_ROOT) python -m pytest -q -p no:cacheprovider tests/unit
	@test -x $(OLDEST_VENV)/bin/pytest || { python$(PYTHON_VERSION) -m venv $(OLDEST_VENV) && \
	  $(OLDEST_VENV)/bin/pip install -q $(OLDEST_KUBERNETES) jmespath pytest "$(OLDEST_ANSIBLE_CORE)"; }
	cd $(COLLECTION) && PYTHONPATH=$(COLLECTIONS_ROOT) $(OLDEST_VENV)/bin/python -m pytest -q -p no:cacheprovider tests/unit

integration-host: collection ## Integration targets that need only this host (root): the export module's kernel backend
	cd $(COLLECTION) && ansible-test integration --color --python $(PYTHON_VERSION) --allow-destructive --allow-root \
	  --exclude testbed/

integration-testbed: collection ## Integration targets against the running local test bed (make cluster-up)
	tests/bin/write-integration-config $(COLLECTION)/tests/integration/integration_config.yml
	cd $(COLLECTION) && ansible-test integration --color --python $(PYTHON_VERSION) --allow-destructive --allow-root testbed/

integration: ## Bring the test bed up (and down again if this run started it) around every integration target
	tests/bin/with-testbed $(MAKE) --no-print-directory integration-host integration-testbed $(MOLECULE_IF_PRESENT)

molecule: collection ## molecule test (converge, idempotence, side effect, verify) on the running test bed
	tests/bin/molecule-test

ee-check: collection ## ansible-builder create: the execution environment's build context is valid
	tests/bin/ee-check

test: sanity lint unit ee-check integration ## Everything CI runs: sanity, lint, unit, integration (with molecule) on the real test bed, EE context

bench: collection ## Benchmark on the test bed, side by side with kubectl and kubernetes.core (BENCH_ARGS=--help)
	tests/bin/bench $(BENCH_ARGS)

demo: collection ## Bring the test bed up and run playbooks/site.yml on it; prints the verification table
	tests/bin/demo

build: collection ## Build the collection tarball into .build/
	cd $(COLLECTION) && ansible-galaxy collection build --force --output-path $(BUILD)

changelog: deps ## Lint the changelog fragments
	antsibull-changelog lint

clean: ## Remove build outputs (the toolchain and Kubernetes cache stays)
	rm -rf $(BUILD) tests/output $(dir $(COLLECTIONS_ROOT))
