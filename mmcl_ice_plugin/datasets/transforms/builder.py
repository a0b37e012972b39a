"""Build an image pipeline from a config: torchreid short names or a list of ``dict(type=...)``.

A pipeline is a torchvision-style callable: PIL RGB image in, tensor (or a list of tensors for
``MultiView``) out. Every ``type`` is looked up in the plugin's ``TRANSFORMS`` registry under the
``mmcl_ice_plugin`` scope, whatever the current default scope is, so ``Resize`` is always the
image transform defined here and never mmcv's dict-based one.
"""
import copy
from typing import Any, Callable, List, Mapping, Optional, Sequence, Union

from mmengine.registry import DefaultScope
from torchvision import transforms as T

from mmcl_ice_plugin.registry import TRANSFORMS

from .normalization import IMAGENET_MEAN, IMAGENET_STD

TransformConfig = Union[Mapping[str, Any], Callable]
PipelineConfig = Union[None, str, Mapping[str, Any], Sequence[Union[str, TransformConfig]],
                       Callable]

_SHAPE_AWARE_TYPES = ('TorchreidTransforms', 'MultiView')


def build_transform(cfg: TransformConfig) -> Callable:
    """Build one transform from ``dict(type='Name', **params)``; a callable is returned as is.

    Bare names must be registered in the plugin's ``TRANSFORMS``: a name that only the parent
    registry knows (mmcv's ``RandomFlip``, ``LoadImageFromFile``, ...) works on result dicts,
    not images, and is refused. Scope-prefixed (``'mmcv.Resize'``) or dotted import paths
    (``'torchvision.transforms.RandomVerticalFlip'``) are taken as the writer's explicit choice.

    Args:
        cfg (dict | Callable): ``dict(type='Name', **params)`` or a built transform.

    Returns:
        Callable: The transform.
    """
    if not isinstance(cfg, Mapping):
        if callable(cfg):
            return cfg
        raise TypeError(f'a transform config must be dict(type=..., **params) or a callable, '
                        f'got {cfg!r}')
    if 'type' not in cfg:
        raise KeyError(f'transform config {dict(cfg)!r} has no "type" key')
    cfg = copy.deepcopy(dict(cfg))
    name = cfg['type']
    if isinstance(name, str) and '.' not in name and name not in TRANSFORMS.module_dict:
        known = ', '.join(sorted(TRANSFORMS.module_dict))
        raise KeyError(f'transform type {name!r} is not registered in scope '
                       f'{TRANSFORMS.scope!r} (image transforms); registered: {known}')
    with DefaultScope.overwrite_default_scope(TRANSFORMS.scope):
        return TRANSFORMS.build(cfg)


def build_pipeline(cfg: PipelineConfig,
                   height: int = 256,
                   width: int = 128,
                   norm_mean: Optional[Sequence[float]] = IMAGENET_MEAN,
                   norm_std: Optional[Sequence[float]] = IMAGENET_STD) -> Callable:
    """Build the pipeline a dataset applies to each PIL RGB image.

    ``cfg`` may be

    * a list of torchreid names (``['random_flip', 'random_crop', 'random_erase']``), a single
      name, ``None`` or ``[]``: torchreid's ``build_transforms`` train pipeline with its
      parameters and ordering (see :func:`torchreid_transforms_cfg`), sized ``height`` x
      ``width`` and normalised with ``norm_mean``/``norm_std`` (``None``: ImageNet);
    * ``dict(type='TorchreidTransforms', transforms=[...], height=256, width=128)``: the same,
      written as a config; ``height``, ``width``, ``norm_mean``, ``norm_std`` left out of the
      dict are taken from this function's arguments (also for ``dict(type='MultiView', ...)``,
      which hands them to views written in the short form);
    * a list of ``dict(type='Name', **params)``: each built through ``TRANSFORMS`` and chained
      in the given order (``torchvision.transforms.Compose``); nothing is added or reordered;
    * any other ``dict(type=...)`` (e.g. ``MultiView``): built through ``TRANSFORMS``;
    * an already built callable: returned unchanged.

    Strings and dicts cannot be mixed in one list (the torchreid ordering rule would be
    ambiguous). Configs are never modified.

    Args:
        cfg (str | dict | Sequence | Callable, optional): The pipeline config, as above.
        height (int): Output height of torchreid-style pipelines. Defaults to 256.
        width (int): Output width of torchreid-style pipelines. Defaults to 128.
        norm_mean (Sequence[float], optional): Normalisation mean of torchreid-style
            pipelines. Defaults to ImageNet's.
        norm_std (Sequence[float], optional): Normalisation std of torchreid-style
            pipelines. Defaults to ImageNet's.

    Returns:
        Callable: PIL image in, tensor (or list of tensors) out.
    """
    if cfg is None or isinstance(cfg, str):
        cfg = [] if cfg is None else [cfg]
    if isinstance(cfg, Mapping):
        cfg = copy.deepcopy(dict(cfg))
        if cfg.get('type') in _SHAPE_AWARE_TYPES:
            defaults = dict(height=height, width=width, norm_mean=norm_mean, norm_std=norm_std)
            for key, value in defaults.items():
                cfg.setdefault(key, value)
        return build_transform(cfg)
    if isinstance(cfg, Sequence):
        items = list(cfg)
        names = [item for item in items if isinstance(item, str)]
        if len(names) == len(items):
            return build_transform(
                dict(type='TorchreidTransforms', transforms=names, height=height, width=width,
                     norm_mean=norm_mean, norm_std=norm_std))
        if names:
            raise ValueError(f'pipeline {items!r} mixes torchreid names {names} with transform '
                             'configs: write either only names (torchreid ordering) or only '
                             'dict(type=...) entries (explicit ordering)')
        return T.Compose(build_transform_list(items))
    if callable(cfg):
        return cfg
    raise TypeError(f'cannot build a pipeline from {cfg!r}: give torchreid names, a list of '
                    'dict(type=...) configs, a dict(type=...) config or a callable')


def build_transform_list(cfgs: Union[TransformConfig, Sequence[TransformConfig]]) -> List[Callable]:
    """Build every entry of a list of transform configs (a single config counts as a list).

    Args:
        cfgs (dict | Callable | Sequence[dict | Callable]): The transform configs.

    Returns:
        list[Callable]: The transforms, in order.
    """
    if isinstance(cfgs, Mapping) or callable(cfgs):
        cfgs = [cfgs]
    return [build_transform(cfg) for cfg in cfgs]
