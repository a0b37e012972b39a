"""Global pooling followed by a BatchNorm1d "BN neck" (Luo et al., Bag of Tricks, 2019)."""
from typing import Optional, Tuple

import torch
from mmengine.model import BaseModule
from torch import nn

from ...registry import MODELS
from .pooling import build_pooling


@MODELS.register_module()
class BNNeck(BaseModule):
    """Pools a feature map ``(B, C, h, w)`` (vectors ``(B, C)`` pass through) and applies
    ``BatchNorm1d(C)`` initialised with weight 1 and bias 0.

    Returns ``(pre_bn, post_bn)``. MMCL trains the BN bias; ICE freezes it at 0
    (``bias_trainable=False``).

    Args:
        in_channels: C; filled in from the backbone when ``None``.
        pooling: ``'avg'`` or ``'gem'``.
        gem_p, gem_trainable: GeM exponent and whether it is learnt.
        bias_trainable: whether the BN bias receives gradients.
    """

    def __init__(self, in_channels: Optional[int] = None, pooling: str = 'avg',
                 gem_p: float = 3.0, gem_trainable: bool = False, bias_trainable: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if in_channels is None:
            raise ValueError('BNNeck needs in_channels (config key model.neck.in_channels); '
                             'BaseReID fills it from the backbone.')
        gem = dict(p=gem_p, trainable=gem_trainable) if pooling == 'gem' else {}
        self.pool = build_pooling(pooling, **gem)
        self.bn = nn.BatchNorm1d(in_channels)
        nn.init.ones_(self.bn.weight)
        nn.init.zeros_(self.bn.bias)
        self.bn.bias.requires_grad_(bias_trainable)
        self.out_channels = in_channels

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        pre = self.pool(x) if x.dim() == 4 else x
        return pre, self.bn(pre)
