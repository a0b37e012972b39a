"""``TorchreidBackbone``: any torchreid model name as a feature-map (or feature-vector) extractor."""
import contextlib
import inspect
import os.path as osp
import warnings
from typing import Iterator, List, Optional, Tuple, Union
from urllib.parse import urlparse

import torch
import torch.utils.model_zoo as model_zoo
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


@contextlib.contextmanager
def recorded_downloads() -> Iterator[List[Tuple[str, str]]]:
    """Record ``(url, cache file)`` of each weight download torchreid starts inside the block
    (the downloads still run): ``torch.utils.model_zoo.load_url`` (ResNet, ResNet-IBN,
    DenseNet, ...; cached in ``torch.hub.get_dir()/checkpoints``) and ``gdown.download``
    (OSNet; cached as ``$TORCH_HOME/checkpoints/<name>_imagenet.pth``)."""
    tried: List[Tuple[str, str]] = []
    load_url = model_zoo.load_url

    def recording_load_url(url, *args, **kwargs):
        model_dir = kwargs.get('model_dir') or (args[0] if args else None) \
            or osp.join(torch.hub.get_dir(), 'checkpoints')
        file_name = kwargs.get('file_name') or osp.basename(urlparse(url).path)
        tried.append((url, osp.join(model_dir, file_name)))
        return load_url(url, *args, **kwargs)

    try:
        import gdown
    except ImportError:
        gdown = None
    gdown_download = getattr(gdown, 'download', None)

    def recording_gdown(url=None, output=None, *args, **kwargs):
        tried.append((str(url), output if isinstance(output, str) else ''))
        return gdown_download(url, output, *args, **kwargs)

    model_zoo.load_url = recording_load_url
    if gdown_download is not None:
        gdown.download = recording_gdown
    try:
        yield tried
    finally:
        model_zoo.load_url = load_url
        if gdown_download is not None:
            gdown.download = gdown_download


def _torchvision_file(url: str) -> Optional[str]:
    """torchvision's current ImageNet file of the ResNet / ResNeXt that a download.pytorch.org
    URL holds (``.../resnet50-19c8e357.pth`` -> ``resnet50-0676ba61.pth``: the same keys, so
    load_local_weights takes it); None for other architectures or the same file name."""
    own = osp.basename(urlparse(url).path)
    if urlparse(url).netloc != 'download.pytorch.org' or not own.startswith(('resnet', 'resnext')):
        return None
    try:
        from torchvision.models import get_model_weights
        other = osp.basename(urlparse(get_model_weights(own.split('-')[0]).IMAGENET1K_V1.url).path)
    except Exception:  # not a torchvision architecture, or another torchvision
        return None
    return other if other != own else None


def pretrained_error(name: str, tried: List[Tuple[str, str]], err: BaseException) -> str:
    """The message for torchreid's ImageNet weights of ``name`` failing to download or load:
    the config key, what was fetched and where it is cached, and how to give a local file."""
    if tried:
        url, cached = tried[-1]
        what = f'fetching {url}' + (f' (cached as {cached})' if cached else '')
        file_name = osp.basename(cached) if cached else 'weights.pth'
    else:
        what, cached, file_name = 'loading them', '', 'weights.pth'
    fix = (f'Offline? Copy that file to {cached} (torchreid then skips the download), or pass '
           if cached else 'Pass ')
    alternative = _torchvision_file(tried[-1][0]) if tried else None
    alternative = (f" (torchvision's {alternative} works too: tensors are matched by name and "
                   'shape)') if alternative else ''
    return (f"Could not get torchreid's ImageNet weights of {name!r} (config key "
            f'model.backbone.pretrained=True): {what} failed: {type(err).__name__}: {err}. '
            f'{fix}a local weight file: --cfg-options '
            f'model.backbone.pretrained=/path/to/{file_name}{alternative}; or '
            'model.backbone.pretrained=False to start from random weights.')


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
        pretrained: False; True (torchreid's ImageNet weights, downloaded once into torch's
            cache: needs a network, else a build-time error naming the file to fetch); or the
            path of a local weight file (tensors matched by name and shape).
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
            return TorchreidBackbone._build_imagenet(name, factory)
        model = factory(num_classes=1, loss='softmax', pretrained=False, use_gpu=False)
        if isinstance(pretrained, str):
            copied = load_local_weights(model, pretrained)
            MMLogger.get_current_instance().info(
                f'{name}: {copied} tensors loaded from {pretrained}')
        return model

    @staticmethod
    def _build_imagenet(name: str, factory) -> nn.Module:
        """torchreid's model with its ImageNet weights, or an error that says what to do:
        torchreid downloads them (a network) and, for some models, only warns or ignores the
        argument, which would train from random weights without a word."""
        no_download = ("torchreid has no ImageNet download for {!r} (config key "
                       'model.backbone.pretrained=True){}. Pass a local weight file: '
                       '--cfg-options model.backbone.pretrained=/path/to/weights.pth; or '
                       'model.backbone.pretrained=False.')
        if 'pretrained' not in inspect.signature(factory).parameters:  # hacnn, mudeep
            raise ValueError(no_download.format(name, ''))
        with recorded_downloads() as tried, warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            try:
                model = factory(num_classes=1, loss='softmax', pretrained=True, use_gpu=False)
            except Exception as err:  # urllib / gdown / requests / torch.load errors
                raise RuntimeError(pretrained_error(name, tried, err)) from err
        for warning in caught:
            text = str(warning.message)
            if 'manually downloaded' in text:  # mobilenetv2, shufflenet, mlfn
                raise ValueError(no_download.format(name, f' (torchreid: "{text}")'))
            warnings.warn_explicit(warning.message, warning.category, warning.filename,
                                   warning.lineno)
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
