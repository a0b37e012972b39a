"""Apply a sub-pipeline with a probability (torchvision's ``RandomApply``, built from configs)."""
from typing import Sequence, Union

from torchvision import transforms as T

from mmcl_ice_plugin.registry import TRANSFORMS

from .builder import TransformConfig, build_transform_list


@TRANSFORMS.register_module()
class RandomApply(T.RandomApply):
    """torchvision ``RandomApply``: run ``transforms`` in order with probability ``p``.

    The draw is torchvision's (``torch.rand(1)``), as in the ICE reference
    (``RandomApply([GaussianBlur([.1, 2.])], p=0.5)``). The name shadows mmcv's dict-based
    ``RandomApply(transforms, prob)`` in the ``mmcl_ice_plugin`` scope only; ``prob`` is refused.

    Args:
        transforms (dict | Callable | Sequence[dict | Callable]): Transform configs
            (``dict(type=...)``) or callables, or a single one.
        p (float): Probability of applying them. Defaults to 0.5.
    """

    def __init__(self,
                 transforms: Union[TransformConfig, Sequence[TransformConfig]],
                 p: float = 0.5) -> None:
        super().__init__(build_transform_list(transforms), p=p)
