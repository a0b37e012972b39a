"""ClusteringHook on a fake runner: labels reach the model and the sampler, are saved, and a
clustering that finds nothing keeps the previous labels; the camera-aware Jaccard option."""
import logging
import re
from types import SimpleNamespace

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import ConfigDict

from mmcl_ice_plugin.engine.hooks import ClusteringHook
from mmcl_ice_plugin.engine.hooks import clustering_hook
from mmcl_ice_plugin.models.memories import ClusterMemory
from mmcl_ice_plugin.pseudo_labels import (camera_aware_jaccard_distance, dbscan_labels,
                                           jaccard_distance)
from mmcl_ice_plugin.registry import HOOKS


class FakeModel(torch.nn.Module):

    def __init__(self, feats):
        super().__init__()
        self.cluster_memory = ClusterMemory(feats.shape[1])
        self.feats = feats

    def teacher_features(self, img):
        return self.feats[img[:, 0, 0, 0].long()]


class Recorder:

    def __init__(self):
        self.labels = None

    def set_labels(self, labels):
        self.labels = labels


def make_runner(tmp_path, feats, camids, pids):
    dataset = _Dataset(camids, pids)
    loader = [dict(img=torch.arange(len(pids)).float().view(-1, 1, 1, 1).expand(-1, 3, 2, 2),
                   index=torch.arange(len(pids)))]
    runner = SimpleNamespace(
        model=FakeModel(feats), epoch=0, work_dir=str(tmp_path), logger=logging.getLogger('t'),
        visualizer=SimpleNamespace(add_scalars=lambda *a, **k: None),
        train_dataloader=SimpleNamespace(sampler=Recorder()),
        train_loop=SimpleNamespace(mid_epoch_start=0))
    return runner, loader, dataset


def blobs(num_ids=6, per_id=8, dim=16, seed=0):
    gen = torch.Generator().manual_seed(seed)
    centres = F.normalize(torch.randn(num_ids, dim, generator=gen), dim=1)
    feats = centres.repeat_interleave(per_id, 0) + 0.05 * torch.randn(num_ids * per_id, dim,
                                                                       generator=gen)
    return F.normalize(feats, dim=1), np.repeat(np.arange(num_ids), per_id)


def test_labels_reach_model_and_sampler_and_are_saved(tmp_path):
    feats, pids = blobs()
    camids = np.arange(len(pids)) % 3
    runner, loader, dataset = make_runner(tmp_path, feats, camids, pids)
    hook = ClusteringHook(extract_pipeline=[], k1=8, k2=3, eps=0.6, min_samples=3)
    hook.loader = _Loader(loader, dataset)
    hook.before_train_epoch(runner)
    labels = runner.train_dataloader.sampler.labels
    assert labels.shape == pids.shape and len(set(labels[labels >= 0])) == 6
    # each cluster is one ground-truth identity
    assert all(len(set(pids[labels == k])) == 1 for k in set(labels[labels >= 0]))
    assert torch.equal(runner.model.cluster_memory.labels, torch.as_tensor(labels))
    assert runner.model.cluster_memory.num_clusters == 6
    assert np.array_equal(np.load(tmp_path / 'pseudo_labels' / 'epoch_000.npy'), labels)


def test_no_cluster_keeps_the_previous_labels(tmp_path, caplog):
    feats, pids = blobs()
    runner, loader, dataset = make_runner(tmp_path, feats, np.zeros(len(pids), int), pids)
    hook = ClusteringHook(extract_pipeline=[], k1=8, k2=3, eps=0.6, min_samples=3)
    hook.loader = _Loader(loader, dataset)
    hook.before_train_epoch(runner)
    first = runner.train_dataloader.sampler.labels.copy()
    hook.cluster = lambda feats, runner: -np.ones(len(pids), dtype=np.int64)
    runner.epoch = 1
    with caplog.at_level(logging.WARNING):
        hook.before_train_epoch(runner)
    assert 'no cluster' in caplog.text
    assert np.array_equal(runner.train_dataloader.sampler.labels, first)
    assert np.array_equal(runner.model.cluster_memory.labels.numpy(), first)


