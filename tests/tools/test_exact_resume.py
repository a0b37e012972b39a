"""Exact resume: a run killed after iteration k (at an epoch boundary, then mid-epoch) and
resumed each time with ``--resume`` ends with the same weights, memories, pseudo labels and
metrics as the uninterrupted run with the same seed. The resumed legs also use two dataloader
workers where the uninterrupted run uses none: augmentation is seeded per item."""
import glob
import json
import os.path as osp
from typing import Dict, List

import numpy as np
import pytest
import torch

from .helpers import run_tool
from .tiny_configs import ice_config, mmcl_config

IMPORTS = ("\ncustom_imports = dict(imports=['mmcl_ice_plugin', 'tests.tools.rank_state_hook', "
           "'tests.tools.stop_hook'], allow_failed_imports=False)\n"
           "default_hooks.update(checkpoint=dict(by_epoch=False, interval=1, max_keep_ckpts=2))\n"
           "train_cfg.update(val_interval=3)\n")
# The uninterrupted reference run saves only its last checkpoint: saving is no part of what
# it is compared on, and a save that changed the run would now show as a difference.
NO_SAVES = "default_hooks['checkpoint'].update(interval=1000)\n"
AUGMENT = ("train_pipeline = [dict(type='Resize', size=(height, width)), "
           "dict(type='RandomHorizontalFlip'), dict(type='RandomCrop', size=(height, width), "
           "padding=4), dict(type='ToTensor'), dict(type='Normalize', **norm), "
           "dict(type='RandomErasing', probability=0.5, mean=norm['mean'])]\n"
           "train_dataloader['dataset']['pipeline'] = train_pipeline\n")


def final_metrics(work_dir: str) -> Dict[str, float]:
    paths = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    scalars = [json.loads(line) for path in paths for line in open(path)]
    return [s for s in scalars if 'mAP' in s][-1]


def run_with_stops(config_for, work_dir: str, stops: List[int]) -> None:
    """Train, dying after each iteration in ``stops`` and resuming, until the end."""
    for i, stop in enumerate(stops + [None]):
        hooks = [] if stop is None else [f"dict(type='StopAtIterHook', stop_iter={stop})"]
        args = ['--work-dir', work_dir] + (['--resume'] if i else [])
        run_tool('train.py', config_for(hooks, workers=2), *args)
        assert stop is None or osp.exists(osp.join(work_dir, f'iter_{stop}.pth'))


def assert_same_run(reference: str, resumed: str) -> None:
    ref = torch.load(osp.join(reference, 'rank0_state.pth'), weights_only=False)
    res = torch.load(osp.join(resumed, 'rank0_state.pth'), weights_only=False)
    assert ref.keys() == res.keys()
    for key in ref:
        assert torch.equal(ref[key], res[key]), key
    ref_metrics, res_metrics = final_metrics(reference), final_metrics(resumed)
    for key in ('mAP', 'rank1'):
        assert ref_metrics[key] == res_metrics[key], (ref_metrics, res_metrics)


@pytest.mark.slow(58)
def test_mmcl_resumes_exactly(tiny_market, tmp_path):
    # 144 images / 32 = 5 iterations per epoch: stop at the end of epoch 0, then mid-epoch 2
    def config_for(hooks, workers=0, extra=''):
        extra = (IMPORTS + AUGMENT + f"train_dataloader.update(num_workers={workers})\n"
                 "custom_hooks = [dict(type='MemoryBankHook'), dict(type='RankStateDumpHook'), "
                 + ''.join(h + ', ' for h in hooks) + "]\n" + extra)
        return mmcl_config(tmp_path, tiny_market, epochs=3, start_epoch=1, extra=extra)

    reference, resumed = str(tmp_path / 'reference'), str(tmp_path / 'resumed')
    run_tool('train.py', config_for([], extra=NO_SAVES), '--work-dir', reference)
    run_with_stops(config_for, resumed, [5, 12])
    ref_bank = torch.load(osp.join(reference, 'rank0_state.pth'), weights_only=False)
    assert ref_bank['memory.bank'].abs().sum() > 0
    assert_same_run(reference, resumed)


@pytest.mark.slow(67)
def test_ice_resumes_exactly(tiny_market, tmp_path):
    # 4 iterations per epoch: stop at the end of epoch 0, then mid-epoch 1 (after clustering)
    def config_for(hooks, workers=0, extra=''):
        extra = (IMPORTS + f"train_dataloader.update(num_workers={workers})\n"
                 "custom_hooks = [dict(type='ClusteringHook', extract_pipeline=test_pipeline, "
                 "batch_size=64, num_workers=0, k1=10, k2=3, eps=0.6, min_samples=2), "
                 "dict(type='TeacherUpdateHook'), dict(type='RankStateDumpHook'), "
                 + ''.join(h + ', ' for h in hooks) + "]\n" + extra)
        return ice_config(tmp_path, tiny_market, epochs=3, iters=4, extra=extra)

    reference, resumed = str(tmp_path / 'reference'), str(tmp_path / 'resumed')
    run_tool('train.py', config_for([], extra=NO_SAVES), '--work-dir', reference)
    run_with_stops(config_for, resumed, [4, 6])
    assert_same_run(reference, resumed)
    for epoch in range(3):
        name = osp.join('pseudo_labels', f'epoch_{epoch:03d}.npy')
        assert np.array_equal(np.load(osp.join(reference, name)),
                              np.load(osp.join(resumed, name)))
