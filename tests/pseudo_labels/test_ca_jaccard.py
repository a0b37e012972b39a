"""Camera-aware Jaccard distance against a plain-loop transcription of its definition, and on
hand-built cases that show what it does."""
import numpy as np
import pytest
import scipy.sparse as sp
import torch

from mmcl_ice_plugin.pseudo_labels import (camera_aware_jaccard_distance, dbscan_labels,
                                           jaccard_distance)


def loop_reference(feats, cams, k1_intra, k1_inter, k2_intra, k2_inter, ckrnns=True,
                   clqe=True, k1=30, k2=6):
    """Dense CA-Jaccard written from the definition with loops over samples (float64).

    Every image ranks the others twice: its own camera first (itself at the head), then the
    other cameras; or the other cameras first, then its own. Mutual membership of the first
    ``k + 1`` entries makes a neighbour. ``ckrnns=False`` / ``clqe=False`` take the plain ICE
    neighbours and query expansion instead.
    """
    f = feats.astype(np.float64)
    f /= np.linalg.norm(f, axis=1, keepdims=True)
    num = len(f)
    dist = 2 - 2 * f @ f.T

    def by_distance(i, group):
        return sorted(group, key=lambda j: (j != i, dist[i, j]))

    own_first, others_first, plain = [], [], []
    for i in range(num):
        same = by_distance(i, [j for j in range(num) if cams[j] == cams[i]])
        other = by_distance(i, [j for j in range(num) if cams[j] != cams[i]])
        own_first.append(same + other)
        others_first.append(other + same)
        plain.append(by_distance(i, range(num)))

    def reciprocal(lists, m):
        return [{j for j in lists[i][:m] if i in lists[j][:m]} for i in range(num)]

    if ckrnns:
        intra = reciprocal(own_first, k1_intra + 1)
        inter = reciprocal(others_first, k1_inter + 1)
        support = [intra[i] | inter[i] for i in range(num)]
    else:
        r1 = reciprocal(plain, k1)
        r2 = reciprocal(plain, round(k1 / 2) + 1)
        support = []
        for i in range(num):
            members = set(r1[i])
            for c in r1[i]:
                if len(r2[c] & r1[i]) > 2 / 3 * len(r2[c]):
                    members |= r2[c]
            support.append(members)
    v = np.zeros((num, num))
    for i in range(num):
        cols = sorted(support[i])
        w = np.exp(-dist[i, cols])
        v[i, cols] = w / w.sum()
    if clqe:
        rows = [own_first[i][:k2_intra] + others_first[i][:k2_inter] for i in range(num)]
    else:
        rows = [plain[i][:k2] for i in range(num)]
    v = np.stack([v[rows[i]].mean(0) for i in range(num)])
    out = np.ones((num, num))
    for i in range(num):
        for j in range(num):
            s = np.minimum(v[i], v[j]).sum()
            out[i, j] = max(0.0, 1 - s / (2 - s))
    return out


def check_equal(dist, ref, atol=1e-6):
    num = ref.shape[0]
    assert isinstance(dist, sp.csr_matrix) and dist.shape == (num, num)
    assert dist.has_canonical_format and dist.dtype == np.float32
    coo = dist.tocoo()
    np.testing.assert_allclose(coo.data, ref[coo.row, coo.col], atol=atol, rtol=0)
    stored = np.zeros((num, num), dtype=bool)
    stored[coo.row, coo.col] = True
    assert (ref[~stored] >= 1 - atol).all()  # absent pairs are at distance 1
    assert stored.diagonal().all() and (dist.diagonal() == 0).all()
    assert (dist != dist.T).nnz == 0


def random_case(num, num_cams, seed, dim=12):
    rng = np.random.default_rng(seed)
    feats = rng.standard_normal((num, dim)).astype(np.float32)
    feats += 1.5 * rng.standard_normal((num_cams, dim)).astype(np.float32)[
        np.arange(num) % num_cams]  # a camera bias, so that the rankings mix cameras
    cams = rng.integers(0, num_cams, num)
    cams[0] = num_cams  # a camera with one image
    return feats, cams


