"""ImageNet statistics and the ``Normalize`` transform (torchvision's, with ImageNet defaults)."""
from typing import Sequence

from torchvision import transforms as T

from mmcl_ice_plugin.registry import TRANSFORMS

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@TRANSFORMS.register_module()
class Normalize(T.Normalize):
    """torchvision ``Normalize`` on tensors in [0, 1]; defaults to the ImageNet mean and std.

    The name shadows mmcv's dict-based ``Normalize`` (0-255 statistics, ``to_rgb``) in the
    ``mmcl_ice_plugin`` scope only. Statistics above 1 are refused because they are mmcv's
    0-255 convention and would silently wreck the input.

    Args:
        mean (Sequence[float]): Per-channel mean in [0, 1]. Defaults to ImageNet's
            ``(0.485, 0.456, 0.406)``.
        std (Sequence[float]): Per-channel standard deviation in (0, 1]. Defaults to
            ImageNet's ``(0.229, 0.224, 0.225)``.
        inplace (bool): Whether to normalise the tensor in place. Defaults to False.
    """

    def __init__(self,
                 mean: Sequence[float] = IMAGENET_MEAN,
                 std: Sequence[float] = IMAGENET_STD,
                 inplace: bool = False) -> None:
        if any(abs(m) > 1 for m in mean) or any(s > 1 or s <= 0 for s in std):
            raise ValueError(f'Normalize(mean={list(mean)}, std={list(std)}): statistics must be '
                             'for images in [0, 1] (ToTensor output), e.g. ImageNet '
                             f'mean={list(IMAGENET_MEAN)} std={list(IMAGENET_STD)}; 0-255 values '
                             "are mmcv's convention")
        super().__init__(mean=list(mean), std=list(std), inplace=inplace)
