# Two commands for a new user:  make run  (the bot on the local web chat)  ·  make test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint format clean

# Quiet unless it fails: pip and setuptools print warnings a newcomer would read as errors.
$(BIN)/aiguide: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "aiguide needs Python 3.11 or newer (set PYTHON=python3.12 etc.)"; exit 1; }
	@echo "installing aiguide and its dependencies into $(VENV) ..."
	@mkdir -p var
	@{ $(PYTHON) -m venv $(VENV) \
		&& $(BIN)/pip install --quiet --upgrade pip \
		&& $(BIN)/pip install --quiet -e '.[dev]'; } >var/install.log 2>&1 \
		|| { cat var/install.log; echo "the installation failed (log: var/install.log)"; exit 1; }
	@touch $@

run: $(BIN)/aiguide
	$(BIN)/aiguide serve

# The PostgreSQL variants run too when AIGUIDE_TEST_POSTGRES_URL is set, or when a PostgreSQL
# on 127.0.0.1:5432 takes user postgres into database test; AIGUIDE_TEST_POSTGRES_URL= (empty)
# runs SQLite only.
test: $(BIN)/aiguide
	@scripts/system-packages
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@url="$${AIGUIDE_TEST_POSTGRES_URL-$$($(BIN)/python scripts/find-test-postgres)}"; \
		if [ -n "$$url" ]; then echo "PostgreSQL suites too: $$url"; \
		else echo "no PostgreSQL for the tests: SQLite only (see README, Tests)"; fi; \
		AIGUIDE_TEST_POSTGRES_URL="$$url" $(BIN)/pytest $(PYTEST_ARGS)

format: $(BIN)/aiguide
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
