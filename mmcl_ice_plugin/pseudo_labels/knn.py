"""k-nearest-neighbour search, each sample listed first among its own neighbours.

This is the table ``L`` of the k-reciprocal re-ranking (Zhong et al., *Re-ranking Person
Re-identification with k-reciprocal Encoding*, CVPR 2017) as used by ICE (Chen et al., ICCV 2021):
``L(i)`` holds the ``k`` nearest neighbours of ``i`` by Euclidean distance, ``i`` itself first.

Exact brute force (faiss on the CPU, faiss or torch on a GPU) costs ``N^2 D``: minutes at
100,000 images on a CPU. On request (``knn='approximate'``, or ``'auto'`` from
``APPROXIMATE_MIN_N`` images on the CPU), candidates come from a brute-force search on a PCA
projection and are re-ranked with exact distances (see :func:`approximate_knn`).
"""
from typing import Optional, Tuple, Union

import faiss
import numpy as np
import torch

ArrayLike = Union[np.ndarray, torch.Tensor]

#: Largest ``k`` that faiss' GPU k-selection supports; larger GPU searches use :func:`torch_knn`.
GPU_MAX_K = 2048
#: Distance-matrix entries computed at once by :func:`torch_knn` (1 GiB of float32).
TORCH_KNN_BLOCK = 1 << 28
#: Smallest N searched approximately on the CPU by ``knn='auto'``.
APPROXIMATE_MIN_N = 50_000
#: Values of the ``knn`` option.
KNN_MODES = ('auto', 'exact', 'approximate')


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


