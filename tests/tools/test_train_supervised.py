"""End to end through tools/train.py and tools/test.py on tiny generated data."""
import os.path as osp

import torch

from .helpers import evaluate, last_checkpoint, run_tool
from .tiny_configs import supervised_config

def test_supervised_training_beats_untrained_backbone(tiny_market, tmp_path):
    config = supervised_config(tmp_path, tiny_market, epochs=6)
    untrained = evaluate(config, str(tmp_path / 'untrained'))
    work_dir = str(tmp_path / 'train')
    run_tool('train.py', config, '--work-dir', work_dir)
    trained = evaluate(config, work_dir, last_checkpoint(work_dir))
    assert set(trained) == {'mAP', 'rank1', 'rank5', 'rank10'}
    assert trained['mAP'] > untrained['mAP'] + 5, (untrained, trained)
    # training curves for TensorBoard and plotting
    runs = [d for d in (tmp_path / 'train').iterdir() if d.is_dir()]
    assert any((d / 'vis_data' / 'scalars.json').exists() for d in runs)
    assert any(list((d / 'vis_data').glob('events.out.tfevents*')) for d in runs)


def test_resume_continues_from_the_checkpoint(tiny_market, tmp_path):
    work_dir = str(tmp_path / 'run')
    run_tool('train.py', supervised_config(tmp_path, tiny_market, epochs=1), '--work-dir', work_dir)
    first = torch.load(last_checkpoint(work_dir), map_location='cpu', weights_only=False)
    assert first['meta']['epoch'] == 1
    proc = run_tool('train.py', supervised_config(tmp_path, tiny_market, epochs=2), '--work-dir',
                    work_dir, '--resume')
    assert 'resumed epoch: 1' in proc.stdout + proc.stderr
    second = torch.load(last_checkpoint(work_dir), map_location='cpu', weights_only=False)
    assert second['meta']['epoch'] == 2
    assert osp.basename(last_checkpoint(work_dir)) == 'epoch_2.pth'
    # the optimiser state travelled: Adam's step counter kept counting
    steps = [s['step'] for s in second['optimizer']['state'].values()]
    first_steps = [s['step'] for s in first['optimizer']['state'].values()]
    assert float(steps[0]) == 2 * float(first_steps[0])
