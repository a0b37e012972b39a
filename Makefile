# make demo: create .venv, install, generate the synthetic set, train, evaluate, print the table.
# make test: create .venv if missing, install, run the whole test suite.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install demo test clean-demo

$(STAMP): setup.cfg pyproject.toml requirements/constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -c requirements/constraints.txt -e '.[tests]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(PY) tools/run_demo.py

test: $(STAMP)
	$(PY) -m pytest tests

clean-demo:
	rm -rf work_dirs/demo
