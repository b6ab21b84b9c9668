# The commands a newcomer runs. Each does its own set-up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: demo test services services-down durable-services browser keycloak image test-image install bench soak lint clean

# `make demo PORT=8600` serves the dashboard on another port.
PORT ?= 8501

demo: $(INSTALLED)
	$(BIN)/fullpicture demo --port $(PORT)

# The 25 slowest tests are listed at the end: where the suite's time goes.
test: $(INSTALLED) lint services browser keycloak test-image
	. .fullpicture/services.env && $(BIN)/python -m pytest --durations=25

services: $(INSTALLED)
	bash scripts/services.sh up

browser:
	bash scripts/browser.sh

# The container image from the Dockerfile, tagged fullpicture:local (the name docker-compose.yml
# uses): with Docker where an engine runs, otherwise with podman (scripts/image.sh).
image:
	bash scripts/image.sh build

# The image built before the tests, with its progress shown. A failure here is not the end of the
# run: tests/test_image.py builds again and fails with the reason (it skips only where podman
# cannot be installed at all).
test-image:
	-bash scripts/image.sh build

# The OpenID Connect provider the dashboard's sign-in tests run against (started by the tests).
keycloak:
	bash scripts/keycloak.sh fetch

services-down:
	bash scripts/services.sh down

bench: $(INSTALLED) services
	. .fullpicture/services.env && $(BIN)/fullpicture bench

# The chaos soak (not part of `make test`): its own PostgreSQL and broker, which it restarts.
# make soak SOAK_ARGS="--minutes 10 --durable"
SOAK_ARGS ?= --minutes 10
soak: $(INSTALLED)
	bash scripts/soak.sh $(SOAK_ARGS)

# A second PostgreSQL cluster with fsync, synchronous_commit and full_page_writes on, for
# `fullpicture bench --durable`; its settings go to .fullpicture/durable-services.env.
durable-services: $(INSTALLED)
	FULLPICTURE_PG_PORT=55433 FULLPICTURE_PG_CLUSTER=fpdurable FULLPICTURE_PG_DURABLE=1 \
	FULLPICTURE_SERVICES_ENV_FILE=.fullpicture/durable-services.env bash scripts/services.sh up

# Style, layers (import-linter, contracts in pyproject.toml) and dead code (vulture).
lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/vulture

install: $(INSTALLED)

$(INSTALLED): pyproject.toml
	@echo "Creating the virtual environment in $(VENV) ($(PYTHON))"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Upgrading pip"
	$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "Installing FullPicture and its dependencies into $(VENV) (a minute or two the first time)"
	{ $(BIN)/python -m pip install --progress-bar off -e '.[test]' 2>&1; echo $$? > $(VENV)/pip.status; } \
		| tee $(VENV)/pip.log | grep -E '^(Collecting|Successfully installed)' || true
	@test "$$(cat $(VENV)/pip.status)" = 0 || { tail -40 $(VENV)/pip.log; exit 1; }
	@echo "Installed: $$($(BIN)/fullpicture --version)"
	touch $(INSTALLED)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
