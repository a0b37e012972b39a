"""tools/train_torchreid.py's BN-neck head: the plugin's supervised head inside torchreid's
model (the diagnostic that measures what the head changes against ImageSoftmaxEngine)."""
import numpy as np
import pytest
import torch
from torchreid.reid.data import ImageDataManager
from torchreid.reid.models import build_model

from mmcl_ice_plugin.models.backbones import set_last_stride

from .helpers import load_tool
from .tiny_configs import supervised_config


def test_bn_neck_head_matches_the_plugin_head():
    tool = load_tool('train_torchreid')
    torch.manual_seed(0)
    backbone = build_model('resnet18', num_classes=7, pretrained=False)
    set_last_stride(backbone, 1)
    head = tool.BNNeckHead(backbone, num_classes=7)
    trained = {name for name, _ in head.named_parameters() if not name.startswith('model.')}
    assert trained == {'bn.weight', 'classifier.weight'}  # the BN bias is frozen at 0
    assert 'bn.bias' in head.state_dict()
    images = torch.randn(4, 3, 64, 32)
    head.train()
    logits = head(images)
    assert logits.shape == (4, 7)
    logits.sum().backward()
    assert head.classifier.weight.grad is not None
    torch.optim.SGD(head.parameters(), lr=1.0).step()  # what torchreid's engine steps
    assert not head.bn.bias.any()
    head.eval()
    with torch.no_grad():
        feat = head(images)
        pooled = backbone.featuremaps(images).mean((2, 3))
    expected = (pooled - head.bn.running_mean) / torch.sqrt(head.bn.running_var + head.bn.eps)
    torch.testing.assert_close(feat, expected * head.bn.weight, rtol=1e-4, atol=1e-5)


def test_bn_neck_head_rejects_models_with_an_fc_layer():
    tool = load_tool('train_torchreid')
    model = build_model('osnet_x0_25', num_classes=7, pretrained=False)  # has an fc layer
    with pytest.raises(ValueError, match='model.bn_neck'):
        tool.BNNeckHead(model, num_classes=7)


def test_plugin_train_loader_yields_the_plugin_epoch(tiny_market, tmp_path):
    tool = load_tool('train_torchreid')
    config = supervised_config(tmp_path, tiny_market, epochs=1)
    loader = tool.PluginTrainLoader(config, seed=0)
    epoch0 = [(batch['index'].tolist(), batch['img']) for batch in loader]
    assert len(epoch0) == len(loader) == len(loader.sampler) // 16
    for indices, img in epoch0:
        assert img.shape == (16, 3, 64, 32)
        pids = loader.dataset.pids[indices].reshape(4, 4)  # PxK: 4 identities x 4 images
        assert (pids == pids[:, :1]).all()
    again = tool.PluginTrainLoader(config, seed=0)
    for (indices, img), batch in zip(epoch0, again):
        assert indices == batch['index'].tolist()
        torch.testing.assert_close(img, batch['img'])  # augmentation seeded by position
    epoch1 = [batch['index'].tolist() for batch in loader]
    assert epoch1 != [indices for indices, _ in epoch0]


def test_plugin_sampler_loader_draws_identities_equally(tiny_market):
    tool = load_tool('train_torchreid')
    datamanager = ImageDataManager(root=tiny_market,
                                   sources=tool.register_checked_dataset('folder'),
                                   height=64, width=32, batch_size_train=16, workers=0,
                                   train_sampler='RandomIdentitySampler', num_instances=4,
                                   use_gpu=False)
    loader = tool.PluginSamplerLoader(datamanager.train_loader, num_instances=4, seed=0)
    draws = np.bincount(loader.sampler.pids[list(loader.sampler)])
    assert (draws == draws[0]).all()  # every identity alike, whatever its number of images
    batches = list(loader)
    assert len(batches) == len(loader) > 0
    for batch in batches:
        assert batch['img'].shape == (16, 3, 64, 32)
        pids = batch['pid'].reshape(4, 4)
        assert (pids == pids[:, :1]).all()
    assert [b['pid'].tolist() for b in loader] != [b['pid'].tolist() for b in batches]
