"""ICE camera-aware proxy loss ``L_cam`` (Chen, Lagadec, Bremond, ICE, ICCV 2021, Eq. 2-3)."""
import torch
import torch.nn.functional as F
from torch import nn

from ...registry import MODELS


@MODELS.register_module()
class CameraProxyLoss(nn.Module):
    """Camera-aware proxy loss ``L_cam`` of ICE (Eq. 2-3).

    Reference:
        H. Chen, B. Lagadec, F. Bremond. ICE: Inter-instance Contrastive Encoding for
        Unsupervised Person Re-identification. ICCV 2021. https://arxiv.org/abs/2103.16364

    Contrasts each student feature with all camera proxies of its cluster and the hardest
    proxies of other clusters. ``z_k = n(f_k) @ n(P).T / tau`` over all P proxies (``n`` = L2
    normalisation). Positives ``pos_k`` = every proxy whose cluster label is ``y_k`` (any
    camera); negatives ``neg_k`` = the ``num_hard_negatives`` proxies of other clusters with
    the highest similarity (all of them when fewer exist). With the softmax over
    ``[z_pos, z_neg]`` only:
    ``l_k = -(1/|pos_k|) sum_{p in pos_k} log softmax([z_pos, z_neg])_p``
    ``    = logsumexp([z_pos, z_neg]) - mean(z_pos)``, and
    ``L_cam = sum_{c in cameras of the batch} weight * mean_{k: cam_k = c} l_k``.
    The defaults (``tau = 0.07``, 50 hard negatives, ``weight = 0.5``) are the authors' code's.

    Code vs paper: the loss is a *sum* over the cameras present in the batch of per-camera
    means (the paper writes one mean), as in the code. Where a row has fewer than
    ``num_hard_negatives`` negatives the code's sort fills the remainder with the (masked)
    positives, which then count twice; here only true negatives are used. With a single
    cluster there are no negatives and ``l_k = logsumexp(z_pos) - mean(z_pos)`` (the formula
    with an empty negative set: >= 0, and 0 when the cluster has one proxy). Positives are
    chosen by cluster, so a batch camera that owns no proxy is handled like any other.
    The hard negatives are selected on detached similarities; gradients flow into ``feats``
    and, only if it requires grad, into ``proxies`` (ICE passes fixed per-epoch proxies).

    Args:
        temperature (float): The temperature ``tau``. Defaults to 0.07.
        num_hard_negatives (int): How many of the most similar proxies of other clusters each
            sample is contrasted with. Defaults to 50.
        weight (float): Multiplier of each camera's mean. Defaults to 0.5.
    """

    def __init__(self, temperature: float = 0.07, num_hard_negatives: int = 50,
                 weight: float = 0.5) -> None:
        super().__init__()
        if temperature <= 0:
            raise ValueError(f'CameraProxyLoss temperature must be > 0, got {temperature}.')
        if num_hard_negatives < 0:
            raise ValueError('CameraProxyLoss num_hard_negatives must be >= 0, got '
                             f'{num_hard_negatives}.')
        self.temperature = temperature
        self.num_hard_negatives = num_hard_negatives
        self.weight = weight

    def forward(self, feats: torch.Tensor, labels: torch.Tensor, cams: torch.Tensor,
                proxies: torch.Tensor, proxy_labels: torch.Tensor) -> torch.Tensor:
        """Compute ``L_cam``.

        Args:
            feats (torch.Tensor): ``(B, D)`` student features, not necessarily normalised.
            labels (torch.Tensor): ``(B,)`` pseudo labels; each must own at least one proxy.
            cams (torch.Tensor): ``(B,)`` camera ids (any integers).
            proxies (torch.Tensor): ``(P, D)`` camera proxies, normalised inside.
            proxy_labels (torch.Tensor): ``(P,)`` cluster label of each proxy.

        Returns:
            torch.Tensor: The scalar loss.
        """
        if feats.dim() != 2 or proxies.dim() != 2 or feats.shape[1] != proxies.shape[1]:
            raise ValueError('CameraProxyLoss expects feats (B, D) and proxies (P, D), got '
                             f'{tuple(feats.shape)} and {tuple(proxies.shape)}.')
        if labels.shape != feats.shape[:1] or cams.shape != feats.shape[:1]:
            raise ValueError(f'CameraProxyLoss expects labels and cams of shape '
                             f'({feats.shape[0]},), got {tuple(labels.shape)} and '
                             f'{tuple(cams.shape)}.')
        if proxy_labels.shape != proxies.shape[:1]:
            raise ValueError(f'CameraProxyLoss expects proxy_labels of shape '
                             f'({proxies.shape[0]},), got {tuple(proxy_labels.shape)}.')
        logits = F.normalize(feats, dim=1) @ F.normalize(proxies, dim=1).t() / self.temperature
        pos_mask = labels[:, None] == proxy_labels[None, :]
        num_pos = pos_mask.sum(dim=1)
        if bool((num_pos == 0).any()):
            missing = torch.unique(labels[num_pos == 0]).tolist()
            raise ValueError(f'CameraProxyLoss: pseudo labels {missing} own no camera proxy; '
                             'every batch label needs at least one (outliers must not reach '
                             'the loss, proxies must come from the same clustering).')

        num_neg = min(self.num_hard_negatives, proxies.shape[0])
        neg_sims, neg_idx = logits.detach().masked_fill(pos_mask, float('-inf')).topk(
            num_neg, dim=1)
        neg_logits = logits.gather(1, neg_idx).masked_fill(neg_sims == float('-inf'),
                                                           float('-inf'))
        pos_logits = logits.masked_fill(~pos_mask, float('-inf'))
        log_norm = torch.logsumexp(torch.cat([pos_logits, neg_logits], dim=1), dim=1)
        mean_pos = torch.where(pos_mask, logits, torch.zeros_like(logits)).sum(dim=1) / num_pos
        per_sample = log_norm - mean_pos

        cam_index = torch.unique(cams, return_inverse=True)[1]
        cam_size = torch.bincount(cam_index)[cam_index]
        return self.weight * (per_sample / cam_size).sum()
