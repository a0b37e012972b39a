"""DBSCAN on a precomputed (sparse) distance matrix: ICE's pseudo labels (ICCV 2021)."""
import numbers
from typing import Union

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import DBSCAN


def check_dbscan_params(eps: float, min_samples: int, key: str = 'label_generator') -> None:
    """Raise a ``ValueError`` naming the config key if ``eps`` or ``min_samples`` is invalid.

    Args:
        eps (float): DBSCAN radius, must be > 0.
        min_samples (int): DBSCAN core size, must be an integer >= 1.
        key (str): Config key prefix in the message (``<key>.eps``, ``<key>.min_samples``).
            Defaults to ``'label_generator'``.
    """
    if isinstance(eps, bool) or not isinstance(eps, numbers.Real) or not eps > 0:
        raise ValueError(f'{key}.eps must be a number > 0, got {eps!r}')
    if (isinstance(min_samples, bool) or not isinstance(min_samples, numbers.Integral)
            or min_samples < 1):
        raise ValueError(f'{key}.min_samples must be an integer >= 1, got {min_samples!r}')


def dbscan_labels(distance: Union[sp.spmatrix, sp.sparray, np.ndarray], eps: float = 0.55,
                  min_samples: int = 4) -> np.ndarray:
    """Cluster labels by DBSCAN (scikit-learn, ``metric='precomputed'``); ``-1`` marks outliers.

    Reference:
        M. Ester, H.-P. Kriegel, J. Sander, X. Xu. A Density-Based Algorithm for Discovering
        Clusters in Large Spatial Databases with Noise. KDD 1996.

    ``j`` is a neighbour of ``i`` when ``d(i, j) <= eps``; ``i`` is a core sample when it has at
    least ``min_samples`` neighbours, itself included. ICE uses ``eps = 0.55``,
    ``min_samples = 4`` on the k-reciprocal Jaccard distance (:func:`jaccard_distance`).

    A sparse ``distance`` (e.g. from :func:`jaccard_distance`) lists the pairs closer than 1;
    absent pairs are not neighbours, which is exact for ``eps < 1`` (absent means ``d = 1``), so
    sparse input requires ``eps < 1``. Stored zeros are distances of 0; an absent diagonal entry
    counts as 0 (scikit-learn's convention). Only the entries ``<= eps`` are handed to
    scikit-learn, each row sorted by distance. A dense array is used as it is.

    Args:
        distance (scipy.sparse.spmatrix | scipy.sparse.sparray | np.ndarray): ``(N, N)``
            non-negative distances, sparse or dense.
        eps (float): Neighbourhood radius, ``> 0`` (``< 1`` for sparse input).
            Defaults to 0.55 (ICE).
        min_samples (int): Neighbours (the sample included) that make a core sample, ``>= 1``.
            Defaults to 4 (ICE).

    Returns:
        np.ndarray: ``int64`` labels of shape ``(N,)``: ``0 .. K-1`` for clusters, ``-1`` for
        outliers.
    """
    check_dbscan_params(eps, min_samples)
    if distance.ndim != 2 or distance.shape[0] != distance.shape[1]:
        raise ValueError(f'distance must be a square (N, N) matrix, got shape {distance.shape}')
    if sp.issparse(distance):
        if eps >= 1:
            raise ValueError(f'label_generator.eps = {eps} must be < 1 for a sparse distance '
                             'matrix (absent pairs are at distance 1 and would all be neighbours)')
        distance = _neighbour_graph(sp.csr_matrix(distance), eps)
    model = DBSCAN(eps=eps, min_samples=min_samples, metric='precomputed')
    return model.fit_predict(distance).astype(np.int64)


def _neighbour_graph(distance: sp.csr_matrix, eps: float) -> sp.csr_matrix:
    """The entries ``<= eps`` plus the diagonal (0 where absent), each row sorted by value.

    The same neighbourhoods as scikit-learn's handling of sparse input (which makes the diagonal
    explicit, then sorts every row in a Python loop), built vectorised and without copying
    the (possibly large) matrix.
    """
    num = distance.shape[0]
    kept = np.flatnonzero(distance.data <= eps)
    counts = np.diff(np.searchsorted(kept, distance.indptr))
    rows = np.repeat(np.arange(num), counts)
    cols = distance.indices[kept]
    off_diag = rows != cols
    rows = np.concatenate([rows[off_diag], np.arange(num)])
    cols = np.concatenate([cols[off_diag], np.arange(num)])
    vals = np.concatenate([distance.data[kept][off_diag], distance.diagonal()])
    order = np.lexsort((vals, rows))
    indptr = np.zeros(num + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=num), out=indptr[1:])
    return sp.csr_matrix((vals[order], cols[order], indptr), shape=(num, num))
