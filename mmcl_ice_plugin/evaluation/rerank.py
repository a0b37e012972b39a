"""Sparse k-reciprocal re-ranking of a query x gallery retrieval.

Reference: Z. Zhong, L. Zheng, D. Cao, S. Li. Re-ranking Person Re-identification with
k-reciprocal Encoding. CVPR 2017 (defaults k1 = 20, k2 = 6, lambda = 0.3).

The same result as torchreid's ``re_ranking`` on the distances of
:func:`~mmcl_ice_plugin.evaluation.metrics.reid_metric.pairwise_distance`, computed as ICE's
sparse Jaccard distance is (:mod:`mmcl_ice_plugin.pseudo_labels.jaccard`). On the ``N = Q + G``
query and gallery features (queries first), with ``m(i, j)`` the metric's distance:

- ``o(i, j) = m(i, j)^2 / max_l m(i, l)^2`` (torchreid squares the distances it is given and
  divides every row by its largest entry);
- ``L(i)``: the ``k1 + 1`` nearest images of ``i`` (``i`` first); ``R1(i) = R(i, k1 + 1)`` and
  ``R2(i) = R(i, round(k1 / 2) + 1)`` with ``R(i, m) = {j in L(i)[:m] : i in L(j)[:m]}``;
  ``E(i) = R1(i)`` united with every ``R2(c)``, ``c in R1(i)``, sharing more than two thirds of
  its images with ``R1(i)``;
- ``V[i, j] = softmax_{j in E(i)}(-o(i, j))``; query expansion ``V[i] <- mean of V[q]`` over
  ``q in L(i)[:k2]``;
- ``d_J(i, j) = 1 - S / (2 - S)``, ``S = sum_k min(V[i, k], V[j, k])``;
- re-ranked distance of query ``q`` and gallery image ``g``:
  ``(1 - lambda) d_J(q, g) + lambda o(q, g)``.

torchreid builds and loops over dense ``N x N`` matrices (35 GB each for MSMT17's 93,820 test
images). Here the neighbours come from faiss, ``V`` and ``d_J`` are sparse (``d_J = 1`` for the
pairs sharing no support), the largest distance of each row is one inner-product search, and
the only dense array is the ``Q x G`` result, filled a block of queries at a time.
"""
import numbers
from typing import Optional, Union

import faiss
import numpy as np
import torch

from ..pseudo_labels.jaccard import (_expanded_support, _min_sum_distance, _pair_sq_distances,
                                     _query_expansion, _softmax_rows, _support_rows)
from ..pseudo_labels.knn import as_float32_matrix, knn_search
from .distance import pairwise_distance

ArrayLike = Union[np.ndarray, torch.Tensor]

#: Entries of the dense ``Q x G`` result filled at once (bounds the temporary memory).
BLOCK_ELEMENTS = 1 << 24


