"""The Gram matrix ``G = M M^T`` of a memory bank, kept current by row and column refreshes.

MPLP (:mod:`.mplp`) reads, for every batch sample, the similarity row of its bank entry and of
its nearest neighbours (up to ``K = max(c, 10)`` of them). Recomputing those rows every
iteration is the expensive part of MMCL: at N = 12,936, D = 2,048 and a batch of 128 it is
70 to 130 GFLOP. The bank changes only in the rows of the batch (momentum update), so ``G`` can
instead be kept current with one ``(changed rows) x N`` product per iteration (about 7 GFLOP)
and the rows read from it. :class:`GramCache` does that where ``N^2`` fits under
``max_elements`` and falls back to computing rows directly beyond it; both give the same
similarity values (see below), so MPLP gives the same labels either way.

Precision guarantee: every entry of ``G`` is a *fresh* dot product of the current bank rows (a
refresh overwrites the rows and columns of the changed entries; nothing is accumulated, so
nothing drifts). All products go through :func:`similarity_rows`, the same function the direct
path uses. The entry ``G[i, j]`` was computed in the row of whichever of ``i`` and ``j`` was
refreshed last, so ``G`` equals ``M[rows] @ M.T`` bit for bit when the BLAS computes a dot
product independently of the operands' order and of the GEMM's shape. MKL does so (checked on
AVX-512, D from 64 to 2,048) except for products with fewer than about 12 rows, which take
another code path: :func:`similarity_rows` therefore pads every product to at least
``MIN_GEMM_ROWS`` rows. On a BLAS without that property, values can differ in the last bit,
which can change a label only when two similarities tie to within one ulp.

Staleness: the cache must see every change of the bank. Call :meth:`GramCache.refresh` after
each update with the changed indices. Loading a state dict into a module that holds the cache
(for example the memory module on resume) invalidates it, so the next use rebuilds ``G``;
as a safety net, :meth:`GramCache.rows` also rebuilds when the bank tensor was modified in
place after the last refresh (its version counter moved), when it is another tensor, or when it
changed device or shape.
"""
import logging
from typing import Optional, Tuple, Union

import torch
from mmengine.logging import print_log
from torch import Tensor, nn

# MKL takes another code path (different rounding) for products with fewer than about 12 rows;
# padding every product to this many rows keeps all similarities computed the same way.
MIN_GEMM_ROWS = 16


def similarity_rows(memory: Tensor, rows: Tensor) -> Tensor:
    """Rows of the bank's Gram matrix, ``memory[rows] @ memory.T``.

    Args:
        memory (Tensor): The bank, ``N x D``.
        rows (Tensor): Indices of the wanted rows, ``R``.

    Returns:
        Tensor: ``R x N`` similarities. The product is padded to at least ``MIN_GEMM_ROWS``
        rows (the padding is dropped), so that every similarity of this module is computed by
        the same BLAS code path.
    """
    rows = rows.reshape(-1).to(device=memory.device, dtype=torch.long)
    count = rows.numel()
    if 0 < count < MIN_GEMM_ROWS:
        rows = torch.cat([rows, rows.new_zeros(MIN_GEMM_ROWS - count)])
    return torch.mm(memory.index_select(0, rows), memory.t())[:count]


def _tensor_version(tensor: Tensor) -> Optional[int]:
    """The in-place version counter of ``tensor`` (``None`` for inference tensors)."""
    try:
        return tensor._version
    except RuntimeError:
        return None


