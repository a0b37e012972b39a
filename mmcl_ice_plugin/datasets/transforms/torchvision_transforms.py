"""torchvision transforms re-exposed under their torchvision names in the plugin's scope.

Behaviour and random draws are torchvision's own (these are the classes themselves, or thin
subclasses that only let a config write ``interpolation='bicubic'``). Registered as they are:
``RandomHorizontalFlip``, ``Pad``, ``RandomCrop``, ``ColorJitter``, ``ToTensor``, ``CenterCrop``,
``RandomGrayscale``. ``Normalize``, ``GaussianBlur`` and ``RandomApply`` live in their own
modules. Names shared with mmcv's dict-based transforms (``Resize``, ``Pad``, ``ToTensor``,
``CenterCrop``, ``RandomGrayscale``) shadow them only in the ``mmcl_ice_plugin`` scope; their
arguments differ from mmcv's, so a config written for the other kind fails loudly.
"""
from typing import Optional, Sequence, Tuple, Union

from torchvision import transforms as T

from mmcl_ice_plugin.registry import TRANSFORMS

from .interpolation import Interpolation, to_interpolation_mode

RandomHorizontalFlip = TRANSFORMS.register_module(module=T.RandomHorizontalFlip)
Pad = TRANSFORMS.register_module(module=T.Pad)
RandomCrop = TRANSFORMS.register_module(module=T.RandomCrop)
ColorJitter = TRANSFORMS.register_module(module=T.ColorJitter)
ToTensor = TRANSFORMS.register_module(module=T.ToTensor)
CenterCrop = TRANSFORMS.register_module(module=T.CenterCrop)
RandomGrayscale = TRANSFORMS.register_module(module=T.RandomGrayscale)


@TRANSFORMS.register_module()
class Resize(T.Resize):
    """torchvision ``Resize``; ``size=(height, width)`` gives exactly that size.

    Args:
        size (int | Sequence[int]): ``(height, width)``, or an int for the shorter side.
        interpolation (str | int | InterpolationMode): ``'bilinear'`` (torchreid),
            ``'bicubic'`` (MMCL and ICE reference code, ``interpolation=3``), ``'nearest'``,
            ... or a PIL code. Defaults to ``'bilinear'``.
        max_size (int, optional): See torchvision. Defaults to None.
        antialias (bool): See torchvision (always on for PIL images). Defaults to True.
    """

    def __init__(self,
                 size: Union[int, Sequence[int]],
                 interpolation: Interpolation = 'bilinear',
                 max_size: Optional[int] = None,
                 antialias: bool = True) -> None:
        super().__init__(size, to_interpolation_mode(interpolation), max_size, antialias)


@TRANSFORMS.register_module()
class RandomRotation(T.RandomRotation):
    """torchvision ``RandomRotation``: angle ~ U[-degrees, degrees] (MMCL uses ``degrees=10``).

    Args:
        degrees (float | Sequence[float]): A number d for [-d, d] or a ``(min, max)`` range.
        interpolation (str | int | InterpolationMode): Defaults to ``'nearest'``
            (torchvision's default, as MMCL runs it).
        expand (bool): Whether to grow the canvas to hold the rotated image.
            Defaults to False.
        center (Sequence[int], optional): Rotation centre; None for the image centre.
            Defaults to None.
        fill (float | Sequence[float]): Value of the pixels outside the rotated image.
            Defaults to 0.
    """

    def __init__(self,
                 degrees: Union[float, Sequence[float]],
                 interpolation: Interpolation = 'nearest',
                 expand: bool = False,
                 center: Optional[Sequence[int]] = None,
                 fill: Union[float, Sequence[float]] = 0) -> None:
        super().__init__(degrees, to_interpolation_mode(interpolation), expand, center, fill)


@TRANSFORMS.register_module()
class RandomResizedCrop(T.RandomResizedCrop):
    """torchvision ``RandomResizedCrop`` (``ratio`` is width/height, torchvision's convention).

    Args:
        size (int | Sequence[int]): Output ``(height, width)``.
        scale (tuple[float, float]): Range of the crop's area fraction.
            Defaults to (0.08, 1.0).
        ratio (tuple[float, float]): Range of the crop's width/height. Defaults to (3/4, 4/3).
        interpolation (str | int | InterpolationMode): Defaults to ``'bilinear'``.
        antialias (bool): See torchvision. Defaults to True.
    """

    def __init__(self,
                 size: Union[int, Sequence[int]],
                 scale: Tuple[float, float] = (0.08, 1.0),
                 ratio: Tuple[float, float] = (3.0 / 4.0, 4.0 / 3.0),
                 interpolation: Interpolation = 'bilinear',
                 antialias: bool = True) -> None:
        super().__init__(size, tuple(scale), tuple(ratio), to_interpolation_mode(interpolation),
                         antialias)
