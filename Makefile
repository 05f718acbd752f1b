# Gerai: the two commands a newcomer needs. See README.md.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export PORT
STAMP := $(VENV)/.installed

.PHONY: run test install lint lock translations bench clean mutate

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(STAMP): $(BIN)/python requirements-dev.lock pyproject.toml
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP) translations

translations: $(STAMP)
	$(BIN)/pybabel compile -d app/translations

run: install
	$(BIN)/gerai db upgrade
	$(BIN)/gerai demo
	$(BIN)/gerai run --host 127.0.0.1 --port $(PORT)

test: install
	$(BIN)/python -m tests.preflight
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

# Mutation testing (mutmut), not part of `make test`: tens of minutes. MUTATE_ARGS="dues" for one
# group, "tenants 'tenants.door.*'" for some mutants. Results in bench/out/mutation-<group>.txt.
mutate: install
	$(BIN)/python scripts/mutate.py $(MUTATE_ARGS)

# Re-pin after changing dependencies in pyproject.toml.
lock: $(BIN)/python
	$(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile -q --strip-extras --no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml
	$(BIN)/pip-compile -q --strip-extras --no-emit-index-url --no-emit-find-links --extra dev -o requirements-dev.lock pyproject.toml

clean:
	rm -rf $(VENV) instance mutants
