"""MPLP, memory-based positive label prediction (MMCL's multi-label prediction).

Reference: D. Wang, S. Zhang. Unsupervised Person Re-identification via Multi-label
Classification. CVPR 2020. https://arxiv.org/abs/2004.09228; as the authors' code does it.

For batch sample ``i`` with bank row ``m = M[y_i]`` (``M``: the N x D bank, rows L2-normalised
or zero), with ``t = 0.6``:

1. ``sim = m @ M.T``; ``order = argsort(sim, descending)``; ``c = #{sim > t}`` (counts
   ``y_i`` itself); ``K = max(c, 10)``.
2. ``step = 1``. For ``j = 0 .. K-1``: let ``u = order[j]``; ``rank_j`` = position (0-based)
   of ``order[0]`` in ``argsort(M[u] @ M.T, descending)``. If ``rank_j > K``: stop. Else
   ``step = max(step, j)``.
3. ``step = min(step + 1, c)``. If ``step > 0``, the positives are ``order[0:step]``.
4. ``y_i`` is always a positive.

Quirks of the reference, kept by default: the positives are a *prefix* of the ranking (the
walk stops at the first reciprocity failure); ``step`` starts at 1, so ``order[1]`` is
positive whenever ``c >= 2`` even if it fails the check (``strict=True`` starts it at 0);
nothing with ``sim <= t`` is ever positive. ``order[0]`` is used as it is, whatever it is (it is
usually ``y_i``, but not for a zero row, nor when rows duplicate ``m``).

Definitions the reference leaves open:

* Ties. ``argsort(descending)`` is the *stable* descending order: equal similarities are
  ordered by increasing bank index (``torch.sort(..., descending=True, stable=True)``,
  ``np.argsort(-x, kind='stable')``); ``-0.0`` equals ``0.0``. The reference calls
  ``torch.sort(descending=True)`` without ``stable``, whose tie order is unspecified (on CPU it
  is not by index), so with exact ties (duplicate or zero bank rows) its labels are not
  reproducible; ours are.
* ``N < K``: the walk runs over the ``N`` entries that exist (the reference raises an
  ``IndexError`` there).
* ``t`` is compared in the similarities' dtype (``sim > t`` on float32, as the reference).

How it is computed, with no Python loop over samples or candidates:

* The walk's result depends only on ``f``, the first failing ``j`` (``f`` = the number of
  candidates walked when none fails): ``step = min(max(step0, f - 1) + 1, c)``. Hence only
  ``j <= c`` matter, and nothing for ``c <= 1`` (the positives are then ``order[0:c]``). All
  the needed pairs (sample, ``j``) are checked at once and ``f`` is a masked minimum.
* ``rank_j <= K`` holds iff fewer than ``K + 1`` entries of row ``u`` precede ``order[0]``:
  ``#{v: s_uv > a} + #{v < order[0]: s_uv == a} <= K`` with ``a = s_u,order[0]``. One pass
  counts ``#{v: s_uv >= a}`` (which includes ``order[0]``); only pairs for which that count
  leaves the answer open (ties around position ``K``, or a failure) are counted exactly.
* The ranking prefix ``order[:L]`` comes from ``topk`` (no full sort), reordered to the stable
  order; rows with ties across position ``L`` are sorted in full (rare).
* Similarity rows come from a source: computed directly (``memory[rows] @ memory.T``), or read
  from a :class:`~.gram.GramCache` that keeps ``M M^T`` current. Both give the same values, so
  the labels are the same.
"""
import numbers
from typing import Callable, Optional

import torch
from torch import Tensor

from mmcl_ice_plugin.registry import TASK_UTILS
from .gram import GramCache, similarity_rows

SimilaritySource = Callable[[Tensor], Tensor]
"""Maps ``R`` bank indices to their ``R x N`` rows of ``M M^T``."""

# Candidate rows checked per block (bounds the temporary memory: 6.6 MB at N = 12,936).
_CHUNK_ROWS = 128


def _count_above(values: Tensor, threshold, inclusive: bool = False) -> Tensor:
    """Per row, ``#{values > threshold}`` (``>=`` when ``inclusive``), as int64.

    Counted through a float32 mask: boolean reductions are several times slower on CPU, and
    counts below 2**24 are exact in float32.
    """
    mask = torch.empty(values.shape, dtype=torch.float32, device=values.device)
    (torch.ge if inclusive else torch.gt)(values, threshold, out=mask)
    return mask.sum(dim=1).long()


