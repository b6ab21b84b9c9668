# The commands a newcomer runs. Each does its own set-up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: demo test services services-down browser keycloak install bench lint clean

demo: $(INSTALLED)
	$(BIN)/fullpicture demo

test: $(INSTALLED) services browser keycloak
	. .fullpicture/services.env && $(BIN)/python -m pytest

services: $(INSTALLED)
	bash scripts/services.sh up

browser:
	bash scripts/browser.sh

# The OpenID Connect provider the dashboard's sign-in tests run against (started by the tests).
keycloak:
	bash scripts/keycloak.sh fetch

services-down:
	bash scripts/services.sh down

bench: $(INSTALLED) services
	. .fullpicture/services.env && $(BIN)/fullpicture bench

lint: $(INSTALLED)
	$(BIN)/ruff check .

install: $(INSTALLED)

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(INSTALLED)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
