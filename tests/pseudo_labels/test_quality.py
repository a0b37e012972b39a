"""Pseudo-label quality against plain pair counting and scikit-learn."""
import itertools

import numpy as np
import pytest
import torch
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from mmcl_ice_plugin.pseudo_labels import camera_view_quality, pseudo_label_quality


def pair_counting(pred: np.ndarray, gt: np.ndarray) -> tuple:
    """Precision, recall, F over all O(N^2) pairs; outliers (-1) pair with nothing."""
    tp = fp = fn = 0
    for i, j in itertools.combinations(range(len(pred)), 2):
        same_pred = pred[i] == pred[j] and pred[i] != -1
        same_gt = gt[i] == gt[j]
        tp += same_pred and same_gt
        fp += same_pred and not same_gt
        fn += same_gt and not same_pred
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    fscore = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, fscore


def as_singletons(pred: np.ndarray) -> np.ndarray:
    out = pred.copy()
    out[pred == -1] = pred.max() + 1 + np.arange((pred == -1).sum())
    return out


@pytest.mark.parametrize('seed', range(6))
def test_matches_pair_counting(seed):
    rng = np.random.default_rng(seed)
    num = int(rng.integers(20, 120))
    gt = rng.integers(0, int(rng.integers(2, 15)), num) * 7 - 3  # arbitrary identity values
    pred = rng.integers(-1, int(rng.integers(2, 12)), num)
    if seed % 2:  # labels correlated with the truth
        pred = np.where(rng.random(num) < 0.7, gt % 5, pred)
    q = pseudo_label_quality(pred, gt)
    precision, recall, fscore = pair_counting(pred, gt)
    assert q['precision'] == pytest.approx(precision)
    assert q['recall'] == pytest.approx(recall)
    assert q['fscore'] == pytest.approx(fscore)
    assert q['nmi'] == pytest.approx(normalized_mutual_info_score(gt, as_singletons(pred)))
    assert q['ari'] == pytest.approx(adjusted_rand_score(gt, as_singletons(pred)))
    assert q['num_clusters'] == len(set(pred.tolist()) - {-1})
    assert q['num_outliers'] == int((pred == -1).sum())


def test_perfect_labels_score_one():
    gt = np.repeat(np.arange(50), 4)
    pred = (gt * 13 + 5) % 50  # any renaming of the identities
    q = pseudo_label_quality(torch.from_numpy(pred), gt.tolist())
    for key in ('precision', 'recall', 'fscore', 'nmi', 'ari'):
        assert q[key] == pytest.approx(1.0)
    assert q['num_clusters'] == 50 and q['num_outliers'] == 0


def test_all_outliers_and_all_in_one():
    gt = np.repeat(np.arange(5), 3)
    q = pseudo_label_quality(np.full(15, -1), gt)
    assert q['precision'] == q['recall'] == q['fscore'] == 0
    assert q['num_clusters'] == 0 and q['num_outliers'] == 15
    q = pseudo_label_quality(np.zeros(15, dtype=int), gt)
    assert q['recall'] == 1 and q['precision'] == pytest.approx(15 / 105)
    assert q['num_clusters'] == 1


def test_a_million_labels():
    rng = np.random.default_rng(0)
    gt = rng.integers(0, 5000, 1_000_000)
    pred = np.where(rng.random(gt.size) < 0.1, -1, gt // 2)
    q = pseudo_label_quality(pred, gt)
    assert q['recall'] == pytest.approx(0.81, abs=0.01) and 0.4 < q['precision'] < 0.6


def test_rejects_bad_inputs():
    with pytest.raises(ValueError, match='differ in length'):
        pseudo_label_quality([0, 1], [0, 1, 2])
    with pytest.raises(ValueError, match='integer'):
        pseudo_label_quality(np.array([0.5, 1.0]), [0, 1])


def camera_view_by_loops(pred, gt, cams):
    """The camera view counted cluster by cluster and identity by identity."""
    clusters = sorted(set(pred.tolist()) - {-1})
    single = sum(len({c for c, k in zip(cams, pred) if k == q}) == 1 for q in clusters)
    ids = sorted({p for p, k in zip(gt, pred) if k >= 0})
    per_id = [len({k for p, k in zip(gt, pred) if p == i and k >= 0}) for i in ids]
    cams_per_id = [len({c for p, c in zip(gt, cams) if p == i}) for i in ids]
    return single / len(clusters), np.mean(per_id), np.mean(cams_per_id)


@pytest.mark.parametrize('seed', range(6))
def test_camera_view_matches_counting_by_loops(seed):
    rng = np.random.default_rng(seed)
    num = int(rng.integers(20, 120))
    gt = rng.integers(0, int(rng.integers(2, 15)), num) * 5 + 2
    cams = rng.integers(1, 7, num)
    pred = rng.integers(-1, int(rng.integers(2, 12)), num) * 3
    pred[pred < 0] = -1
    q = camera_view_quality(pred, gt, cams)
    single, per_id, cams_per_id = camera_view_by_loops(pred, gt, cams)
    assert q['single_camera_clusters'] == pytest.approx(single)
    assert q['clusters_per_identity'] == pytest.approx(per_id)
    assert q['cameras_per_identity'] == pytest.approx(cams_per_id)


def test_camera_view_on_hand_built_cases():
    gt = np.array([1, 1, 1, 1, 2, 2, 2, 2])
    cams = np.array([0, 0, 1, 1, 0, 1, 2, 3])
    # identity 1 in one cluster per camera, identity 2 joined across its four cameras
    q = camera_view_quality([0, 0, 1, 1, 2, 2, 2, 2], gt, cams)
    assert q == dict(single_camera_clusters=2 / 3, clusters_per_identity=1.5,
                     cameras_per_identity=3.0)
    # outliers count for the identity's cameras, not for its clusters
    q = camera_view_quality([0, 0, -1, -1, -1, -1, -1, -1], gt, cams)
    assert q == dict(single_camera_clusters=1.0, clusters_per_identity=1.0,
                     cameras_per_identity=2.0)
    assert camera_view_quality([-1] * 8, gt, cams)['clusters_per_identity'] == 0.0
    with pytest.raises(ValueError, match='differ in length'):
        camera_view_quality([0, 0], gt, cams)