def torch_knn(queries: np.ndarray, database: np.ndarray, k: int,
              device: Union[str, torch.device] = 'cuda') -> Tuple[np.ndarray, np.ndarray]:
    """Exact brute-force ``k`` nearest rows of ``database`` for every query, with torch.

    For GPUs where faiss cannot search (faiss without GPU support, or ``k > 2048``): blocks of
    queries against the whole database on ``device``, squared Euclidean distances
    ``|q|^2 + |b|^2 - 2 q . b`` from one float32 matrix product (TF32 off, so that the
    products are as exact as faiss' on the CPU), then ``torch.topk``. The database and one
    ``block x M`` distance block (at most ``TORCH_KNN_BLOCK`` entries) are on the device at once.

    Args:
        queries (np.ndarray): ``(Q, D)`` float32 queries.
        database (np.ndarray): ``(M, D)`` float32 database, ``k <= M``.
        k (int): Neighbours per query.
        device (str | torch.device): Where to compute. Defaults to ``'cuda'``.

    Returns:
        tuple[np.ndarray, np.ndarray]: float32 squared distances (clipped at 0, as faiss
        does) and int64 indices, ``(Q, k)``, by increasing distance, as ``faiss.knn``.
    """
    base = torch.from_numpy(database).to(device)
    base_sq = base.pow(2).sum(1)
    step = max(1, TORCH_KNN_BLOCK // base.shape[0])
    distances = np.empty((queries.shape[0], k), dtype=np.float32)
    indices = np.empty((queries.shape[0], k), dtype=np.int64)
    tf32 = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = False
    try:
        for start in range(0, queries.shape[0], step):
            block = torch.from_numpy(queries[start:start + step]).to(device)
            dist = torch.addmm(base_sq[None, :], block, base.T, beta=1, alpha=-2)
            dist += block.pow(2).sum(1, keepdim=True)
            values, order = torch.topk(dist, k, dim=1, largest=False, sorted=True)
            distances[start:start + step] = values.clamp_(min=0).cpu().numpy()
            indices[start:start + step] = order.cpu().numpy()
    finally:
        torch.backends.cuda.matmul.allow_tf32 = tf32
    return distances, indices


def knn_search(features: ArrayLike, k: int, use_gpu: Optional[bool] = None,
               knn: str = 'exact') -> Tuple[np.ndarray, np.ndarray]:
    """``k`` nearest neighbours by Euclidean distance, with every sample first in its own row.

    ``knn='exact'``: brute-force search of all rows against all rows (``faiss.knn``; on a GPU
    ``faiss.knn_gpu`` or :func:`torch_knn`; none copies the data into an index).
    ``knn='approximate'``: :func:`approximate_knn` (on the CPU). ``knn='auto'``: approximate on
    the CPU from ``APPROXIMATE_MIN_N`` rows, else exact. Row ``i`` of the result is ``L(i)``,
    sorted by increasing distance. Ties and duplicates: when another row is at exactly (or,
    through float32 rounding, apparently less than) zero distance from ``i``, faiss may list it
    before
    ``i`` or leave ``i`` out entirely; ``i`` is then moved (or inserted) in front and the other
    entries keep their order (the last one is dropped if ``i`` was missing). Every row is thus
    ``[i, nearest others...]``.

    Args:
        features (np.ndarray | torch.Tensor): ``(N, D)`` features, used as given (no
            normalisation).
        k (int): Neighbours per row, ``i`` itself included; ``1 <= k <= N``.
        use_gpu (bool, optional): Whether to search on the GPU; None when torch sees CUDA.
            faiss searches there for ``k <= 2048`` when it has GPU support; otherwise
            :func:`torch_knn` does. Defaults to None.
        knn (str): ``'exact'``, ``'approximate'`` or ``'auto'`` (see above). Defaults to
            ``'exact'``.

    Returns:
        tuple[np.ndarray, np.ndarray]: ``(distances, indices)``: float32 squared Euclidean
        distances and int64 indices, both ``(N, k)``; ``indices[:, 0] == arange(N)`` and
        ``distances[:, 0] == 0``.
    """
    x = as_float32_matrix(features)
    num = x.shape[0]
    if not 1 <= k <= num:
        raise ValueError(f'k must be in [1, N] = [1, {num}], got {k}')
    if knn not in KNN_MODES:
        raise ValueError(f'knn must be one of {KNN_MODES}, got {knn!r}')
    if use_gpu is None:
        use_gpu = torch.cuda.is_available()
    if knn == 'approximate' or (knn == 'auto' and not use_gpu and num >= APPROXIMATE_MIN_N):
        return _put_self_first(*approximate_knn(x, k))
    return _put_self_first(*_faiss_knn(x, x, k, use_gpu))


def approximate_knn(features: np.ndarray, k: int, pca_dim: int = 256,
                    candidates: Optional[int] = None, fit_rows: int = 100_000,
                    seed: int = 0) -> Tuple[np.ndarray, np.ndarray]:
    """Approximate ``k`` nearest neighbours of every row among all rows, exact distances.

    1. If ``D > pca_dim``, the rows are projected on their first ``pca_dim`` principal axes
       (faiss ``PCAMatrix``, fitted on at most ``fit_rows`` rows).
    2. A brute-force search in the projected space (``faiss.knn``: ``N^2 pca_dim`` instead of
       ``N^2 D``) returns ``candidates`` neighbours per row.
    3. The candidates' exact squared distances in ``D`` dimensions (batched matrix products)
       order them; the ``k`` nearest are kept.

    Only true neighbours outside a row's projected candidates are missed; distances and the
    order of the neighbours found are exact, and without a projection (``D <= pca_dim``) the
    result is exact. Network features keep their neighbours in few principal directions, so
    little is missed (``benchmarks/benchmark_jaccard.py --compare-exact`` measures it);
    features whose variance is spread evenly over all dimensions lose many. Memory: the
    projected rows (``N * pca_dim`` float32) and the ``(N, candidates)`` tables.

    Args:
        features (np.ndarray): ``(N, D)`` float32 rows.
        k (int): Neighbours per row, ``1 <= k <= N``.
        pca_dim (int): Projected dimension (no projection if ``D`` is not larger).
            Defaults to 256.
        candidates (int, optional): Candidates re-ranked exactly per row, ``>= k``. Defaults to
            None (``2 * k``, at most ``N``).
        fit_rows (int): Rows drawn to fit the projection. Defaults to 100,000.
        seed (int): Seed of the rows drawn to fit the projection. Defaults to 0.

    Returns:
        tuple[np.ndarray, np.ndarray]: float32 squared distances and int64 indices, ``(N, k)``,
        by increasing distance (as ``faiss.knn``).
    """
    x = as_float32_matrix(features)
    num, dim = x.shape
    if dim <= pca_dim:  # nothing to project: the brute force is the exact search
        return faiss.knn(x, x, k)
    rng = np.random.default_rng(seed)
    pca = faiss.PCAMatrix(dim, pca_dim)
    pca.train(x[np.sort(rng.choice(num, min(num, fit_rows), replace=False))])
    reduced = pca.apply(x)
    _, cand = faiss.knn(reduced, reduced, min(num, max(k, candidates or 2 * k)))
    del reduced
    return _refine(x, cand, k)


def _refine(x: np.ndarray, cand: np.ndarray, k: int) -> Tuple[np.ndarray, np.ndarray]:
    """The ``k`` candidates of each row nearest in exact squared distance."""
    num = x.shape[0]
    feats = torch.from_numpy(x)
    sq_norms = feats.pow(2).sum(1)
    distances = np.empty((num, k), dtype=np.float32)
    indices = np.empty((num, k), dtype=np.int64)
    step = max(1, (1 << 24) // (cand.shape[1] * x.shape[1]))
    for start in range(0, num, step):
        rows = torch.from_numpy(cand[start:start + step])
        dots = torch.bmm(feats[rows], feats[start:start + step, :, None])[..., 0]
        dist = (sq_norms[start:start + step, None] + sq_norms[rows] - 2 * dots).clamp_(min=0)
        values, order = torch.topk(dist, k, dim=1, largest=False, sorted=True)
        distances[start:start + step] = values.numpy()
        indices[start:start + step] = torch.gather(rows, 1, order).numpy()
    return distances, indices


def _faiss_knn(xq: np.ndarray, xb: np.ndarray, k: int,
               use_gpu: Optional[bool]) -> Tuple[np.ndarray, np.ndarray]:
    """Brute-force search on the GPU when asked (None: when torch sees CUDA): faiss' for
    ``k <= GPU_MAX_K`` where faiss has GPU support, else :func:`torch_knn`; on the CPU, faiss'."""
    if use_gpu is None:
        use_gpu = torch.cuda.is_available()
    if use_gpu and gpu_available() and k <= GPU_MAX_K:
        return faiss.knn_gpu(faiss.StandardGpuResources(), xq, xb, k)
    if use_gpu:
        return torch_knn(xq, xb, k)
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
