"""Global pooling of a feature map: average or generalized-mean (GeM)."""
import torch
import torch.nn.functional as F
from torch import nn


class GeneralizedMeanPooling(nn.Module):
    """GeM pooling (Radenovic et al., TPAMI 2018): ``f = (mean_hw x^p)^(1/p)``.

    ``p = 1`` is average pooling, ``p -> inf`` max pooling. Default ``p = 3``; trainable when
    ``trainable=True``. Inputs are clamped at ``eps`` (feature maps after ReLU are >= 0).
    """

    def __init__(self, p: float = 3.0, eps: float = 1e-6, trainable: bool = False) -> None:
        super().__init__()
        self.p = nn.Parameter(torch.tensor(float(p)), requires_grad=trainable)
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pooled = F.adaptive_avg_pool2d(x.clamp(min=self.eps).pow(self.p), 1)
        return pooled.pow(1.0 / self.p).flatten(1)


def build_pooling(pooling: str, **kwargs) -> nn.Module:
    """``'avg'`` (global average pooling) or ``'gem'`` (:class:`GeneralizedMeanPooling`)."""
    if pooling == 'avg':
        return nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(1))
    if pooling == 'gem':
        return GeneralizedMeanPooling(**kwargs)
    raise ValueError(f"Unknown pooling {pooling!r} (config key model.neck.pooling): "
                     "use 'avg' or 'gem'.")
