"""A NaN or infinite loss stops training in that iteration with an error naming the loss,
the epoch and iteration and what to try; the last good checkpoint stays the last one."""
import glob
import os.path as osp
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config

from mmcl_ice_plugin.engine.hooks import FiniteLossHook
from tests.tools.helpers import REPO, last_checkpoint, run_tool
from tests.tools.tiny_configs import supervised_config

POISON = """
custom_imports = dict(imports=['mmcl_ice_plugin', 'tests.reliability.poison_hook'],
                      allow_failed_imports=False)
custom_hooks = [dict(type='PoisonWeightsHook', at_iter=2)]
train_cfg.update(iters_per_epoch=2)
"""


@pytest.mark.slow(11)
def test_nan_loss_stops_training_and_keeps_the_last_good_checkpoint(tiny_market, tmp_path):
    work_dir = str(tmp_path / 'run')
    # 2 iterations per epoch: global iteration 2 (from 0) is the 1st of epoch 2
    proc = run_tool('train.py', supervised_config(tmp_path, tiny_market, epochs=3,
                                                  extra=POISON),
                    '--work-dir', work_dir, '--no-validate', check=False)
    assert proc.returncode != 0
    error = proc.stderr.strip().splitlines()[-1]
    assert error.startswith('FloatingPointError: Non-finite loss at Epoch(train) [2][1] '
                            '(iteration 3)')
    assert 'loss_ce = nan' in error and 'optim_wrapper.optimizer.lr' in error
    assert osp.join(work_dir, 'epoch_1.pth') in error
    assert last_checkpoint(work_dir) == osp.join(work_dir, 'epoch_1.pth')
    assert [osp.basename(p) for p in glob.glob(osp.join(work_dir, '*.pth'))] == ['epoch_1.pth']
    state = torch.load(osp.join(work_dir, 'epoch_1.pth'), weights_only=False)['state_dict']
    assert all(torch.isfinite(v).all() for v in state.values() if v.is_floating_point())


def _runner(last_ckpt=None):
    return SimpleNamespace(epoch=4, iter=123,
                           message_hub=SimpleNamespace(get_info=lambda key: last_ckpt))


def test_infinite_loss_term_is_named_and_other_keys_are_ignored():
    hook = FiniteLossHook()
    outputs = dict(loss=torch.tensor(float('inf')), loss_ccl=torch.tensor(1.5),
                   loss_cam=torch.tensor(float('inf')), accuracy=torch.tensor(float('nan')))
    with pytest.raises(FloatingPointError) as err:
        hook.after_train_iter(_runner('/w/epoch_4.pth'), batch_idx=7, outputs=outputs)
    text = str(err.value)
    assert 'Epoch(train) [5][8] (iteration 124)' in text
    assert 'loss = inf, loss_cam = inf' in text and 'loss_ccl' not in text
    assert 'accuracy' not in text and '/w/epoch_4.pth' in text
    with pytest.raises(FloatingPointError, match='No checkpoint was saved yet'):
        hook.after_train_iter(_runner(), batch_idx=0, outputs=dict(loss_ce=torch.tensor(
            float('-inf'))))
    # finite losses and a NaN in a non-loss key pass
    hook.after_train_iter(_runner(), batch_idx=0, outputs=dict(
        loss=torch.tensor(2.0), loss_ce=torch.tensor(2.0), accuracy=torch.tensor(float('nan'))))


@pytest.mark.parametrize('config', sorted(glob.glob(osp.join(REPO, 'configs', '*.py'))),
                         ids=osp.basename)
def test_every_config_gets_the_safety_hooks(config):
    # default_hooks is a dict merged over the bases, so configs that replace custom_hooks or
    # set other default hooks keep these two
    hooks = Config.fromfile(config).default_hooks
    assert hooks.finite_loss.type == 'FiniteLossHook'
    assert hooks.checkpoint.type == 'AtomicCheckpointHook'
