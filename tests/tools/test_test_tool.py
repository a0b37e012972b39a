"""tools/test.py builds the model that a checkpoint fills (no ImageNet download first) and turns
on re-ranking with --rerank."""
import os.path as osp

import pytest
from mmengine.config import Config

from .helpers import REPO, load_tool


def test_a_checkpoint_skips_the_imagenet_weights():
    tool = load_tool('test')
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'ice_r50_market.py'))
    assert cfg.model.backbone.pretrained is True
    tool.skip_imagenet_weights(cfg)
    assert cfg.model.backbone.pretrained is False
    local = Config(dict(model=dict(backbone=dict(type='TorchreidBackbone',
                                                 pretrained='/data/resnet50.pth'))))
    tool.skip_imagenet_weights(local)
    assert local.model.backbone.pretrained is False
    scratch = Config(dict(model=dict(backbone=dict(type='TinyTestBackbone'))))
    tool.skip_imagenet_weights(scratch)
    assert 'pretrained' not in scratch.model.backbone


def test_rerank_flag_turns_on_every_reid_metric():
    tool = load_tool('test')
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'ice_r50_market.py'))
    assert not cfg.test_evaluator.get('rerank', False)
    tool.enable_rerank(cfg, 'configs/ice_r50_market.py')
    assert cfg.test_evaluator.rerank is True
    several = Config(dict(test_evaluator=[dict(type='ReIDMetric'),
                                          dict(type='ReIDMetric', metric='euclidean')]))
    tool.enable_rerank(several, 'x.py')
    assert all(m['rerank'] is True for m in several.test_evaluator)
    other = Config(dict(test_evaluator=dict(type='Accuracy')))
    with pytest.raises(SystemExit, match='x.py has no ReIDMetric'):
        tool.enable_rerank(other, 'x.py')
