"""ICE cluster-centroid loss ``L_ccl`` (Chen, Lagadec, Bremond, ICE, ICCV 2021, Eq. 1)."""
import torch
import torch.nn.functional as F
from torch import nn

from ...registry import MODELS


@MODELS.register_module()
class CentroidLoss(nn.Module):
    """Cluster-centroid loss ``L_ccl`` of ICE (Eq. 1).

    Reference:
        H. Chen, B. Lagadec, F. Bremond. ICE: Inter-instance Contrastive Encoding for
        Unsupervised Person Re-identification. ICCV 2021. https://arxiv.org/abs/2103.16364

    Label-smoothed cross-entropy of student features against the cluster centroids:
    ``L_ccl = CE_eps(f @ C.T / tau, y)`` with the smoothed target
    ``(1 - eps) * onehot(y) + eps / K`` over the K clusters of the current epoch, averaged
    over the batch. The defaults (``tau = 0.5``, ``eps = 0.1``) are the authors' code's.

    Code vs paper: the paper writes the centroid loss on normalised features and centroids
    without label smoothing; the released code (followed here) uses the raw BN-neck feature,
    centroids that are means of normalised features (not re-normalised), and
    label smoothing 0.1. Set ``label_smooth=0`` for the plain cross-entropy; normalise the
    inputs before the call for the cosine version.

    Gradients flow into ``feats`` and, only if it requires grad, into ``centroids`` (ICE
    passes fixed per-epoch centroids).

    Args:
        temperature (float): The temperature ``tau`` that divides the logits. Defaults to 0.5.
        label_smooth (float): ``eps``, the mass spread uniformly over all K clusters, in
            ``[0, 1)``. Defaults to 0.1.
    """

    def __init__(self, temperature: float = 0.5, label_smooth: float = 0.1) -> None:
        super().__init__()
        if temperature <= 0:
            raise ValueError(f'CentroidLoss temperature must be > 0, got {temperature}.')
        if not 0 <= label_smooth < 1:
            raise ValueError(f'CentroidLoss label_smooth must be in [0, 1), got {label_smooth}.')
        self.temperature = temperature
        self.label_smooth = label_smooth

    def forward(self, feats: torch.Tensor, centroids: torch.Tensor,
                labels: torch.Tensor) -> torch.Tensor:
        """Compute ``L_ccl``.

        Args:
            feats (torch.Tensor): ``(B, D)`` student features.
            centroids (torch.Tensor): ``(K, D)`` cluster centroids.
            labels (torch.Tensor): ``(B,)`` integer cluster labels in ``[0, K)``; outliers
                (-1) are not allowed.

        Returns:
            torch.Tensor: The scalar loss.
        """
        if feats.dim() != 2 or centroids.dim() != 2 or feats.shape[1] != centroids.shape[1]:
            raise ValueError('CentroidLoss expects feats (B, D) and centroids (K, D), got '
                             f'{tuple(feats.shape)} and {tuple(centroids.shape)}.')
        if labels.shape != feats.shape[:1]:
            raise ValueError(f'CentroidLoss expects labels of shape ({feats.shape[0]},), '
                             f'got {tuple(labels.shape)}.')
        num_clusters = centroids.shape[0]
        labels = labels.long()
        if labels.numel() and (labels.min() < 0 or labels.max() >= num_clusters):
            raise ValueError(
                f'CentroidLoss labels must lie in [0, {num_clusters}) (one per centroid); got '
                f'min {int(labels.min())}, max {int(labels.max())}. Outliers (-1) must not '
                'reach the loss: the sampler should only draw clustered images.')
        logits = feats @ centroids.t() / self.temperature
        return F.cross_entropy(logits, labels, label_smoothing=self.label_smooth)
