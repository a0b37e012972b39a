"""Image transforms for re-ID pipelines: torchvision-style callables, PIL image in, tensor out.

Build a dataset's pipeline with :func:`build_pipeline` from torchreid's short names
(``['random_flip', 'random_erase']``), a ``dict(type='TorchreidTransforms', ...)``, a list of
``dict(type='Name', **params)`` registered in ``TRANSFORMS`` (scope ``mmcl_ice_plugin``) or a
``dict(type='MultiView', views=[...])``. The MMCL and ICE reference pipelines are in
:mod:`.presets`.
"""
from .blur import GaussianBlur
from .builder import build_pipeline, build_transform, build_transform_list
from .color_augmentation import ColorAugmentation
from .crops import Random2DTranslation, RandomSizedRectCrop
from .erasing import RandomErasing
from .interpolation import to_interpolation_mode, to_pil_resample
from .multi_view import MultiView
from .normalization import IMAGENET_MEAN, IMAGENET_STD, Normalize
from .presets import (EVAL_PIPELINE, ICE_STRONG_PIPELINE, ICE_TRAIN_PIPELINE, ICE_WEAK_PIPELINE,
                      MMCL_TRAIN_PIPELINE, eval_pipeline, ice_strong_pipeline,
                      ice_train_pipeline, ice_weak_pipeline, mmcl_train_pipeline)
from .random_apply import RandomApply
from .random_patch import RandomPatch
from .torchreid_style import (TORCHREID_TRANSFORM_NAMES, TorchreidTransforms,
                              torchreid_transforms_cfg)
from .torchvision_transforms import (CenterCrop, ColorJitter, Pad, RandomCrop, RandomGrayscale,
                                     RandomHorizontalFlip, RandomResizedCrop, RandomRotation,
                                     Resize, ToTensor)

__all__ = [
    'build_pipeline', 'build_transform', 'build_transform_list', 'IMAGENET_MEAN', 'IMAGENET_STD',
    'TORCHREID_TRANSFORM_NAMES', 'torchreid_transforms_cfg', 'TorchreidTransforms', 'MultiView',
    'RandomApply', 'Resize', 'RandomHorizontalFlip', 'Pad', 'RandomCrop', 'CenterCrop',
    'RandomResizedCrop', 'ColorJitter', 'RandomGrayscale', 'RandomRotation', 'GaussianBlur',
    'ToTensor', 'Normalize', 'Random2DTranslation', 'RandomSizedRectCrop', 'RandomErasing',
    'RandomPatch', 'ColorAugmentation', 'to_interpolation_mode', 'to_pil_resample',
    'eval_pipeline', 'mmcl_train_pipeline', 'ice_strong_pipeline', 'ice_weak_pipeline',
    'ice_train_pipeline', 'EVAL_PIPELINE', 'MMCL_TRAIN_PIPELINE', 'ICE_STRONG_PIPELINE',
    'ICE_WEAK_PIPELINE', 'ICE_TRAIN_PIPELINE'
]
