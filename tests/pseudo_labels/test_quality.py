"""Pseudo-label quality against plain pair counting and scikit-learn."""
import itertools
import time

import numpy as np
import pytest
import torch
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from mmcl_ice_plugin.pseudo_labels import pseudo_label_quality


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


def test_large_inputs_are_fast():
    rng = np.random.default_rng(0)
    gt = rng.integers(0, 5000, 1_000_000)
    pred = np.where(rng.random(gt.size) < 0.1, -1, gt // 2)
    start = time.perf_counter()
    q = pseudo_label_quality(pred, gt)
    assert time.perf_counter() - start < 10
    assert q['recall'] == pytest.approx(0.81, abs=0.01) and 0.4 < q['precision'] < 0.6


def test_rejects_bad_inputs():
    with pytest.raises(ValueError, match='differ in length'):
        pseudo_label_quality([0, 1], [0, 1, 2])
    with pytest.raises(ValueError, match='integer'):
        pseudo_label_quality(np.array([0.5, 1.0]), [0, 1])
