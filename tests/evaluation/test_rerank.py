"""Sparse k-reciprocal re-ranking against torchreid's dense ``re_ranking``."""
import numpy as np
import pytest
import scipy.sparse as sp
import torch

from mmcl_ice_plugin.evaluation import k_reciprocal_rerank
from mmcl_ice_plugin.evaluation import rerank as rerank_module
from mmcl_ice_plugin.evaluation.metrics.reid_metric import pairwise_distance
from mmcl_ice_plugin.pseudo_labels.jaccard import _min_sum_distance
from torchreid.reid.utils import re_ranking


def clustered_features(num=300, num_ids=30, dim=24, spread=0.7, seed=0):
    """Identities as Gaussian clusters that overlap (a real ranking problem)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(num_ids, dim))
    labels = rng.integers(0, num_ids, num)
    return torch.from_numpy((centres[labels] + spread * rng.normal(size=(num, dim)))
                            .astype(np.float32))


def torchreid_rerank(q, g, metric, k1, k2, lambda_value):
    return re_ranking(pairwise_distance(q, g, metric).numpy(),
                      pairwise_distance(q, q, metric).numpy(),
                      pairwise_distance(g, g, metric).numpy(),
                      k1=k1, k2=k2, lambda_value=lambda_value)


@pytest.mark.parametrize('metric', ['cosine', 'euclidean'])
@pytest.mark.parametrize('k1,k2,lambda_value', [(20, 6, 0.3), (7, 1, 0.3), (15, 3, 0.0),
                                                (10, 11, 1.0)])
def test_equals_torchreid(metric, k1, k2, lambda_value):
    feats = clustered_features(seed=k1)
    q, g = feats[:60], feats[60:]
    ours = k_reciprocal_rerank(q, g, metric, k1, k2, lambda_value)
    ref = torchreid_rerank(q, g, metric, k1, k2, lambda_value)
    assert ours.shape == ref.shape == (60, 240) and ours.dtype == np.float32
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-5)
    # a real re-ranking: the Jaccard term changes the order of the original distances
    original = pairwise_distance(q, g, metric).numpy()
    if lambda_value < 1:
        assert (np.argsort(ours, 1)[:, :10] != np.argsort(original, 1)[:, :10]).any()


def test_blocks_of_queries_give_the_same_result(monkeypatch):
    feats = clustered_features(seed=5)
    whole = k_reciprocal_rerank(feats[:50], feats[50:])
    monkeypatch.setattr(rerank_module, 'BLOCK_ELEMENTS', 7 * 250)
    np.testing.assert_allclose(k_reciprocal_rerank(feats[:50], feats[50:]), whole, rtol=0,
                               atol=1e-6)


def test_jaccard_of_leading_rows_is_a_slice_of_the_full_matrix():
    rng = np.random.default_rng(1)
    dense = rng.random((40, 40)) * (rng.random((40, 40)) < 0.2)
    dense[np.arange(40), np.arange(40)] = 0.5
    vmat = sp.csr_matrix(dense / dense.sum(1, keepdims=True))
    full = _min_sum_distance(vmat, 1.0)
    top = _min_sum_distance(vmat, 1.0, num_rows=13)
    assert top.shape == (13, 40)
    np.testing.assert_array_equal(top.toarray(), full[:13].toarray())


def test_bad_arguments_are_named():
    feats = clustered_features(num=30)
    with pytest.raises(ValueError, match='metric'):
        k_reciprocal_rerank(feats[:5], feats[5:], metric='manhattan')
    with pytest.raises(ValueError, match='rerank_k2'):
        k_reciprocal_rerank(feats[:5], feats[5:], k1=4, k2=6)
    with pytest.raises(ValueError, match='rerank_k1'):
        k_reciprocal_rerank(feats[:5], feats[5:], k1=30)
    with pytest.raises(ValueError, match='rerank_lambda'):
        k_reciprocal_rerank(feats[:5], feats[5:], k1=4, k2=2, lambda_value=1.5)
    with pytest.raises(ValueError, match='width'):
        k_reciprocal_rerank(feats[:5], feats[5:, :10], k1=4, k2=2)
