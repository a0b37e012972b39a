"""MMCL loss: memory-based multi-label classification loss with hard negative mining.

D. Wang, S. Zhang, *Unsupervised Person Re-identification via Multi-label Classification*,
CVPR 2020 (arXiv 2004.09228), as the authors' code computes it.
"""
import torch
from torch import Tensor, nn

from ...registry import MODELS


@MODELS.register_module()
class MMCLLoss(nn.Module):
    """``L = mean_i [ delta * mean_{p in P_i} (1 - s_ip)^2 + mean_{n in HN_i} (1 + s_in)^2 ]``.

    For sample ``i`` with logits ``s_i`` (its feature against the N memory entries; no
    temperature), positives ``P_i`` and negatives ``Neg_i`` (the other entries), the hard
    negatives ``HN_i`` are the ``floor(r * |Neg_i|)`` negatives with the highest logits,
    selected on detached logits (gradients flow through the selected logits only).
    Defaults ``delta = 5``, ``r = 0.01`` (the paper and the authors' code).

    NaN fix: with an empty ``HN_i`` (``r * |Neg_i| < 1``) the reference takes the mean of an
    empty tensor and returns NaN; here that term is 0. Likewise an empty ``P_i`` gives a
    positive term of 0 (MMCL always has ``y_i`` among the positives).

    Ties: which of several negatives tied at the hard-negative boundary is selected is left to
    ``topk``. The loss value does not depend on it; the gradient with respect to the features
    neither, when tied logits come from identical (or zero) memory rows.

    Vectorised: one ``topk`` of the largest per-row count of hard negatives on the logits with
    the positives masked to ``-inf``, then a per-row mask by count.

    Args:
        delta: Weight of the positive term. Default 5.0.
        r: Hard negative mining ratio, in ``[0, 1]``. Default 0.01.

    Call:
        logits: ``(B, N)`` similarities ``f @ M.T``.
        positives: ``(B, N)`` bool multi-labels (for example from MPLP), or ``(B,)`` integer
            memory indices for a single positive per sample (MMCL's first epochs).

    Returns:
        Scalar loss.
    """

    def __init__(self, delta: float = 5.0, r: float = 0.01) -> None:
        super().__init__()
        if not 0 <= r <= 1:
            raise ValueError(f'MMCLLoss r (hard negative ratio) must be in [0, 1], got {r}.')
        self.delta = delta
        self.r = r

    def forward(self, logits: Tensor, positives: Tensor) -> Tensor:
        if logits.dim() != 2:
            raise ValueError(f'MMCLLoss expects logits (B, N), got {tuple(logits.shape)}.')
        if positives.dim() == 1 and positives.dtype != torch.bool:
            positives = torch.zeros_like(logits, dtype=torch.bool).scatter_(
                1, positives.long().unsqueeze(1), True)
        if positives.shape != logits.shape:
            raise ValueError('MMCLLoss expects positives of the shape of logits '
                             f'{tuple(logits.shape)} (or (B,) indices), '
                             f'got {tuple(positives.shape)}.')
        positives = positives.to(device=logits.device, dtype=torch.bool)
        num_entries = logits.shape[1]

        mask = torch.empty(logits.shape, dtype=logits.dtype, device=logits.device)
        torch.ne(positives, False, out=mask)
        num_pos = mask.sum(dim=1)
        pos_term = (torch.where(positives, 1 - logits, 0) ** 2).sum(dim=1) / num_pos.clamp(min=1)

        num_neg = num_entries - num_pos.double()
        num_hard = torch.floor(num_neg * self.r).long()
        max_hard = int(num_hard.max()) if num_hard.numel() else 0
        if max_hard > 0:
            candidates = logits.detach().masked_fill(positives, float('-inf'))
            hard_idx = candidates.topk(max_hard, dim=1).indices
            hard = logits.gather(1, hard_idx)
            keep = torch.arange(max_hard, device=logits.device).unsqueeze(0) \
                < num_hard.unsqueeze(1)
            neg_term = (torch.where(keep, 1 + hard, 0) ** 2).sum(dim=1) \
                / num_hard.clamp(min=1).to(logits.dtype)
        else:
            neg_term = torch.zeros_like(pos_term)
        return (self.delta * pos_term + neg_term).mean()
