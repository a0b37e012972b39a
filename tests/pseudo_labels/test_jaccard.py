"""Sparse k-reciprocal Jaccard distance and kNN against plain dense transcriptions."""
import faiss
import numpy as np
import pytest
import scipy.sparse as sp
import torch

from mmcl_ice_plugin.pseudo_labels import dbscan_labels, jaccard_distance, knn_search
from mmcl_ice_plugin.pseudo_labels import jaccard as jaccard_module
from mmcl_ice_plugin.pseudo_labels import knn as knn_module
from mmcl_ice_plugin.pseudo_labels.knn import torch_knn


def blobs(num: int, dim: int = 64, per_id: int = 17, noise: float = 0.6,
          seed: int = 0) -> np.ndarray:
    """Normalised features around ``num // per_id`` random unit centres (re-ID-like clusters)."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((max(1, num // per_id), dim))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    x = centres[rng.integers(0, len(centres), num)]
    x = x + noise / np.sqrt(dim) * rng.standard_normal((num, dim))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def random_features(num: int, dim: int = 64, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((num, dim)).astype(np.float32)


def dense_jaccard(features: np.ndarray, k1: int, k2: int) -> np.ndarray:
    """Dense reference, written from the definition with loops over samples (float64)."""
    f = features.astype(np.float64)
    f /= np.linalg.norm(f, axis=1, keepdims=True)
    num = len(f)
    sq = 2 - 2 * f @ f.T
    ranking = sq.copy()
    np.fill_diagonal(ranking, -np.inf)  # i itself first
    knn = np.argsort(ranking, axis=1, kind='stable')[:, :k1]
    m2 = round(k1 / 2) + 1

    def reciprocal(m):
        prefixes = [set(row[:m].tolist()) for row in knn]
        return [{j for j in knn[i, :m].tolist() if i in prefixes[j]} for i in range(num)]

    r1, r2 = reciprocal(k1), reciprocal(m2)
    v = np.zeros((num, num))
    for i in range(num):
        expansion = set(r1[i])
        for c in r1[i]:
            if len(r2[c] & r1[i]) > 2 / 3 * len(r2[c]):
                expansion |= r2[c]
        idx = sorted(expansion)
        w = np.exp(-sq[i, idx])
        v[i, idx] = w / w.sum()
    if k2 > 1:
        v = np.stack([v[knn[i, :k2]].mean(0) for i in range(num)])
    sim = np.zeros((num, num))
    for i in range(num):
        support = np.flatnonzero(v[i])
        sim[i] = np.minimum(v[:, support], v[i, support]).sum(1)
    return np.maximum(1 - sim / (2 - sim), 0)


def check_against_dense(dist: sp.csr_matrix, ref: np.ndarray) -> None:
    num = ref.shape[0]
    assert isinstance(dist, sp.csr_matrix) and dist.shape == (num, num)
    assert dist.has_canonical_format
    coo = dist.tocoo()
    np.testing.assert_allclose(coo.data, ref[coo.row, coo.col], atol=1e-5, rtol=0)
    stored = np.zeros((num, num), dtype=bool)
    stored[coo.row, coo.col] = True
    assert (ref[~stored] >= 1 - 1e-6).all()
    assert (coo.data < 1).all() and (coo.data >= 0).all()
    np.testing.assert_array_equal(dist.diagonal(), 0)
    assert stored.diagonal().all()  # explicit zeros kept
    assert (dist != dist.T).nnz == 0


@pytest.mark.parametrize('make,num,k1,k2', [
    (blobs, 300, 30, 6),
    (blobs, 2000, 30, 6),
    (random_features, 2000, 30, 6),
    (blobs, 800, 20, 6),
    (random_features, 500, 10, 1),
    (blobs, 700, 10, 1),
    (blobs, 600, 31, 4),  # odd k1: |R2| prefix round(15.5) + 1 = 17
    (blobs, 600, 25, 25),  # round(12.5) + 1 = 13 (half to even)
])
def test_matches_dense_reference(make, num, k1, k2):
    feats = make(num, seed=num + k1)
    check_against_dense(jaccard_distance(feats, k1=k1, k2=k2), dense_jaccard(feats, k1, k2))


def test_accepts_tensors_and_unnormalised_features():
    feats = blobs(400, seed=3)
    expected = jaccard_distance(feats)
    got = jaccard_distance(torch.from_numpy(feats * 7.5))
    np.testing.assert_array_equal(got.indptr, expected.indptr)
    np.testing.assert_array_equal(got.indices, expected.indices)
    np.testing.assert_allclose(got.data, expected.data, atol=1e-6)


def test_max_distance_keeps_only_closer_pairs():
    feats = blobs(500, noise=0.8, seed=9)
    full = jaccard_distance(feats)
    cut = jaccard_distance(feats, max_distance=0.6)
    expected = full.copy()
    expected.data[expected.data >= 0.6] = 2  # marked, then dropped below
    keep = expected.data < 2
    assert cut.nnz == keep.sum() < full.nnz / 2
    np.testing.assert_array_equal(cut.data, full.data[keep])
    np.testing.assert_array_equal(cut.indices, full.indices[keep])
    np.testing.assert_array_equal(cut.diagonal(), 0)
    np.testing.assert_array_equal(dbscan_labels(cut), dbscan_labels(full))


def test_max_distance_same_pairs_over_many_small_chunks(monkeypatch):
    """The cut-off path reuses one accumulator across chunks: with a few rows per chunk its
    entries equal the full matrix's below the cut-off, bit for bit."""
    feats = blobs(400, noise=0.8, seed=3)
    full = jaccard_distance(feats)
    monkeypatch.setattr(jaccard_module, 'MAX_ACCUMULATOR_SIZE', 3 * 400)
    monkeypatch.setattr(jaccard_module, 'MAX_PAIRS_PER_CHUNK', 2000)
    cut = jaccard_distance(feats, max_distance=0.7)
    keep = full.data < 0.7
    np.testing.assert_array_equal(np.diff(cut.indptr),
                                  np.add.reduceat(keep, full.indptr[:-1]))
    np.testing.assert_array_equal(cut.indices, full.indices[keep])
    np.testing.assert_array_equal(cut.data, full.data[keep])
    assert (cut != cut.T).nnz == 0


