from types import SimpleNamespace

import numpy as np
import pytest

from mmcl_ice_plugin.datasets import PseudoIdentitySampler, camera_aware_instances


def test_batches_are_p_identities_by_k_instances_without_outliers():
    rng = np.random.default_rng(0)
    cams = rng.integers(0, 6, 300)
    labels = rng.integers(-1, 40, 300)
    sampler = PseudoIdentitySampler(SimpleNamespace(camids=cams), batch_size=32,
                                    num_instances=4, iters_per_epoch=7, seed=3)
    sampler.set_labels(labels)
    order = np.array(list(sampler))
    assert len(order) == len(sampler) == 7 * 32
    groups = labels[order].reshape(-1, 4)
    assert (groups >= 0).all() and (groups == groups[:, :1]).all()
    assert list(sampler) == order.tolist()  # same epoch, same order
    sampler.set_epoch(1)
    assert list(sampler) != order.tolist()


def rule_reference(members, cams, k, picked):
    """Check one picked group against ICE's rule (it is random, so check its properties)."""
    distinct_cams = len(set(cams))
    picked_cams = [cams[list(members).index(p)] for p in picked]
    assert len(picked) == k and set(picked) <= set(members)
    if distinct_cams >= k:
        assert len(set(picked_cams)) == k  # k different cameras, one image each
    else:
        assert set(picked_cams) == set(cams)  # every camera represented
        if len(members) >= k:
            assert len(set(picked)) == k  # filled without replacement


@pytest.mark.parametrize('sizes_cams', [
    [(1, 1)], [(2, 1)], [(3, 3)], [(5, 2)], [(9, 6)], [(4, 4)], [(6, 5)], [(2, 2)]])
def test_camera_aware_rule(sizes_cams):
    rng = np.random.default_rng(4)
    for size, num_cams in sizes_cams:
        for _ in range(20):
            members = rng.permutation(100)[:size]
            cams = np.concatenate([np.arange(num_cams),
                                   rng.integers(0, num_cams, size - num_cams)])
            width = size + 2
            padded = np.full((1, width), -1)
            padded[0, :size] = members
            padded_cams = np.full((1, width), -1)
            padded_cams[0, :size] = cams
            picked = camera_aware_instances(padded, padded_cams, np.array([size]), 4, rng)[0]
            rule_reference(members, cams, 4, list(picked))


def test_bad_arguments_and_missing_labels():
    ds = SimpleNamespace(camids=np.zeros(10, int))
    with pytest.raises(ValueError, match='multiple of num_instances'):
        PseudoIdentitySampler(ds, batch_size=30, num_instances=4)
    sampler = PseudoIdentitySampler(ds, batch_size=8, num_instances=4)
    with pytest.raises(RuntimeError, match='ClusteringHook'):
        list(sampler)
    with pytest.raises(ValueError, match='outlier'):
        sampler.set_labels(-np.ones(10, int))
