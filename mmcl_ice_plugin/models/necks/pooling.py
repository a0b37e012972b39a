"""Global pooling of a feature map: average or generalized-mean (GeM)."""
import torch
import torch.nn.functional as F
from torch import nn


class GeneralizedMeanPooling(nn.Module):
    """Generalized-mean (GeM) pooling: ``f = (mean_hw x^p)^(1/p)``.

    Reference:
        F. Radenovic, G. Tolias, O. Chum. Fine-tuning CNN Image Retrieval with No Human
        Annotation. TPAMI 2018. https://arxiv.org/abs/1711.02512

    ``p = 1`` is average pooling, ``p -> inf`` max pooling. Inputs are clamped at ``eps``
    (feature maps after ReLU are >= 0).

    Args:
        p (float): The exponent. Defaults to 3.0.
        eps (float): Lower clamp of the inputs. Defaults to 1e-6.
        trainable (bool): Whether ``p`` is learnt. Defaults to False.
    """

    def __init__(self, p: float = 3.0, eps: float = 1e-6, trainable: bool = False) -> None:
        super().__init__()
        self.p = nn.Parameter(torch.tensor(float(p)), requires_grad=trainable)
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Pool a ``(B, C, h, w)`` map to ``(B, C)``."""
        pooled = F.adaptive_avg_pool2d(x.clamp(min=self.eps).pow(self.p), 1)
        return pooled.pow(1.0 / self.p).flatten(1)


def build_pooling(pooling: str, **kwargs) -> nn.Module:
    """Build a global pooling module.

    Args:
        pooling (str): ``'avg'`` (global average pooling) or ``'gem'``
            (:class:`GeneralizedMeanPooling`).
        **kwargs: Arguments of :class:`GeneralizedMeanPooling` (``'gem'`` only).

    Returns:
        nn.Module: A module mapping ``(B, C, h, w)`` to ``(B, C)``.
    """
    if pooling == 'avg':
        return nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(1))
    if pooling == 'gem':
        return GeneralizedMeanPooling(**kwargs)
    raise ValueError(f"Unknown pooling {pooling!r} (config key model.neck.pooling): "
                     "use 'avg' or 'gem'.")
