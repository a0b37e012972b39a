"""Query x gallery distance matrices of the re-ID metric and the re-ranking."""
import torch
import torch.nn.functional as F


def pairwise_distance(x: torch.Tensor, y: torch.Tensor, metric: str) -> torch.Tensor:
    """Distance matrix between the rows of ``x`` and ``y``, in float32 (one matmul).

    Args:
        x (torch.Tensor): ``(M, D)`` features.
        y (torch.Tensor): ``(N, D)`` features.
        metric (str): ``'cosine'``: ``1 - <x/|x|, y/|y|>``; ``'euclidean'``: squared
            Euclidean distance ``|x|^2 + |y|^2 - 2<x, y>``, not clamped, as torchreid's
            ``compute_distance_matrix``.

    Returns:
        torch.Tensor: ``(M, N)`` distances.
    """
    x, y = x.float(), y.float()
    if metric == 'cosine':
        return 1 - F.normalize(x, dim=1) @ F.normalize(y, dim=1).T
    if metric == 'euclidean':
        sq = x.pow(2).sum(dim=1, keepdim=True) + y.pow(2).sum(dim=1)
        return torch.addmm(sq, x, y.T, beta=1, alpha=-2)
    raise ValueError(f"Unknown metric {metric!r}: use 'cosine' or 'euclidean'.")
