# make demo: create .venv, install, generate the synthetic set, train, evaluate, print the table.
# make test: create .venv if missing, install, run the whole test suite, on TEST_WORKERS
# pytest-xdist workers (2: the reference machine's cores; `make test TEST_WORKERS=auto` uses
# every core, `TEST_WORKERS=0` runs in one process). Tests that share one training run carry
# the same xdist_group mark and stay on one worker (--dist loadgroup).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
TEST_WORKERS ?= 2

.PHONY: install demo test clean-demo

$(STAMP): setup.cfg pyproject.toml requirements/constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -c requirements/constraints.txt -e '.[tests]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(PY) tools/run_demo.py

test: $(STAMP)
	$(PY) -m pytest tests -n $(TEST_WORKERS) --dist loadgroup

clean-demo:
	rm -rf work_dirs/demo
