"""Exact k-nearest-neighbour search with faiss, each sample listed first among its own neighbours.

This is the table ``L`` of the k-reciprocal re-ranking (Zhong et al., *Re-ranking Person
Re-identification with k-reciprocal Encoding*, CVPR 2017) as used by ICE (Chen et al., ICCV 2021):
``L(i)`` holds the ``k`` nearest neighbours of ``i`` by Euclidean distance, ``i`` itself first.
"""
from typing import Optional, Tuple, Union

import faiss
import numpy as np
import torch

ArrayLike = Union[np.ndarray, torch.Tensor]

#: Largest ``k`` that faiss' GPU k-selection supports; larger searches run on the CPU.
GPU_MAX_K = 2048


def as_float32_matrix(features: ArrayLike) -> np.ndarray:
    """``features`` as a C-contiguous float32 ``(N, D)`` array.

    Args:
        features (np.ndarray | torch.Tensor): ``(N, D)`` features (tensors on any device).

    Returns:
        np.ndarray: The features; raises ``ValueError`` on another shape or non-finite values.
    """
    if isinstance(features, torch.Tensor):
        features = features.detach().to(device='cpu', dtype=torch.float32).numpy()
    features = np.ascontiguousarray(features, dtype=np.float32)
    if features.ndim != 2:
        raise ValueError(f'features must be a 2-D (N, D) array, got shape {features.shape}')
    if not np.isfinite(features).all():
        raise ValueError('features contain NaN or Inf values; check the feature extractor '
                         '(e.g. a diverged model or an AMP overflow)')
    return features


def gpu_available() -> bool:
    """Whether faiss was built with GPU support, sees a GPU, and torch sees CUDA too."""
    return (hasattr(faiss, 'StandardGpuResources') and faiss.get_num_gpus() > 0
            and torch.cuda.is_available())


def knn_search(features: ArrayLike, k: int,
               use_gpu: Optional[bool] = None) -> Tuple[np.ndarray, np.ndarray]:
    """Exact ``k`` nearest neighbours by Euclidean distance, with every sample first in its own row.

    Brute-force faiss search of all rows against all rows (``faiss.knn``, or ``faiss.knn_gpu``
    on a GPU; neither copies the data into an index): row ``i`` of the result is ``L(i)``, sorted
    by increasing distance. Ties and duplicates: when another row is at exactly (or, through
    float32 rounding, apparently less than) zero distance from ``i``, faiss may list it before
    ``i`` or leave ``i`` out entirely; ``i`` is then moved (or inserted) in front and the other
    entries keep their order (the last one is dropped if ``i`` was missing). Every row is thus
    ``[i, nearest others...]``.

    Args:
        features (np.ndarray | torch.Tensor): ``(N, D)`` features, used as given (no
            normalisation).
        k (int): Neighbours per row, ``i`` itself included; ``1 <= k <= N``.
        use_gpu (bool, optional): Whether to search on the GPU; None when faiss sees a GPU and
            torch has CUDA. GPU searches are limited to ``k <= 2048`` (faiss); larger ones use
            the CPU. Defaults to None.

    Returns:
        tuple[np.ndarray, np.ndarray]: ``(distances, indices)``: float32 squared Euclidean
        distances and int64 indices, both ``(N, k)``; ``indices[:, 0] == arange(N)`` and
        ``distances[:, 0] == 0``.
    """
    x = as_float32_matrix(features)
    num = x.shape[0]
    if not 1 <= k <= num:
        raise ValueError(f'k must be in [1, N] = [1, {num}], got {k}')
    return _put_self_first(*_faiss_knn(x, x, k, use_gpu))


def _faiss_knn(xq: np.ndarray, xb: np.ndarray, k: int,
               use_gpu: Optional[bool]) -> Tuple[np.ndarray, np.ndarray]:
    """faiss' brute-force search on the GPU (``k <= GPU_MAX_K``, when asked or available),
    else on the CPU."""
    if use_gpu is None:
        use_gpu = gpu_available()
    if use_gpu and k <= GPU_MAX_K:
        return faiss.knn_gpu(faiss.StandardGpuResources(), xq, xb, k)
    return faiss.knn(xq, xb, k)


def knn_search_between(queries: ArrayLike, database: ArrayLike, k: int,
                       use_gpu: Optional[bool] = None) -> Tuple[np.ndarray, np.ndarray]:
    """Exact ``k`` nearest rows of ``database`` for every row of ``queries`` (Euclidean).

    The same brute-force faiss search as :func:`knn_search`, between two different sets (no
    sample is its own neighbour here): row ``i`` lists database rows by increasing distance.

    Args:
        queries (np.ndarray | torch.Tensor): ``(Q, D)`` query features, used as given.
        database (np.ndarray | torch.Tensor): ``(M, D)`` database features, used as given.
        k (int): Neighbours per query, ``1 <= k <= M``.
        use_gpu (bool, optional): As in :func:`knn_search`. Defaults to None.

    Returns:
        tuple[np.ndarray, np.ndarray]: ``(distances, indices)``: float32 squared Euclidean
        distances (clipped at 0) and int64 database indices, both ``(Q, k)``.
    """
    xq, xb = as_float32_matrix(queries), as_float32_matrix(database)
    if not 1 <= k <= xb.shape[0]:
        raise ValueError(f'k must be in [1, M] = [1, {xb.shape[0]}], got {k}')
    distances, indices = _faiss_knn(xq, xb, k, use_gpu)
    np.maximum(distances, 0, out=distances)
    return distances, indices


def _put_self_first(distances: np.ndarray,
                    indices: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Move (or insert) ``i`` to the front of row ``i``; other entries keep their order."""
    num, k = indices.shape
    np.maximum(distances, 0, out=distances)
    rows = np.arange(num)
    bad = np.flatnonzero(indices[:, 0] != rows)
    if bad.size:
        sub_idx, sub_dist = indices[bad], distances[bad]
        others = sub_idx != bad[:, None]
        # Stable sort puts the entries that are not i first, in their original order.
        order = np.argsort(~others, axis=1, kind='stable')[:, :k - 1]
        indices[bad, 1:] = np.take_along_axis(sub_idx, order, axis=1)
        distances[bad, 1:] = np.take_along_axis(sub_dist, order, axis=1)
        indices[bad, 0] = bad
    distances[:, 0] = 0
    return distances, indices