@pytest.mark.parametrize('seed', range(5))
@pytest.mark.parametrize('params', [(5, 20, 2, 4), (3, 6, 3, 3), (2, 4, 1, 0), (0, 0, 1, 2)])
def test_matches_the_loop_reference(seed, params):
    feats, cams = random_case(48, 4, seed)
    check_equal(camera_aware_jaccard_distance(feats, cams, *params),
                loop_reference(feats, cams, *params))


@pytest.mark.parametrize('num,num_cams', [(12, 3), (7, 1), (5, 5), (1, 1), (2, 2)])
def test_fewer_images_than_k(num, num_cams):
    """N below k1_inter + 1 (and below every k for the smallest): the lists are cut at N."""
    rng = np.random.default_rng(num)
    feats = rng.standard_normal((num, 8)).astype(np.float32)
    cams = np.arange(num) % num_cams
    check_equal(camera_aware_jaccard_distance(feats, cams),
                loop_reference(feats, cams, 5, 20, 2, 4))


@pytest.mark.parametrize('ckrnns,clqe', [(True, False), (False, True)])
def test_each_part_alone_matches_the_loop_reference(ckrnns, clqe):
    feats, cams = random_case(60, 3, seed=11)
    kwargs = dict(ckrnns=ckrnns, clqe=clqe, k1=12, k2=4)
    check_equal(camera_aware_jaccard_distance(feats, cams, 4, 8, 2, 3, **kwargs),
                loop_reference(feats, cams, 4, 8, 2, 3, **kwargs))


def test_both_parts_off_is_the_plain_jaccard_distance():
    feats, cams = random_case(80, 3, seed=2)
    got = camera_aware_jaccard_distance(feats, cams, ckrnns=False, clqe=False, k1=15, k2=4)
    expected = jaccard_distance(feats, k1=15, k2=4)
    for name in ('indptr', 'indices', 'data'):
        np.testing.assert_array_equal(getattr(got, name), getattr(expected, name))


def test_accepts_tensors_and_max_distance():
    feats, cams = random_case(50, 3, seed=4)
    full = camera_aware_jaccard_distance(feats, cams)
    got = camera_aware_jaccard_distance(torch.from_numpy(3 * feats), torch.from_numpy(cams))
    np.testing.assert_array_equal(got.indices, full.indices)
    np.testing.assert_allclose(got.data, full.data, atol=1e-6)
    cut = camera_aware_jaccard_distance(feats, cams, max_distance=0.7)
    keep = full.data < 0.7
    assert 0 < keep.sum() < full.nnz
    np.testing.assert_array_equal(cut.data, full.data[keep])
    np.testing.assert_array_equal(cut.indices, full.indices[keep])


def two_identities_two_cameras(per_group=25, seed=0):
    """Identity p in {0, 1} seen by camera c in {0, 1}: ``f = 3 e_c + e_(2 + p) + noise``.

    Images of the same camera and another identity (distance ~ 2 between the raw features) are
    closer than those of the same identity in another camera (~ 18): the camera dominates. Within
    one camera the identity decides, and so it does among the images of one other camera.
    """
    rng = np.random.default_rng(seed)
    cams = np.repeat([0, 0, 1, 1], per_group)
    pids = np.repeat([0, 1, 0, 1], per_group)
    feats = np.zeros((4 * per_group, 6))
    feats[np.arange(len(cams)), cams] = 3.0
    feats[np.arange(len(cams)), 2 + pids] = 1.0
    feats += 0.05 * rng.standard_normal(feats.shape)
    return feats.astype(np.float32), cams, pids


