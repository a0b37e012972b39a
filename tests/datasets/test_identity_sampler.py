from types import SimpleNamespace
from unittest import mock

import numpy as np
import pytest

from mmcl_ice_plugin.datasets import IdentitySampler


def make_dataset(counts):
    return SimpleNamespace(pids=np.repeat(np.arange(len(counts)), counts))


def test_groups_of_k_instances_of_one_identity():
    ds = make_dataset([1, 2, 4, 7, 9, 3])
    sampler = IdentitySampler(ds, num_instances=4, seed=3)
    order = np.array(list(sampler))
    assert len(order) == len(sampler)
    groups = ds.pids[order].reshape(-1, 4)
    assert (groups == groups[:, :1]).all()
    # identities with >= 4 images get 4 distinct images in a group
    index_groups = order.reshape(-1, 4)
    for pid, idx in zip(groups[:, 0], index_groups):
        if (ds.pids == pid).sum() >= 4:
            assert len(set(idx)) == 4


def test_deterministic_per_epoch_and_different_across_epochs():
    ds = make_dataset([5] * 10)
    a, b = IdentitySampler(ds, 4, seed=1), IdentitySampler(ds, 4, seed=1)
    assert list(a) == list(b)
    first = list(a)
    a.set_epoch(1)
    assert list(a) != first


def test_ranks_get_disjoint_equal_shares():
    ds = make_dataset([6] * 9)
    shares = []
    for rank in range(2):
        with mock.patch('mmcl_ice_plugin.datasets.samplers.identity_sampler.get_dist_info',
                        return_value=(rank, 2)):
            shares.append(list(IdentitySampler(ds, 2, seed=0)))
    assert len(shares[0]) == len(shares[1]) > 0
    full = list(IdentitySampler(ds, 2, seed=0))
    groups = np.array(full).reshape(-1, 2)
    assert shares[0] == groups[0::2][:len(shares[0]) // 2].reshape(-1).tolist()


def test_bad_num_instances():
    with pytest.raises(ValueError, match='num_instances'):
        IdentitySampler(make_dataset([2, 2]), num_instances=0)
