"""``InstanceMemory``: MMCL's memory bank, one L2-normalised feature per training image."""
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

from ...registry import MODELS


def occurrence_rank(indices: torch.Tensor) -> torch.Tensor:
    """For each position, how many earlier positions hold the same value (0 for the first).

    Args:
        indices (torch.Tensor): ``(B,)`` integer values.

    Returns:
        torch.Tensor: ``(B,)`` occurrence ranks.
    """
    order = torch.argsort(indices, stable=True)
    sorted_idx = indices[order]
    starts = torch.ones_like(sorted_idx, dtype=torch.bool)
    starts[1:] = sorted_idx[1:] != sorted_idx[:-1]
    positions = torch.arange(len(indices), device=indices.device)
    group_start = torch.cummax(torch.where(starts, positions, 0), 0).values
    rank = torch.empty_like(positions)
    rank[order] = positions - group_start
    return rank


@MODELS.register_module()
class InstanceMemory(nn.Module):
    """The memory bank of MMCL: one L2-normalised feature per training image.

    Reference:
        D. Wang, S. Zhang. Unsupervised Person Re-identification via Multi-label
        Classification. CVPR 2020. https://arxiv.org/abs/2004.09228

    ``M``: N x D buffer, initialised to zeros (N = number of training images, set by
    :class:`MemoryBankHook` from the train set when ``num_samples`` is 0). After each optimiser
    step, for each sample of the batch (bank row ``y``, feature ``x`` = its L2-normalised
    BN-neck feature, detached), in batch order::

        M[y] = a * M[y] + (1 - a) * x;   M[y] = M[y] / ||M[y]||

    with ``a(epoch) = base_momentum * epoch / max_epochs`` (epoch from 0; the authors' code:
    0.5 * epoch / 60, so rows are replaced during the first epoch). Duplicate rows inside one
    update are applied in order, as the reference's loop does.

    Args:
        feat_dim (int): Feature dimension D.
        num_samples (int): Number of rows N; 0 leaves the sizing to :class:`MemoryBankHook`
            before training. Defaults to 0.
        base_momentum (float): Momentum at ``max_epochs``, in ``[0, 1)``. Defaults to 0.5,
            as the authors' code.
        max_epochs (int): Epoch count of the momentum ramp. Defaults to 60, as the authors'
            code.
    """

    def __init__(self, feat_dim: int, num_samples: int = 0, base_momentum: float = 0.5,
                 max_epochs: int = 60) -> None:
        super().__init__()
        if not 0 <= base_momentum < 1:
            raise ValueError(f'base_momentum must be in [0, 1) (config key '
                             f'model.memory.base_momentum), got {base_momentum}.')
        self.base_momentum = base_momentum
        self.max_epochs = max_epochs
        self.register_buffer('bank', torch.zeros(num_samples, feat_dim))

    @property
    def num_samples(self) -> int:
        """Number of rows N of the bank."""
        return self.bank.shape[0]

    def resize(self, num_samples: int) -> None:
        """Re-create a zero bank of ``num_samples`` rows (before training starts).

        Args:
            num_samples (int): Number of rows N.
        """
        self.bank = self.bank.new_zeros(num_samples, self.bank.shape[1])

    def momentum(self, epoch: int) -> float:
        """Momentum ``a(epoch) = base_momentum * epoch / max_epochs`` (epoch from 0)."""
        return self.base_momentum * epoch / self.max_epochs

    @torch.no_grad()
    def update(self, indices: torch.Tensor, feats: torch.Tensor, epoch: int) -> torch.Tensor:
        """Apply the momentum update, duplicate rows in batch order.

        Args:
            indices (torch.Tensor): ``(B,)`` bank rows of the batch.
            feats (torch.Tensor): ``(B, D)`` L2-normalised features of the batch.
            epoch (int): Current epoch, from 0.

        Returns:
            torch.Tensor: The indices of the changed rows, unique.
        """
        a = self.momentum(epoch)
        indices = indices.to(self.bank.device).long()
        feats = feats.to(self.bank.device, self.bank.dtype)
        rank = occurrence_rank(indices)
        for r in range(int(rank.max()) + 1 if len(rank) else 0):
            sel = rank == r
            rows = indices[sel]
            self.bank[rows] = F.normalize(a * self.bank[rows] + (1 - a) * feats[sel], dim=1)
        return torch.unique(indices)

    def _load_from_state_dict(self, state_dict: dict, prefix: str, *args, **kwargs) -> None:
        saved: Optional[torch.Tensor] = state_dict.get(prefix + 'bank')
        if saved is not None and saved.shape != self.bank.shape:
            self.bank = self.bank.new_zeros(saved.shape)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