def test_duplicate_features_are_at_distance_zero():
    feats = blobs(300, seed=4)
    feats[10] = feats[11]
    dist = jaccard_distance(feats)
    assert dist[10, 11] == pytest.approx(0, abs=1e-6)


def test_dbscan_on_sparse_equals_dbscan_on_dense_reference():
    noise = random_features(100, seed=6)
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    feats = np.concatenate([blobs(1400, noise=0.8, seed=5), noise])
    ref = dense_jaccard(feats, 30, 6)
    eps = 0.55
    # A value within float error of eps could legitimately fall on either side.
    assert np.abs(ref - eps).min() > 1e-5
    labels = dbscan_labels(jaccard_distance(feats), eps=eps, min_samples=4)
    np.testing.assert_array_equal(labels, dbscan_labels(ref, eps=eps, min_samples=4))
    assert labels.max() >= 20 and (labels == -1).any()


@pytest.mark.parametrize('kwargs,key', [
    (dict(k1=0), 'label_generator.k1'),
    (dict(k1=2.5), 'label_generator.k1'),
    (dict(k2=0), 'label_generator.k2'),
    (dict(k1=5, k2=6), 'label_generator.k2'),
    (dict(k1=50), 'label_generator.k1'),  # more than N = 40
    (dict(max_distance=0), 'label_generator.max_distance'),
    (dict(max_distance=1.5), 'label_generator.max_distance'),
])
def test_invalid_parameters(kwargs, key):
    with pytest.raises(ValueError, match=key):
        jaccard_distance(blobs(40), **kwargs)


