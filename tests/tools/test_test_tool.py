"""tools/test.py builds the model that a checkpoint fills: no ImageNet download first."""
import os.path as osp

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