def stable_topk_indices(values: Tensor, k: int) -> Tensor:
    """The first ``k`` indices of each row's stable descending order (ties by index).

    Equal to ``torch.sort(values, dim=1, descending=True, stable=True).indices[:, :k]``, with
    ``topk`` instead of a full sort: the ``topk`` set is put in (value descending, index
    ascending) order; rows where ``topk`` had to choose among values tied at its boundary are
    sorted in full.

    Args:
        values (Tensor): ``(B, N)`` values.
        k (int): Indices kept per row, ``<= N``.

    Returns:
        Tensor: ``(B, k)`` indices.
    """
    top_values, top_indices = values.topk(k, dim=1)
    top_indices, perm = top_indices.sort(dim=1)
    top_values = top_values.gather(1, perm)
    top_values, perm = top_values.sort(dim=1, descending=True, stable=True)
    top_indices = top_indices.gather(1, perm)
    ambiguous = (_count_above(values, top_values[:, -1:], inclusive=True) > k).nonzero()
    if ambiguous.numel() > 0:
        rows = ambiguous.squeeze(1)
        full = values.index_select(0, rows).sort(dim=1, descending=True, stable=True).indices
        top_indices[rows] = full[:, :k]
    return top_indices


def _reciprocal(sim_rows: SimilaritySource, candidates: Tensor, anchors: Tensor,
                limits: Tensor) -> Tensor:
    """For each pair: is ``anchor`` at position ``<= limit`` in candidate's stable ranking?

    The position of ``a`` (= anchor) in row ``u`` (= candidate) of ``M M^T``, 0-based, in the
    stable descending order, is ``#{v: s_uv > s_ua} + #{v < a: s_uv == s_ua}``.
    Rows are fetched in blocks of ``_CHUNK_ROWS`` pairs, sorted by candidate so that a row
    shared by several pairs of a block is fetched once.
    """
    perm = candidates.argsort()
    candidates, anchors, limits = candidates[perm], anchors[perm], limits[perm]
    passed = torch.empty_like(candidates, dtype=torch.bool)
    for start in range(0, candidates.numel(), _CHUNK_ROWS):
        block = slice(start, start + _CHUNK_ROWS)
        anchor, limit = anchors[block].unsqueeze(1), limits[block]
        unique, inverse = torch.unique_consecutive(candidates[block], return_inverse=True)
        rows = sim_rows(unique)
        if unique.numel() != inverse.numel():
            rows = rows.index_select(0, inverse)
        anchor_sim = rows.gather(1, anchor)
        # Every tie counted as preceding: an upper bound of the position (+1 for the anchor).
        ok = _count_above(rows, anchor_sim, inclusive=True) - 1 <= limit
        undecided = (~ok).nonzero().squeeze(1)
        if undecided.numel() > 0:
            ok[undecided] = _position(rows.index_select(0, undecided),
                                      anchor_sim.index_select(0, undecided),
                                      anchor.index_select(0, undecided),
                                      limit.index_select(0, undecided))
        passed[block] = ok
    return torch.empty_like(passed).scatter_(0, perm, passed)


def _position(rows: Tensor, anchor_sim: Tensor, anchor: Tensor, limit: Tensor) -> Tensor:
    """``position <= limit``, exactly: ``#{v: s_v > a} + #{v < anchor: s_v == a} <= limit``."""
    ok = _count_above(rows, anchor_sim) <= limit
    tied = ok.nonzero().squeeze(1)  # the strict count passes: ties before the anchor decide
    if tied.numel() > 0:
        rows, anchor_sim = rows.index_select(0, tied), anchor_sim.index_select(0, tied)
        before = torch.arange(rows.shape[1], device=rows.device) < anchor.index_select(0, tied)
        ties = torch.empty(rows.shape, dtype=torch.float32, device=rows.device)
        torch.eq(rows, anchor_sim, out=ties)
        position = _count_above(rows, anchor_sim) + ties.mul_(before).sum(dim=1).long()
        ok[tied] = position <= limit.index_select(0, tied)
    return ok


def check_mplp_params(t: float, min_k: int, key: str = 'mplp') -> None:
    """Raise a ``ValueError`` naming the config key if ``t`` or ``min_k`` is invalid.

    Args:
        t (float): Similarity threshold, must be in (0, 1).
        min_k (int): Smallest walk length, must be an integer >= 1.
        key (str): Config key prefix in the message (``<key>.t``, ``<key>.min_k``).
            Defaults to ``'mplp'``.
    """
    if isinstance(t, bool) or not isinstance(t, numbers.Real) or not 0 < t < 1:
        raise ValueError(f'{key}.t must be in (0, 1), got {t!r}: it is the cosine similarity '
                         'above which bank entries can be positives (MMCL uses 0.6).')
    if isinstance(min_k, bool) or not isinstance(min_k, numbers.Integral) or min_k < 1:
        raise ValueError(f'{key}.min_k must be an integer >= 1, got {min_k!r} (MMCL uses 10).')


