"""Camera-aware Jaccard distance (CA-Jaccard), an option of ICE's pseudo labels.

Reference: Y. Chen, Z. Fan, Z. Chen, Y. Zhu. CA-Jaccard: Camera-aware Jaccard Distance for Person
Re-identification. CVPR 2024. https://arxiv.org/abs/2311.10605; the authors' code:
https://github.com/chenyiyuu/CA-Jaccard (``caj/utils/caj_rerank.py``).

On L2-normalised features ``f`` with cameras ``c``, ``d(i, j) = 2 - 2 f_i . f_j``:

- Ranking lists. ``A(i)``: the images of camera ``c_i`` by increasing ``d`` (``i`` first), then
  those of the other cameras by increasing ``d``. ``B(i)``: the other cameras' images by
  increasing ``d``, then camera ``c_i``'s (``i`` first). The second part of a list is only
  reached when the first is shorter than the prefix taken.
- CKRNNs (camera-aware k-reciprocal nearest neighbours), without the expansion step of the
  plain distance: ``E(i) = R_A(i) | R_B(i)`` with
  ``R_A(i) = {j in A(i)[:k1_intra + 1] : i in A(j)[:k1_intra + 1]}`` (``i`` included) and
  ``R_B(i) = {j in B(i)[:k1_inter + 1] : i in B(j)[:k1_inter + 1]}``.
- ``V[i, j] = softmax_{j in E(i)}(-d(i, j))``, zero outside ``E(i)``.
- CLQE (camera-aware local query expansion):
  ``V[i] <- mean of V[q] over q in A(i)[:k2_intra] + B(i)[:k2_inter]`` (the two lists joined:
  ``i``, its ``k2_intra - 1`` nearest same-camera images and its ``k2_inter`` nearest
  other-camera images; a row listed twice counts twice).
- ``d_J(i, j) = max(0, 1 - S / (2 - S))``, ``S = sum_k min(V[i, k], V[j, k])``, the same
  Jaccard step as :func:`jaccard_distance`.

Lists are cut at ``N`` entries, so any ``N >= 1`` works. The authors' code is followed where it
is more particular than the paper:

- The code slices ``k + 1`` entries of both lists, as the plain re-ranking code does to count
  the query itself; ``B(i)`` does not hold ``i``, so it contributes ``k1_inter + 1`` candidates.
- The paper's lists are intra-camera and inter-camera ranking lists; the code ranks every image
  with ``+999`` added to the distance of the other group, so a list longer than its group (a
  camera with at most ``k1_intra`` images, or one holding almost every image) continues with
  the other group, as ``A`` and ``B`` above do.
- The code applies CLQE only while the plain ``k2`` is not 1; here ``k2_intra`` and
  ``k2_inter`` alone decide (``1`` and ``0``: no expansion).
- The code's first epoch uses ``k2_intra = k2_inter = 3`` (``ClusteringHook`` does so too).
"""
import numbers

import numpy as np
import scipy.sparse as sp

from .jaccard import (_expanded_softmax_weights, _indicator, _min_sum_distance, _normalised,
                      _query_expansion, _reciprocal_masks, _softmax_rows, check_jaccard_params)
from .knn import ArrayLike, knn_search, knn_search_between

#: Parameters of :func:`camera_aware_jaccard_distance`, the authors' Market-1501 values.
CA_JACCARD_DEFAULTS = dict(k1_intra=5, k1_inter=20, k2_intra=2, k2_inter=4, ckrnns=True,
                           clqe=True)


