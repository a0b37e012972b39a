"""MMCL and ICE end to end through tools/train.py on tiny generated data, and resume."""
import os.path as osp

import numpy as np
import torch

from .helpers import evaluate, last_checkpoint, run_tool
from .tiny_configs import ice_config, mmcl_config

DUMP = "\ncustom_imports = dict(imports=['mmcl_ice_plugin', 'tests.tools.rank_state_hook'], " \
       "allow_failed_imports=False)\n"


def test_mmcl_beats_the_untrained_backbone(tiny_market, tmp_path):
    config = mmcl_config(tmp_path, tiny_market, epochs=20, start_epoch=10)
    untrained = evaluate(config, str(tmp_path / 'untrained'))
    work_dir = str(tmp_path / 'mmcl')
    run_tool('train.py', config, '--work-dir', work_dir)
    trained = evaluate(config, work_dir, last_checkpoint(work_dir))
    assert trained['mAP'] > untrained['mAP'] + 1, (untrained, trained)
    log = ''.join(p.read_text() for p in (tmp_path / 'mmcl').glob('*/*.log'))
    assert 'mplp_precision' in log and 'num_positives' in log


def test_ice_beats_the_untrained_backbone(tiny_market, tmp_path):
    config = ice_config(tmp_path, tiny_market, epochs=6, iters=8)
    untrained = evaluate(config, str(tmp_path / 'untrained'))
    work_dir = str(tmp_path / 'ice')
    run_tool('train.py', config, '--work-dir', work_dir)
    trained = evaluate(config, work_dir, last_checkpoint(work_dir))
    assert trained['mAP'] > untrained['mAP'], (untrained, trained)
    log = ''.join(p.read_text() for p in (tmp_path / 'ice').glob('*/*.log'))
    assert 'num_clusters' in log and 'nmi' in log


def test_mmcl_resume_restores_the_bank_bit_for_bit(tiny_market, tmp_path):
    hooks = "custom_hooks = [dict(type='MemoryBankHook'), dict(type='RankStateDumpHook')]\n"
    work_dir = str(tmp_path / 'run')
    run_tool('train.py', mmcl_config(tmp_path, tiny_market, epochs=1, start_epoch=1,
                                     extra=DUMP + hooks), '--work-dir', work_dir)
    saved = torch.load(last_checkpoint(work_dir), weights_only=False)['state_dict']
    run_tool('train.py', mmcl_config(tmp_path, tiny_market, epochs=2, start_epoch=1,
                                     extra=DUMP + hooks), '--work-dir', work_dir, '--resume')
    resumed = torch.load(osp.join(work_dir, 'rank0_start.pth'), weights_only=False)
    assert saved['memory.bank'].abs().sum() > 0
    assert torch.equal(resumed['memory.bank'], saved['memory.bank'])
    final = torch.load(osp.join(work_dir, 'rank0_state.pth'), weights_only=False)
    assert not torch.equal(final['memory.bank'], saved['memory.bank'])  # training went on


def test_ice_resume_restores_teacher_memories_and_labels(tiny_market, tmp_path):
    hooks = ("custom_hooks = [dict(type='ClusteringHook', extract_pipeline=test_pipeline, "
             "batch_size=32, num_workers=0, k1=10, k2=3, eps=0.6, min_samples=2), "
             "dict(type='TeacherUpdateHook'), dict(type='RankStateDumpHook')]\n")
    work_dir = str(tmp_path / 'run')
    run_tool('train.py', ice_config(tmp_path, tiny_market, epochs=1, iters=3,
                                    extra=DUMP + hooks), '--work-dir', work_dir)
    saved = torch.load(last_checkpoint(work_dir), weights_only=False)['state_dict']
    run_tool('train.py', ice_config(tmp_path, tiny_market, epochs=2, iters=3,
                                    extra=DUMP + hooks), '--work-dir', work_dir, '--resume')
    resumed = torch.load(osp.join(work_dir, 'rank0_start.pth'), weights_only=False)
    for key in saved:
        if key.startswith(('teacher.', 'cluster_memory.')):
            assert torch.equal(resumed[key], saved[key]), key
    labels = np.load(osp.join(work_dir, 'pseudo_labels', 'epoch_000.npy'))
    assert np.array_equal(saved['cluster_memory.labels'].numpy(), labels)
    assert bool(saved['teacher_ready'])
    assert osp.exists(osp.join(work_dir, 'pseudo_labels', 'epoch_001.npy'))
