# Quick start: `make demo` (scan the bundled demo cluster) and `make test` (the whole suite).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench bench-rbac bench-podsec bench-netpol docs clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "kubeward needs Python 3.11 or newer; run make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

## Scan examples/demo-cluster, print the report and write it to out/demo (json, sarif, junit, txt);
## also write there what enforcing baseline on `legacy` breaks, the PodSecurityPolicy migration,
## a hardening diff (exit 1 of those commands means "something to show", not failure), the
## connectivity graph, NetworkPolicies generated from observed flows, and what they change.
demo: $(STAMP)
	$(BIN)/kubeward scan examples/demo-cluster --report-dir out/demo --fail-on none
	$(BIN)/kubeward pods dry-run-label -n legacy --level baseline examples/demo-cluster > out/demo/pods-dry-run-legacy.txt || [ $$? -eq 1 ]
	$(BIN)/kubeward pods migrate-psp examples/demo-cluster > out/demo/pods-migrate-psp.txt || [ $$? -eq 1 ]
	$(BIN)/kubeward pods harden examples/demo-cluster/web/storefront.yaml > out/demo/pods-harden-storefront.diff || [ $$? -eq 1 ]
	@echo "wrote out/demo/pods-dry-run-legacy.txt, out/demo/pods-migrate-psp.txt, out/demo/pods-harden-storefront.diff"
	$(BIN)/kubeward netpol connlist examples/demo-cluster -n payments -o dot > out/demo/netpol-connlist-payments.dot 2> out/demo/netpol-notes.txt
	$(BIN)/kubeward netpol generate --flows examples/demo-flows/data-hubble-flows.json -n data examples/demo-cluster \
		> out/demo/netpol-generated-data.yaml 2> out/demo/netpol-generated-data.verification.txt
	rm -rf out/demo/after && cp -R examples/demo-cluster out/demo/after && cp out/demo/netpol-generated-data.yaml out/demo/after/data/
	$(BIN)/kubeward netpol diff examples/demo-cluster out/demo/after -n data > out/demo/netpol-diff-data.txt 2>/dev/null
	@echo "wrote out/demo/netpol-connlist-payments.dot (render: dot -Tsvg), netpol-generated-data.yaml (+ .verification.txt), netpol-diff-data.txt"

## Lint, type-check, check the layering, then run every test.
test: $(STAMP) lint
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

## Load + scan a synthetic 10,000-pod, 200-namespace cluster dump (71 MB of YAML, hence the
## larger file limit): objects/s and peak memory.
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py --pods 10000 --namespaces 200 --max-file-mb 256

## Index, can-i, who-can, list, paths and the RBAC scan on a synthetic 20,000-role,
## 20,000-binding, 5,000-service-account cluster (median of 3).
bench-rbac: $(STAMP)
	$(BIN)/python benchmarks/rbac.py --roles 20000 --bindings 20000 --service-accounts 5000 --namespaces 200 \
		--seed 1 --repeat 3 --can-i-queries 2000 --who-can-queries 200 --lists 100

## Pod Security Standards engine (pod templates/s at restricted:latest, one core) and the POD
## section of scan on a synthetic 10,000-pod, 200-namespace dump (median of 3).
bench-podsec: $(STAMP)
	$(BIN)/python benchmarks/podsec.py --pods 10000 --namespaces 200 --seed 1 --repeat 3

## Network-policy engine on a synthetic 10,000-pod, 200-namespace cluster with 1,000 NetworkPolicies
## (network build, connlist, can-reach mean/p99, the whole `netpol connlist -o json`; one core,
## median of 3), then the same with 600+ distinct ipBlock CIDRs.
bench-netpol: $(STAMP)
	$(BIN)/python benchmarks/netpol.py --pods 10000 --namespaces 200 --policies 1000 --seed 1 --repeat 3
	$(BIN)/python benchmarks/netpol.py --pods 10000 --namespaces 200 --policies 1000 --cidrs 600 --seed 1 --repeat 3

## Regenerate docs/controls.md from the control catalogue.
docs: $(STAMP)
	KUBEWARD_UPDATE_FIXTURES=1 $(BIN)/pytest -q tests/test_docs.py

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache .hypothesis