def check_ca_jaccard_params(k1_intra: int, k1_inter: int, k2_intra: int, k2_inter: int,
                            ckrnns: bool = True, clqe: bool = True,
                            key: str = 'camera_aware_jaccard') -> None:
    """Raise a ``ValueError`` naming the config key if a parameter is invalid.

    Args:
        k1_intra (int): Intra-camera neighbourhood size, an integer >= 0.
        k1_inter (int): Inter-camera neighbourhood size, an integer >= 0.
        k2_intra (int): Intra-camera query-expansion size (``i`` included), an integer >= 1.
        k2_inter (int): Inter-camera query-expansion size, an integer >= 0.
        ckrnns (bool): Whether CKRNNs are used. Defaults to True.
        clqe (bool): Whether CLQE is used. Defaults to True.
        key (str): Config key prefix in the message (``<key>.k1_intra`` ...).
            Defaults to ``'camera_aware_jaccard'``.
    """
    for name, value, low in (('k1_intra', k1_intra, 0), ('k1_inter', k1_inter, 0),
                             ('k2_intra', k2_intra, 1), ('k2_inter', k2_inter, 0)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
            raise ValueError(f'{key}.{name} must be an integer >= {low}, got {value!r}')
    for name, value in (('ckrnns', ckrnns), ('clqe', clqe)):
        if not isinstance(value, (bool, np.bool_)):
            raise ValueError(f'{key}.{name} must be True or False, got {value!r}')


def camera_aware_jaccard_distance(features: ArrayLike, camids: ArrayLike, k1_intra: int = 5,
                                  k1_inter: int = 20, k2_intra: int = 2, k2_inter: int = 4, *,
                                  ckrnns: bool = True, clqe: bool = True, k1: int = 30,
                                  k2: int = 6, max_distance: float = 1.0) -> sp.csr_matrix:
    """CA-Jaccard distance (CVPR 2024) as a sparse ``N x N`` CSR matrix.

    See the module docstring for the definition. The defaults are the authors' Market-1501 run
    (their README: ``k2_intra = 2``, ``k2_inter = 4``; their argument defaults are 3 and 3,
    which their training uses in the first epoch). ``ckrnns=False`` uses the neighbours of
    :func:`jaccard_distance` (``k1``, with its expansion step) instead of CKRNNs;
    ``clqe=False`` its query expansion (``L(i)[:k2]``); both False give exactly
    :func:`jaccard_distance`. The output has its form: float32, symmetric, zero diagonal
    stored, only ``d < max_distance``. Every step is vectorised (one faiss search per camera,
    sparse products, the min-sum step chunked).

    Args:
        features (np.ndarray | torch.Tensor): ``(N, D)`` features; L2-normalised here.
        camids (np.ndarray | torch.Tensor): ``(N,)`` camera of each image (any labels).
        k1_intra (int): ``R_A`` uses ``i`` and its ``k1_intra`` nearest same-camera images.
            Defaults to 5.
        k1_inter (int): ``R_B`` uses the ``k1_inter + 1`` nearest other-camera images.
            Defaults to 20.
        k2_intra (int): CLQE averages over ``A(i)[:k2_intra]`` (``i`` included), ``>= 1``.
            Defaults to 2.
        k2_inter (int): ... and over ``B(i)[:k2_inter]``. Defaults to 4.
        ckrnns (bool): Neighbours by CKRNNs; False: those of :func:`jaccard_distance`.
            Defaults to True.
        clqe (bool): Query expansion by CLQE; False: that of :func:`jaccard_distance`.
            Defaults to True.
        k1 (int): ``k1`` of :func:`jaccard_distance`, used when ``ckrnns=False``
            (``k1 <= N`` then). Defaults to 30.
        k2 (int): ``k2`` of :func:`jaccard_distance`, used when ``clqe=False``. Defaults to 6.
        max_distance (float): Store only the pairs with ``d < max_distance``, in ``(0, 1]``.
            Defaults to 1.0.

    Returns:
        scipy.sparse.csr_matrix: The ``(N, N)`` distances.
    """
    check_ca_jaccard_params(k1_intra, k1_inter, k2_intra, k2_inter, ckrnns, clqe)
    check_jaccard_params(k1, k2, max_distance)
    feats = _normalised(features)
    num = feats.shape[0]
    cams = np.asarray(camids.cpu() if hasattr(camids, 'cpu') else camids).reshape(-1)
    if cams.shape != (num,):
        raise ValueError(f'camids must have one camera per feature row ({num}), got shape '
                         f'{np.shape(camids)}')
    if ckrnns or clqe:
        lengths = (k1_intra + 1, k1_inter + 1) if ckrnns else (0, 0)
        if clqe:
            lengths = (max(lengths[0], k2_intra), max(lengths[1], k2_inter))
        intra, inter = camera_ranking_lists(feats, cams, min(lengths[0], num),
                                            min(lengths[1], num))
    if not (ckrnns and clqe):
        plain_k = k2 if ckrnns else k1
        if num < plain_k:
            raise ValueError(f'camera_aware_jaccard with ckrnns={ckrnns}, clqe={clqe} needs '
                             f'k = {plain_k} <= N = {num}; lower k1 / k2')
        dist2, knn = knn_search(feats, plain_k)
        knn = knn.astype(np.int32)
    if ckrnns:
        vmat = _ckrnn_weights(feats, intra[:, :min(k1_intra + 1, num)],
                              inter[:, :min(k1_inter + 1, num)])
    else:
        vmat = _expanded_softmax_weights(feats, knn, dist2)
    if clqe:
        table = np.concatenate([intra[:, :min(k2_intra, num)], inter[:, :min(k2_inter, num)]],
                               axis=1)
        if table.shape[1] > 1:
            vmat = _query_expansion(vmat, table)
    elif k2 > 1:
        vmat = _query_expansion(vmat, knn[:, :k2])
    return _min_sum_distance(vmat, max_distance)


def camera_ranking_lists(feats: np.ndarray, cams: np.ndarray, len_intra: int,
                         len_inter: int) -> tuple:
    """The first ``len_intra`` entries of every ``A(i)`` and ``len_inter`` of every ``B(i)``.

    One exact faiss search within each camera and one against the other cameras.

    Args:
        feats (np.ndarray): ``(N, D)`` float32 features.
        cams (np.ndarray): ``(N,)`` camera labels.
        len_intra (int): Entries of ``A(i)``, ``0 <= len_intra <= N``.
        len_inter (int): Entries of ``B(i)``, ``0 <= len_inter <= N``.

    Returns:
        tuple[np.ndarray, np.ndarray]: int32 tables ``(N, len_intra)`` and ``(N, len_inter)``.
    """
    num = feats.shape[0]
    depth = int(max(len_intra, len_inter, 1))
    intra = np.empty((num, len_intra), dtype=np.int32)
    inter = np.empty((num, len_inter), dtype=np.int32)
    _, cam_index = np.unique(cams, return_inverse=True)
    for cam in range(cam_index.max() + 1):
        members = np.flatnonzero(cam_index == cam)
        others = np.flatnonzero(cam_index != cam)
        same = members[knn_search(feats[members], min(depth, members.size))[1]]
        if others.size:
            other = others[knn_search_between(feats[members], feats[others],
                                              min(depth, others.size))[1]]
        else:
            other = np.empty((members.size, 0), dtype=np.int64)
        intra[members] = np.concatenate([same, other], axis=1)[:, :len_intra]
        inter[members] = np.concatenate([other, same], axis=1)[:, :len_inter]
    return intra, inter


def _ckrnn_weights(feats: np.ndarray, intra: np.ndarray, inter: np.ndarray) -> sp.csr_matrix:
    """``V``: softmax of ``-d(i, j)`` over ``E(i) = R_A(i) | R_B(i)`` (prefix tables given)."""
    support = _indicator(_reciprocal_masks(intra, intra.shape[1])[0], intra)
    if inter.shape[1]:
        support = support + _indicator(_reciprocal_masks(inter, inter.shape[1])[0], inter)
    support = support.tocsr()
    support.sum_duplicates()
    rows = np.repeat(np.arange(feats.shape[0]), np.diff(support.indptr))
    return _softmax_rows(support, _sq_distances(feats, rows, support.indices))


def _sq_distances(feats: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """``2 - 2 f_i . f_j`` (float64) for the pairs ``(rows, cols)``, in chunks."""
    out = np.empty(rows.size, dtype=np.float64)
    chunk = max(1, (1 << 22) // feats.shape[1])
    for start in range(0, rows.size, chunk):
        left = feats[rows[start:start + chunk]].astype(np.float64)
        right = feats[cols[start:start + chunk]].astype(np.float64)
        out[start:start + chunk] = 2.0 - 2.0 * np.einsum('ij,ij->i', left, right)
    return out
