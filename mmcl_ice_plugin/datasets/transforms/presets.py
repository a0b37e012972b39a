"""The MMCL and ICE augmentation pipelines of the reference codes, as pure configs.

Each function returns fresh lists of ``dict(type=...)`` (or a ``MultiView`` dict) that
:func:`build_pipeline` builds and that a config file can write out verbatim; the upper-case
constants are the same at 256 x 128 with ImageNet statistics. Sources (read line by line):

* MMCL (Wang & Zhang, CVPR 2020), ``tools/train.py`` of the authors' code:
  ``RandomSizedRectCrop(256, 128)``, ``RandomHorizontalFlip()``, ``RandomRotation(10)``,
  ``ColorJitter(0.2, 0.2, 0.2)``, ``ToTensor()``, ``Normalize(ImageNet)``,
  ``RandomErasing(EPSILON=0.5)``, whose code draws area ``U(0.02, 0.2)``, aspect
  ``U(0.3, 3)`` and accepts rectangles as large as the image (``<=``).
* ICE (Chen et al., ICCV 2021), ``examples/unsupervised_train.py``: strong = ``Resize((256,
  128), bicubic)``, ``Pad(10)``, ``RandomCrop((256, 128))``, ``RandomHorizontalFlip(0.5)``,
  ``RandomApply([GaussianBlur([.1, 2.])], p=0.5)``, ``ToTensor()``, ``Normalize(ImageNet)``,
  ``RandomErasing(probability=0.6)`` (area 0.02-0.4, aspect 0.3-1/0.3); weak = bicubic resize,
  to tensor, normalise; a training item is ``[strong, weak, strong]``.
* Test (both codes): bicubic resize, to tensor, normalise. torchreid's own test pipeline
  resizes bilinearly: pass ``interpolation='bilinear'`` for that.
"""
from typing import Any, Dict, List, Sequence

from .interpolation import Interpolation
from .normalization import IMAGENET_MEAN, IMAGENET_STD

Config = Dict[str, Any]


def _normalize(norm_mean: Sequence[float], norm_std: Sequence[float]) -> Config:
    return dict(type='Normalize', mean=list(norm_mean), std=list(norm_std))


def eval_pipeline(height: int = 256,
                  width: int = 128,
                  norm_mean: Sequence[float] = IMAGENET_MEAN,
                  norm_std: Sequence[float] = IMAGENET_STD,
                  interpolation: Interpolation = 'bicubic') -> List[Config]:
    """Test pipeline (evaluation, feature extraction): resize, to tensor, normalise.

    Deterministic. Named ``eval_`` so that pytest never collects it as a test.

    Args:
        height (int): Output height. Defaults to 256.
        width (int): Output width. Defaults to 128.
        norm_mean (Sequence[float]): Normalisation mean. Defaults to ImageNet's.
        norm_std (Sequence[float]): Normalisation std. Defaults to ImageNet's.
        interpolation (str | int | InterpolationMode): Resize interpolation.
            Defaults to ``'bicubic'`` (both reference codes).

    Returns:
        list[dict]: The transform configs.
    """
    return [
        dict(type='Resize', size=(height, width), interpolation=interpolation),
        dict(type='ToTensor'),
        _normalize(norm_mean, norm_std),
    ]


def mmcl_train_pipeline(height: int = 256,
                        width: int = 128,
                        norm_mean: Sequence[float] = IMAGENET_MEAN,
                        norm_std: Sequence[float] = IMAGENET_STD) -> List[Config]:
    """MMCL's train augmentation: rectangle crop, flip, rotation, colour jitter, erasing.

    The erasing follows MMCL's code, not torchreid's: aspect ``U(0.3, 3.0)`` (torchreid and
    ICE: up to ``1/0.3 = 3.33``) and rectangles may span the whole height or width
    (``strict_fit=False``). ``r2=None, strict_fit=True`` gives torchreid's.

    Args:
        height (int): Output height. Defaults to 256.
        width (int): Output width. Defaults to 128.
        norm_mean (Sequence[float]): Normalisation mean. Defaults to ImageNet's.
        norm_std (Sequence[float]): Normalisation std. Defaults to ImageNet's.

    Returns:
        list[dict]: The transform configs.
    """
    return [
        dict(type='RandomSizedRectCrop', height=height, width=width, area_range=(0.64, 1.0),
             aspect_range=(2.0, 3.0), max_attempts=10, interpolation='bilinear'),
        dict(type='RandomHorizontalFlip', p=0.5),
        dict(type='RandomRotation', degrees=10),
        dict(type='ColorJitter', brightness=0.2, contrast=0.2, saturation=0.2),
        dict(type='ToTensor'),
        _normalize(norm_mean, norm_std),
        dict(type='RandomErasing', probability=0.5, sl=0.02, sh=0.2, r1=0.3, r2=3.0,
             strict_fit=False, mean=list(norm_mean)),
    ]


