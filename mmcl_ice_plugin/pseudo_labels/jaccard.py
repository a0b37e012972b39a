"""Sparse k-reciprocal Jaccard distance, the variant ICE uses.

Reference: Z. Zhong, L. Zheng, D. Cao, S. Li. Re-ranking Person Re-identification with
k-reciprocal Encoding. CVPR 2017; as used by ICE (H. Chen, B. Lagadec, F. Bremond, ICCV 2021).

On L2-normalised features ``f`` (N samples), with ``L(i)`` the ``k1`` nearest neighbours of ``i``
by Euclidean distance, ``i`` itself first:

- ``R(i, m) = {j in L(i)[:m] : i in L(j)[:m]}``; ``R1(i) = R(i, k1)``,
  ``R2(i) = R(i, round(k1 / 2) + 1)`` (Python's ``round``, half to even: 16 for ``k1 = 30``).
- ``E(i) = R1(i)`` united with ``R2(c)`` for every ``c in R1(i)`` with
  ``|R2(c) & R1(i)| > 2/3 * |R2(c)|``.
- ``V[i, j] = softmax_{j in E(i)}(-(2 - 2 f_i . f_j))``, zero outside ``E(i)``.
- Query expansion (``k2 > 1``): ``V[i] <- mean of V[q] over q in L(i)[:k2]``.
- ``d(i, j) = max(0, 1 - S / (2 - S))`` with ``S = sum_k min(V[i, k], V[j, k])``.

Pairs without shared support have ``d = 1`` and are not stored: the result is a sparse CSR matrix
(the pairs sharing support: a few thousand per row), every intermediate is ``O(N * k)``, where
the reference implementation (ICE's ``faiss_rerank.py``, from SpCL) fills several dense
``N x N`` float32 matrices (0.67 GB each for N = 12,936). Every step is vectorised (NumPy and
SciPy sparse products, chunked to bound memory); the min-sum step costs
``sum_k nnz(V[:, k])^2`` pair updates into cache-sized dense accumulators (plus an ``N^2`` scan
of them when every pair is stored, ``max_distance = 1``).
"""
import numbers
from typing import Iterator, Optional, Tuple

import numpy as np
import scipy.sparse as sp

from .knn import ArrayLike, as_float32_matrix, knn_search

#: Upper bound on the (row, column) pairs materialised at once in the min-sum step.
MAX_PAIRS_PER_CHUNK = 1 << 20
#: Size (float64 entries) of the dense (rows x N) accumulator of the min-sum step: cache-sized.
MAX_ACCUMULATOR_SIZE = 1 << 18


def max_distance_for(eps: float) -> float:
    """The storage cut-off that keeps every pair DBSCAN with radius ``eps`` uses:
    ``min(1, eps + 0.05)`` (any value above ``eps`` gives the same labels).

    Args:
        eps (float): The DBSCAN radius.

    Returns:
        float: The ``max_distance`` to pass to :func:`jaccard_distance`.
    """
    return min(1.0, eps + 0.05)


