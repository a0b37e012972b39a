"""Train and test with torchreid's own supervised engine (``ImageSoftmaxEngine``): the toolbox
baseline that the plugin's supervised config is checked against
(``benchmarks/benchmark_methods.py``).

    python tools/train_torchreid.py benchmarks/configs/torchreid_softmax_r18_medium.py
        [--work-dir D] [--cfg-options k=v ...]

The config (see ``benchmarks/configs/torchreid_softmax_r18_medium.py``) holds torchreid's own
arguments: ``data`` (``ImageDataManager``; ``source`` is a torchreid dataset name or
``'folder'`` for a folder in Market-1501 layout), ``model`` (``build_model`` name, ``pretrained``
False / True / a local weight file, ``last_stride``; ``bn_neck``: the plugin's head, see
:class:`BNNeckHead`), ``optimizer`` (``build_optimizer``), ``lr_schedule`` (linear warm-up
over epochs, then steps, as the plugin's mmengine schedules step them), ``label_smooth``,
``max_epochs``, ``val_interval``, ``test`` (distance) and ``seed``; ``plugin_data`` (a plugin
config file: train on its train dataloader instead of torchreid's, see
:class:`PluginTrainLoader`) or ``plugin_sampler`` (True: torchreid's train set sampled by the
plugin's ``IdentitySampler``, see :class:`PluginSamplerLoader`). Every ``val_interval``
epochs (and after the last) the model is tested the way torchreid's ``Engine.test`` does it
(its feature extraction, ``compute_distance_matrix`` and ``evaluate_rank``), keeping rank-5 and
rank-10 as well.

Writes ``results.json`` to the work dir: ``history`` (one entry per test: ``epoch``, ``mAP``,
``rank1``, ``rank5``, ``rank10`` in percent), ``metrics`` (the last test) and ``train_seconds``
(time in ``Engine.train``, tests excluded); and torchreid's checkpoint ``model/``.
"""
import argparse
import json
import os
import os.path as osp
import time
from types import SimpleNamespace
from typing import Dict, Optional

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from torch import nn
from torch.utils.data import BatchSampler, DataLoader, Sampler
from torchreid.reid import metrics
from torchreid.reid.data import ImageDataManager, ImageDataset, register_image_dataset
from torchreid.reid.engine import ImageSoftmaxEngine
from torchreid.reid.models import build_model
from torchreid.reid.optim import build_optimizer
from torchreid.reid.utils import load_pretrained_weights, set_random_seed

from mmcl_ice_plugin.datasets import load_torchreid_splits
from mmcl_ice_plugin.datasets.samplers import IdentitySampler
from mmcl_ice_plugin.engine.loops import PositionedSampler
from mmcl_ice_plugin.models.backbones.torchreid_backbone import set_last_stride
from mmcl_ice_plugin.registry import DATA_SAMPLERS, DATASETS
from mmcl_ice_plugin.utils import derive_seed


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='torchreid baseline config file')
    parser.add_argument('--work-dir', help='where results.json and the checkpoint go '
                        '(default: work_dirs/<config name>)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, e.g. max_epochs=2 data.root=data/x')
    return parser.parse_args()


def register_checked_dataset(source: str) -> str:
    """Register, under a new torchreid dataset name, ``source`` (a torchreid name or
    ``'folder'``) parsed by the plugin's :func:`load_torchreid_splits`: torchreid's own parser,
    which fails at once with the expected layout where torchreid would try a download."""

    class CheckedDataset(ImageDataset):
        def __init__(self, root: str = '', **kwargs) -> None:
            train, query, gallery = load_torchreid_splits(source, root)
            super().__init__(train, query, gallery, **kwargs)

    name = f'checked_{source}'
    register_image_dataset(name, CheckedDataset)
    return name


def build_scheduler(optimizer: torch.optim.Optimizer, warmup_epochs: int = 0,
                    warmup_factor: float = 0.1, milestones: tuple = (),
                    gamma: float = 0.1) -> torch.optim.lr_scheduler.LRScheduler:
    """Per-epoch schedule (torchreid's engine steps it once an epoch) with the semantics of
    the plugin's mmengine configs, ``LinearLR(start_factor=warmup_factor, begin=0,
    end=warmup_epochs, by_epoch=True)`` then ``MultiStepLR(milestones, gamma)``: the factor
    rises linearly from ``warmup_factor`` in epoch 0 to 1 in epoch ``warmup_epochs - 1``
    (mmengine's end is exclusive; torch's ``LinearLR(total_iters=warmup_epochs)`` would reach 1
    an epoch later), then x ``gamma`` from each milestone epoch on."""
    schedulers = [torch.optim.lr_scheduler.MultiStepLR(optimizer, list(milestones), gamma)]
    if warmup_epochs > 1:
        schedulers.insert(0, torch.optim.lr_scheduler.LinearLR(
            optimizer, start_factor=warmup_factor, total_iters=warmup_epochs - 1))
    return torch.optim.lr_scheduler.ChainedScheduler(schedulers, optimizer)