def test_rejects_non_finite_features():
    feats = blobs(60)
    feats[3, 0] = np.nan
    with pytest.raises(ValueError, match='NaN'):
        jaccard_distance(feats, k1=10, k2=2)


def test_knn_equals_brute_force_with_self_first():
    feats = random_features(600, dim=32, seed=7)
    distances, indices = knn_search(feats, 30)
    assert indices.shape == distances.shape == (600, 30)
    np.testing.assert_array_equal(indices[:, 0], np.arange(600))
    full = torch.cdist(torch.from_numpy(feats).double(), torch.from_numpy(feats).double()) ** 2
    ref_dist, ref_idx = full.topk(30, dim=1, largest=False)
    np.testing.assert_allclose(distances, ref_dist.numpy(), rtol=1e-4, atol=1e-3)
    # Compare ranks only where the reference order is not a near-tie.
    gaps = np.diff(ref_dist.numpy(), axis=1)
    clear = np.concatenate([gaps[:, :1], np.minimum(gaps[:, 1:], gaps[:, :-1]), gaps[:, -1:]],
                           axis=1) > 1e-3
    assert clear.mean() > 0.9
    np.testing.assert_array_equal(indices[clear], ref_idx.numpy()[clear])


def test_knn_duplicates_keep_self_first():
    feats = random_features(200, dim=16, seed=8)
    feats[5] = feats[6]
    feats[100:140] = feats[99]  # 41 identical rows, more than k
    _, indices = knn_search(feats, 30, use_gpu=False)
    np.testing.assert_array_equal(indices[:, 0], np.arange(200))
    assert indices[5, 1] == 6 and indices[6, 1] == 5
    group = np.arange(99, 140)
    for i in group:
        assert len(set(indices[i])) == 30 and set(indices[i]) <= set(group)


def test_torch_knn_equals_faiss_on_cpu_tensors(monkeypatch):
    feats = random_features(700, dim=48, seed=9)
    queries = feats[:90]
    ref_dist, ref_idx = faiss.knn(queries, feats, 25)
    for block in (knn_module.TORCH_KNN_BLOCK, 700 * 16):  # one block; 16 queries per block
        monkeypatch.setattr(knn_module, 'TORCH_KNN_BLOCK', block)
        dist, idx = torch_knn(queries, feats, 25, device='cpu')
        assert dist.dtype == np.float32 and idx.dtype == np.int64 and idx.shape == (90, 25)
        # float32 rounding of |q|^2 + |b|^2 (about 96 here): a few 1e-5 at distance 0
        np.testing.assert_allclose(dist, ref_dist, rtol=1e-5, atol=1e-4)
        np.testing.assert_array_equal(idx, ref_idx)


@pytest.mark.parametrize('faiss_gpu,k', [(False, 30), (True, knn_module.GPU_MAX_K + 1)])
def test_gpu_searches_without_faiss_support_use_torch(monkeypatch, faiss_gpu, k):
    feats = random_features(max(200, k + 10), dim=8, seed=10)
    calls = []

    def cpu_torch_knn(xq, xb, kk):
        calls.append(kk)
        return torch_knn(xq, xb, kk, device='cpu')

    monkeypatch.setattr(knn_module, 'gpu_available', lambda: faiss_gpu)
    monkeypatch.setattr(knn_module, 'torch_knn', cpu_torch_knn)
    distances, indices = knn_search(feats, k, use_gpu=True)
    assert calls == [k]
    ref_dist, ref_idx = knn_search(feats, k, use_gpu=False)
    np.testing.assert_allclose(distances, ref_dist, rtol=1e-5, atol=1e-4)
    assert (indices == ref_idx).mean() > 0.999


def clustered(num, dim, num_ids, spread, seed):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((num_ids, dim))
    ids = rng.integers(0, num_ids, num)
    feats = (centres[ids] + spread * rng.standard_normal((num, dim))).astype(np.float32)
    return feats / np.linalg.norm(feats, axis=1, keepdims=True), ids