def test_no_cluster_in_the_first_epoch_is_a_clear_error(tmp_path):
    feats, pids = blobs()
    runner, loader, dataset = make_runner(tmp_path, feats, np.zeros(len(pids), int), pids)
    hook = ClusteringHook(extract_pipeline=[], k1=8, k2=3, eps=0.6, min_samples=3)
    hook.loader = _Loader(loader, dataset)
    hook.cluster = lambda feats, runner: -np.ones(len(pids), dtype=np.int64)
    with pytest.raises(RuntimeError, match='eps'):
        hook.before_train_epoch(runner)


def test_a_registered_subclass_generates_the_labels(tmp_path):
    """The README's extension point: a subclass overrides ``label`` only, is built from the
    registry by ``type``, and the hook still saves its labels and fills model and sampler."""

    class CameraClusteringHook(ClusteringHook):
        """Labels = camera ids: a stand-in for another label generator."""

        def label(self, feats, camids):
            self.seen = (feats.shape, camids.copy())
            return camids.astype(np.int64)

    HOOKS.register_module(module=CameraClusteringHook, force=True)
    feats, pids = blobs()
    camids = np.arange(len(pids)) % 3
    runner, loader, dataset = make_runner(tmp_path, feats, camids, pids)
    hook = HOOKS.build(dict(type='CameraClusteringHook', extract_pipeline=[]))
    assert type(hook) is CameraClusteringHook
    hook.loader = _Loader(loader, dataset)
    hook.before_train_epoch(runner)
    assert hook.seen[0] == feats.shape and np.array_equal(hook.seen[1], camids)
    assert np.array_equal(runner.train_dataloader.sampler.labels, camids)
    assert runner.model.cluster_memory.num_clusters == 3
    assert np.array_equal(np.load(tmp_path / 'pseudo_labels' / 'epoch_000.npy'), camids)


def test_invalid_hyperparameters():
    with pytest.raises(ValueError, match='k2'):
        ClusteringHook(extract_pipeline=[], k1=5, k2=6)
    with pytest.raises(ValueError, match='eps'):
        ClusteringHook(extract_pipeline=[], eps=0)
    with pytest.raises(ValueError, match=re.escape("ClusteringHook'].knn must be one of")):
        ClusteringHook(extract_pipeline=[], knn='hnsw')


def run_epoch(tmp_path, feats, camids, pids, hook, epoch=0):
    runner, loader, dataset = make_runner(tmp_path, feats, camids, pids)
    runner.epoch = epoch
    hook.loader = _Loader(loader, dataset)
    hook.before_train_epoch(runner)
    return runner.train_dataloader.sampler.labels


def test_camera_aware_jaccard_off_gives_todays_labels(tmp_path):
    gen = torch.Generator().manual_seed(3)
    feats = F.normalize(torch.randn(60, 8, generator=gen) + 2 * torch.randn(
        3, 8, generator=gen).repeat_interleave(20, 0), dim=1)
    camids, pids = np.arange(60) % 4, np.repeat(np.arange(3), 20)
    kwargs = dict(extract_pipeline=[], k1=10, k2=4, eps=0.5, min_samples=3)
    today = run_epoch(tmp_path / 'a', feats, camids, pids, ClusteringHook(**kwargs))
    off = run_epoch(tmp_path / 'b', feats, camids, pids,
                    ClusteringHook(camera_aware_jaccard=None, **kwargs))
    np.testing.assert_array_equal(off, today)
    expected = dbscan_labels(jaccard_distance(feats.numpy(), k1=10, k2=4), eps=0.5,
                             min_samples=3)
    np.testing.assert_array_equal(today, expected)
    assert len(set(today)) > 1


def two_identities_two_cameras(per_group=25):
    """``f = 3 e_camera + e_identity + noise``: the camera dominates the features."""
    gen = torch.Generator().manual_seed(0)
    camids, pids = np.repeat([0, 0, 1, 1], per_group), np.repeat([0, 1, 0, 1], per_group)
    feats = torch.zeros(4 * per_group, 4)
    feats[np.arange(len(pids)), camids] = 3.0
    feats[np.arange(len(pids)), 2 + pids] = 1.0
    return F.normalize(feats + 0.05 * torch.randn(feats.shape, generator=gen), dim=1), camids, pids


def test_camera_aware_jaccard_clusters_identities_across_cameras(tmp_path):
    feats, camids, pids = two_identities_two_cameras()
    plain = run_epoch(tmp_path / 'a', feats, camids, pids, ClusteringHook(extract_pipeline=[]))
    assert all(len(set(camids[plain == k])) == 1 for k in set(plain))  # one camera each
    hook = ClusteringHook(extract_pipeline=[], camera_aware_jaccard=dict())
    np.testing.assert_array_equal(run_epoch(tmp_path / 'b', feats, camids, pids, hook), pids)


