"""Vectorised Market-1501 ranking evaluation (CMC and mAP).

Protocol (identical to torchreid's ``eval_market1501``):

* For each query, the gallery is ranked by increasing distance.
* Gallery items with the query's pid **and** the query's camera are removed from that query's
  ranking (they are neither matches nor distractors). Items with another pid stay, whatever
  their camera; so do items with the query's pid seen by another camera: these are the matches.
* A query whose ranking holds no match is skipped (it counts neither in the CMC nor in the mAP).
  torchreid asserts that at least one query remains; here a ``ValueError`` is raised.
* ``cmc[r]`` = fraction of the remaining queries whose first match is at 0-based position
  ``<= r``, for ``r < max_rank``; ``max_rank`` is clamped to the gallery size.
* ``AP`` = mean over the matches of (matches up to and including it) / (its 1-based position);
  ``mAP`` = mean AP over the remaining queries.

How it is computed without sorting the rows: only the positions of the matches matter. The
0-based position of the k-th nearest match (k counted from 0) is ``k`` plus the number of
*competitors* (gallery items with another pid) ranked before it. With the matches' distances
sorted (a short list per query), one pass per match slot (or ``searchsorted`` for long lists)
tells for every gallery item how many matches are strictly nearer than it; a histogram of that
count, accumulated, gives the number of competitors before each match. Items of the query's own
pid (matches and removed same-camera items) are taken out of the histogram. Queries are sorted
by their number of matches and processed in blocks to bound memory; no Python loop runs over
queries, and everything runs on the device of ``distmat`` (timings against torchreid's
Python loop in BENCHMARKS.md).

Ties: a competitor at exactly the same distance as a match is ranked **before** it (the worst
case), so a collapsed model (all distances equal) scores the minimum, never the maximum.
torchreid's ``np.argsort`` orders tied items arbitrarily; on continuous features ties do not
occur and the results agree with torchreid to floating-point precision.
"""
import warnings
from typing import Union

import numpy as np
import torch

ArrayLike = Union[np.ndarray, torch.Tensor]

# Elements of the distance matrix handled per block of queries (bounds temporary memory).
_BLOCK_ELEMENTS = 1 << 22
# Widest list of matches counted by linear scan rather than binary search (see _count_nearer).
_SCAN_MAX_MATCHES = 32


def _as_distance_tensor(distmat: ArrayLike) -> torch.Tensor:
    dist = torch.as_tensor(distmat).detach()
    if dist.dim() != 2:
        raise ValueError('distmat must be 2-D (num_query, num_gallery), '
                         f'got shape {tuple(dist.shape)}')
    if not dist.is_floating_point():
        dist = dist.double()
    elif dist.dtype in (torch.float16, torch.bfloat16):
        dist = dist.float()
    return dist


def _as_label_tensor(values: ArrayLike, name: str, length: int,
                     device: torch.device) -> torch.Tensor:
    labels = torch.as_tensor(values).reshape(-1).to(device=device, dtype=torch.int64)
    if labels.numel() != length:
        raise ValueError(f'{name} has {labels.numel()} entries, expected {length} '
                         '(one per row/column of distmat)')
    return labels