def test_approximate_knn_finds_the_exact_neighbours_with_exact_distances():
    feats, _ = clustered(3000, 64, 150, 0.6, seed=11)
    exact_dist, exact_idx = knn_search(feats, 20, use_gpu=False)
    dist, idx = knn_search(feats, 20, use_gpu=False, knn='approximate')
    np.testing.assert_array_equal(idx[:, 0], np.arange(3000))
    assert (np.diff(dist, axis=1) >= 0).all()
    recall = np.mean([np.isin(a, b).mean() for a, b in zip(exact_idx, idx)])
    assert recall >= 0.99
    # the neighbours found carry their exact distances
    direct = ((feats[:, None, :] - feats[idx]) ** 2).sum(-1)
    np.testing.assert_allclose(dist, direct, rtol=1e-4, atol=1e-5)
    # a projection (D > pca_dim) that drops information still gives exact distances
    dist2, idx2 = knn_module.approximate_knn(feats, 20, pca_dim=16)
    direct2 = ((feats[:, None, :] - feats[idx2]) ** 2).sum(-1)
    np.testing.assert_allclose(dist2, direct2, rtol=1e-4, atol=1e-5)
    assert 0.3 < np.mean([np.isin(a, b).mean() for a, b in zip(exact_idx, idx2)]) < 0.99


def test_approximate_knn_keeps_the_neighbours_of_low_rank_features():
    """Features whose variance lies in few directions (as a network's do) lose almost nothing
    in the projection: 24-dimensional structure in 128 dimensions, projected on 32."""
    low, _ = clustered(2500, 24, 120, 0.6, seed=14)
    rng = np.random.default_rng(15)
    basis = np.linalg.qr(rng.standard_normal((128, 24)))[0].T
    feats = (low @ basis + 0.01 * rng.standard_normal((2500, 128))).astype(np.float32)
    exact_dist, exact_idx = knn_search(feats, 20, use_gpu=False)
    dist, idx = knn_module.approximate_knn(feats, 20, pca_dim=32)
    assert np.mean([np.isin(a, b).mean() for a, b in zip(exact_idx, idx)]) >= 0.99
    np.testing.assert_allclose(dist, ((feats[:, None, :] - feats[idx]) ** 2).sum(-1),
                               rtol=1e-4, atol=1e-5)


def test_auto_knn_is_approximate_from_the_threshold_on_the_cpu(monkeypatch):
    feats = random_features(300, dim=16, seed=12)
    calls = []
    approximate = knn_module.approximate_knn

    def spy(x, k):
        calls.append(len(x))
        return approximate(x, k)

    monkeypatch.setattr(knn_module, 'approximate_knn', spy)
    monkeypatch.setattr(knn_module, 'APPROXIMATE_MIN_N', 301)
    knn_search(feats, 10, use_gpu=False, knn='auto')
    assert calls == []
    monkeypatch.setattr(knn_module, 'APPROXIMATE_MIN_N', 300)
    knn_search(feats, 10, use_gpu=False, knn='auto')
    assert calls == [300]
    knn_search(feats, 10, use_gpu=False, knn='exact')
    assert calls == [300]
    with pytest.raises(ValueError, match='knn must be one of'):
        knn_search(feats, 10, knn='hnsw')


def test_jaccard_labels_from_approximate_neighbours_equal_exact_ones():
    feats, _ = clustered(2000, 48, 100, 0.5, seed=13)
    exact = dbscan_labels(jaccard_distance(feats, k1=20, k2=6, knn='exact'), eps=0.55,
                          min_samples=4)
    approx = dbscan_labels(jaccard_distance(feats, k1=20, k2=6, knn='approximate'), eps=0.55,
                           min_samples=4)
    assert exact.max() > 50
    np.testing.assert_array_equal(approx, exact)


def test_knn_rejects_bad_k():
    with pytest.raises(ValueError, match='k must be'):
        knn_search(random_features(10), 11)
