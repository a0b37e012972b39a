# make demo: create .venv, install, generate the synthetic set, train, evaluate, print the table.
# make test: create .venv if missing, install, run the whole test suite, on TEST_WORKERS
# pytest-xdist workers (2: the reference machine's cores; `make test TEST_WORKERS=auto` uses
# every core, `TEST_WORKERS=0` runs in one process). Tests that share one training run carry
# the same xdist_group mark and stay on one worker (--dist loadgroup).
# make gpu-wheels: into .whl/, the wheels benchmarks/gpu_run.py needs on a CUDA machine that has
# torch but none of these and no network (WHEEL_PYTHON: that machine's Python version).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
TEST_WORKERS ?= 2
WHEEL_PYTHON ?= 3.12
GPU_WHEELS := mmengine==0.10.7 addict==2.4.0 termcolor==3.3.0 yapf==0.43.0 platformdirs==4.14.9 \
	gdown==6.5.1 beautifulsoup4==4.15.0 soupsieve==4.1.4 faiss-cpu==1.15.1

.PHONY: install demo test clean-demo gpu-wheels

$(STAMP): setup.cfg pyproject.toml requirements/constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -c requirements/constraints.txt -e '.[tests]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(PY) tools/run_demo.py

test: $(STAMP)
	$(PY) -m pytest tests -n $(TEST_WORKERS) --dist loadgroup

gpu-wheels: $(STAMP)
	$(PY) -m pip download --no-deps --only-binary=:all: --python-version $(WHEEL_PYTHON) \
		--implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
		--platform manylinux2014_x86_64 -d .whl $(GPU_WHEELS)
	$(PY) -m pip wheel --no-deps torchreid==0.2.5 -w .whl

clean-demo:
	rm -rf work_dirs/demo