@pytest.mark.parametrize('epoch,warmup,k2s', [(0, (3, 3), (3, 3)), (1, (3, 3), (2, 4)),
                                              (0, None, (2, 4)), (0, [1, 5], (1, 5))])
def test_camera_aware_jaccard_parameters_reach_the_distance(tmp_path, monkeypatch, epoch,
                                                            warmup, k2s):
    calls = []

    def recording(*args, **kwargs):
        calls.append((args, kwargs))
        return camera_aware_jaccard_distance(*args, **kwargs)

    monkeypatch.setattr(clustering_hook, 'camera_aware_jaccard_distance', recording)
    feats, camids, pids = two_identities_two_cameras()
    hook = ClusteringHook(extract_pipeline=[], k1=12, k2=3, max_distance=0.9,
                          camera_aware_jaccard=dict(k1_inter=15, warmup_k2=warmup))
    run_epoch(tmp_path, feats, camids, pids, hook, epoch=epoch)
    (args, kwargs), = calls
    np.testing.assert_array_equal(args[1], camids)
    assert kwargs == dict(k1=12, k2=3, max_distance=0.9, k1_intra=5, k1_inter=15,
                          k2_intra=k2s[0], k2_inter=k2s[1], ckrnns=True, clqe=True)


@pytest.mark.parametrize('cfg,name', [
    (dict(k1_intra=-1), 'k1_intra'),
    (dict(k1_inter='20'), 'k1_inter'),
    (dict(k2_intra=0), 'k2_intra'),
    (dict(k2_inter=1.5), 'k2_inter'),
    (dict(ckrnns=1), 'ckrnns'),
    (dict(clqe='no'), 'clqe'),
    (dict(warmup_k2=3), 'warmup_k2'),
    (dict(warmup_k2=(0, 3)), 'warmup_k2.k2_intra'),
    (dict(k3=2), 'k3'),
])
def test_invalid_camera_aware_jaccard_names_the_config_key(cfg, name):
    key = f"custom_hooks[type='ClusteringHook'].camera_aware_jaccard.{name}"
    with pytest.raises(ValueError, match=re.escape(key)):
        ClusteringHook(extract_pipeline=[], camera_aware_jaccard=cfg)
    with pytest.raises(ValueError, match=re.escape('camera_aware_jaccard must be None or')):
        ClusteringHook(extract_pipeline=[], camera_aware_jaccard=True)


class _Loader:

    def __init__(self, batches, dataset):
        self.batches, self.dataset = batches, dataset

    def __iter__(self):
        return iter(self.batches)

    def __len__(self):
        return len(self.batches)


class _Dataset:

    def __init__(self, camids, pids):
        self.camids, self.pids = camids, pids

    def __len__(self):
        return len(self.pids)


def test_features_are_extracted_from_the_images_as_their_cameras_took_them(tiny_market):
    # CamStyle re-colours training images; the clusters must come from the originals
    dataset = dict(type='mmcl_ice_plugin.ReIDDataset', data_root=tiny_market, split='train',
                   camstyle='colour', pipeline=[dict(type='ToTensor')])
    model = FakeModel(torch.zeros(1, 4))
    runner = SimpleNamespace(cfg=ConfigDict(train_dataloader=dict(dataset=dataset)),
                             model=model, seed=0, train_dataloader=None)
    hook = ClusteringHook(extract_pipeline=[dict(type='ToTensor')], num_workers=0)
    hook.before_train(runner)
    assert hook.loader.dataset.camstyle is None
    assert hook.loader.dataset.camstyle_prob > 0
    assert dataset['camstyle'] == 'colour'


def test_default_storage_cutoff_follows_eps():
    """Stored distances stop just above eps (the pairs DBSCAN uses), at most 1."""
    assert ClusteringHook(extract_pipeline=[], eps=0.5).max_distance == pytest.approx(0.55)
    assert ClusteringHook(extract_pipeline=[], eps=0.98).max_distance == 1.0
    assert ClusteringHook(extract_pipeline=[], eps=0.5, max_distance=0.9).max_distance == 0.9
