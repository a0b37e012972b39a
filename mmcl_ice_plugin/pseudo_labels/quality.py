"""Quality of pseudo labels against the ground-truth identities (for logging, never for training).

Pairwise scores count the pairs of samples that share a label: with ``TP`` the pairs in the same
predicted cluster *and* the same identity, ``precision = TP / #pairs in a predicted cluster``,
``recall = TP / #pairs of the same identity``, ``F = 2 P R / (P + R)``. Outliers (label ``-1``)
are singletons: they belong to no pair. NMI (arithmetic normalisation) and ARI come from
scikit-learn, with the outliers as singletons too. Everything is computed from the contingency
table (``O(N)`` after sorting), never from the ``O(N^2)`` pairs.

The camera view (:func:`camera_view_quality`) tells whether an identity's groups have been
joined across cameras: the share of clusters seen by one camera only, and the clusters an
identity is spread over against the cameras it is seen by.
"""
from typing import Dict, Union

import numpy as np
import torch
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

ArrayLike = Union[np.ndarray, torch.Tensor, list]


def _as_labels(labels: ArrayLike, name: str) -> np.ndarray:
    if isinstance(labels, torch.Tensor):
        labels = labels.detach().cpu().numpy()
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f'{name} must be a 1-D integer array, got {labels.dtype} '
                         f'of shape {labels.shape}')
    return labels.astype(np.int64)


def _pairs(counts: np.ndarray) -> int:
    """Number of unordered pairs, ``sum(c * (c - 1) / 2)``."""
    counts = counts.astype(np.int64)
    return int((counts * (counts - 1) // 2).sum())


def pseudo_label_quality(pred_labels: ArrayLike,
                         gt_labels: ArrayLike) -> Dict[str, Union[float, int]]:
    """Pairwise precision / recall / F-score, NMI, ARI, number of clusters and outliers.

    Args:
        pred_labels (np.ndarray | torch.Tensor | list): ``(N,)`` pseudo labels, ``-1`` =
            outlier (any other negative too).
        gt_labels (np.ndarray | torch.Tensor | list): ``(N,)`` ground-truth identities (every
            value is an identity).

    Returns:
        dict: ``{'precision', 'recall', 'fscore', 'nmi', 'ari', 'num_clusters', 'num_outliers'}``.
        A ratio with nothing to count (no predicted pair, no true pair) is 0.
    """
    pred = _as_labels(pred_labels, 'pred_labels')
    gt = _as_labels(gt_labels, 'gt_labels')
    if pred.shape != gt.shape:
        raise ValueError(f'pred_labels and gt_labels differ in length: {pred.size} vs {gt.size}')
    outliers = pred < 0
    num_outliers = int(outliers.sum())
    # Outliers become singleton clusters, numbered after the real ones.
    _, pred_ids = np.unique(pred, return_inverse=True)
    pred_ids = pred_ids.ravel()
    pred_ids[outliers] = pred_ids.max(initial=0) + 1 + np.arange(num_outliers)
    _, gt_ids = np.unique(gt, return_inverse=True)
    gt_ids = gt_ids.ravel()
    _, cells = np.unique(pred_ids * (gt_ids.max(initial=0) + 1) + gt_ids, return_counts=True)
    true_pos = _pairs(cells)
    pred_pairs = _pairs(np.bincount(pred_ids))
    gt_pairs = _pairs(np.bincount(gt_ids))
    precision = true_pos / pred_pairs if pred_pairs else 0.0
    recall = true_pos / gt_pairs if gt_pairs else 0.0
    fscore = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return dict(
        precision=float(precision),
        recall=float(recall),
        fscore=float(fscore),
        nmi=float(normalized_mutual_info_score(gt_ids, pred_ids)),
        ari=float(adjusted_rand_score(gt_ids, pred_ids)),
        num_clusters=int(np.unique(pred[~outliers]).size),
        num_outliers=num_outliers,
    )


def _distinct_per_group(groups: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Number of distinct ``values`` in each group, for the groups ``0 .. groups.max()``."""
    pairs = np.unique(np.stack([groups, values]), axis=1)
    return np.bincount(pairs[0], minlength=groups.max(initial=-1) + 1)


def camera_view_quality(pred_labels: ArrayLike, gt_labels: ArrayLike,
                        camids: ArrayLike) -> Dict[str, float]:
    """How far the pseudo labels join each identity's images across cameras.

    With the clusters ``k`` (outliers excluded), ``cams(k)`` the cameras of its images, and the
    identities ``p`` that have at least one clustered image:

    * ``single_camera_clusters = #{k : |cams(k)| = 1} / #clusters``;
    * ``clusters_per_identity = mean_p #{clusters holding an image of p}``;
    * ``cameras_per_identity = mean_p #{cameras of all images of p}``.

    An identity seen by 4 cameras and spread over 4 clusters has not been joined at all; a
    perfect labelling gives ``clusters_per_identity = 1``.

    Args:
        pred_labels (np.ndarray | torch.Tensor | list): ``(N,)`` pseudo labels, negative =
            outlier.
        gt_labels (np.ndarray | torch.Tensor | list): ``(N,)`` ground-truth identities.
        camids (np.ndarray | torch.Tensor | list): ``(N,)`` camera ids.

    Returns:
        dict: ``{'single_camera_clusters', 'clusters_per_identity', 'cameras_per_identity'}``,
        each 0 when there is no cluster.
    """
    pred = _as_labels(pred_labels, 'pred_labels')
    gt = _as_labels(gt_labels, 'gt_labels')
    cams = _as_labels(camids, 'camids')
    if not pred.shape == gt.shape == cams.shape:
        raise ValueError(f'pred_labels, gt_labels and camids differ in length: {pred.size}, '
                         f'{gt.size}, {cams.size}')
    kept = pred >= 0
    if not kept.any():
        return dict(single_camera_clusters=0.0, clusters_per_identity=0.0,
                    cameras_per_identity=0.0)
    _, cluster_ids = np.unique(pred[kept], return_inverse=True)
    _, gt_ids = np.unique(gt, return_inverse=True)
    cams_per_cluster = _distinct_per_group(cluster_ids.ravel(), cams[kept])
    clustered_ids = np.unique(gt_ids[kept])
    clusters_per_id = _distinct_per_group(gt_ids[kept], cluster_ids.ravel())[clustered_ids]
    cams_per_id = _distinct_per_group(gt_ids, cams)[clustered_ids]
    return dict(single_camera_clusters=float((cams_per_cluster == 1).mean()),
                clusters_per_identity=float(clusters_per_id.mean()),
                cameras_per_identity=float(cams_per_id.mean()))
