"""Interpolation names that a pure config can write (``'bilinear'``, ``'bicubic'``, ...).

torchvision wants :class:`~torchvision.transforms.InterpolationMode`, PIL wants its integer
resampling codes and the reference re-ID code writes ``interpolation=3`` (PIL's bicubic). Every
transform here accepts any of the three and converts with these helpers.
"""
from typing import Union

from torchvision.transforms import InterpolationMode

Interpolation = Union[str, int, InterpolationMode]

_PIL_CODE_TO_MODE = {
    0: InterpolationMode.NEAREST,
    1: InterpolationMode.LANCZOS,
    2: InterpolationMode.BILINEAR,
    3: InterpolationMode.BICUBIC,
    4: InterpolationMode.BOX,
    5: InterpolationMode.HAMMING,
}
_MODE_TO_PIL_CODE = {mode: code for code, mode in _PIL_CODE_TO_MODE.items()}
_MODE_TO_PIL_CODE[InterpolationMode.NEAREST_EXACT] = 0


def to_interpolation_mode(value: Interpolation) -> InterpolationMode:
    """Convert a name (``'bicubic'``), a PIL code (``3``) or a mode to an ``InterpolationMode``.

    Args:
        value (str | int | InterpolationMode): The interpolation.

    Returns:
        InterpolationMode: torchvision's mode.
    """
    if isinstance(value, InterpolationMode):
        return value
    if isinstance(value, str):
        try:
            return InterpolationMode(value.lower())
        except ValueError:
            names = ', '.join(repr(mode.value) for mode in InterpolationMode)
            raise ValueError(f'unknown interpolation {value!r}; use one of {names}') from None
    if isinstance(value, int) and not isinstance(value, bool) and value in _PIL_CODE_TO_MODE:
        return _PIL_CODE_TO_MODE[value]
    raise ValueError(f'unknown interpolation {value!r}: give a name such as "bicubic", '
                     f'a PIL resampling code 0-5 or a torchvision InterpolationMode')


def to_pil_resample(value: Interpolation) -> int:
    """Convert a name, a PIL code or an ``InterpolationMode`` to PIL's resampling code.

    Args:
        value (str | int | InterpolationMode): The interpolation.

    Returns:
        int: PIL's resampling code.
    """
    return _MODE_TO_PIL_CODE[to_interpolation_mode(value)]