def ice_strong_pipeline(height: int = 256,
                        width: int = 128,
                        norm_mean: Sequence[float] = IMAGENET_MEAN,
                        norm_std: Sequence[float] = IMAGENET_STD) -> List[Config]:
    """ICE's strong view: bicubic resize, pad 10 + crop, flip, blur (p 0.5), erasing (p 0.6).

    Args:
        height (int): Output height. Defaults to 256.
        width (int): Output width. Defaults to 128.
        norm_mean (Sequence[float]): Normalisation mean. Defaults to ImageNet's.
        norm_std (Sequence[float]): Normalisation std. Defaults to ImageNet's.

    Returns:
        list[dict]: The transform configs.
    """
    return [
        dict(type='Resize', size=(height, width), interpolation='bicubic'),
        dict(type='Pad', padding=10),
        dict(type='RandomCrop', size=(height, width)),
        dict(type='RandomHorizontalFlip', p=0.5),
        dict(type='RandomApply', transforms=[dict(type='GaussianBlur', sigma=(0.1, 2.0))],
             p=0.5),
        dict(type='ToTensor'),
        _normalize(norm_mean, norm_std),
        dict(type='RandomErasing', probability=0.6, sl=0.02, sh=0.4, r1=0.3,
             mean=list(norm_mean)),
    ]


def ice_weak_pipeline(height: int = 256,
                      width: int = 128,
                      norm_mean: Sequence[float] = IMAGENET_MEAN,
                      norm_std: Sequence[float] = IMAGENET_STD) -> List[Config]:
    """ICE's weak view: bicubic resize, to tensor, normalise (same as the test pipeline).

    Args:
        height (int): Output height. Defaults to 256.
        width (int): Output width. Defaults to 128.
        norm_mean (Sequence[float]): Normalisation mean. Defaults to ImageNet's.
        norm_std (Sequence[float]): Normalisation std. Defaults to ImageNet's.

    Returns:
        list[dict]: The transform configs.
    """
    return eval_pipeline(height, width, norm_mean, norm_std, interpolation='bicubic')


def ice_train_pipeline(height: int = 256,
                       width: int = 128,
                       norm_mean: Sequence[float] = IMAGENET_MEAN,
                       norm_std: Sequence[float] = IMAGENET_STD) -> Config:
    """ICE's training item: ``MultiView`` of [strong, weak, strong], each an independent draw.

    Args:
        height (int): Output height. Defaults to 256.
        width (int): Output width. Defaults to 128.
        norm_mean (Sequence[float]): Normalisation mean. Defaults to ImageNet's.
        norm_std (Sequence[float]): Normalisation std. Defaults to ImageNet's.

    Returns:
        dict: The ``MultiView`` config.
    """
    args = (height, width, norm_mean, norm_std)
    return dict(type='MultiView',
                views=[ice_strong_pipeline(*args), ice_weak_pipeline(*args),
                       ice_strong_pipeline(*args)])


EVAL_PIPELINE = eval_pipeline()
MMCL_TRAIN_PIPELINE = mmcl_train_pipeline()
ICE_STRONG_PIPELINE = ice_strong_pipeline()
ICE_WEAK_PIPELINE = ice_weak_pipeline()
ICE_TRAIN_PIPELINE = ice_train_pipeline()