def check_jaccard_params(k1: int, k2: int, max_distance: float = 1.0,
                         key: str = 'label_generator') -> None:
    """Raise a ``ValueError`` naming the config key if a parameter is invalid.

    Args:
        k1 (int): Neighbourhood size, an integer >= 1.
        k2 (int): Query-expansion size, an integer in ``[1, k1]``.
        max_distance (float): Storage cut-off, in ``(0, 1]``. Defaults to 1.0.
        key (str): Config key prefix in the message (``<key>.k1`` ...).
            Defaults to ``'label_generator'``.
    """
    for name, value in (('k1', k1), ('k2', k2)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise ValueError(f'{key}.{name} must be an integer >= 1, got {value!r}')
    if k2 > k1:
        raise ValueError(f'{key}.k2 ({k2}) must not exceed {key}.k1 ({k1}): '
                         'query expansion averages over the first k2 of the k1 neighbours')
    if (isinstance(max_distance, bool) or not isinstance(max_distance, numbers.Real)
            or not 0 < max_distance <= 1):
        raise ValueError(f'{key}.max_distance must be in (0, 1], got {max_distance!r}')


def jaccard_distance(features: ArrayLike, k1: int = 30, k2: int = 6, *,
                     max_distance: float = 1.0, knn: str = 'auto') -> sp.csr_matrix:
    """k-reciprocal Jaccard distance of ICE (k1 = 30, k2 = 6), as a sparse ``N x N`` CSR matrix.

    See the module docstring for the definition. The features are L2-normalised here (a no-op for
    ICE's already normalised features). Only pairs with ``d < 1`` are stored; explicit zeros are
    kept, in particular the whole diagonal (``d(i, i) = 0`` exactly since every row of ``V`` sums
    to 1). The matrix is symmetric, float32, with int32 indices, sorted and duplicate-free.

    Memory: the stored pairs are those sharing support in ``V`` (a few thousand per row at
    Market-1501 scale, several times more when identities overlap). DBSCAN only needs the
    pairs within ``eps``: ``max_distance`` (``> eps``) drops the others.

    Args:
        features (np.ndarray | torch.Tensor): ``(N, D)`` features (tensors on any device).
        k1 (int): Size of ``L(i)`` (``i`` included), ``1 <= k1 <= N``. Defaults to 30.
        k2 (int): Query-expansion size (``i`` included), ``1 <= k2 <= k1``; 1 means no
            expansion. Defaults to 6.
        max_distance (float): Store only the pairs with ``d < max_distance``, in ``(0, 1]``.
            Defaults to 1.0 (every pair with shared support).
        knn (str): The neighbour search, ``'exact'``, ``'approximate'`` or ``'auto'``
            (approximate on the CPU from ``APPROXIMATE_MIN_N`` samples), see
            :func:`~mmcl_ice_plugin.pseudo_labels.knn.knn_search`. Defaults to ``'auto'``.

    Returns:
        scipy.sparse.csr_matrix: The ``(N, N)`` distances.
    """
    check_jaccard_params(k1, k2, max_distance)
    feats = _normalised(features)
    if feats.shape[0] < k1:
        raise ValueError(f'label_generator.k1 = {k1} needs at least k1 samples, got '
                         f'N = {feats.shape[0]}; lower label_generator.k1 (and k2) for such a '
                         'small dataset')
    distances, indices = knn_search(feats, k1, knn=knn)
    return _jaccard_from_knn(feats, distances, indices.astype(np.int32), k2, max_distance)


def jaccard_distance_from_knn(features: ArrayLike, distances: np.ndarray, indices: np.ndarray,
                              k2: int = 6, *, max_distance: float = 1.0) -> sp.csr_matrix:
    """:func:`jaccard_distance` from a precomputed neighbour table (``k1 = indices.shape[1]``).

    Args:
        features (np.ndarray | torch.Tensor): ``(N, D)`` features; L2-normalised here.
        distances (np.ndarray): ``(N, k1)`` squared Euclidean distances of the normalised
            features, as returned by :func:`knn_search` (``2 - 2 f_i . f_j``).
        indices (np.ndarray): ``(N, k1)`` neighbour indices, row ``i`` = ``L(i)``: ``i``
            first, then by increasing distance (:func:`knn_search` guarantees both).
        k2 (int): Query-expansion size, ``1 <= k2 <= k1``. Defaults to 6.
        max_distance (float): Store only the pairs with ``d < max_distance``, in ``(0, 1]``.
            Defaults to 1.0.

    Returns:
        scipy.sparse.csr_matrix: The ``(N, N)`` distances.
    """
    feats = _normalised(features)
    num = feats.shape[0]
    knn = np.asarray(indices)
    if knn.ndim != 2 or knn.shape[0] != num or np.shape(distances) != knn.shape:
        raise ValueError(f'distances and indices must both have shape (N, k1) with N = {num}, '
                         f'got {np.shape(distances)} and {knn.shape}')
    check_jaccard_params(knn.shape[1], k2, max_distance)
    if not (knn[:, 0] == np.arange(num)).all():
        raise ValueError('indices[i, 0] must be i (each sample first among its neighbours); '
                         'use knn_search()')
    return _jaccard_from_knn(feats, np.asarray(distances, dtype=np.float32),
                             knn.astype(np.int32), k2, max_distance)


def _jaccard_from_knn(feats: np.ndarray, dist2: np.ndarray, knn: np.ndarray, k2: int,
                      max_distance: float) -> sp.csr_matrix:
    vmat = _expanded_softmax_weights(feats, knn, dist2)
    if k2 > 1:
        vmat = _query_expansion(vmat, knn[:, :k2])
    return _min_sum_distance(vmat, max_distance)


def _normalised(features: ArrayLike) -> np.ndarray:
    """``features`` as L2-normalised float32; no copy when they already are (up to 1e-6)."""
    feats = as_float32_matrix(features)
    norms = np.linalg.norm(feats, axis=1, keepdims=True)
    if np.abs(norms - 1).max(initial=0) <= 1e-6:
        return feats
    return feats / np.maximum(norms, np.float32(1e-12))


def _reciprocal_masks(knn: np.ndarray, m2: int) -> Tuple[np.ndarray, np.ndarray]:
    """Membership masks of ``R1`` on ``knn`` ``(N, k1)`` and of ``R2`` on ``knn[:, :m2]``.

    ``pos[i, a]`` = position of ``i`` in ``L(knn[i, a])`` (``k1`` if absent);
    ``knn[i, a]`` is in ``R(i, m)`` iff ``a < m`` and ``pos[i, a] < m``.
    """
    num, k1 = knn.shape
    pos = np.empty((num, k1), dtype=np.int32)
    chunk = max(1, (1 << 24) // (k1 * k1))
    for start in range(0, num, chunk):
        stop = min(start + chunk, num)
        rows = np.arange(start, stop, dtype=np.int32)[:, None, None]
        hits = knn[knn[start:stop]] == rows
        pos[start:stop] = np.where(hits.any(-1), hits.argmax(-1), k1)
    return pos < k1, pos[:, :m2] < m2


def _indicator(mask: np.ndarray, table: np.ndarray) -> sp.csr_matrix:
    """CSR indicator matrix with ones at ``(i, table[i, a])`` where ``mask[i, a]``."""
    num = table.shape[0]
    indptr = np.zeros(num + 1, dtype=np.int64)
    np.cumsum(mask.sum(1), out=indptr[1:])
    out = sp.csr_matrix((np.ones(indptr[-1], dtype=np.float32), table[mask], indptr),
                        shape=(num, num))
    out.sort_indices()
    return out


def _expanded_support(knn: np.ndarray, m2: Optional[int] = None) -> sp.csr_matrix:
    """Pattern of ``E(i)`` (ones, canonical CSR) from the neighbour table ``knn`` ``(N, k1)``:
    ``R1(i)`` united with the ``R2(c)`` of every accepted ``c in R1(i)``; ``R2`` is taken on
    ``knn[:, :m2]``, ``m2`` defaulting to ``round(k1 / 2) + 1``."""
    num, k1 = knn.shape
    m2 = round(k1 / 2) + 1 if m2 is None else min(m2, k1)
    in_r1, in_r2 = _reciprocal_masks(knn, m2)
    r1 = _indicator(in_r1, knn)
    r2 = _indicator(in_r2, knn[:, :m2])
    r2_size = in_r2.sum(1)
    # |R1(i) & R2(c)| for every c in R1(i) (c in R2(c), so every such entry is stored).
    overlap = (r1 @ r2.T).multiply(r1).tocsr()
    overlap.sort_indices()
    cand_rows = np.repeat(np.arange(num), np.diff(overlap.indptr))
    # Same float comparison as the reference: |R2(c) & R1(i)| > 2/3 * |R2(c)|.
    accepted = overlap.data > 2 / 3 * r2_size[overlap.indices]
    accept = sp.csr_matrix((np.ones(accepted.sum(), dtype=np.float32),
                            (cand_rows[accepted], overlap.indices[accepted])), shape=(num, num))
    expanded = (r1 + accept @ r2).tocsr()
    expanded.sum_duplicates()
    return expanded


def _support_rows(support: sp.csr_matrix) -> np.ndarray:
    """The row index of every stored entry of the CSR matrix ``support``, in order."""
    return np.repeat(np.arange(support.shape[0], dtype=np.int64), np.diff(support.indptr))


def _expanded_softmax_weights(feats: np.ndarray, knn: np.ndarray,
                              dist2: np.ndarray) -> sp.csr_matrix:
    """``V``: softmax of ``-(2 - 2 f_i . f_j)`` over the expanded set ``E(i)``, as CSR."""
    expanded = _expanded_support(knn)
    sq_dist = _pair_sq_distances(feats, knn, dist2, _support_rows(expanded), expanded.indices)
    return _softmax_rows(expanded, sq_dist)


def _softmax_rows(support: sp.csr_matrix, sq_dist: np.ndarray) -> sp.csr_matrix:
    """``V[i, j] = softmax over the stored j of row i of -sq_dist``, on the pattern of
    ``support`` (canonical CSR, no empty row); ``sq_dist`` holds its entries in order."""
    num = support.shape[0]
    weights = np.exp(-sq_dist)
    row_sums = np.add.reduceat(weights, support.indptr[:-1].astype(np.int64))
    weights /= np.repeat(row_sums, np.diff(support.indptr))
    return sp.csr_matrix((weights, support.indices, support.indptr), shape=(num, num))


def _pair_sq_distances(feats: np.ndarray, knn: np.ndarray, dist2: np.ndarray,
                       rows: np.ndarray, cols: np.ndarray,
                       sq_norms: Optional[np.ndarray] = None) -> np.ndarray:
    """Squared Euclidean distances of the pairs ``(rows, cols)`` (sorted by row, then column).

    Pairs inside the kNN table reuse its distances; the others (from the expansion) are computed
    from the features: ``2 - 2 f_i . f_j`` (L2-normalised features), or
    ``|f_i|^2 + |f_j|^2 - 2 f_i . f_j`` when the squared norms ``sq_norms`` are given.
    """
    num, k1 = knn.shape
    order = np.argsort(knn, axis=1)
    knn_keys = (np.arange(num, dtype=np.int64)[:, None] * num
                + np.take_along_axis(knn, order, axis=1)).ravel()
    knn_dist = np.take_along_axis(dist2, order, axis=1).ravel().astype(np.float64)
    keys = rows * num + cols
    where = np.minimum(np.searchsorted(knn_keys, keys), knn_keys.size - 1)
    found = knn_keys[where] == keys
    out = np.empty(keys.size, dtype=np.float64)
    out[found] = knn_dist[where[found]]
    missing = np.flatnonzero(~found)
    chunk = max(1, (1 << 24) // feats.shape[1])
    for start in range(0, missing.size, chunk):
        sel = missing[start:start + chunk]
        dots = np.einsum('ij,ij->i', feats[rows[sel]], feats[cols[sel]])
        if sq_norms is None:
            out[sel] = 2.0 - 2.0 * dots.astype(np.float64)
        else:
            out[sel] = (sq_norms[rows[sel]] + sq_norms[cols[sel]]).astype(np.float64) - 2.0 * dots
    return out


def _query_expansion(vmat: sp.csr_matrix, neighbours: np.ndarray) -> sp.csr_matrix:
    """``V[i] <- mean of V[q] over q in neighbours[i]`` (``L(i)[:k2]``), as a sparse product.

    A row listed twice in ``neighbours[i]`` counts twice (weight ``2 / k2``).
    """
    num, k2 = neighbours.shape
    indptr = np.arange(0, num * k2 + 1, k2, dtype=np.int64)
    qmat = sp.csr_matrix((np.full(num * k2, 1.0 / k2), neighbours.ravel(),
                          indptr), shape=(num, num))
    out = (qmat @ vmat).tocsr()
    out.sum_duplicates()
    return out


def _row_chunks(work: np.ndarray, max_rows: int) -> Iterator[Tuple[int, int]]:
    """Consecutive row ranges of at most ``max_rows`` rows and ``MAX_PAIRS_PER_CHUNK`` pairs
    (one row at least)."""
    cum = np.concatenate([[0], np.cumsum(work, dtype=np.int64)])
    start, num = 0, work.size
    while start < num:
        stop = int(np.searchsorted(cum, cum[start] + MAX_PAIRS_PER_CHUNK, side='right')) - 1
        stop = min(max(stop, start + 1), start + max_rows, num)
        yield start, stop
        start = stop


def _min_sum_distance(vmat: sp.csr_matrix, max_distance: float,
                      num_rows: Optional[int] = None) -> sp.csr_matrix:
    """``d(i, j) = max(0, 1 - S / (2 - S))``, ``S = sum_k min(V[i, k], V[j, k])``, where
    ``d < max_distance`` (``S > 0`` for ``max_distance = 1``), for the first ``num_rows`` rows
    ``i`` (default all: an ``N x N`` result) against every ``j``.

    Inverted-index evaluation: every non-zero ``V[i, k]`` meets the non-zeros ``V[j, k]`` of
    column ``k``. For a few rows at a time the minima are summed into a dense ``(rows, N)``
    float64 accumulator small enough to stay in cache. With ``max_distance = 1`` it is a fresh
    ``np.bincount`` whose non-zeros, found by a scan, are the stored entries; with
    ``max_distance < 1`` it is one array updated with ``np.add.at`` and zeroed again where
    updated, and only the updated positions are read back, kept where ``S`` can give
    ``d < max_distance``: no ``N^2`` allocation or scan. The entries come out sorted, and
    exactly symmetric since ``S[i, j]`` and ``S[j, i]`` add the same terms in the same order of
    ``k``. Work: ``sum_k nnz(V[:, k])^2`` pair updates (plus the scan for ``max_distance = 1``).
    """
    num = vmat.shape[0]
    csc = vmat.tocsc()
    csc.sort_indices()
    col_ptr = csc.indptr.astype(np.int64)
    col_rows, col_vals = csc.indices, csc.data
    pair_counts = np.diff(col_ptr)[vmat.indices]
    row_ptr = vmat.indptr.astype(np.int64)
    num_rows = num if num_rows is None else num_rows
    row_work = np.add.reduceat(pair_counts, row_ptr[:-1])[:num_rows]
    row_nnz = np.zeros(num_rows, dtype=np.int64)
    max_rows = max(1, MAX_ACCUMULATOR_SIZE // num)
    acc = np.zeros(max_rows * num if max_distance < 1 else 0)
    # d < max_distance needs S > 2 (1 - max_distance) / (2 - max_distance); less a margin
    # for rounding, the exact test is made on the distances below.
    min_sim = 2 * (1 - max_distance) / (2 - max_distance) - 1e-6
    pieces_cols, pieces_vals = [], []
    for start, stop in _row_chunks(row_work, max_rows):
        lo, hi = row_ptr[start], row_ptr[stop]
        counts = pair_counts[lo:hi]
        firsts = np.cumsum(counts) - counts
        # Pair t of entry (i, k) is position col_ptr[k] + t of the column-major arrays.
        pos = np.arange(int(row_work[start:stop].sum()), dtype=np.int64)
        pos += np.repeat(col_ptr[vmat.indices[lo:hi]] - firsts, counts)
        local = np.arange(0, (stop - start) * num, num, dtype=np.int64)  # row offsets
        key = np.repeat(np.repeat(local, np.diff(row_ptr[start:stop + 1])), counts)
        key += col_rows[pos]  # local row * N + column
        mins = np.minimum(np.repeat(vmat.data[lo:hi], counts), col_vals[pos])
        del pos
        if max_distance < 1:
            np.add.at(acc, key, mins)
            sim = acc[key]
            acc[key] = 0
            candidates = sim > min_sim
            key, first = np.unique(key[candidates], return_index=True)
            sim = sim[candidates][first]
        else:
            sums = np.bincount(key, weights=mins, minlength=local[-1] + num)
            key = np.flatnonzero(sums != 0)
            sim = sums[key]
        dist = np.maximum(1.0 - sim / (2.0 - sim), 0.0).astype(np.float32)
        dist[np.searchsorted(key, local + np.arange(start, stop))] = 0  # S[i, i] = 1
        keep = np.flatnonzero(dist < max_distance)
        if keep.size < dist.size:
            key, dist = key[keep], dist[keep]
        row_nnz[start:stop] = np.diff(np.searchsorted(key, np.append(local, local[-1] + num)))
        cols = key - np.repeat(local, row_nnz[start:stop])
        pieces_cols.append(cols.astype(np.int32))
        pieces_vals.append(dist)
    total = int(row_nnz.sum())
    index_dtype = np.int32 if max(total, num) < np.iinfo(np.int32).max else np.int64
    indptr = np.zeros(num_rows + 1, dtype=index_dtype)
    np.cumsum(row_nnz, out=indptr[1:])
    # One array at a time, freeing its pieces, so that the peak is 1.5x the result.
    data = np.concatenate(pieces_vals)
    del pieces_vals
    indices = np.concatenate(pieces_cols).astype(index_dtype, copy=False)
    del pieces_cols
    return sp.csr_matrix((data, indices, indptr), shape=(num_rows, num))
