import copy
import os.path as osp
import urllib.error

import gdown
import pytest
import torch
import torch.utils.model_zoo
from mmengine.config import Config
from mmengine.model import BaseModule
from torch import nn

from mmcl_ice_plugin.models import BaseReID, TorchreidBackbone
from mmcl_ice_plugin.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.mark.parametrize('name,channels,has_map', [
    ('resnet18', 512, True),
    ('resnet50', 2048, True),
    ('resnet50_ibn_a', 2048, True),
    ('osnet_x0_25', 128, True),
    ('mobilenetv2_x1_0', 1280, True),
    ('shufflenet_v2_x0_5', 1024, True),
    ('densenet121', 1024, False),
])
def test_torchreid_names_give_features(name, channels, has_map):
    model = BaseReID(backbone=dict(type='TorchreidBackbone', name=name))
    assert model.feat_dim == channels
    assert model.backbone.use_featuremaps == has_map
    pre, post = model.extract_feat(torch.randn(2, 3, 64, 32))
    assert pre.shape == post.shape == (2, channels)
    feats = model(torch.randn(2, 3, 64, 32), mode='tensor')
    torch.testing.assert_close(feats.norm(dim=1), torch.ones(2))


def test_resnet_last_stride_one_gives_16x8_map():
    stride1 = TorchreidBackbone('resnet50', last_stride=1)
    stride2 = TorchreidBackbone('resnet50', last_stride=2)
    x = torch.randn(1, 3, 256, 128)
    assert stride1(x).shape == (1, 2048, 16, 8)
    assert stride2(x).shape == (1, 2048, 8, 4)


def test_unknown_backbone_name_is_a_clear_error():
    with pytest.raises(KeyError, match='model.backbone.name.*resnet50'):
        TorchreidBackbone('resnet5O')


def test_local_weight_file_is_loaded(tmp_path):
    source = TorchreidBackbone('resnet18')
    path = tmp_path / 'r18.pth'
    # a torchvision-style file: plain state dict, classifier head under other names
    state = {k[len('model.'):]: v for k, v in source.state_dict().items()}
    state['fc.weight'] = torch.zeros(1000, 512)
    torch.save(state, path)
    loaded = TorchreidBackbone('resnet18', pretrained=str(path))
    for key, value in source.state_dict().items():
        torch.testing.assert_close(loaded.state_dict()[key], value)


def test_local_weight_file_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match='model.backbone.pretrained'):
        TorchreidBackbone('resnet18', pretrained=str(tmp_path / 'missing.pth'))
    path = tmp_path / 'other.pth'
    torch.save({'something.else': torch.zeros(3)}, path)
    with pytest.raises(ValueError, match='No tensor'):
        TorchreidBackbone('resnet18', pretrained=str(path))


@MODELS.register_module(force=True)
class TinyTestBackbone(BaseModule):
    """An mmengine-registered backbone returning a tuple of stages, as mm* backbones do."""

    def __init__(self, width: int = 8) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, width, 3, stride=2, padding=1)
        self.stage = nn.Conv2d(width, 2 * width, 3, stride=2, padding=1)

    def forward(self, x):
        a = torch.relu(self.stem(x))
        return a, torch.relu(self.stage(a))


def test_any_registered_backbone_works():
    model = MODELS.build(dict(type='Supervised', num_classes=3,
                              backbone=dict(type='TinyTestBackbone', width=4)))
    assert model.feat_dim == 8
    losses = model(torch.randn(8, 3, 32, 16), pid=torch.tensor([0, 0, 1, 1, 2, 2, 0, 1]),
                   mode='loss')
    assert set(losses) == {'loss_ce', 'loss_triplet', 'accuracy'}
    sum(v for k, v in losses.items() if k.startswith('loss')).backward()
    assert model.backbone.stem.weight.grad is not None


def test_gem_neck_and_frozen_bias():
    model = BaseReID(backbone=dict(type='TinyTestBackbone'),
                     neck=dict(pooling='gem', bias_trainable=False))
    assert not model.neck.bn.bias.requires_grad
    pre, _ = model.extract_feat(torch.rand(2, 3, 32, 16))
    fmap = model.backbone(torch.rand(2, 3, 32, 16))[-1]
    assert pre.shape == (2, 16)
    with pytest.raises(ValueError, match='model.neck.pooling'):
        BaseReID(backbone=dict(type='TinyTestBackbone'), neck=dict(pooling='max3'))
    assert fmap.dim() == 4


