"""Random erasing on normalised tensors, with torchreid's parameterisation."""
import math
import random
from typing import Optional, Sequence, Tuple

import torch

from mmcl_ice_plugin.registry import TRANSFORMS

from .normalization import IMAGENET_MEAN


@TRANSFORMS.register_module()
class RandomErasing:
    """Erase one random rectangle of a (normalised) tensor image, filling it with ``mean``.

    Reference:
        Z. Zhong, L. Zheng, G. Kang, S. Li, Y. Yang. Random Erasing Data Augmentation.
        AAAI 2020. https://arxiv.org/abs/1708.04896

    Parameterised and drawn as torchreid's ``RandomErasing`` (torchreid 0.2.5), which the ICE
    and MMCL reference codes also follow. Unlike torchvision's ``RandomErasing`` (``p``,
    ``scale``, ``ratio``, ``value``), this one keeps torchreid's names and random draws. With
    probability ``probability``, up to ``max_attempts`` times: area fraction ``~ U(sl, sh)``, aspect
    ``h/w ~ U(r1, r2)``, ``h = round(sqrt(area * aspect))``, ``w = round(sqrt(area / aspect))``;
    the first rectangle that fits is placed uniformly (``top = randint(0, H - h)`` then
    ``left = randint(0, W - w)``) and channel ``c`` is set to ``mean[c]``.

    The fill is written into the *normalised* tensor, so ``mean=IMAGENET_MEAN`` puts the
    values 0.485/0.456/0.406 there (not the mean colour), as torchreid, MMCL and ICE all do;
    ``mean=(0, 0, 0)`` fills with the mean colour instead.

    Defaults are torchreid's (``probability=0.5, sl=0.02, sh=0.4, r1=0.3``) except the fill,
    ImageNet mean (torchreid's pipeline passes its ``norm_mean``; its class default is CIFAR's).
    ICE: ``probability=0.6`` with the defaults. MMCL reference: ``probability=0.5, sh=0.2,
    r2=3.0, strict_fit=False``.

    Args:
        probability (float): Probability of erasing. Defaults to 0.5.
        sl (float): Minimum erased area fraction. Defaults to 0.02.
        sh (float): Maximum erased area fraction. Defaults to 0.4.
        r1 (float): Minimum aspect (height/width). Defaults to 0.3.
        mean (Sequence[float]): Per-channel fill value. Defaults to the ImageNet mean.
        r2 (float, optional): Maximum aspect; None for ``1 / r1`` (torchreid, ICE). MMCL's
            code draws from ``U(0.3, 3)``, i.e. ``r2=3.0``. Defaults to None.
        strict_fit (bool): Whether a rectangle must be strictly smaller than the image on
            both sides (torchreid, ICE); False accepts sides equal to the image's (MMCL's
            code). Defaults to True.
        max_attempts (int): Rectangles drawn before giving up (image unchanged).
            Defaults to 100.
    """

    def __init__(self,
                 probability: float = 0.5,
                 sl: float = 0.02,
                 sh: float = 0.4,
                 r1: float = 0.3,
                 mean: Sequence[float] = IMAGENET_MEAN,
                 r2: Optional[float] = None,
                 strict_fit: bool = True,
                 max_attempts: int = 100) -> None:
        if not 0 <= probability <= 1:
            raise ValueError(f'probability must be in [0, 1], got {probability}')
        if not 0 < sl <= sh <= 1:
            raise ValueError(f'need 0 < sl <= sh <= 1, got sl={sl}, sh={sh}')
        r2 = 1.0 / r1 if r2 is None else r2
        if not 0 < r1 <= r2:
            raise ValueError(f'need 0 < r1 <= r2, got r1={r1}, r2={r2}')
        self.probability = probability
        self.sl = sl
        self.sh = sh
        self.r1 = r1
        self.r2 = r2
        self.mean = tuple(float(m) for m in mean)
        self.strict_fit = strict_fit
        self.max_attempts = max_attempts

    def get_params(self, img: torch.Tensor) -> Optional[Tuple[int, int, int, int]]:
        """Draw ``(top, left, h, w)`` of the rectangle to erase, or None to leave ``img`` as is.

        Args:
            img (torch.Tensor): ``(C, H, W)`` image.
        """
        if random.uniform(0, 1) > self.probability:
            return None
        img_h, img_w = img.shape[-2:]
        area = img_h * img_w
        for _ in range(self.max_attempts):
            target_area = random.uniform(self.sl, self.sh) * area
            aspect = random.uniform(self.r1, self.r2)
            h = int(round(math.sqrt(target_area * aspect)))
            w = int(round(math.sqrt(target_area / aspect)))
            fits = (h < img_h and w < img_w) if self.strict_fit else (h <= img_h and w <= img_w)
            if fits:
                top = random.randint(0, img_h - h)
                left = random.randint(0, img_w - w)
                return top, left, h, w
        return None

    def _fill(self, channels: int, dtype: torch.dtype) -> torch.Tensor:
        if channels == 1 or len(self.mean) == channels:
            values = self.mean[:channels]
        elif len(self.mean) == 1:
            values = self.mean * channels
        else:
            raise ValueError(f'RandomErasing: {len(self.mean)} fill values for a '
                             f'{channels}-channel image')
        return torch.tensor(values, dtype=dtype).view(channels, 1, 1)

    def __call__(self, img: torch.Tensor) -> torch.Tensor:
        if not isinstance(img, torch.Tensor):
            raise TypeError(f'RandomErasing works on tensors (put it after ToTensor and '
                            f'Normalize), got {type(img).__name__}')
        params = self.get_params(img)
        if params is None:
            return img
        top, left, h, w = params
        img = img.clone()
        img[..., top:top + h, left:left + w] = self._fill(img.shape[-3], img.dtype)
        return img

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(probability={self.probability}, sl={self.sl}, '
                f'sh={self.sh}, r1={self.r1}, r2={self.r2:.4g}, mean={self.mean}, '
                f'strict_fit={self.strict_fit})')