def test_cameras_dominate_plain_jaccard_links_cameras_ca_jaccard_links_identities():
    feats, cams, pids = two_identities_two_cameras()
    plain = jaccard_distance(feats, k1=30, k2=6)
    ca = camera_aware_jaccard_distance(feats, cams)
    cross = cams[:, None] != cams[None, :]
    same_id = pids[:, None] == pids[None, :]
    # Plain: an image's 30 neighbours are all in its own camera, so pairs across cameras share
    # no support (distance 1, not stored) and every cluster is one camera's.
    assert plain.multiply(sp.csr_matrix(cross)).nnz == 0
    plain_labels = dbscan_labels(plain, eps=0.55, min_samples=4)
    assert (plain_labels >= 0).all()
    assert all(len(set(cams[plain_labels == k])) == 1 for k in set(plain_labels))
    # CA-Jaccard: the 21 nearest images of the other camera are the same identity's, so each
    # identity's images are linked across cameras and never to the other identity.
    dense = np.ones(ca.shape)
    coo = ca.tocoo()
    dense[coo.row, coo.col] = coo.data
    assert (dense[same_id & cross] < 0.55).any()  # DBSCAN neighbours across cameras
    assert (dense[~same_id] == 1).all()
    ca_labels = dbscan_labels(ca, eps=0.55, min_samples=4)
    np.testing.assert_array_equal(ca_labels, pids)


def test_ckrnns_take_the_intra_and_inter_camera_reciprocal_neighbours():
    """Images on a line: the intra-camera neighbours come from the own camera, the inter-camera
    ones from the other camera, however near the own camera's images are."""
    pos = np.array([0.0, 1.0, 2.5, 4.5, 10.0, 11.5])  # camera 0: the first four; camera 1
    cams = np.array([0, 0, 0, 0, 1, 1])
    feats = np.stack([np.cos(pos / 40), np.sin(pos / 40)], 1).astype(np.float32)
    # k1_intra = 1: i and its nearest same-camera image, if that is mutual; k1_inter = 0: the
    # nearest other-camera image, if mutual; k2 = (1, 0): no query expansion. So
    # E(0) = E(1) = {0, 1}, E(2) = {2}, E(3) = {3, 4}, E(4) = {3, 4, 5}, E(5) = {4, 5}:
    # 3 and 4 are each other's nearest image of the other camera.
    dist = camera_aware_jaccard_distance(feats, cams, 1, 0, 1, 0)
    check_equal(dist, loop_reference(feats, cams, 1, 0, 1, 0))
    stored = {i: set(dist[i].indices) for i in range(6)}
    assert stored[0] == {0, 1} and stored[2] == {2}
    assert stored[3] == {3, 4, 5} and stored[4] == {3, 4, 5}
    assert 0 < dist[3, 4] < dist[3, 5] < 1  # 3 and 4 share {3, 4}; 3 and 5 share {4}


@pytest.mark.parametrize('kwargs,key', [
    (dict(k1_intra=-1), 'camera_aware_jaccard.k1_intra'),
    (dict(k1_inter=2.5), 'camera_aware_jaccard.k1_inter'),
    (dict(k2_intra=0), 'camera_aware_jaccard.k2_intra'),
    (dict(k2_inter=True), 'camera_aware_jaccard.k2_inter'),
    (dict(ckrnns='yes'), 'camera_aware_jaccard.ckrnns'),
    (dict(clqe=None), 'camera_aware_jaccard.clqe'),
    (dict(max_distance=0), 'max_distance'),
    (dict(ckrnns=False, k1=50), 'ckrnns=False'),  # plain neighbours need k1 <= N = 20
])
def test_invalid_parameters(kwargs, key):
    feats, cams = random_case(20, 2, seed=0)
    with pytest.raises(ValueError, match=key):
        camera_aware_jaccard_distance(feats, cams, **kwargs)


def test_camids_must_match_the_features():
    feats, cams = random_case(20, 2, seed=0)
    with pytest.raises(ValueError, match='camids'):
        camera_aware_jaccard_distance(feats, cams[:-1])
