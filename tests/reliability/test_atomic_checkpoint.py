"""Checkpoints are written atomically: a run killed with SIGKILL while saving keeps its last
complete checkpoint, and ``--resume`` continues from it to the end."""
import glob
import json
import os
import os.path as osp
import signal

import pytest
import torch

from mmcl_ice_plugin.engine.atomic_local_backend import (PARTIAL_SUFFIX, atomic_write,
                                                         remove_partial_files)
from tests.tools.helpers import last_checkpoint, run_tool
from tests.tools.tiny_configs import supervised_config

KILL = """
custom_imports = dict(imports=['mmcl_ice_plugin', 'tests.reliability.kill_on_save_hook'],
                      allow_failed_imports=False)
custom_hooks = [dict(type='KillOnSaveHook', at_save=2)]
"""
# One checkpoint kept: mmengine's own hook deletes epoch_1.pth before writing epoch_2.pth.
# Two iterations per epoch keep the runs short.
KEEP_ONE = ('default_hooks = dict(logger=dict(interval=1), checkpoint=dict(max_keep_ckpts=1))\n'
            'train_cfg.update(iters_per_epoch=2)\n')


@pytest.mark.slow(20)
def test_sigkill_mid_save_keeps_the_last_checkpoint_and_resume_finishes(tiny_market, tmp_path):
    work_dir = str(tmp_path / 'run')
    killed = run_tool('train.py', supervised_config(tmp_path, tiny_market, epochs=2,
                                                    extra=KEEP_ONE + KILL),
                      '--work-dir', work_dir, '--no-validate', check=False)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    with open(tmp_path / 'kill_marker.json') as f:
        seen = json.load(f)
    # killed while epoch 2 was being written, before it took its final name
    assert seen['name'].startswith('.epoch_2.pth.') and seen['name'].endswith(PARTIAL_SUFFIX)

    assert last_checkpoint(work_dir) == osp.join(work_dir, 'epoch_1.pth')
    assert not osp.exists(osp.join(work_dir, 'epoch_2.pth'))
    first = torch.load(last_checkpoint(work_dir), map_location='cpu', weights_only=False)
    assert first['meta']['epoch'] == 1 and first['state_dict']

    resumed = run_tool('train.py', supervised_config(tmp_path, tiny_market, epochs=2,
                                                     extra=KEEP_ONE),
                       '--work-dir', work_dir, '--resume', '--no-validate')
    log = resumed.stdout + resumed.stderr
    assert 'resumed epoch: 1' in log and 'incomplete checkpoint' in log
    assert last_checkpoint(work_dir) == osp.join(work_dir, 'epoch_2.pth')
    final = torch.load(last_checkpoint(work_dir), map_location='cpu', weights_only=False)
    assert final['meta']['epoch'] == 2
    # max_keep_ckpts=1 still holds, and the killed save's temporary file is gone
    assert sorted(osp.basename(p) for p in glob.glob(osp.join(work_dir, '*.pth'))) == \
        ['epoch_2.pth']
    assert not glob.glob(osp.join(work_dir, f'.*{PARTIAL_SUFFIX}'))


def test_atomic_write_replaces_whole_files_with_the_usual_permissions(tmp_path):
    path = tmp_path / 'sub' / 'last_checkpoint'
    atomic_write('/a/epoch_1.pth', path)
    atomic_write(b'/a/epoch_2.pth', path)
    assert path.read_text() == '/a/epoch_2.pth'
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
    assert os.listdir(path.parent) == ['last_checkpoint']


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / 'epoch_1.pth'
    atomic_write(b'complete', path)

    def disk_full(fd):
        raise OSError(28, 'No space left on device')

    monkeypatch.setattr(os, 'fsync', disk_full)
    with pytest.raises(OSError, match='No space'):
        atomic_write(b'new content', path)
    assert path.read_bytes() == b'complete'
    assert os.listdir(tmp_path) == ['epoch_1.pth']


def test_leftover_partial_files_are_removed_and_nothing_else(tmp_path):
    for name in ('.epoch_3.pth.x1y2.partial', 'epoch_2.pth', 'notes.partial', 'last_checkpoint'):
        (tmp_path / name).write_bytes(b'x')
    removed = remove_partial_files(str(tmp_path))
    assert [osp.basename(p) for p in removed] == ['.epoch_3.pth.x1y2.partial']
    assert sorted(os.listdir(tmp_path)) == ['epoch_2.pth', 'last_checkpoint', 'notes.partial']
