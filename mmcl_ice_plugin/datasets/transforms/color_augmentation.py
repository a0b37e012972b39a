"""torchreid's ColorAugmentation (AlexNet-style PCA lighting noise) on tensors."""
from torchreid.reid.data import transforms as torchreid_transforms

from mmcl_ice_plugin.registry import TRANSFORMS


@TRANSFORMS.register_module()
class ColorAugmentation(torchreid_transforms.ColorAugmentation):
    """Add PCA lighting noise to an RGB tensor with probability ``p`` (torchreid's, unchanged).

    Reference:
        A. Krizhevsky, I. Sutskever, G. Hinton. ImageNet Classification with Deep
        Convolutional Neural Networks. NIPS 2012.

    As in torchreid 0.2.5: ``alpha ~ N(0, 0.1^2)`` per eigenvector of
    ImageNet's RGB covariance; the resulting per-channel offset is added to the whole image.
    Works on 3-channel tensors (after ``ToTensor``).

    Args:
        p (float): Probability of adding the noise. Defaults to 0.5.
    """

    def __repr__(self) -> str:
        return f'{type(self).__name__}(p={self.p})'
