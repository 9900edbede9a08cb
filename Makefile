# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint test-sqlite test-postgresql test-cluster clean

$(STAMP): setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[test]"
	touch $(STAMP)

# Start the API (with its job worker and maintenance scheduler: scripts/run-dev)
# on the embedded SQLite database under ./var, with a
# platform_owner "admin" per installed application (credentials in var/credentials.txt).
run: $(STAMP)
	mkdir -p var
	$(BIN)/restworkx -c development.ini initdb
	@for app in $$(sed -n 's/^restworkx.apps *= *//p' development.ini); do \
	  $(BIN)/restworkx -c development.ini create-admin --app $$app --username admin \
	    --credentials-file var/credentials.txt; done
	@echo "credentials (application username password): var/credentials.txt"
	BIN=$(BIN) scripts/run-dev development.ini

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

test-sqlite: $(STAMP)
	RESTWORKX_TEST_DB=sqlite $(BIN)/pytest -q -p no:cacheprovider tests/unit tests/functional

test-postgresql: $(STAMP)
	scripts/ensure-postgresql
	RESTWORKX_TEST_DB=postgresql $(BIN)/pytest -q -p no:cacheprovider tests/functional

# The appliance bundle on test hosts built from Linux namespaces (root; ~5 min):
# Debian packages and the Ansible virtualenv come from tests/cluster/bootstrap.sh.
test-cluster: $(STAMP)
	bash tests/cluster/bootstrap.sh
	.venv-deploy/bin/python -m pytest -q -p no:cacheprovider --confcutdir tests/cluster \
	  -m cluster tests/cluster

# The whole suite: lint, then SQLite, then PostgreSQL, then the cluster tests.
test: lint test-sqlite test-postgresql test-cluster

clean:
	rm -rf $(VENV) var
