"""Re-ID crops: MMCL's random-sized rectangle crop and torchreid's random 2D translation."""
import math
import random
from typing import Optional, Sequence, Tuple

from torchreid.reid.data import transforms as torchreid_transforms
from torchvision.transforms import functional as F

from mmcl_ice_plugin.registry import TRANSFORMS

from .interpolation import Interpolation, to_interpolation_mode, to_pil_resample


@TRANSFORMS.register_module()
class RandomSizedRectCrop:
    """Crop a random rectangle of random area and tall aspect, then resize it to height x width.

    Reference:
        D. Wang, S. Zhang. Unsupervised Person Re-identification via Multi-label
        Classification. CVPR 2020. https://arxiv.org/abs/2004.09228

    As the MMCL reference code does it (``RandomSizedRectCrop`` of open-reid, which MMCL uses
    as the first train transform, on the raw image). Per attempt:
    area fraction ``a ~ U(area_range)`` of the input's area, aspect ``r = h/w ~
    U(aspect_range)``, ``h = round(sqrt(a * H * W * r))``, ``w = round(sqrt(a * H * W / r))``;
    the crop is accepted if ``w <= W`` and ``h <= H`` (and neither side rounds to 0, which only
    a 1-pixel image can produce and on which the reference crashes) and placed uniformly
    (``left = randint(0, W - w)``, ``top = randint(0, H - h)``, Python ``random``). After
    ``max_attempts`` failures (e.g. images much wider than tall) the whole image is resized,
    or returned unchanged if already height x width, as the reference does.

    Because of the rounding, accepted crops can fall slightly outside the nominal area and
    aspect ranges (by at most one pixel per side), exactly as in the reference.

    Args:
        height (int): Output height.
        width (int): Output width.
        area_range (Sequence[float]): Range of the crop's area fraction.
            Defaults to (0.64, 1.0).
        aspect_range (Sequence[float]): Range of the crop's height/width.
            Defaults to (2.0, 3.0).
        max_attempts (int): Attempts before falling back to a plain resize. Defaults to 10.
        interpolation (str | int | InterpolationMode): Resize interpolation. Defaults to
            ``'bilinear'`` (the reference's PIL bilinear).
    """

    def __init__(self,
                 height: int,
                 width: int,
                 area_range: Sequence[float] = (0.64, 1.0),
                 aspect_range: Sequence[float] = (2.0, 3.0),
                 max_attempts: int = 10,
                 interpolation: Interpolation = 'bilinear') -> None:
        if not 0 < area_range[0] <= area_range[1] <= 1:
            raise ValueError(f'area_range must satisfy 0 < min <= max <= 1, got {area_range}')
        if not 0 < aspect_range[0] <= aspect_range[1]:
            raise ValueError(f'aspect_range must satisfy 0 < min <= max, got {aspect_range}')
        self.height = height
        self.width = width
        self.area_range = (float(area_range[0]), float(area_range[1]))
        self.aspect_range = (float(aspect_range[0]), float(aspect_range[1]))
        self.max_attempts = max_attempts
        self.interpolation = to_interpolation_mode(interpolation)

    def get_params(self, img) -> Optional[Tuple[int, int, int, int]]:
        """Draw ``(top, left, h, w)`` of an accepted crop, or None when every attempt failed.

        Args:
            img (PIL.Image.Image | torch.Tensor): The input image.
        """
        img_w, img_h = F.get_image_size(img)
        area = img_w * img_h
        for _ in range(self.max_attempts):
            target_area = random.uniform(*self.area_range) * area
            aspect = random.uniform(*self.aspect_range)
            h = int(round(math.sqrt(target_area * aspect)))
            w = int(round(math.sqrt(target_area / aspect)))
            if 1 <= w <= img_w and 1 <= h <= img_h:
                left = random.randint(0, img_w - w)
                top = random.randint(0, img_h - h)
                return top, left, h, w
        return None

    def __call__(self, img):
        params = self.get_params(img)
        if params is not None:
            img = F.crop(img, *params)
        elif list(F.get_image_size(img)) == [self.width, self.height]:
            return img
        return F.resize(img, [self.height, self.width], self.interpolation)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(height={self.height}, width={self.width}, '
                f'area_range={self.area_range}, aspect_range={self.aspect_range}, '
                f'max_attempts={self.max_attempts}, interpolation={self.interpolation.value})')


@TRANSFORMS.register_module()
class Random2DTranslation(torchreid_transforms.Random2DTranslation):
    """torchreid's ``Random2DTranslation`` (the ``'random_crop'`` short name), unchanged.

    With probability ``p`` the image is resized to ``(round(1.125 * height), round(1.125 *
    width))`` and a random height x width window is cut out; otherwise it is resized to height
    x width. Works on PIL images.

    Args:
        height (int): Output height.
        width (int): Output width.
        p (float): Probability of the enlarge-and-crop. Defaults to 0.5.
        interpolation (str | int | InterpolationMode): Resize interpolation. Defaults to
            ``'bilinear'`` (torchreid's).
    """

    def __init__(self,
                 height: int,
                 width: int,
                 p: float = 0.5,
                 interpolation: Interpolation = 'bilinear') -> None:
        super().__init__(height, width, p=p, interpolation=to_pil_resample(interpolation))

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(height={self.height}, width={self.width}, p={self.p}, '
                f'interpolation={to_interpolation_mode(self.interpolation).value})')
