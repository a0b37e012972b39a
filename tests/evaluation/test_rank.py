"""evaluate_rank: equality with torchreid's Python Market-1501 evaluation, and edge cases."""
import warnings

import numpy as np
import pytest
import torch

with warnings.catch_warnings():
    warnings.simplefilter('ignore')  # torchreid: "Cython evaluation is unavailable"
    from mmcl_ice_plugin.evaluation import evaluate_rank
    from mmcl_ice_plugin.evaluation import rank as rank_module
    from torchreid.reid.metrics import evaluate_rank as torchreid_evaluate_rank


def torchreid_rank(distmat, q_pids, g_pids, q_camids, g_camids, max_rank=50):
    return torchreid_evaluate_rank(distmat, q_pids, g_pids, q_camids, g_camids, max_rank=max_rank,
                                   use_metric_cuhk03=False, use_cython=False)


def random_problem(seed, num_q, num_g, num_ids, num_cams, extra_gallery_ids=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    distmat = rng.random((num_q, num_g)).astype(dtype)
    q_pids = rng.integers(0, num_ids, num_q)
    g_pids = rng.integers(0, num_ids + extra_gallery_ids, num_g)
    q_camids = rng.integers(0, num_cams, num_q)
    g_camids = rng.integers(0, num_cams, num_g)
    return distmat, q_pids, g_pids, q_camids, g_camids


def has_invalid_query(q_pids, g_pids, q_camids, g_camids):
    valid = [np.any((g_pids == p) & (g_camids != c)) for p, c in zip(q_pids, q_camids)]
    return not all(valid)


# (num_q, num_g, num_ids, num_cams, extra gallery-only ids, dtype)
CONFIGS = [
    (30, 200, 10, 2, 0, np.float32),
    (40, 300, 25, 6, 5, np.float64),
    (25, 120, 40, 3, 0, np.float32),  # many ids: several queries without a match
    (20, 500, 5, 1, 0, np.float64),  # one camera for queries, see below
    (50, 80, 4, 4, 2, np.float32),  # few ids: long match lists
]


@pytest.mark.parametrize('scan_max', [rank_module._SCAN_MAX_MATCHES, 0])
@pytest.mark.parametrize('config', CONFIGS)
@pytest.mark.parametrize('seed', [0, 1])
def test_equals_torchreid(monkeypatch, seed, config, scan_max):
    """Both counting paths (linear scan, binary search) agree with torchreid to 1e-6."""
    monkeypatch.setattr(rank_module, '_SCAN_MAX_MATCHES', scan_max)
    num_q, num_g, num_ids, num_cams, extra, dtype = config
    distmat, q_pids, g_pids, q_camids, g_camids = random_problem(
        seed, num_q, num_g, num_ids, num_cams, extra, dtype)
    if num_cams == 1:  # queries from camera 0, gallery from cameras 0 and 1
        g_camids = np.random.default_rng(seed).integers(0, 2, num_g)
    cmc, mean_ap = evaluate_rank(distmat, q_pids, g_pids, q_camids, g_camids)
    ref_cmc, ref_map = torchreid_rank(distmat, q_pids, g_pids, q_camids, g_camids)
    assert cmc.shape == ref_cmc.shape == (50,)
    np.testing.assert_allclose(cmc, ref_cmc, atol=1e-6, rtol=0)
    assert mean_ap == pytest.approx(float(ref_map), abs=1e-6)


def test_problems_cover_skipped_queries():
    """The random configurations above do exercise queries without a valid match."""
    distmat, q_pids, g_pids, q_camids, g_camids = random_problem(0, *CONFIGS[2][:5])
    assert has_invalid_query(q_pids, g_pids, q_camids, g_camids)


def test_torch_tensors_and_numpy_agree():
    problem = random_problem(3, 30, 150, 12, 3)
    cmc_np, map_np = evaluate_rank(*problem, max_rank=20)
    cmc_t, map_t = evaluate_rank(*(torch.from_numpy(a) for a in problem), max_rank=20)
    np.testing.assert_array_equal(cmc_np, cmc_t)
    assert map_np == map_t
    assert isinstance(map_t, float) and cmc_t.dtype == np.float32


def test_hand_computed_ap_and_same_camera_removal():
    # Query: pid 1, camera 0. Gallery sorted by distance:
    #   g0 pid 1 cam 0 (same pid and camera: removed), g1 pid 2, g2 pid 1 cam 1 (match),
    #   g3 pid 3, g4 pid 1 cam 2 (match).
    # After removal the ranking is [g1, g2, g3, g4]: matches at positions 2 and 4.
    distmat = np.array([[0.0, 0.1, 0.2, 0.3, 0.4]])
    cmc, mean_ap = evaluate_rank(distmat, [1], [1, 2, 1, 3, 1], [0], [0, 0, 1, 0, 2], max_rank=4)
    assert mean_ap == pytest.approx((1 / 2 + 2 / 4) / 2)
    np.testing.assert_array_equal(cmc, [0, 1, 1, 1])


def test_query_without_valid_match_is_skipped():
    distmat = np.array([[0.3, 0.1, 0.2],
                        [0.1, 0.2, 0.3]])
    g_pids, g_camids = [7, 8, 9], [1, 1, 1]
    # Query 0 (pid 7): its only gallery image is at position 3 -> AP 1/3, rank-1 miss.
    # Query 1 (pid 9, camera 1): its only gallery image is from its own camera -> skipped.
    # Query 1 must not change anything: same result as evaluating query 0 alone.
    both = evaluate_rank(distmat, [7, 9], g_pids, [0, 1], g_camids, max_rank=3)
    alone = evaluate_rank(distmat[:1], [7], g_pids, [0], g_camids, max_rank=3)
    assert both[1] == alone[1] == pytest.approx(1 / 3)
    np.testing.assert_array_equal(both[0], alone[0])
    np.testing.assert_array_equal(both[0], [0, 0, 1])


def test_all_queries_invalid_raises():
    distmat = np.random.default_rng(0).random((3, 4))
    with pytest.raises(ValueError, match='No query has a valid match'):
        # pid 5 absent from the gallery; pid 1 only seen by the query's own camera.
        evaluate_rank(distmat, [5, 1, 1], [1, 2, 2, 3], [0, 0, 0], [0, 1, 1, 1], max_rank=4)


def test_max_rank_larger_than_gallery():
    rng = np.random.default_rng(4)
    num_g = 12
    distmat = rng.random((8, num_g))
    q_pids, g_pids = rng.integers(0, 3, 8), rng.integers(0, 3, num_g)
    # Queries from camera 0, gallery from cameras 1-2: nothing is removed, which keeps
    # torchreid's per-query CMC lengths equal (it cannot stack them otherwise).
    q_camids, g_camids = np.zeros(8, dtype=int), rng.integers(1, 3, num_g)
    with pytest.warns(UserWarning, match='smaller than max_rank'):
        cmc, mean_ap = evaluate_rank(distmat, q_pids, g_pids, q_camids, g_camids, max_rank=50)
    ref_cmc, ref_map = torchreid_rank(distmat, q_pids, g_pids, q_camids, g_camids, max_rank=50)
    assert cmc.shape == (num_g,)
    np.testing.assert_allclose(cmc, ref_cmc, atol=1e-6)
    assert mean_ap == pytest.approx(ref_map, abs=1e-6)
    assert cmc[-1] == 1.0


def test_ties_rank_competitors_first():
    """Collapsed distances: every competitor is ranked before the match (worst case)."""
    distmat = np.ones((1, 4))
    cmc, mean_ap = evaluate_rank(distmat, [0], [1, 2, 0, 3], [0], [1, 1, 1, 1], max_rank=4)
    np.testing.assert_array_equal(cmc, [0, 0, 0, 1])
    assert mean_ap == pytest.approx(1 / 4)


def test_inputs_validated():
    distmat = np.zeros((2, 3))
    with pytest.raises(ValueError, match='q_pids has 1 entries'):
        evaluate_rank(distmat, [0], [0, 1, 2], [0, 0], [1, 1, 1])
    with pytest.raises(ValueError, match='2-D'):
        evaluate_rank(np.zeros(3), [0], [0, 1, 2], [0], [1, 1, 1])
    nan_dist = np.array([[np.nan, 0.5, 0.2]])
    with pytest.raises(ValueError, match='NaN'):
        evaluate_rank(nan_dist, [0], [0, 1, 2], [0], [1, 1, 1], max_rank=3)
