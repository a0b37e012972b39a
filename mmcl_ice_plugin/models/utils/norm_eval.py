"""``norm_eval`` (mmpretrain's name): BatchNorm layers that stay in eval mode while training."""
from torch import nn


def set_batchnorm_eval(module: nn.Module) -> None:
    """Put every BatchNorm layer under ``module`` in eval mode.

    Batches are then normalised with the running statistics (e.g. ImageNet's), which stop
    updating; the affine weights still learn. Backbones with ``norm_eval=True`` call it at the
    end of ``train()``.

    Args:
        module (nn.Module): The module whose BatchNorm layers are set to eval mode.
    """
    for layer in module.modules():
        if isinstance(layer, nn.modules.batchnorm._BatchNorm):
            layer.eval()
