"""Two CPU processes (gloo) through tools/dist_train.sh and tools/dist_test.sh.

Ranks must hold identical weights, memories and pseudo labels. Against one process:
evaluation and the first epoch's pseudo labels (teacher features of the same initial model,
extracted in shards and gathered) are identical. Training itself is not, by design: each
rank's BatchNorm normalises its own half-batch (as the authors' DataParallel did per GPU), and
ICE's instance losses compare the samples of one rank's batch (B x B similarity per rank), so
two processes with batch B each are a different computation from one process with batch 2B."""
import json
import os
import os.path as osp
import socket
import subprocess
import sys

import numpy as np
import pytest
import torch

from .helpers import REPO, evaluate, last_checkpoint, run_tool
from .tiny_configs import ice_config, mmcl_config

DUMP = "\ncustom_imports = dict(imports=['mmcl_ice_plugin', 'tests.tools.rank_state_hook'], " \
       "allow_failed_imports=False)\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def launch(script: str, *args: str) -> None:
    env = dict(os.environ, PYTHON=sys.executable, PORT=str(free_port()), OMP_NUM_THREADS='1')
    proc = subprocess.run(['bash', osp.join(REPO, 'tools', script), *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-6000:]


def dist_train(config: str, work_dir: str) -> None:
    launch('dist_train.sh', config, '2', '--work-dir', work_dir)


def rank_states(work_dir):
    return [torch.load(osp.join(work_dir, f'rank{r}_state.pth'), weights_only=False)
            for r in range(2)]


BN_STATS = ('running_mean', 'running_var', 'num_batches_tracked')


def assert_same(a, b):
    """Weights, memories and labels are identical on both ranks. BatchNorm running statistics
    are not: each rank normalises its own batches (DDP with broadcast_buffers=False, mmengine's
    default, which also keeps the large memory buffers from being re-sent every iteration)."""
    assert a.keys() == b.keys()
    compared = [k for k in a if not k.endswith(BN_STATS)]
    assert any(k.endswith('running_mean') for k in a) and len(compared) > 10
    for key in compared:
        assert torch.equal(a[key], b[key]), key


@pytest.mark.slow(35)
def test_mmcl_two_processes_keep_identical_banks(tiny_market, tmp_path):
    config = mmcl_config(tmp_path, tiny_market, epochs=3, start_epoch=1, extra=DUMP + (
        "custom_hooks = [dict(type='MemoryBankHook'), dict(type='RankStateDumpHook')]\n"))
    work_dir = str(tmp_path / 'mmcl')
    dist_train(config, work_dir)
    rank0, rank1 = rank_states(work_dir)
    assert_same(rank0, rank1)
    bank = rank0['memory.bank']
    assert bank.shape[0] > 100 and (bank.norm(dim=1) > 0.99).all()  # every row written


@pytest.mark.slow(90)
def test_ice_two_processes_share_pseudo_labels_and_match_one_process(tiny_market, tmp_path):
    config = ice_config(tmp_path, tiny_market, epochs=2, iters=3, extra=DUMP + (
        "custom_hooks = [dict(type='ClusteringHook', extract_pipeline=test_pipeline, "
        "batch_size=32, num_workers=0, k1=10, k2=3, eps=0.6, min_samples=2), "
        "dict(type='TeacherUpdateHook'), dict(type='RankStateDumpHook')]\n"))
    work_dir = str(tmp_path / 'ice')
    dist_train(config, work_dir)
    rank0, rank1 = rank_states(work_dir)
    assert_same(rank0, rank1)
    labels = rank0['cluster_memory.labels']
    assert (labels >= 0).any()
    saved = sorted(os.listdir(osp.join(work_dir, 'pseudo_labels')))
    assert saved == ['epoch_000.npy', 'epoch_001.npy']

    single = str(tmp_path / 'single')
    run_tool('train.py', config, '--work-dir', single, '--cfg-options', 'train_cfg.max_epochs=1')
    first = osp.join('pseudo_labels', 'epoch_000.npy')
    assert np.array_equal(np.load(osp.join(single, first)), np.load(osp.join(work_dir, first)))

    checkpoint = last_checkpoint(work_dir)
    out = str(tmp_path / 'dist_metrics.json')
    launch('dist_test.sh', config, checkpoint, '2', '--work-dir', str(tmp_path / 'dist_test'),
           '--out', out)
    with open(out) as f:
        two = json.load(f)
    one = evaluate(config, str(tmp_path / 'test'), checkpoint)
    assert two == one and 0 < one['mAP'] <= 100
