"""Smoke test of benchmarks/benchmark_memory_stability.py: it trains, prints RSS per epoch and
a verdict per method."""
import os
import os.path as osp
import re
import subprocess
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.mark.slow(19)
def test_memory_stability_script_reports_rss_per_epoch(tmp_path):
    proc = subprocess.run(
        [sys.executable, osp.join(REPO, 'benchmarks', 'benchmark_memory_stability.py'),
         '--epochs', '3', '--iters', '2', '--methods', 'mmcl', '--data', str(tmp_path / 'data')],
        cwd=REPO, capture_output=True, text=True, timeout=300,
        env=dict(os.environ, PYTHONPATH=REPO))  # OMP_NUM_THREADS: tests/conftest.py
    rows = re.findall(r'^\| (\d+) \| ([\d.]+) \|$', proc.stdout, re.M)
    assert [int(e) for e, _ in rows] == [1, 2, 3], proc.stdout + proc.stderr[-3000:]
    assert all(float(rss) > 100 for _, rss in rows)
    assert re.search(r'^mmcl: epoch 2 -> 3: [+-][\d.]+ MiB \((stable|GROWS)', proc.stdout, re.M)
    assert proc.returncode == (0 if '(stable' in proc.stdout else 1)
