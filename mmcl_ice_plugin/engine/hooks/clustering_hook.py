"""``ClusteringHook``: ICE's per-epoch pseudo labels (teacher features, k-reciprocal Jaccard
distance, DBSCAN), broadcast to every rank and handed to the model and the sampler."""
import os
import os.path as osp
import time
from typing import Mapping, Optional, Sequence

import numpy as np
import torch
from mmengine.dist import broadcast_object_list, is_main_process
from mmengine.hooks import Hook
from mmengine.runner import Runner

from ...pseudo_labels import (camera_aware_jaccard_distance, camera_view_quality, dbscan_labels,
                              jaccard_distance, pseudo_label_quality)
from ...pseudo_labels.ca_jaccard import CA_JACCARD_DEFAULTS, check_ca_jaccard_params
from ...pseudo_labels.clustering import check_dbscan_params
from ...pseudo_labels.jaccard import check_jaccard_params, max_distance_for
from ...pseudo_labels.knn import KNN_MODES
from ...registry import HOOKS
from ..dist_utils import unwrap_model
from ..feature_extraction import extract_features

# How error messages name this hook's arguments in a config.
CONFIG_KEY = "custom_hooks[type='ClusteringHook']"


@HOOKS.register_module()
class ClusteringHook(Hook):
    """ICE's per-epoch pseudo labels: k-reciprocal Jaccard distance + DBSCAN.

    Reference:
        H. Chen, B. Lagadec, F. Bremond. ICE: Inter-instance Contrastive Encoding for
        Unsupervised Person Re-identification. ICCV 2021. https://arxiv.org/abs/2103.16364
        Y. Chen, Z. Fan, Z. Chen, Y. Zhu. CA-Jaccard: Camera-aware Jaccard Distance for Person
        Re-identification. CVPR 2024. https://arxiv.org/abs/2311.10605 (option)

    Before every epoch: teacher features of the whole train set (eval mode, test transform;
    extraction spread over ranks and gathered), Jaccard distance + DBSCAN on rank 0, labels
    broadcast; then ``model.cluster_memory.update`` (centroids, camera proxies) and
    ``sampler.set_labels`` on every rank.

    Logs the number of clusters and outliers and, where the dataset has ground truth, the
    pseudo-label quality (pairwise precision / recall / F-score, NMI, ARI); saves each epoch's
    labels to ``<work_dir>/pseudo_labels/epoch_<e>.npy``. If DBSCAN finds no cluster, the
    previous labels are kept (with a warning).

    Args:
        extract_pipeline (Sequence[dict]): The test transform applied for feature extraction.
        batch_size (int): Batch size of the extraction dataloader. Defaults to 128.
        num_workers (int): Workers of the extraction dataloader. Defaults to 2.
        k1 (int): Neighbourhood size of the Jaccard distance. Defaults to 30.
        k2 (int): Query-expansion size of the Jaccard distance. Defaults to 6.
        eps (float): DBSCAN radius. Defaults to 0.55.
        min_samples (int): DBSCAN core size, the sample included. Defaults to 4.
        max_distance (float, optional): Store only Jaccard distances below this, in
            ``(eps, 1]``. Any value above ``eps`` gives the same labels; 1.0 stores every pair
            that shares support (thousands per image where identities overlap). Defaults to
            None (``eps + 0.05``, at most 1).
        camera_aware_jaccard (dict, optional): Cluster on the camera-aware Jaccard distance
            (:func:`camera_aware_jaccard_distance`) instead of ICE's. Keys, each defaulting to
            the authors' Market-1501 value: ``k1_intra`` (5), ``k1_inter`` (20), ``k2_intra``
            (2), ``k2_inter`` (4), ``ckrnns`` (True), ``clqe`` (True) and ``warmup_k2``
            (``(3, 3)``: ``k2_intra, k2_inter`` of epoch 0, as in the authors' code; None: no
            warm-up); ``dict()`` takes them all. Defaults to None (ICE's distance).
        knn (str): Neighbour search of ICE's distance: ``'exact'``, ``'approximate'``
            (candidates from a brute-force search on a 256-d PCA projection, re-ranked by
            exact distance) or ``'auto'`` (approximate on a CPU from 50,000 images, where it
            is about twice as fast; exact below and on a GPU). Defaults to ``'auto'``.
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self, extract_pipeline: Sequence[dict], batch_size: int = 128,
                 num_workers: int = 2, k1: int = 30, k2: int = 6, eps: float = 0.55,
                 min_samples: int = 4, max_distance: Optional[float] = None,
                 camera_aware_jaccard: Optional[dict] = None, knn: str = 'auto') -> None:
        check_jaccard_params(k1, k2, key=CONFIG_KEY)
        if knn not in KNN_MODES:
            raise ValueError(f'{CONFIG_KEY}.knn must be one of {KNN_MODES}, got {knn!r}.')
        self.knn = knn
        check_dbscan_params(eps, min_samples, key=CONFIG_KEY)
        self.extract_pipeline = list(extract_pipeline)
        self.batch_size = batch_size
        self.num_workers = num_workers
        if max_distance is None:
            max_distance = max_distance_for(eps)
        if not eps < max_distance <= 1:
            raise ValueError(f'{CONFIG_KEY}.max_distance must be in (eps, 1], got '
                             f'{max_distance}.')
        self.k1, self.k2, self.eps, self.min_samples = k1, k2, eps, min_samples
        self.max_distance = max_distance
        self.camera_aware_jaccard = _ca_jaccard_options(camera_aware_jaccard)
        self.loader = None
        self._epoch = None

    def before_train(self, runner: Runner) -> None:
        """Build the extraction dataloader; hand a resumed checkpoint's labels to the sampler.

        Args:
            runner (Runner): The runner of the training process.
        """
        dataset_cfg = dict(runner.cfg.train_dataloader.dataset, pipeline=self.extract_pipeline)
        if dataset_cfg.get('camstyle'):
            dataset_cfg['camstyle'] = False  # cluster the images as their cameras took them
        self.loader = Runner.build_dataloader(
            dict(batch_size=self.batch_size, num_workers=self.num_workers,
                 sampler=dict(type='DefaultSampler', shuffle=False),
                 collate_fn=dict(type='default_collate'), dataset=dataset_cfg),
            seed=runner.seed)
        model = unwrap_model(runner.model)
        if len(model.cluster_memory.labels) == len(self.loader.dataset):
            # resumed: the checkpoint's labels stand until the next epoch's clustering
            runner.train_dataloader.sampler.set_labels(model.cluster_memory.labels.cpu().numpy())

    def before_train_epoch(self, runner: Runner) -> None:
        """Extract teacher features, cluster, and update the model and the sampler.

        Args:
            runner (Runner): The runner of the training process.
        """
        if getattr(runner.train_loop, 'mid_epoch_start', 0) > 0:  # ResumableEpochLoop
            runner.logger.info(f'Epoch {runner.epoch}: resumed mid-epoch, the checkpoint\'s '
                               'pseudo labels and cluster memory stand.')
            return
        model = unwrap_model(runner.model)
        dataset = self.loader.dataset
        start = time.time()
        runner.logger.info(f'Epoch {runner.epoch}: extracting teacher features of '
                           f'{len(dataset)} training images ...')
        model.eval()
        feats, _ = extract_features(model.teacher_features, self.loader,
                                    device=model.cluster_memory.centroids.device)
        model.train()
        labels = [self.cluster(feats, runner) if is_main_process() else None]
        broadcast_object_list(labels)
        labels = labels[0]
        if (labels < 0).all():
            if not (model.cluster_memory.labels >= 0).any():
                raise RuntimeError(
                    'DBSCAN found no cluster in the first epoch: every image is an outlier. '
                    f'Raise the ClusteringHook eps (now {self.eps}) or lower min_samples '
                    f'(now {self.min_samples}), or start from a pretrained backbone.')
            runner.logger.warning(f'Epoch {runner.epoch}: DBSCAN found no cluster; keeping '
                                  'the previous pseudo labels.')
            labels = model.cluster_memory.labels.cpu().numpy()
        else:
            model.cluster_memory.update(feats, torch.as_tensor(labels),
                                        torch.as_tensor(dataset.camids))
        runner.train_dataloader.sampler.set_labels(labels)
        runner.logger.info(f'Epoch {runner.epoch}: pseudo labels ready in '
                           f'{time.time() - start:.1f} s')

    def label(self, feats: torch.Tensor, camids: np.ndarray) -> np.ndarray:
        """Pseudo labels of the train set: Jaccard (or CA-Jaccard) distance + DBSCAN.

        Override this in a registered subclass to generate ICE's labels another way; the
        hook keeps the logging, the saved labels and the hand-over to model and sampler.

        Args:
            feats (torch.Tensor): ``(N, D)`` normalised teacher features of the train set.
            camids (np.ndarray): ``(N,)`` camera ids of the same images.

        Returns:
            np.ndarray: ``(N,)`` integer labels ``0 .. K-1``, -1 for outliers.
        """
        if self.camera_aware_jaccard is None:
            distance = jaccard_distance(feats.numpy(), k1=self.k1, k2=self.k2,
                                        max_distance=self.max_distance, knn=self.knn)
        else:
            params = dict(self.camera_aware_jaccard)
            warmup = params.pop('warmup_k2')
            if warmup is not None and self._epoch == 0:
                params['k2_intra'], params['k2_inter'] = warmup
            distance = camera_aware_jaccard_distance(
                feats.numpy(), camids, k1=self.k1, k2=self.k2, max_distance=self.max_distance,
                **params)
        return dbscan_labels(distance, eps=self.eps, min_samples=self.min_samples)

    def cluster(self, feats: torch.Tensor, runner: Runner) -> np.ndarray:
        """Pseudo labels from :meth:`label` (rank 0); logs, records and saves them.

        Args:
            feats (torch.Tensor): ``(N, D)`` normalised teacher features of the train set.
            runner (Runner): The runner of the training process.

        Returns:
            np.ndarray: ``(N,)`` labels, -1 for outliers.
        """
        start = time.time()
        camids = np.asarray(self.loader.dataset.camids)
        self._epoch = runner.epoch
        labels = self.label(feats, camids)
        stats = dict(num_clusters=int(labels.max()) + 1, num_outliers=int((labels < 0).sum()))
        gt = getattr(self.loader.dataset, 'pids', None)
        if gt is not None:
            stats.update(pseudo_label_quality(labels, gt))
            stats.update(camera_view_quality(labels, gt, camids))
        runner.logger.info(
            f'Epoch {runner.epoch}: clustering in {time.time() - start:.1f} s: ' +
            ', '.join(f'{k} {v:.4g}' if isinstance(v, float) else f'{k} {v}'
                      for k, v in stats.items()))
        runner.visualizer.add_scalars({f'pseudo_labels/{k}': v for k, v in stats.items()},
                                      step=runner.epoch)
        out_dir = osp.join(runner.work_dir, 'pseudo_labels')
        os.makedirs(out_dir, exist_ok=True)
        np.save(osp.join(out_dir, f'epoch_{runner.epoch:03d}.npy'), labels)
        return labels


def _ca_jaccard_options(cfg: Optional[Mapping]) -> Optional[dict]:
    """The CA-Jaccard parameters with the authors' defaults filled in, validated; None stays."""
    if cfg is None:
        return None
    key = f'{CONFIG_KEY}.camera_aware_jaccard'
    if not isinstance(cfg, Mapping):
        raise ValueError(f'{key} must be None or a dict of CA-Jaccard parameters (dict() for '
                         f'the authors\' values), got {cfg!r}')
    known = dict(CA_JACCARD_DEFAULTS, warmup_k2=(3, 3))
    for name in cfg:
        if name not in known:
            raise ValueError(f'{key}.{name} is not a CA-Jaccard parameter; the keys are '
                             f'{", ".join(known)}')
    options = dict(known, **cfg)
    check_ca_jaccard_params(*(options[name] for name in CA_JACCARD_DEFAULTS), key=key)
    warmup = options['warmup_k2']
    if warmup is not None:
        if not isinstance(warmup, (list, tuple)) or len(warmup) != 2:
            raise ValueError(f'{key}.warmup_k2 must be None or a pair (k2_intra, k2_inter), '
                             f'got {warmup!r}')
        check_ca_jaccard_params(options['k1_intra'], options['k1_inter'], *warmup,
                                key=f'{key}.warmup_k2')
        options['warmup_k2'] = tuple(warmup)
    return options
