"""MMCL loss: memory-based multi-label classification loss with hard negative mining."""
import torch
from torch import Tensor, nn

from ...registry import MODELS


@MODELS.register_module()
class MMCLLoss(nn.Module):
    """Memory-based multi-label classification loss of MMCL, as the authors' code computes it.

    Reference:
        D. Wang, S. Zhang. Unsupervised Person Re-identification via Multi-label
        Classification. CVPR 2020. https://arxiv.org/abs/2004.09228

    ``L = mean_i [ delta * mean_{p in P_i} (1 - s_ip)^2 + mean_{n in HN_i} (1 + s_in)^2 ]``.
    For sample ``i`` with logits ``s_i`` (its feature against the N memory entries; no
    temperature), positives ``P_i`` and negatives ``Neg_i`` (the other entries), the hard
    negatives ``HN_i`` are the ``floor(r * |Neg_i|)`` negatives with the highest logits,
    selected on detached logits (gradients flow through the selected logits only).
    The defaults (``delta = 5``, ``r = 0.01``) are the paper's and the authors' code's.

    NaN fix: with an empty ``HN_i`` (``r * |Neg_i| < 1``) the reference takes the mean of an
    empty tensor and returns NaN; here that term is 0. Likewise an empty ``P_i`` gives a
    positive term of 0 (MMCL always has ``y_i`` among the positives).

    Ties: which of several negatives tied at the hard-negative boundary is selected is left to
    ``topk``. The loss value does not depend on it; the gradient with respect to the features
    neither, when tied logits come from identical (or zero) memory rows.

    Vectorised: one ``topk`` of the largest per-row count of hard negatives on the logits with
    the positives masked to ``-inf``, then a per-row mask by count; the positive and hard
    negative logits are gathered once, so the backward pass touches only those entries.

    Args:
        delta (float): Weight of the positive term. Defaults to 5.0.
        r (float): Hard negative mining ratio, in ``[0, 1]``. Defaults to 0.01.
    """

    def __init__(self, delta: float = 5.0, r: float = 0.01) -> None:
        super().__init__()
        if not 0 <= r <= 1:
            raise ValueError(f'MMCLLoss r (hard negative ratio) must be in [0, 1], got {r}.')
        self.delta = delta
        self.r = r

    def forward(self, logits: Tensor, positives: Tensor) -> Tensor:
        """Compute the loss.

        Args:
            logits (Tensor): ``(B, N)`` similarities ``f @ M.T``.
            positives (Tensor): ``(B, N)`` bool multi-labels (for example from MPLP), or
                ``(B,)`` integer memory indices for a single positive per sample (MMCL's
                first epochs).

        Returns:
            Tensor: The scalar loss.
        """
        if logits.dim() != 2:
            raise ValueError(f'MMCLLoss expects logits (B, N), got {tuple(logits.shape)}.')
        if positives.dim() == 1 and positives.dtype != torch.bool:
            positives = torch.zeros_like(logits, dtype=torch.bool).scatter_(
                1, positives.to(device=logits.device, dtype=torch.long).unsqueeze(1), True)
        if positives.shape != logits.shape:
            raise ValueError('MMCLLoss expects positives of the shape of logits '
                             f'{tuple(logits.shape)} (or (B,) indices), '
                             f'got {tuple(positives.shape)}.')
        positives = positives.to(device=logits.device, dtype=torch.bool)
        batch, num_entries = logits.shape

        pos_rows, pos_cols = positives.nonzero(as_tuple=True)
        num_pos = torch.bincount(pos_rows, minlength=batch)
        num_hard = torch.floor((num_entries - num_pos).double() * self.r).long()
        max_hard = int(num_hard.max()) if batch else 0
        if max_hard > 0:
            candidates = logits.detach().masked_fill(positives, float('-inf'))
            hard_idx = candidates.topk(max_hard, dim=1).indices
            keep = torch.arange(max_hard, device=logits.device) < num_hard.unsqueeze(1)
            hard_rows, hard_rank = keep.nonzero(as_tuple=True)
            hard_cols = hard_idx[hard_rows, hard_rank]
        else:
            hard_rows = hard_cols = pos_rows.new_empty(0)
        # One gather of the selected logits: (1 - s)^2 = (s - 1)^2, (1 + s)^2 = (s - (-1))^2,
        # each weighted by its term's factor and 1/count, summed per sample.
        rows = torch.cat([pos_rows, hard_rows])
        selected = logits[rows, torch.cat([pos_cols, hard_cols])]
        target = torch.cat([selected.new_ones(pos_rows.numel()),
                            selected.new_full((hard_rows.numel(), ), -1.0)])
        weight = torch.cat([self.delta / num_pos.index_select(0, pos_rows).to(logits.dtype),
                            1 / num_hard.index_select(0, hard_rows).to(logits.dtype)])
        per_sample = logits.new_zeros(batch).index_add(0, rows,
                                                       weight * (selected - target) ** 2)
        return per_sample.mean()