def k_reciprocal_rerank(query_feats: ArrayLike, gallery_feats: ArrayLike,
                        metric: str = 'cosine', k1: int = 20, k2: int = 6,
                        lambda_value: float = 0.3) -> np.ndarray:
    """Re-ranked ``Q x G`` distances (Zhong et al., CVPR 2017), equal to torchreid's
    ``re_ranking`` on the ``metric`` distance matrices (see the module docstring).

    Memory: the features, ``O(N * k1)`` neighbour tables, the sparse ``V`` (a few hundred
    entries per image) and ``d_J`` of the query rows, and the float32 result
    (``Q * G * 4`` bytes: 3.8 GB for MSMT17's 11,659 x 82,161).

    Args:
        query_feats (np.ndarray | torch.Tensor): ``(Q, D)`` query features.
        gallery_feats (np.ndarray | torch.Tensor): ``(G, D)`` gallery features.
        metric (str): ``'cosine'`` (``1 - cos``) or ``'euclidean'`` (squared Euclidean
            distance), as :class:`~mmcl_ice_plugin.evaluation.ReIDMetric`. Defaults to
            ``'cosine'``.
        k1 (int): Neighbourhood size (``i`` not counted), ``k1 + 1 <= Q + G``. Defaults to 20.
        k2 (int): Query-expansion size (``i`` counted), ``1 <= k2 <= k1 + 1``. Defaults to 6.
        lambda_value (float): Weight of the original distance, in ``[0, 1]``. Defaults to 0.3.

    Returns:
        np.ndarray: ``(Q, G)`` float32 distances.
    """
    if metric not in ('cosine', 'euclidean'):
        raise ValueError(f"rerank: unknown metric {metric!r}; use 'cosine' or 'euclidean'.")
    for name, value in (('rerank_k1', k1), ('rerank_k2', k2)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise ValueError(f'{name} must be an integer >= 1, got {value!r}')
    if k2 > k1 + 1:
        raise ValueError(f'rerank_k2 ({k2}) must not exceed rerank_k1 + 1 ({k1 + 1}): query '
                         'expansion averages over the first k2 of the k1 + 1 neighbours')
    if not 0 <= lambda_value <= 1:
        raise ValueError(f'rerank_lambda must be in [0, 1], got {lambda_value!r}')
    queries, gallery = as_float32_matrix(query_feats), as_float32_matrix(gallery_feats)
    if queries.shape[1] != gallery.shape[1]:
        raise ValueError(f'query and gallery features differ in width: {queries.shape[1]} and '
                         f'{gallery.shape[1]}')
    feats = np.concatenate([queries, gallery])
    num_q, num = queries.shape[0], feats.shape[0]
    if num < k1 + 1:
        raise ValueError(f'rerank_k1 = {k1} needs at least k1 + 1 query and gallery images, got '
                         f'{num}; lower rerank_k1')
    if metric == 'cosine':
        feats /= np.maximum(np.linalg.norm(feats, axis=1, keepdims=True), np.float32(1e-12))
        sq_norms = None
    else:
        sq_norms = np.einsum('ij,ij->i', feats, feats)
    dist2, knn = knn_search(feats, k1 + 1)
    knn = knn.astype(np.int32)
    row_max = _largest_distance(feats, sq_norms) ** 2

    support = _expanded_support(knn, m2=int(np.around(k1 / 2)) + 1)
    rows = _support_rows(support)
    pair_dist = _pair_sq_distances(feats, knn, dist2, rows, support.indices, sq_norms)
    if metric == 'cosine':
        pair_dist /= 2  # 1 - cos from 2 - 2 cos
    vmat = _softmax_rows(support, pair_dist ** 2 / row_max[rows])
    if k2 > 1:
        vmat = _query_expansion(vmat, knn[:, :k2])
    jaccard = _min_sum_distance(vmat, 1.0, num_rows=num_q)[:, num_q:].tocsr()

    out = np.empty((num_q, num - num_q), dtype=np.float32)
    step = max(1, BLOCK_ELEMENTS // max(1, num - num_q))
    for start in range(0, num_q, step):
        stop = min(start + step, num_q)
        block = pairwise_distance(torch.from_numpy(feats[start:stop]),
                                  torch.from_numpy(feats[num_q:]), metric).numpy()
        original = block.astype(np.float64) ** 2 / row_max[start:stop, None]
        sub = jaccard[start:stop]
        dense_jaccard = np.ones_like(original)
        dense_jaccard[_support_rows(sub), sub.indices] = sub.data
        out[start:stop] = (1 - lambda_value) * dense_jaccard + lambda_value * original
    return out


def _largest_distance(feats: np.ndarray, sq_norms: Optional[np.ndarray]) -> np.ndarray:
    """``max_l m(i, l)`` for every row ``i`` of ``feats`` (float64), by one exact faiss
    inner-product search: the farthest image in cosine distance has the smallest dot product;
    in squared Euclidean distance, the largest ``|f_l|^2 - 2 f_i . f_l``."""
    if sq_norms is None:
        dots, _ = faiss.knn(-feats, feats, 1, metric=faiss.METRIC_INNER_PRODUCT)
        return 1.0 + dots[:, 0].astype(np.float64)
    queries = np.concatenate([-2 * feats, np.ones((feats.shape[0], 1), np.float32)], axis=1)
    database = np.concatenate([feats, sq_norms[:, None]], axis=1)
    dots, _ = faiss.knn(queries, database, 1, metric=faiss.METRIC_INNER_PRODUCT)
    return sq_norms.astype(np.float64) + dots[:, 0]