@torch.no_grad()
def test(engine: ImageSoftmaxEngine, dist_metric: str = 'euclidean',
         normalize_feature: bool = False) -> Dict[str, float]:
    """torchreid's ``Engine._evaluate`` on the first target: query and gallery features from
    ``engine.extract_features`` in eval mode, ``metrics.compute_distance_matrix`` and
    ``metrics.evaluate_rank`` (Market-1501 protocol). Returns mAP and CMC rank-1/5/10 in
    percent (``_evaluate`` returns rank-1 and mAP only)."""
    engine.set_model_mode('eval')
    loaders = next(iter(engine.test_loader.values()))
    parts = {}
    for split in ('query', 'gallery'):
        feats, pids, camids = [], [], []
        for data in loaders[split]:
            imgs, pid, camid = engine.parse_data_for_eval(data)
            if engine.use_gpu:
                imgs = imgs.cuda()
            feats.append(engine.extract_features(imgs).cpu())
            pids.append(pid)
            camids.append(camid)
        feat = torch.cat(feats)
        parts[split] = (F.normalize(feat, dim=1) if normalize_feature else feat,
                        torch.cat(pids).numpy(), torch.cat(camids).numpy())
    (qf, q_pids, q_camids), (gf, g_pids, g_camids) = parts['query'], parts['gallery']
    distmat = metrics.compute_distance_matrix(qf, gf, dist_metric).numpy()
    cmc, mAP = metrics.evaluate_rank(distmat, q_pids, g_pids, q_camids, g_camids)
    return dict(mAP=float(mAP) * 100, rank1=float(cmc[0]) * 100, rank5=float(cmc[4]) * 100,
                rank10=float(cmc[9]) * 100)


class BNNeckHead(nn.Module):
    """A torchreid model (ResNet family: its feature is the pooled feature map) with the plugin's
    ``Supervised`` head instead of its own: pooled feature -> ``BatchNorm1d`` (weight 1, bias 0)
    -> bias-free classifier (normal, std 0.001); the post-BN feature is the test feature. Only
    for measuring what the BN neck changes (``model.bn_neck=True``). The BN bias stays 0 as in
    the plugin's supervised head (``neck.bias_trainable=False``): it is a buffer, because
    torchreid's engine sets ``requires_grad`` on every parameter each epoch."""

    def __init__(self, model: nn.Module, num_classes: int) -> None:
        super().__init__()
        if not hasattr(model, 'featuremaps') or getattr(model, 'fc', None) is not None:
            raise ValueError('model.bn_neck needs a torchreid model whose feature is its pooled '
                             'feature map (the ResNet family without fc_dims).')
        self.model = model
        self.bn = nn.BatchNorm1d(model.feature_dim)
        del self.bn.bias
        self.bn.register_buffer('bias', torch.zeros(model.feature_dim))
        self.classifier = nn.Linear(model.feature_dim, num_classes, bias=False)
        nn.init.normal_(self.classifier.weight, std=0.001)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feat = self.bn(F.adaptive_avg_pool2d(self.model.featuremaps(x), 1).flatten(1))
        return self.classifier(feat) if self.training else feat


class EpochLoader:
    """A train loader for torchreid's engine over any dataset and sampler: each pass is one
    epoch (``sampler.set_epoch`` first), batches of ``batch_size`` with the last partial one
    dropped; with ``item_seed`` each item is augmented from a seed of its position in the
    epoch, as ``ResumableEpochLoop`` does it."""

    def __init__(self, dataset, sampler: Sampler, batch_size: int, num_workers: int,
                 item_seed: Optional[int] = None) -> None:
        self.dataset = dataset
        self.sampler = sampler
        self.batch_size = batch_size
        self.num_workers = num_workers
        self.item_seed = item_seed
        self.epoch = 0

    def __len__(self) -> int:
        return len(self.sampler) // self.batch_size

    def __iter__(self):
        self.sampler.set_epoch(self.epoch)
        sampler = self.sampler
        if self.item_seed is not None:
            sampler = PositionedSampler(sampler, 0, derive_seed(self.item_seed, self.epoch, 0, 0))
        self.epoch += 1
        batches = BatchSampler(sampler, self.batch_size, drop_last=True)
        return iter(DataLoader(self.dataset, batch_sampler=batches,
                               num_workers=self.num_workers))