def _identity_table(q_code: torch.Tensor, g_code: torch.Tensor,
                    num_codes: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Gallery indices of every identity, left-aligned in rows of a padded table.

    Returns ``(table, counts)``: ``table[c, :counts[c]]`` are the gallery indices with identity
    code ``c`` (ascending), the rest of the row is 0 (to be masked with ``counts``). Only
    identities present among the queries decide the table width.
    """
    num_g = g_code.numel()
    counts = torch.bincount(g_code, minlength=num_codes)
    width = int(counts[q_code].max())
    order = torch.argsort(g_code, stable=True)
    sorted_code = g_code[order]
    starts = torch.cumsum(counts, 0) - counts
    slot = torch.arange(num_g, device=g_code.device) - starts[sorted_code]
    keep = slot < width
    table = torch.zeros(num_codes, max(width, 1), dtype=torch.int64, device=g_code.device)
    table[sorted_code[keep], slot[keep]] = order[keep]
    return table, counts


def _count_nearer(d: torch.Tensor, match_d: torch.Tensor) -> torch.Tensor:
    """For every entry of ``d``, how many entries of its row of ``match_d`` are strictly smaller.

    ``match_d`` is sorted along its rows (+inf padding allowed). Up to
    ``_SCAN_MAX_MATCHES`` columns a linear scan (one comparison pass per column) beats
    ``torch.searchsorted`` on CPU; beyond it the binary search wins.
    """
    width = match_d.shape[1]
    if width > _SCAN_MAX_MATCHES:
        return torch.searchsorted(match_d, d, side='left', out_int32=True)
    count = torch.zeros(d.shape, dtype=torch.uint8, device=d.device)
    above = torch.empty(d.shape, dtype=torch.bool, device=d.device)
    for k in range(width):
        count += torch.gt(d, match_d[:, k:k + 1], out=above)
    return count


def _evaluate_block(d: torch.Tensor, own: torch.Tensor, present: torch.Tensor, good: torch.Tensor,
                    num_match: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """AP and first-match position of a block of queries that all have at least one match.

    ``d``: (B, G) distances; ``own``: (B, W) gallery indices of each query's identity, valid
    where ``present``; ``good``: which of them are matches (another camera); ``num_match``:
    (B,) number of matches.
    """
    if torch.isnan(d).any():
        raise ValueError('distmat contains NaN (diverged features?)')
    rows = d.shape[0]
    width = int(num_match.max())
    own_d = d.gather(1, own)
    match_d = own_d.masked_fill(~good, float('inf')).sort(dim=1).values[:, :width].contiguous()

    # Histogram over the gallery of the number of matches strictly nearer than each item, then
    # remove the query's own identity (its matches and removed items are not competitors).
    offsets = torch.arange(0, rows * (width + 1), width + 1, device=d.device,
                           dtype=torch.int32)[:, None]
    hist = torch.bincount((_count_nearer(d, match_d) + offsets).view(-1),
                          minlength=rows * (width + 1)).view(rows, width + 1)
    own_nearer = torch.searchsorted(match_d, own_d, side='left')
    hist.scatter_add_(1, own_nearer, -present.to(hist.dtype))
    competitors_before = hist.cumsum(dim=1)[:, :width]

    k = torch.arange(width, device=d.device, dtype=torch.float64)
    position = k + competitors_before.double()  # 0-based position of the k-th nearest match
    precision = (k + 1) / (position + 1)
    ap = (precision * (k < num_match[:, None])).sum(dim=1) / num_match
    return ap, competitors_before[:, 0]


def evaluate_rank(distmat: ArrayLike,
                  q_pids: ArrayLike,
                  g_pids: ArrayLike,
                  q_camids: ArrayLike,
                  g_camids: ArrayLike,
                  max_rank: int = 50) -> tuple[np.ndarray, float]:
    """CMC curve and mAP under the Market-1501 protocol (see the module docstring).

    Equal to ``torchreid.reid.metrics.evaluate_rank(..., use_metric_cuhk03=False)``, but
    vectorised.

    Args:
        distmat (np.ndarray | torch.Tensor): Distances, shape (num_query, num_gallery); a
            tensor may be on any device and is computed there. Smaller is nearer. +inf is
            allowed; NaN in the row of a query that has matches is rejected.
        q_pids (np.ndarray | torch.Tensor): Identities of the queries, shape (num_query,).
        g_pids (np.ndarray | torch.Tensor): Identities of the gallery items, shape
            (num_gallery,).
        q_camids (np.ndarray | torch.Tensor): Cameras of the queries, shape (num_query,).
        g_camids (np.ndarray | torch.Tensor): Cameras of the gallery items, shape
            (num_gallery,).
        max_rank (int): Length of the CMC curve; clamped to num_gallery (with a warning, where
            torchreid prints a note). Defaults to 50.

    Returns:
        tuple[np.ndarray, float]: ``(cmc, mAP)``: ``cmc`` a float32 array of length
        ``min(max_rank, num_gallery)`` with values in [0, 1]; ``mAP`` a float in [0, 1].
        Where the gallery left to a query after removal is shorter than ``max_rank``, its CMC
        stays at 1 beyond the end (torchreid would fail on the ragged lengths).

    Raises:
        ValueError: on inconsistent shapes, NaN distances, ``max_rank < 1``, or when no query
            has a valid match in the gallery.
    """
    dist = _as_distance_tensor(distmat)
    num_q, num_g = dist.shape
    device = dist.device
    q_pids_t = _as_label_tensor(q_pids, 'q_pids', num_q, device)
    g_pids_t = _as_label_tensor(g_pids, 'g_pids', num_g, device)
    q_cams = _as_label_tensor(q_camids, 'q_camids', num_q, device)
    g_cams = _as_label_tensor(g_camids, 'g_camids', num_g, device)
    if max_rank < 1:
        raise ValueError(f'max_rank must be >= 1, got {max_rank}')
    if num_q == 0 or num_g == 0:
        raise ValueError(f'evaluate_rank needs at least one query and one gallery item, '
                         f'got {num_q} queries and {num_g} gallery items')
    if num_g < max_rank:
        warnings.warn(f'Number of gallery samples ({num_g}) is smaller than max_rank '
                      f'({max_rank}); the CMC curve is cut to {num_g} ranks.')
        max_rank = num_g

    codes, inverse = torch.unique(torch.cat([q_pids_t, g_pids_t]), return_inverse=True)
    q_code, g_code = inverse[:num_q], inverse[num_q:]
    table, counts = _identity_table(q_code, g_code, codes.numel())
    # Gallery items of each query's own identity (padded slots masked by ``present``).
    own = table[q_code]
    present = torch.arange(own.shape[1], device=device) < counts[q_code, None]
    good = present & (g_cams[own] != q_cams[:, None])
    num_match = good.sum(dim=1)
    valid = torch.nonzero(num_match > 0).view(-1)
    if valid.numel() == 0:
        raise ValueError(f'No query has a valid match in the gallery (checked {num_q} queries): '
                         'every query identity is absent from the gallery or only seen there '
                         'by the query camera. Check the query/gallery split and the pid/camid '
                         'labels.')
    # Valid queries in order of their number of matches: blocks get a tight match width.
    valid = valid[torch.argsort(num_match[valid], stable=True)]

    block = max(1, _BLOCK_ELEMENTS // num_g)
    ap_parts, first_parts = [], []
    for start in range(0, valid.numel(), block):
        queries = valid[start:start + block]
        ap, first = _evaluate_block(dist[queries], own[queries], present[queries], good[queries],
                                    num_match[queries])
        ap_parts.append(ap)
        first_parts.append(first)

    ap = torch.cat(ap_parts)
    first = torch.cat(first_parts).clamp(max=max_rank)
    cmc = torch.bincount(first, minlength=max_rank + 1)[:max_rank].cumsum(0).double() / ap.numel()
    return cmc.cpu().numpy().astype(np.float32), float(ap.mean())
