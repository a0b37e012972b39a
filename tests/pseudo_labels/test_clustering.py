"""DBSCAN on the sparse Jaccard distance: same labels as on the dense matrix, clear errors."""
import numpy as np
import pytest
import scipy.sparse as sp

from mmcl_ice_plugin.pseudo_labels import dbscan_labels, jaccard_distance


def dense_from_sparse(dist: sp.spmatrix) -> np.ndarray:
    """Dense copy with absent pairs at distance 1 (stored zeros stay 0)."""
    coo = dist.tocoo()
    out = np.ones(dist.shape, dtype=np.float64)
    out[coo.row, coo.col] = coo.data
    return out


@pytest.fixture(scope='module')
def jaccard() -> sp.csr_matrix:
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((60, 32))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    x = centres[rng.integers(0, 60, 900)] + 0.15 * rng.standard_normal((900, 32))
    x = np.concatenate([x, rng.standard_normal((100, 32))])  # scattered points: outliers
    return jaccard_distance(x.astype(np.float32), k1=20, k2=4)


@pytest.mark.parametrize('eps,min_samples', [(0.55, 4), (0.3, 2), (0.7, 8), (0.55, 1)])
def test_sparse_equals_dense(jaccard, eps, min_samples):
    labels = dbscan_labels(jaccard, eps=eps, min_samples=min_samples)
    dense = dbscan_labels(dense_from_sparse(jaccard), eps=eps, min_samples=min_samples)
    np.testing.assert_array_equal(labels, dense)
    assert labels.dtype == np.int64 and labels.shape == (1000,)
    if min_samples > 1:
        assert labels.max() > 10 and (labels == -1).sum() > 0


def test_input_is_not_modified(jaccard):
    before = jaccard.copy()
    dbscan_labels(jaccard)
    assert (jaccard != before).nnz == 0 and jaccard.nnz == before.nnz


def test_sample_counts_itself_even_without_stored_diagonal():
    # Two groups of 3 points at distance 0.1 from each other; no diagonal stored.
    rows, cols = [0, 0, 1, 3, 3, 4], [1, 2, 2, 4, 5, 5]
    half = sp.coo_matrix((np.full(6, 0.1), (rows, cols)), shape=(7, 7))
    dist = (half + half.T).tocsr()
    labels = dbscan_labels(dist, eps=0.2, min_samples=3)
    np.testing.assert_array_equal(labels, [0, 0, 0, 1, 1, 1, -1])
    dense = np.ones((7, 7))
    dense[dist.nonzero()] = 0.1
    np.fill_diagonal(dense, 0)
    np.testing.assert_array_equal(dbscan_labels(dense, eps=0.2, min_samples=3), labels)
    # With min_samples = 4 no point has enough neighbours.
    assert (dbscan_labels(dist, eps=0.2, min_samples=4) == -1).all()


def test_stored_zero_distances_are_neighbours():
    dist = sp.csr_matrix((np.zeros(4), ([0, 1, 1, 2], [1, 0, 2, 1])), shape=(3, 3))
    np.testing.assert_array_equal(dbscan_labels(dist, eps=0.01, min_samples=2), [0, 0, 0])


@pytest.mark.parametrize('kwargs,key', [
    (dict(eps=0), 'label_generator.eps'),
    (dict(eps=-0.5), 'label_generator.eps'),
    (dict(eps=1.0), 'label_generator.eps'),  # sparse input: absent pairs would be neighbours
    (dict(eps='0.5'), 'label_generator.eps'),
    (dict(min_samples=0), 'label_generator.min_samples'),
    (dict(min_samples=2.5), 'label_generator.min_samples'),
    (dict(min_samples=True), 'label_generator.min_samples'),
])
def test_invalid_parameters(jaccard, kwargs, key):
    with pytest.raises(ValueError, match=key):
        dbscan_labels(jaccard, **kwargs)


def test_dense_input_allows_eps_of_one_or_more():
    dense = np.array([[0, 1.2, 3], [1.2, 0, 3], [3, 3, 0]])
    np.testing.assert_array_equal(dbscan_labels(dense, eps=1.5, min_samples=2), [0, 0, -1])


def test_rejects_non_square():
    with pytest.raises(ValueError, match='square'):
        dbscan_labels(sp.csr_matrix((3, 4)))
