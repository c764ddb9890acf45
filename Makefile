# The two commands of the README: `make demo` runs the main job, `make test` runs the test suite.
# Both install the project's virtual environment (.venv) from the lock file (uv.lock) and nothing else:
# the only tool installed outside the lock is uv itself, pinned by hash in requirements-uv.txt.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
TOOLS := .tools
UV := $(TOOLS)/bin/uv
STAMP := $(VENV)/.installed
SCRATCH := .upgrade-check

# uv installs into .venv (not a venv of its own choosing) and never downloads a Python interpreter.
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))
export UV_PYTHON_DOWNLOADS := never

.PHONY: demo test lint lock lock-check upgrade-check bench clean browser

$(UV): requirements-uv.txt
	$(PY) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install -q --require-hashes -r requirements-uv.txt
	touch $(UV)

# --locked: install exactly the locked versions, and fail if uv.lock is out of date with pyproject.toml.
$(STAMP): pyproject.toml uv.lock $(UV)
	$(UV) sync --locked --extra test --python $(PY)
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/workshift demo

# Fails when uv.lock no longer matches pyproject.toml (re-resolve on purpose with `make lock`).
lock-check: $(UV)
	$(UV) lock --check

# The chart checks of the evaluation reports run in headless Chromium (Debian package `chromium`, driven by
# the locked playwright). Installed here when missing and apt is available as root; otherwise those tests skip.
browser:
	@if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; fi

test: lock-check $(STAMP) browser
	$(BIN)/ruff check src tests bench
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

# Re-resolve the lock deliberately (new dependency, or an upgrade once upgrade-check passes).
lock: $(UV)
	$(UV) lock

# Meet new releases on purpose: resolve every dependency to its newest version in a scratch environment
# (the lock and .venv are not touched) and run the test suite there.
upgrade-check: $(UV)
	rm -rf $(SCRATCH)
	$(UV) venv -q --python $(PY) $(SCRATCH)/venv
	$(UV) pip compile -q --upgrade --extra test --python $(SCRATCH)/venv/bin/python pyproject.toml -o $(SCRATCH)/requirements.txt
	$(UV) pip install -q --python $(SCRATCH)/venv/bin/python -r $(SCRATCH)/requirements.txt
	$(UV) pip install -q --python $(SCRATCH)/venv/bin/python --no-deps -e .
	$(SCRATCH)/venv/bin/python .ci/lock_diff.py $(SCRATCH)/requirements.txt
	$(SCRATCH)/venv/bin/ruff check src tests bench
	$(SCRATCH)/venv/bin/pytest -q -p no:cacheprovider

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) $(TOOLS) $(SCRATCH) build *.egg-info