class PluginTrainLoader(EpochLoader):
    """The train dataloader of a plugin config (its ``ReIDDataset``, sampler, batch size and
    workers), items seeded by position as in ``ResumableEpochLoop``: it yields the plugin's
    batch dicts, whose ``img`` and ``pid`` are what ``ImageSoftmaxEngine`` reads. Only for
    telling the data path from the engine when the two supervised baselines differ."""

    def __init__(self, config: str, seed: int) -> None:
        init_default_scope('mmcl_ice_plugin')
        loader_cfg = Config.fromfile(config).train_dataloader
        dataset = DATASETS.build(loader_cfg.dataset)
        sampler = DATA_SAMPLERS.build(dict(loader_cfg.sampler, dataset=dataset, seed=seed))
        super().__init__(dataset, sampler, loader_cfg.batch_size,
                         loader_cfg.get('num_workers', 0), item_seed=seed)


class PluginSamplerLoader(EpochLoader):
    """torchreid's train loader (its dataset, batch size, workers) with batches drawn by the
    plugin's ``IdentitySampler`` (every identity equally often) instead of torchreid's
    ``RandomIdentitySampler`` (identities in proportion to their images). Only for measuring
    what the sampler changes."""

    def __init__(self, loader: DataLoader, num_instances: int, seed: int) -> None:
        pids = SimpleNamespace(pids=np.array([item[1] for item in loader.dataset.train]))
        super().__init__(loader.dataset, IdentitySampler(pids, num_instances, seed),
                         loader.batch_size, loader.num_workers)


def build_engine(cfg: Config, use_gpu: bool) -> ImageSoftmaxEngine:
    """The data manager, model, optimiser, schedule and ``ImageSoftmaxEngine`` of ``cfg``."""
    data = dict(cfg.data)
    root, source = data.pop('root'), data.pop('source')
    datamanager = ImageDataManager(root=root, sources=register_checked_dataset(source),
                                   use_gpu=use_gpu, **data)
    model_cfg = dict(cfg.model)
    pretrained = model_cfg.pop('pretrained', False)
    last_stride = model_cfg.pop('last_stride', None)
    bn_neck = model_cfg.pop('bn_neck', False)
    model = build_model(num_classes=datamanager.num_train_pids, loss='softmax',
                        pretrained=pretrained is True, use_gpu=use_gpu, **model_cfg)
    if isinstance(pretrained, str):
        load_pretrained_weights(model, pretrained)
    if last_stride is not None:
        set_last_stride(model, last_stride)
    if bn_neck:
        model = BNNeckHead(model, datamanager.num_train_pids)
    if use_gpu:
        model = model.cuda()
    optimizer = build_optimizer(model, **cfg.optimizer)
    scheduler = build_scheduler(optimizer, **cfg.get('lr_schedule', {}))
    if cfg.get('plugin_data'):
        datamanager.train_loader = PluginTrainLoader(cfg.plugin_data, cfg.get('seed', 0))
    elif cfg.get('plugin_sampler'):
        datamanager.train_loader = PluginSamplerLoader(
            datamanager.train_loader, data.get('num_instances', 4), cfg.get('seed', 0))
    return ImageSoftmaxEngine(datamanager, model, optimizer, scheduler=scheduler,
                              use_gpu=use_gpu, label_smooth=cfg.get('label_smooth', True))


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    work_dir = args.work_dir or osp.join(
        'work_dirs', osp.splitext(osp.basename(args.config))[0])
    os.makedirs(work_dir, exist_ok=True)
    cfg.dump(osp.join(work_dir, osp.basename(args.config)))
    set_random_seed(cfg.get('seed', 0))
    use_gpu = torch.cuda.is_available()
    engine = build_engine(cfg, use_gpu)
    max_epochs, val_interval = cfg.max_epochs, cfg.get('val_interval', 1)
    engine.max_epoch = max_epochs
    results = dict(history=[], metrics=None, train_seconds=0.0)
    for epoch in range(max_epochs):
        engine.epoch = epoch
        start = time.perf_counter()
        engine.train(print_freq=cfg.get('print_freq', 20))
        results['train_seconds'] += time.perf_counter() - start
        if (epoch + 1) % val_interval == 0 or epoch + 1 == max_epochs:
            start = time.perf_counter()
            results['metrics'] = test(engine, **cfg.get('test', {}))
            results['history'].append(dict(epoch=epoch + 1, **results['metrics']))
            print(f'epoch {epoch + 1}: ' + '  '.join(
                f'{k} {v:.2f}' for k, v in results['metrics'].items()) +
                f'  (test {time.perf_counter() - start:.1f} s)', flush=True)
            with open(osp.join(work_dir, 'results.json'), 'w') as f:
                json.dump(results, f, indent=2)
    engine.save_model(max_epochs - 1, results['metrics']['rank1'], work_dir)


if __name__ == '__main__':
    main()
