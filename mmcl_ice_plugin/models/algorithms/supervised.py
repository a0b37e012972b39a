"""``Supervised``: the toolbox baseline trained with ground-truth identities."""
from typing import Dict, Optional

import torch
import torch.nn.functional as F
from torch import nn
from torchreid.reid.losses import TripletLoss

from ...registry import MODELS
from .base_reid import BaseReID


@MODELS.register_module()
class Supervised(BaseReID):
    """Supervised baseline: identity classification + batch-hard triplet.

    Reference:
        H. Luo, Y. Gu, X. Liao, S. Lai, W. Jiang. Bag of Tricks and A Strong Baseline for
        Deep Person Re-identification. CVPRW 2019. https://arxiv.org/abs/1903.07071

    The "BNNeck" baseline,
    ``L = ce_weight * CE_eps(W f_post, y) + triplet_weight * Triplet_m(f_pre, y)``, with
    label-smoothed cross-entropy (``eps = label_smooth``, default 0.1; the same smoothing as
    torchreid's ``CrossEntropyLoss``) on a bias-free linear classifier over the post-BN feature,
    and torchreid's batch-hard ``TripletLoss`` (margin 0.3) on the pre-BN feature. Needs a PxK
    identity sampler. It is the upper bound the unsupervised methods are compared with.

    Args:
        num_classes (int): Number of training identities.
        label_smooth (float): ``eps`` of the cross-entropy. Defaults to 0.1.
        triplet_margin (float): Margin of the triplet loss. Defaults to 0.3.
        ce_weight (float): Weight of the cross-entropy. Defaults to 1.0.
        triplet_weight (float): Weight of the triplet loss. Defaults to 1.0.
        **kwargs: :class:`BaseReID` arguments.
    """

    def __init__(self, num_classes: int, label_smooth: float = 0.1, triplet_margin: float = 0.3,
                 ce_weight: float = 1.0, triplet_weight: float = 1.0, **kwargs) -> None:
        super().__init__(**kwargs)
        if num_classes < 1:
            raise ValueError(f'num_classes must be >= 1 (config key model.num_classes), '
                             f'got {num_classes}.')
        self.num_classes = num_classes
        self.classifier = nn.Linear(self.feat_dim, num_classes, bias=False)
        nn.init.normal_(self.classifier.weight, std=0.001)
        self.label_smooth = label_smooth
        self.triplet = TripletLoss(margin=triplet_margin)
        self.ce_weight = ce_weight
        self.triplet_weight = triplet_weight

    def loss(self, img: torch.Tensor, index: Optional[torch.Tensor] = None,
             pid: Optional[torch.Tensor] = None,
             camid: Optional[torch.Tensor] = None) -> Dict[str, torch.Tensor]:
        """The supervised losses of a batch.

        Args:
            img (torch.Tensor): ``(B, 3, H, W)`` images.
            index (torch.Tensor, optional): Dataset indices, unused. Defaults to None.
            pid (torch.Tensor, optional): ``(B,)`` ground-truth identities; must be given
                (None is only the shared signature's default).
            camid (torch.Tensor, optional): Camera ids, unused. Defaults to None.

        Returns:
            dict[str, torch.Tensor]: ``loss_ce``, ``loss_triplet`` and ``accuracy`` (percent).
        """
        if int(pid.max()) >= self.num_classes:
            raise ValueError(
                f'Identity label {int(pid.max())} >= num_classes={self.num_classes}: set '
                'model.num_classes to the number of training identities of the dataset.')
        pre, post = self.extract_feat(img)
        logits = self.classifier(post)
        loss_ce = F.cross_entropy(logits, pid, label_smoothing=self.label_smooth)
        loss_tri = self.triplet(pre, pid)
        accuracy = (logits.argmax(1) == pid).float().mean() * 100
        return dict(loss_ce=self.ce_weight * loss_ce,
                    loss_triplet=self.triplet_weight * loss_tri,
                    accuracy=accuracy.detach())
