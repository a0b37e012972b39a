"""``ClusterMemory``: ICE's per-epoch pseudo labels, cluster centroids and camera proxies."""
from typing import Dict

import torch
import torch.nn.functional as F
from torch import nn

from ...registry import MODELS

_BUFFERS = ('labels', 'centroids', 'proxies', 'proxy_labels', 'proxy_cams')


@MODELS.register_module()
class ClusterMemory(nn.Module):
    """ICE's pseudo labels of the train set, cluster centroids and camera proxies.

    Reference:
        H. Chen, B. Lagadec, F. Bremond. ICE: Inter-instance Contrastive Encoding for
        Unsupervised Person Re-identification. ICCV 2021. https://arxiv.org/abs/2103.16364

    Fixed for an epoch:

    * ``labels[i]``: cluster of image ``i`` (-1 = outlier, not trained on this epoch);
    * ``centroids[k] = mean_{i in k} f_i`` (not re-normalised, as in the authors' code);
    * camera proxies ``P_(k, c) = normalize(mean_{i in k, cam_i = c} f_i)``, one per
      (cluster, camera) pair present, with ``proxy_labels`` = k and ``proxy_cams`` = c.

    ``f`` are the teacher's normalised BN-neck features of the whole train set. All are buffers,
    so they are saved in checkpoints and restored (with their sizes) on resume.

    Args:
        feat_dim (int): Feature dimension D.
    """

    def __init__(self, feat_dim: int) -> None:
        super().__init__()
        self.register_buffer('labels', torch.zeros(0, dtype=torch.long))
        self.register_buffer('centroids', torch.zeros(0, feat_dim))
        self.register_buffer('proxies', torch.zeros(0, feat_dim))
        self.register_buffer('proxy_labels', torch.zeros(0, dtype=torch.long))
        self.register_buffer('proxy_cams', torch.zeros(0, dtype=torch.long))

    @property
    def num_clusters(self) -> int:
        """Number of clusters K of the current epoch."""
        return self.centroids.shape[0]

    @torch.no_grad()
    def update(self, features: torch.Tensor, labels: torch.Tensor, cams: torch.Tensor) -> None:
        """Recompute labels, centroids and camera proxies.

        Args:
            features (torch.Tensor): ``(N, D)`` normalised teacher features of the train set.
            labels (torch.Tensor): ``(N,)`` cluster labels numbered ``0..K-1``, -1 for
                outliers.
            cams (torch.Tensor): ``(N,)`` camera ids.
        """
        device = self.centroids.device
        features = features.to(device, torch.float32)
        labels = labels.to(device).long()
        cams = cams.to(device).long()
        kept = labels >= 0
        feats, lab, cam = features[kept], labels[kept], cams[kept]
        num_clusters = int(lab.max()) + 1 if len(lab) else 0
        self.labels = labels
        self.centroids = segment_mean(feats, lab, num_clusters)
        num_cams = int(cams.max()) + 1
        pairs, pair_index = torch.unique(lab * num_cams + cam, return_inverse=True)
        self.proxies = F.normalize(segment_mean(feats, pair_index, len(pairs)), dim=1)
        self.proxy_labels = pairs // num_cams
        self.proxy_cams = pairs % num_cams

    def _load_from_state_dict(self, state_dict: Dict[str, torch.Tensor], prefix: str,
                              *args, **kwargs) -> None:
        for name in _BUFFERS:
            saved = state_dict.get(prefix + name)
            if saved is not None and saved.shape != getattr(self, name).shape:
                setattr(self, name, getattr(self, name).new_zeros(saved.shape))
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)


def segment_mean(values: torch.Tensor, segments: torch.Tensor, num_segments: int) -> torch.Tensor:
    """Mean of the rows of ``values`` per segment.

    Args:
        values (torch.Tensor): ``(N, D)`` rows.
        segments (torch.Tensor): ``(N,)`` segment id of each row, in ``0..num_segments-1``.
        num_segments (int): Number of segments S.

    Returns:
        torch.Tensor: ``(S, D)`` means; an empty segment gives a zero row.
    """
    sums = values.new_zeros(num_segments, values.shape[1]).index_add_(0, segments, values)
    counts = torch.bincount(segments, minlength=num_segments).clamp(min=1)
    return sums / counts[:, None].to(values.dtype)
