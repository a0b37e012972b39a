"""torchreid's short transform names (``build_transforms``) expanded to explicit configs.

torchreid 0.2.5 (``torchreid.reid.data.transforms.build_transforms``) builds its train pipeline
from a list of names, always in this order, whatever order the names are given in:

1. ``Resize((height, width))`` (bilinear);
2. ``'random_flip'``: ``RandomHorizontalFlip(p=0.5)``;
3. ``'random_crop'``: ``Random2DTranslation(height, width, p=0.5)`` (enlarge x1.125, crop);
4. ``'random_patch'``: ``RandomPatch()`` (torchreid defaults);
5. ``'color_jitter'``: ``ColorJitter(brightness=0.2, contrast=0.15, saturation=0, hue=0)``;
6. ``ToTensor()`` and ``Normalize(norm_mean, norm_std)``;
7. ``'random_erase'``: ``RandomErasing(probability=0.5, sl=0.02, sh=0.4, r1=0.3,
   mean=norm_mean)``, on the normalised tensor.

Unlike torchreid, an unknown name raises instead of being ignored.
"""
from typing import Any, Dict, List, Optional, Sequence, Union

from torchvision import transforms as T

from mmcl_ice_plugin.registry import TRANSFORMS

from .builder import build_transform_list
from .normalization import IMAGENET_MEAN, IMAGENET_STD

TORCHREID_TRANSFORM_NAMES = ('random_flip', 'random_crop', 'random_patch', 'color_jitter',
                             'random_erase')


def torchreid_transforms_cfg(transforms: Union[None, str, Sequence[str]] = 'random_flip',
                             height: int = 256,
                             width: int = 128,
                             norm_mean: Optional[Sequence[float]] = None,
                             norm_std: Optional[Sequence[float]] = None) -> List[Dict[str, Any]]:
    """Expand torchreid names to the explicit list of transform configs torchreid would run.

    Args:
        transforms (str | Sequence[str], optional): Names among
            :data:`TORCHREID_TRANSFORM_NAMES` (case-insensitive), one name or None.
            Defaults to ``'random_flip'`` (torchreid's default).
        height (int): Output height. Defaults to 256.
        width (int): Output width. Defaults to 128.
        norm_mean (Sequence[float], optional): Normalisation mean (also the erasing fill);
            None for ImageNet's. Defaults to None.
        norm_std (Sequence[float], optional): Normalisation std; None for ImageNet's.
            Defaults to None.

    Returns:
        list[dict]: The transform configs, in torchreid's order.
    """
    if transforms is None:
        transforms = []
    if isinstance(transforms, str):
        transforms = [transforms]
    if not all(isinstance(name, str) for name in transforms):
        raise TypeError(f'torchreid transforms must be names, got {transforms!r}')
    names = {name.lower() for name in transforms}
    unknown = sorted(names.difference(TORCHREID_TRANSFORM_NAMES))
    if unknown:
        raise ValueError(f'unknown torchreid transform names {unknown}; torchreid knows '
                         f'{list(TORCHREID_TRANSFORM_NAMES)}')
    if norm_mean is None or norm_std is None:
        norm_mean, norm_std = IMAGENET_MEAN, IMAGENET_STD
    mean, std = list(norm_mean), list(norm_std)

    cfgs: List[Dict[str, Any]] = [dict(type='Resize', size=(height, width))]
    if 'random_flip' in names:
        cfgs.append(dict(type='RandomHorizontalFlip', p=0.5))
    if 'random_crop' in names:
        cfgs.append(dict(type='Random2DTranslation', height=height, width=width, p=0.5))
    if 'random_patch' in names:
        cfgs.append(dict(type='RandomPatch'))
    if 'color_jitter' in names:
        cfgs.append(dict(type='ColorJitter', brightness=0.2, contrast=0.15, saturation=0, hue=0))
    cfgs.append(dict(type='ToTensor'))
    cfgs.append(dict(type='Normalize', mean=mean, std=std))
    if 'random_erase' in names:
        cfgs.append(dict(type='RandomErasing', probability=0.5, sl=0.02, sh=0.4, r1=0.3,
                         mean=mean))
    return cfgs


@TRANSFORMS.register_module()
class TorchreidTransforms(T.Compose):
    """torchreid's ``build_transforms`` train pipeline, written as one config entry.

    ``dict(type='TorchreidTransforms', transforms=['random_flip', 'random_erase'], height=256,
    width=128)`` gives the same images as torchreid's own pipeline under the same random state.

    Args:
        transforms (str | Sequence[str], optional): torchreid names, as
            :func:`torchreid_transforms_cfg`. Defaults to ``'random_flip'``.
        height (int): Output height. Defaults to 256.
        width (int): Output width. Defaults to 128.
        norm_mean (Sequence[float], optional): Normalisation mean; None for ImageNet's.
            Defaults to None.
        norm_std (Sequence[float], optional): Normalisation std; None for ImageNet's.
            Defaults to None.
    """

    def __init__(self,
                 transforms: Union[None, str, Sequence[str]] = 'random_flip',
                 height: int = 256,
                 width: int = 128,
                 norm_mean: Optional[Sequence[float]] = None,
                 norm_std: Optional[Sequence[float]] = None) -> None:
        super().__init__(build_transform_list(
            torchreid_transforms_cfg(transforms, height, width, norm_mean, norm_std)))
