"""MMCL and ICE end to end through tools/train.py on tiny generated data (resume:
test_exact_resume.py)."""
import pytest

from .helpers import evaluate, last_checkpoint, run_tool
from .tiny_configs import ice_config, mmcl_config


@pytest.mark.slow(60)
def test_mmcl_beats_the_untrained_backbone(tiny_market, tmp_path):
    # 10 epochs of 5 iterations, MPLP from epoch 5: the tiny set's mAP goes from 27.5
    # (untrained) to 32-35 over epochs 5-10 (35.4 at 10; 20 epochs from epoch 10 reach 37.0)
    config = mmcl_config(tmp_path, tiny_market, epochs=10, start_epoch=5)
    untrained = evaluate(config, str(tmp_path / 'untrained'))
    work_dir = str(tmp_path / 'mmcl')
    run_tool('train.py', config, '--work-dir', work_dir)
    trained = evaluate(config, work_dir, last_checkpoint(work_dir))
    assert trained['mAP'] > untrained['mAP'] + 1, (untrained, trained)
    log = ''.join(p.read_text() for p in (tmp_path / 'mmcl').glob('*/*.log'))
    assert 'mplp_precision' in log and 'num_positives' in log


@pytest.mark.slow(90)
def test_ice_beats_the_untrained_backbone(tiny_market, tmp_path):
    # the demo's ICE config (ImageNet EfficientNet-Lite0, backbone BatchNorm statistics kept) at
    # the tiny set's 128x64 gains a few mAP in 6 epochs of 8 iterations over seeds 0-2; from
    # random ResNet-18 weights at 64x32 ICE ends below the untrained backbone on this set.
    config = ice_config(tmp_path, tiny_market, epochs=6, iters=8,
                        base='configs/ice_lite0_synthetic.py', size=(128, 64))
    untrained = evaluate(config, str(tmp_path / 'untrained'))
    work_dir = str(tmp_path / 'ice')
    run_tool('train.py', config, '--work-dir', work_dir)
    trained = evaluate(config, work_dir, last_checkpoint(work_dir))
    assert trained['mAP'] > untrained['mAP'] + 1, (untrained, trained)
    log = ''.join(p.read_text() for p in (tmp_path / 'ice').glob('*/*.log'))
    assert 'num_clusters' in log and 'nmi' in log
