"""Global pooling followed by a BatchNorm1d "BN neck" (Luo et al., Bag of Tricks, 2019)."""
from typing import Optional, Tuple

import torch
from mmengine.model import BaseModule
from torch import nn

from ...registry import MODELS
from .pooling import build_pooling


@MODELS.register_module()
class BNNeck(BaseModule):
    """Global pooling followed by a BatchNorm1d "BN neck".

    Reference:
        H. Luo, Y. Gu, X. Liao, S. Lai, W. Jiang. Bag of Tricks and A Strong Baseline for
        Deep Person Re-identification. CVPRW 2019. https://arxiv.org/abs/1903.07071

    Pools a feature map ``(B, C, h, w)`` (vectors ``(B, C)`` pass through) and applies
    ``BatchNorm1d(C)`` initialised with weight 1 and bias 0; the forward returns
    ``(pre_bn, post_bn)``. MMCL trains the BN bias; ICE freezes it at 0
    (``bias_trainable=False``).

    Args:
        in_channels (int, optional): Channels C. ``BaseReID`` fills it in from the backbone;
            ``None`` raises. Defaults to None.
        pooling (str): ``'avg'`` or ``'gem'``. Defaults to ``'avg'``.
        gem_p (float): GeM exponent (``pooling='gem'`` only). Defaults to 3.0.
        gem_trainable (bool): Whether the GeM exponent is learnt. Defaults to False.
        bias_trainable (bool): Whether the BN bias receives gradients. Defaults to True.
        init_cfg (dict, optional): mmengine initialisation config. Defaults to None.
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
        """Pool and normalise.

        Args:
            x (torch.Tensor): ``(B, C, h, w)`` feature map or ``(B, C)`` vectors.

        Returns:
            tuple[torch.Tensor, torch.Tensor]: ``(pre_bn, post_bn)`` features, ``(B, C)`` each.
        """
        pre = self.pool(x) if x.dim() == 4 else x
        return pre, self.bn(pre)