def _offline(*args, **kwargs):
    raise urllib.error.URLError('[Errno -3] Temporary failure in name resolution')


@pytest.mark.parametrize('name,url,file_name', [
    ('resnet50', 'https://download.pytorch.org/models/resnet50-19c8e357.pth',
     'resnet50-19c8e357.pth'),
    ('osnet_x1_0', 'https://drive.google.com/uc?id=1LaG1EJpHrxdAxKnSCJ_i0u-nbxSAeiFY',
     'osnet_x1_0_imagenet.pth'),
])
def test_pretrained_true_offline_names_the_key_the_download_and_the_local_fix(
        name, url, file_name, monkeypatch, tmp_path):
    # both download paths torchreid takes fail as offline (never the network): ResNets through
    # torch.utils.model_zoo (torch hub's cache), OSNet through gdown ($TORCH_HOME/checkpoints)
    monkeypatch.setenv('TORCH_HOME', str(tmp_path))
    monkeypatch.setattr(torch.utils.model_zoo, 'load_url', _offline)
    monkeypatch.setattr(gdown, 'download', _offline)
    with pytest.raises(RuntimeError) as err:
        TorchreidBackbone(name, pretrained=True)
    text = str(err.value)
    cache = torch.hub.get_dir() if name == 'resnet50' else str(tmp_path)
    assert f"ImageNet weights of {name!r}" in text
    assert 'config key model.backbone.pretrained=True' in text
    assert f'fetching {url} (cached as {osp.join(cache, "checkpoints", file_name)})' in text
    assert 'URLError' in text and 'name resolution' in text
    assert f'--cfg-options model.backbone.pretrained=/path/to/{file_name}' in text
    assert ("torchvision's resnet50-0676ba61.pth works too" in text) == (name == 'resnet50')
    # the download functions are torchreid's own again
    assert torch.utils.model_zoo.load_url is _offline and gdown.download is _offline


@pytest.mark.parametrize('name', ['mobilenetv2_x1_0', 'hacnn'])
def test_pretrained_true_without_a_torchreid_download_is_an_error(name):
    # torchreid only warns (mobilenetv2) or ignores pretrained (hacnn): random weights
    with pytest.raises(ValueError, match=f'no ImageNet download for {name!r} .*'
                       'model.backbone.pretrained=/path/to/'):
        TorchreidBackbone(name, pretrained=True)


@pytest.mark.parametrize('config,pretrained', [
    ('_base_/models/ice_r50.py', True),
    ('_base_/models/mmcl_r50.py', True),
    ('_base_/models/supervised_r50.py', True),
    ('mmcl_osnet_market.py', True),
    ('ice_ibn_market.py', True),
    # the generated demo trains from scratch, with no download
    ('ice_r18_synthetic.py', False),
    ('mmcl_r18_synthetic.py', False),
    ('supervised_r18_synthetic.py', False),
])
def test_real_data_configs_start_from_imagenet(config, pretrained):
    cfg = Config.fromfile(osp.join(REPO, 'configs', config))
    assert cfg.model.backbone.pretrained is pretrained


@pytest.mark.parametrize('norm_eval', [False, True])
def test_norm_eval_keeps_the_backbone_statistics_and_trains_the_neck(norm_eval):
    model = BaseReID(backbone=dict(type='TorchreidBackbone', name='resnet18',
                                   norm_eval=norm_eval))
    teacher = copy.deepcopy(model)
    model.train()  # the runner trains the whole model: the backbone's train() must still act
    teacher.train()
    backbone_norms = [m for net in (model, teacher) for m in net.backbone.modules()
                      if isinstance(m, nn.BatchNorm2d)]
    neck_norms = [m for m in model.neck.modules() if isinstance(m, nn.BatchNorm1d)]
    assert backbone_norms and neck_norms
    before = [m.running_mean.clone() for m in backbone_norms + neck_norms]
    model(torch.randn(4, 3, 64, 32) * 3 + 1, mode='tensor').sum().backward()
    teacher(torch.randn(4, 3, 64, 32) * 3 + 1, mode='tensor')
    moved = [not torch.equal(b, m.running_mean)
             for b, m in zip(before, backbone_norms + neck_norms)]
    assert moved[len(backbone_norms):] == [True] * len(neck_norms)
    assert moved[:len(backbone_norms)] == [not norm_eval] * len(backbone_norms)
    assert all(m.weight.grad is not None for m in model.backbone.modules()
               if isinstance(m, nn.BatchNorm2d))
    model.eval()
    assert not any(m.training for m in model.modules())