class GramCache(nn.Module):
    """Keeps ``G = M M^T`` of a memory bank ``M`` (``N x D``) current, for MPLP.

    Usage (the memory module holds the cache as a submodule)::

        gram = GramCache()
        ...                                   # update bank rows `idx` in place
        gram.refresh(memory, idx)             # G[idx, :] and G[:, idx] recomputed
        labels = mplp_labels(memory, batch_idx, gram=gram)

    ``G`` is held as a plain attribute, not a buffer: it is not saved in checkpoints, not
    broadcast by DDP, and not moved by ``.to()`` (it is rebuilt on the bank's device when the
    bank moves). A full build costs one ``N x N x D`` product in blocks of rows (all-zero
    rows, as in a fresh bank, are skipped).

    The limit: per iteration the Gram path costs one ``B x D x N`` product (the refresh) plus
    reads of ``G``, the direct path about ``B x (c + 1) x D x N``, and the ratio does not
    shrink with N (timings in BENCHMARKS.md). So the limit is a memory budget only.

    Args:
        max_elements (int, optional): Largest ``N^2`` for which ``G`` is kept (its float32
            bytes are 4x this). Beyond it, :meth:`rows` computes rows directly and
            :meth:`refresh` does nothing. Defaults to None: ``2**30`` (4 GiB) on CPU, which
            covers Market-1501 (N = 12,936, 0.67 GB), DukeMTMC-reID (16,522, 1.1 GB) and
            MSMT17 (32,621, 4.3 GB); a quarter of the device's memory on CUDA (N up to about
            70,000 on 80 GB).
        chunk_rows (int): Rows per product when building ``G`` from scratch.
            Defaults to 1024.
    """

    def __init__(self, max_elements: Optional[int] = None, chunk_rows: int = 1024) -> None:
        super().__init__()
        if max_elements is not None and max_elements < 0:
            raise ValueError(f'GramCache: max_elements must be >= 0, got {max_elements}')
        if chunk_rows < 1:
            raise ValueError(f'GramCache: chunk_rows must be >= 1, got {chunk_rows}')
        self.max_elements = max_elements
        self.chunk_rows = int(chunk_rows)
        self.gram: Optional[Tensor] = None
        self._synced: Optional[Tuple] = None

    def fits(self, num_entries: int, device: Union[str, torch.device] = 'cpu') -> bool:
        """Whether the Gram matrix of a bank of ``num_entries`` rows on ``device`` is kept.

        Args:
            num_entries (int): Bank rows N.
            device (str | torch.device): The bank's device. Defaults to ``'cpu'``.

        Returns:
            bool: True when ``N^2`` is within the limit.
        """
        limit = self.max_elements
        if limit is None:
            device = torch.device(device)
            limit = torch.cuda.get_device_properties(device).total_memory // 16 \
                if device.type == 'cuda' else 2**30
        return num_entries * num_entries <= limit

    def invalidate(self) -> None:
        """Drop ``G``; the next :meth:`refresh` or :meth:`rows` rebuilds it."""
        self.gram = None
        self._synced = None

    def is_synced(self, memory: Tensor) -> bool:
        """Whether ``G`` matches ``memory`` (Tensor) as it was at the last refresh or build."""
        return self.gram is not None and self._synced == self._signature(memory)

    @staticmethod
    def _signature(memory: Tensor) -> Tuple:
        return (memory.data_ptr(), tuple(memory.shape), memory.device, memory.dtype,
                _tensor_version(memory))

    def rebuild(self, memory: Tensor) -> None:
        """Compute ``G`` from scratch (in blocks of ``chunk_rows`` rows; zero rows skipped).

        Args:
            memory (Tensor): The bank ``N x D``.
        """
        num_entries = memory.shape[0]
        if not self.fits(num_entries, memory.device):
            self.invalidate()
            return
        if self.gram is None or self.gram.shape[0] != num_entries \
                or self.gram.device != memory.device or self.gram.dtype != memory.dtype:
            self.gram = None
            self.gram = memory.new_empty(num_entries, num_entries)
        bank = memory.detach()
        nonzero = bank.ne(0).any(dim=1).nonzero().squeeze(1)
        dense = nonzero.numel() == num_entries
        if not dense:
            self.gram.zero_()
        active = bank if dense else bank.index_select(0, nonzero)
        for start in range(0, nonzero.numel(), self.chunk_rows):
            block_rows = nonzero[start:start + self.chunk_rows]
            block = similarity_rows(active, torch.arange(
                start, start + block_rows.numel(), device=memory.device))
            if not dense:
                block = block.new_zeros(block.shape[0], num_entries).index_copy_(
                    1, nonzero, block)
            self.gram.index_copy_(0, block_rows, block)
        self._synced = self._signature(memory)

    def refresh(self, memory: Tensor, changed_indices: Tensor) -> None:
        """Bring ``G`` up to date after the bank rows ``changed_indices`` were modified.

        Recomputes ``G[idx, :] = M[idx] @ M.T`` and writes it to the columns as well
        (``G[:, idx] = G[idx, :].T``); duplicate indices are allowed. Builds ``G`` from scratch
        when it is absent or stale (first call, after a state-dict load, another bank tensor,
        another device or size). Does nothing when ``N^2 > max_elements``.

        Args:
            memory (Tensor): The bank ``N x D`` *after* the update.
            changed_indices (Tensor): Every bank row modified since the previous refresh.
        """
        if not self.fits(memory.shape[0], memory.device):
            self.invalidate()
            return
        if self.gram is None or self._synced is None or self._synced[:4] != \
                self._signature(memory)[:4]:
            if self.gram is not None:
                print_log('GramCache: refresh() got another bank tensor (storage, shape, '
                          'device or dtype changed); rebuilding the Gram matrix. Update the '
                          'bank in place to avoid rebuilds.', logger='current',
                          level=logging.WARNING)
            self.rebuild(memory)
            return
        idx = torch.unique(changed_indices.reshape(-1).to(device=memory.device,
                                                           dtype=torch.long))
        if idx.numel() > 0:
            block = similarity_rows(memory.detach(), idx)
            self.gram.index_copy_(0, idx, block)
            self.gram.index_copy_(1, idx, block.t())
        self._synced = self._signature(memory)

    def rows(self, memory: Tensor, rows: Tensor) -> Tensor:
        """Similarity rows ``M[rows] @ M.T``: read from ``G``, or computed when it is not kept.

        Rebuilds ``G`` first (with a warning) if the bank changed since the last refresh.

        Args:
            memory (Tensor): The bank ``N x D``.
            rows (Tensor): Indices of the wanted rows, ``R``.

        Returns:
            Tensor: ``R x N`` similarities.
        """
        if not self.fits(memory.shape[0], memory.device):
            return similarity_rows(memory.detach(), rows)
        if not self.is_synced(memory):
            if self.gram is not None:
                print_log('GramCache: the memory bank changed since the last refresh(); '
                          'rebuilding the Gram matrix (call refresh() after every update).',
                          logger='current', level=logging.WARNING)
            self.rebuild(memory)
        return self.gram.index_select(0, rows.reshape(-1).to(device=memory.device,
                                                             dtype=torch.long))

    def _load_from_state_dict(self, *args, **kwargs) -> None:
        self.invalidate()
        super()._load_from_state_dict(*args, **kwargs)

    def extra_repr(self) -> str:
        size = 'none' if self.gram is None else 'x'.join(map(str, self.gram.shape))
        return f'max_elements={self.max_elements}, gram={size}'
