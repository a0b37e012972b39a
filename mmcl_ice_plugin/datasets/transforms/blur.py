"""Gaussian blur with a random sigma (SimCLR / MoCo v2 / ICE)."""
import random
from typing import Optional, Sequence, Union

from PIL import Image, ImageFilter
from torchvision.transforms import functional as F

from mmcl_ice_plugin.registry import TRANSFORMS


@TRANSFORMS.register_module()
class GaussianBlur:
    """Blur with ``sigma ~ U[sigma_min, sigma_max]`` drawn from Python's ``random``.

    Reference:
        T. Chen, S. Kornblith, M. Norouzi, G. Hinton. A Simple Framework for Contrastive
        Learning of Visual Representations. ICML 2020. https://arxiv.org/abs/2002.05709

    As implemented in MoCo v2 and ICE (Chen et al., ICCV 2021): PIL's
    ``ImageFilter.GaussianBlur(radius=sigma)`` with ``sigma=(0.1, 2.0)``. ICE
    applies it with probability 0.5: ``dict(type='RandomApply', transforms=[dict(
    type='GaussianBlur', sigma=(0.1, 2.0))], p=0.5)``.

    With ``kernel_size`` given, the blur is torchvision's (``functional.gaussian_blur`` with
    that kernel, PIL images or tensors); the sigma is still drawn from Python's ``random``.

    Args:
        sigma (float | Sequence[float]): ``(min, max)`` of the uniform sigma, or one fixed
            sigma. Defaults to (0.1, 2.0).
        kernel_size (int | Sequence[int], optional): An odd int or ``(kx, ky)`` for
            torchvision's truncated kernel; None for PIL's blur (PIL images only, the
            reference). Defaults to None.
    """

    def __init__(self,
                 sigma: Union[float, Sequence[float]] = (0.1, 2.0),
                 kernel_size: Optional[Union[int, Sequence[int]]] = None) -> None:
        if isinstance(sigma, (int, float)):
            sigma = (sigma, sigma)
        if not 0 < sigma[0] <= sigma[1]:
            raise ValueError(f'sigma must satisfy 0 < min <= max, got {sigma}')
        self.sigma = (float(sigma[0]), float(sigma[1]))
        if isinstance(kernel_size, int):
            kernel_size = (kernel_size, kernel_size)
        if kernel_size is not None and any(k <= 0 or k % 2 == 0 for k in kernel_size):
            raise ValueError(f'kernel_size must be odd and positive, got {kernel_size}')
        self.kernel_size = None if kernel_size is None else [int(k) for k in kernel_size]

    def __call__(self, img):
        sigma = random.uniform(*self.sigma)
        if self.kernel_size is not None:
            return F.gaussian_blur(img, self.kernel_size, [sigma, sigma])
        if not isinstance(img, Image.Image):
            raise TypeError('GaussianBlur without kernel_size blurs PIL images (put it before '
                            f'ToTensor or give kernel_size), got {type(img).__name__}')
        return img.filter(ImageFilter.GaussianBlur(radius=sigma))

    def __repr__(self) -> str:
        return f'{type(self).__name__}(sigma={self.sigma}, kernel_size={self.kernel_size})'
