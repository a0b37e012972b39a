"""tools/run_demo.py's shortened schedules reach the configs through --cfg-options as the demo
passes them to tools/train.py."""
import argparse
import os.path as osp

import pytest
from mmengine.config import Config, DictAction

from benchmarks.utils.experiments import cfg_options_args

from .helpers import REPO, load_tool

demo = load_tool('run_demo')


def merged(config: str, epochs: int) -> Config:
    """``config`` as tools/train.py builds it from the demo's command line."""
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(cfg_options_args(demo.shortened_schedule(config, epochs)))
    cfg = Config.fromfile(osp.join(REPO, config))
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    return cfg


def test_every_trained_row_runs_the_demo_budget():
    for _, config, trained in demo.ROWS:
        if trained:
            assert merged(config, demo.DEMO_EPOCHS).train_cfg.max_epochs == demo.DEMO_EPOCHS


def test_lr_steps_and_the_mmcl_momentum_ramp_scale_with_the_budget():
    supervised = merged('configs/supervised_lite0_synthetic.py', 8)
    assert [s['milestones'] for s in supervised.param_scheduler if 'milestones' in s] == [[6]]
    assert supervised.param_scheduler[0]['end'] == 2  # the warm-up stays
    mmcl = merged('configs/mmcl_lite0_synthetic.py', 8)
    assert mmcl.param_scheduler[0]['milestones'] == [6]
    assert mmcl.model.memory.max_epochs == 8 and mmcl.model.start_epoch == 2
    longer = merged('configs/mmcl_lite0_synthetic.py', 24)
    assert longer.param_scheduler[0]['milestones'] == [18]
    ice = merged('configs/ice_lite0_synthetic.py', 8)
    assert ice.train_cfg.max_epochs == 8 and ice.train_cfg.iters_per_epoch == 60
    full = Config.fromfile(osp.join(REPO, 'configs/ice_lite0_synthetic.py'))
    full_window = 1 / (1 - full.model.teacher_momentum)  # iterations the teacher averages
    window = 1 / (1 - ice.model.teacher_momentum)
    assert window == pytest.approx(full_window * 8 / 12, rel=1e-2)
    assert ice.model.teacher_momentum < full.model.teacher_momentum < 1


def test_the_configs_own_budget_changes_nothing():
    for config in ('configs/supervised_lite0_synthetic.py', 'configs/mmcl_lite0_synthetic.py',
                   'configs/ice_lite0_synthetic.py'):
        assert demo.shortened_schedule(config, 12) == {}


@pytest.mark.parametrize('bad', [0, -3, 2.5, True])
def test_a_bad_budget_is_refused(bad):
    with pytest.raises(ValueError, match='--epochs'):
        demo.shortened_schedule('configs/ice_lite0_synthetic.py', bad)
