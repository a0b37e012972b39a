"""Run the command-line tools as a user does, on small generated data."""
import importlib.util
import json
import os
import os.path as osp
import subprocess
import sys
from types import ModuleType
from typing import Dict, List

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def write_config(path: str, base: str, body: str) -> str:
    """A config file inheriting from the repo config ``base``."""
    with open(path, 'w') as f:
        f.write(f"_base_ = [{osp.join(REPO, base)!r}]\n{body}\n")
    return path


def load_tool(name: str) -> ModuleType:
    """The module of the script ``tools/<name>.py``, to call its pieces directly."""
    spec = importlib.util.spec_from_file_location(name, osp.join(REPO, 'tools', f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_tool(tool: str, *args: str, timeout: int = 600, check: bool = True,
             env: Dict[str, str] = None) -> subprocess.CompletedProcess:
    cmd: List[str] = [sys.executable, osp.join(REPO, 'tools', tool), *args]
    # the test process's thread share (tests/conftest.py), so that two xdist workers running
    # tools at once do not oversubscribe the cores
    full_env = dict(os.environ, PYTHONPATH=REPO, **(env or {}))
    full_env.setdefault('OMP_NUM_THREADS', '2')
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout,
                          env=full_env)
    if check and proc.returncode != 0:
        raise AssertionError(f'{" ".join(cmd)} failed ({proc.returncode}):\n'
                             f'{proc.stdout[-4000:]}\n{proc.stderr[-6000:]}')
    return proc


def evaluate(config: str, work_dir: str, checkpoint: str = None) -> Dict[str, float]:
    out = osp.join(work_dir, 'metrics.json')
    run_tool('test.py', config, checkpoint or '--untrained', '--work-dir', work_dir,
             '--out', out)
    with open(out) as f:
        return json.load(f)


def last_checkpoint(work_dir: str) -> str:
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        return f.read().strip()
