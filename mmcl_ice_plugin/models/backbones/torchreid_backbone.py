"""``TorchreidBackbone``: any torchreid model name as a feature-map (or feature-vector) extractor."""
import os.path as osp
from typing import Optional, Union

import torch
from mmengine.logging import MMLogger
from mmengine.model import BaseModule
from torch import nn
from torchreid.reid.models import __model_factory as TORCHREID_MODELS

from ...registry import MODELS
from ..utils.norm_eval import set_batchnorm_eval


def _strip_state_dict(obj: dict) -> dict:
    for key in ('state_dict', 'model', 'net'):
        if isinstance(obj, dict) and isinstance(obj.get(key), dict):
            obj = obj[key]
    return {k[len('module.'):] if k.startswith('module.') else k: v for k, v in obj.items()}


def load_local_weights(model: nn.Module, path: str) -> int:
    """Copy the tensors of a local weight file whose name and shape match ``model``'s
    (torchreid's own rule for ImageNet weights). Returns the number of tensors copied.

    Raises:
        FileNotFoundError: the file does not exist.
        ValueError: no tensor of the file matches the model.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'Backbone weight file {path!r} not found (config key model.backbone.pretrained). '
            'Give the path of a local .pth file, or pretrained=False.')
    source = _strip_state_dict(torch.load(path, map_location='cpu', weights_only=False))
    target = model.state_dict()
    matched = {k: v for k, v in source.items()
               if k in target and target[k].shape == v.shape}
    if not matched:
        raise ValueError(
            f'No tensor of {path!r} matches the backbone by name and shape (config key '
            'model.backbone.pretrained): is it the weight file of this architecture?')
    target.update(matched)
    model.load_state_dict(target)
    return len(matched)


def set_last_stride(model: nn.Module, stride: int) -> bool:
    """Set the stride of the last stage (``layer4``) of a ResNet-family model; returns False
    for models without a ``layer4`` (e.g. OSNet), which are left unchanged."""
    stage = getattr(model, 'layer4', None)
    if not isinstance(stage, nn.Sequential):
        return False
    for module in stage[0].modules():
        if isinstance(module, nn.Conv2d) and module.stride != (1, 1):
            module.stride = (stride, stride)
    return True


@MODELS.register_module()
class TorchreidBackbone(BaseModule):
    """A torchreid model (``resnet50``, ``osnet_x1_0``, ``resnet50_ibn_a``, ...) without its
    classifier.

    Returns the last feature map ``(B, C, h, w)`` for models that define ``featuremaps``
    (ResNet, OSNet, MobileNetV2, ...), and the pooled feature vector ``(B, C)`` otherwise; the
    neck pools maps and passes vectors through. ``out_channels`` is C.

    Args:
        name: torchreid model name (``torchreid.reid.models.show_avai_models()``).
        pretrained: False; True (torchreid's ImageNet weights, downloaded: needs a network);
            or the path of a local weight file (tensors matched by name and shape).
        last_stride: stride of the last stage of ResNet-family models (1 gives the 16x8 map
            for 256x128 inputs used by MMCL and ICE; torchreid's default is 2).
        norm_eval: False (the authors' MMCL and ICE train every BatchNorm); True keeps the
            BatchNorm layers in eval mode while the model trains, so the running statistics
            stay those of the loaded weights, as TIMMBackbone's option of the same name. Not
            measured on real data here; on the generated set it helped ICE and MMCL from
            ImageNet Lite0 (BENCHMARKS.md).
    """

    def __init__(self, name: str = 'resnet50', pretrained: Union[bool, str] = False,
                 last_stride: Optional[int] = 1, norm_eval: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if name not in TORCHREID_MODELS:
            raise KeyError(f'Unknown torchreid backbone {name!r} (config key '
                           f'model.backbone.name). Available: {sorted(TORCHREID_MODELS)}.')
        self.name = name
        self.norm_eval = norm_eval
        self.model = self._build(name, pretrained)
        self.use_featuremaps = hasattr(self.model, 'featuremaps')
        self.model.classifier = nn.Identity()
        if self.use_featuremaps:
            # heads after the feature map are never run: drop them (DDP rejects unused weights)
            if isinstance(getattr(self.model, 'fc', None), nn.Module):
                self.model.fc = nn.Identity()
        else:
            self.model.loss = 'softmax'
        if last_stride is not None:
            set_last_stride(self.model, last_stride)
        self.out_channels = self._probe_channels()

    @staticmethod
    def _build(name: str, pretrained: Union[bool, str]) -> nn.Module:
        factory = TORCHREID_MODELS[name]
        if pretrained is True:
            try:
                return factory(num_classes=1, loss='softmax', pretrained=True, use_gpu=False)
            except Exception as err:  # torchreid downloads through urllib / gdown
                raise RuntimeError(
                    f'Could not download the ImageNet weights of {name!r} ({err}). Offline? Set '
                    'model.backbone.pretrained to the path of a local weight file '
                    '(e.g. torchvision resnet50-0676ba61.pth) or to False.') from err
        model = factory(num_classes=1, loss='softmax', pretrained=False, use_gpu=False)
        if isinstance(pretrained, str):
            copied = load_local_weights(model, pretrained)
            MMLogger.get_current_instance().info(
                f'{name}: {copied} tensors loaded from {pretrained}')
        return model

    @torch.no_grad()
    def _probe_channels(self) -> int:
        was_training = self.model.training
        self.model.eval()
        out = self.forward(torch.zeros(1, 3, 256, 128))
        self.model.train(was_training)
        return int(out.shape[1])

    def train(self, mode: bool = True) -> 'TorchreidBackbone':
        """``nn.Module.train``; with ``norm_eval`` the BatchNorm layers stay in eval mode."""
        super().train(mode)
        if mode and self.norm_eval:
            set_batchnorm_eval(self)
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.model.featuremaps(x) if self.use_featuremaps else self.model(x)
        if not isinstance(out, torch.Tensor):
            raise TypeError(f'torchreid model {self.name!r} returns {type(out).__name__}, not a '
                            'feature tensor; it cannot serve as a backbone here.')
        return out
