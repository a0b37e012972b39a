import torch
import torch.nn.functional as F

from mmcl_ice_plugin.models.memories import ClusterMemory, InstanceMemory


def loop_update(bank, indices, feats, a):
    bank = bank.clone()
    for y, x in zip(indices.tolist(), feats):
        row = a * bank[y] + (1 - a) * x
        bank[y] = row / row.norm()
    return bank


def test_instance_memory_matches_the_sequential_update():
    torch.manual_seed(0)
    memory = InstanceMemory(feat_dim=8, num_samples=20, base_momentum=0.5, max_epochs=60)
    assert memory.bank.abs().sum() == 0  # zero initialised
    reference = memory.bank.clone()
    for epoch in (0, 10, 59):
        indices = torch.tensor([3, 7, 3, 11, 7, 3, 0])  # duplicates applied in batch order
        feats = F.normalize(torch.randn(7, 8), dim=1)
        changed = memory.update(indices, feats, epoch)
        reference = loop_update(reference, indices, feats, 0.5 * epoch / 60)
        torch.testing.assert_close(memory.bank, reference)
        assert changed.tolist() == [0, 3, 7, 11]
    assert memory.momentum(0) == 0 and memory.momentum(30) == 0.25


def test_instance_memory_restores_its_size_from_a_checkpoint():
    trained = InstanceMemory(feat_dim=4, num_samples=6)
    trained.update(torch.arange(6), F.normalize(torch.randn(6, 4), dim=1), epoch=0)
    fresh = InstanceMemory(feat_dim=4)
    assert fresh.num_samples == 0
    fresh.load_state_dict(trained.state_dict())
    torch.testing.assert_close(fresh.bank, trained.bank)


def test_cluster_memory_centroids_and_camera_proxies():
    torch.manual_seed(1)
    feats = F.normalize(torch.randn(12, 5), dim=1)
    labels = torch.tensor([0, 0, 1, 1, 1, -1, 2, 2, 0, -1, 1, 2])
    cams = torch.tensor([0, 1, 0, 0, 2, 1, 3, 3, 1, 0, 2, 3])
    memory = ClusterMemory(feat_dim=5)
    memory.update(feats, labels, cams)
    assert memory.num_clusters == 3
    for k in range(3):
        torch.testing.assert_close(memory.centroids[k], feats[labels == k].mean(0))
    expected = sorted({(int(k), int(c)) for k, c in zip(labels, cams) if k >= 0})
    got = sorted(zip(memory.proxy_labels.tolist(), memory.proxy_cams.tolist()))
    assert got == expected
    for proxy, k, c in zip(memory.proxies, memory.proxy_labels, memory.proxy_cams):
        members = feats[(labels == k) & (cams == c)]
        torch.testing.assert_close(proxy, F.normalize(members.mean(0), dim=0))
    fresh = ClusterMemory(feat_dim=5)
    fresh.load_state_dict(memory.state_dict())
    assert torch.equal(fresh.labels, labels) and torch.equal(fresh.proxies, memory.proxies)