def mplp_labels_from_source(sim_rows: SimilaritySource, indices: Tensor, num_entries: int,
                            t: float = 0.6, min_k: int = 10, strict: bool = False) -> Tensor:
    """MPLP labels from any source of similarity rows (see :func:`mplp_labels`).

    Args:
        sim_rows (Callable[[Tensor], Tensor]): Maps ``R`` bank indices to their ``R x N``
            rows of ``M M^T``.
        indices (Tensor): Bank rows of the batch, ``B``.
        num_entries (int): Bank size ``N``.
        t (float): As in :func:`mplp_labels`. Defaults to 0.6.
        min_k (int): As in :func:`mplp_labels`. Defaults to 10.
        strict (bool): As in :func:`mplp_labels`. Defaults to False.

    Returns:
        Tensor: ``B x N`` bool, the positives of each sample.
    """
    indices = indices.reshape(-1).long()
    batch = indices.numel()
    sims = sim_rows(indices)
    device = sims.device
    indices = indices.to(device)
    labels = torch.zeros(batch, num_entries, dtype=torch.bool, device=device)
    if batch == 0:
        return labels
    count = _count_above(sims, t)
    k = count.clamp(min=min_k)
    # Candidates whose check can change the result: j <= c, j < min(K, N); none when c <= 1.
    walk = torch.where(count >= 2, torch.minimum(count + 1, k.clamp(max=num_entries)),
                       torch.zeros_like(count))
    prefix = int(torch.maximum(count, walk).max())
    if prefix > 0:
        order = stable_topk_indices(sims, prefix)
        position = torch.arange(prefix, device=device).unsqueeze(0)
        sample, j = (position < walk.unsqueeze(1)).nonzero(as_tuple=True)
        failed = torch.zeros(batch, prefix, dtype=torch.bool, device=device)
        if sample.numel() > 0:
            failed[sample, j] = ~_reciprocal(sim_rows, order[sample, j], order[sample, 0],
                                             k[sample])
        first_failure = torch.where(failed, position, walk.unsqueeze(1)).amin(dim=1)
        step = torch.minimum((first_failure - 1).clamp(min=0 if strict else 1) + 1, count)
        labels.scatter_(1, order, position < step.unsqueeze(1))
    labels[torch.arange(batch, device=device), indices] = True
    return labels


def mplp_labels(memory: Tensor, indices: Tensor, t: float = 0.6, min_k: int = 10,
                strict: bool = False, gram: Optional[GramCache] = None) -> Tensor:
    """Multi-label positives of a batch by MPLP (Wang & Zhang, CVPR 2020).

    See the module docstring for the exact definition (the authors' code, quirks included)
    and the tie rule (stable descending order: equal similarities ordered by bank index).

    Args:
        memory (Tensor): The bank ``M``, ``N x D`` (rows L2-normalised or zero), as it was
            before this iteration's update.
        indices (Tensor): Bank rows ``y_i`` of the batch, ``B`` (duplicates allowed).
        t (float): Similarity threshold; nothing with ``sim <= t`` is positive.
            Defaults to 0.6.
        min_k (int): Smallest number of candidates walked, ``K = max(c, min_k)``.
            Defaults to 10.
        strict (bool): Whether to start ``step`` at 0, so that ``order[1]`` must pass the
            reciprocity check like the others. Defaults to False (the reference starts at 1).
        gram (GramCache, optional): A :class:`~.gram.GramCache` of ``memory`` to read
            similarity rows from (kept current with ``gram.refresh``). Defaults to None
            (rows computed directly).

    Returns:
        Tensor: ``B x N`` bool, ``True`` for the positives of each sample.
    """
    bank = memory.detach()
    if gram is None:
        def source(rows: Tensor) -> Tensor:
            return similarity_rows(bank, rows)
    else:
        def source(rows: Tensor) -> Tensor:
            return gram.rows(memory, rows)
    return mplp_labels_from_source(source, indices, memory.shape[0], t, min_k, strict)


@TASK_UTILS.register_module()
class MPLP:
    """Configurable MPLP labeller: ``MPLP(t, min_k, strict)(memory, indices, gram=None)``.

    Reference:
        D. Wang, S. Zhang. Unsupervised Person Re-identification via Multi-label
        Classification. CVPR 2020. https://arxiv.org/abs/2004.09228

    Calls :func:`mplp_labels` with the stored options; the defaults are the authors' code's.

    Args:
        t (float): Similarity threshold. Defaults to 0.6.
        min_k (int): Smallest number of candidates walked. Defaults to 10.
        strict (bool): Whether ``order[1]`` must pass the reciprocity check.
            Defaults to False.
    """

    def __init__(self, t: float = 0.6, min_k: int = 10, strict: bool = False) -> None:
        check_mplp_params(t, min_k)
        self.t = t
        self.min_k = min_k
        self.strict = strict

    def __call__(self, memory: Tensor, indices: Tensor,
                 gram: Optional[GramCache] = None) -> Tensor:
        """:func:`mplp_labels` of ``memory`` (Tensor) for bank rows ``indices`` (Tensor)."""
        return mplp_labels(memory, indices, self.t, self.min_k, self.strict, gram=gram)

    def __repr__(self) -> str:
        return f'MPLP(t={self.t}, min_k={self.min_k}, strict={self.strict})'
