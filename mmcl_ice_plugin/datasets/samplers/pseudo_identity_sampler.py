"""``PseudoIdentitySampler``: ICE's camera-aware PxK sampler over pseudo identities."""
from typing import Iterator, Optional

import numpy as np
from mmengine.dist import get_dist_info, sync_random_seed
from torch.utils.data import Dataset, Sampler

from ...registry import DATA_SAMPLERS


def camera_aware_instances(members: np.ndarray, member_cams: np.ndarray, sizes: np.ndarray,
                           num_instances: int, rng: np.random.Generator) -> np.ndarray:
    """Pick ``num_instances`` images for each row (one identity occurrence) by ICE's rule.

    Per row: one random image from each camera the identity appears
    in; if that is fewer than K, fill with other images of the identity (without replacement
    when enough remain, with replacement otherwise, from all its images when every image is a
    camera representative); if it is K or more, keep K of them at random.

    Args:
        members (np.ndarray): ``(S, M)`` image indices of each row's identity, padded past
            ``sizes[s]``.
        member_cams (np.ndarray): ``(S, M)`` their cameras.
        sizes (np.ndarray): ``(S,)`` number of images of each row's identity.
        num_instances (int): K, images picked per row.
        rng (np.random.Generator): The random generator.

    Returns:
        np.ndarray: ``(S, K)`` image indices.
    """
    num_rows, width = members.shape
    valid = np.arange(width)[None, :] < sizes[:, None]
    key = rng.random((num_rows, width))
    # camera representatives: the member with the smallest key of each (row, camera)
    by_cam = np.argsort(np.where(valid, member_cams + key, np.inf), axis=1)
    cams_sorted = np.take_along_axis(member_cams, by_cam, 1)
    first_of_cam = np.ones_like(valid)
    first_of_cam[:, 1:] = cams_sorted[:, 1:] != cams_sorted[:, :-1]
    is_rep = np.zeros_like(valid)
    np.put_along_axis(is_rep, by_cam, first_of_cam & np.take_along_axis(valid, by_cam, 1), 1)
    # ranked: representatives in random order, then the other images in random order
    priority = np.where(is_rep, key, np.where(valid, 1 + rng.random((num_rows, width)), np.inf))
    ranked = np.take_along_axis(members, np.argsort(priority, axis=1), 1)
    if width < num_instances:
        ranked = np.pad(ranked, ((0, 0), (0, num_instances - width)), constant_values=-1)
    picked = ranked[:, :num_instances]
    # too few other images: the missing ones are drawn with replacement
    num_reps = is_rep.sum(1)
    num_others = sizes - num_reps
    short = num_others < num_instances - num_reps
    if short.any():
        pool_start = np.where(num_others > 0, num_reps, 0)
        pool_size = np.where(num_others > 0, num_others, sizes)
        draw = pool_start[:, None] + (rng.random((num_rows, num_instances)) *
                                      pool_size[:, None]).astype(np.int64)
        fill = np.take_along_axis(ranked, draw, 1)
        after_reps = np.arange(num_instances)[None, :] >= num_reps[:, None]
        picked = np.where(short[:, None] & after_reps, fill, picked)
    return picked


@DATA_SAMPLERS.register_module()
class PseudoIdentitySampler(Sampler):
    """ICE's camera-aware PxK sampler over pseudo identities.

    Reference:
        H. Chen, B. Lagadec, F. Bremond. ICE: Inter-instance Contrastive Encoding for
        Unsupervised Person Re-identification. ICCV 2021. https://arxiv.org/abs/2103.16364

    Batches of P pseudo identities x K instances, identities in random order, instances by
    :func:`camera_aware_instances`. Outliers (label -1) are never sampled.

    The length is fixed, ``iters_per_epoch * batch_size`` per rank, whatever the clustering
    gives (identities are cycled through fresh random orders as needed). Labels arrive each
    epoch through :meth:`set_labels` (called by ``ClusteringHook``). Deterministic for
    ``seed + epoch``; with several ranks each rank draws its own share of the batches.

    Args:
        dataset (Dataset): The train set (with a ``camids`` array).
        batch_size (int): B = P * K, per rank. Defaults to 32.
        num_instances (int): K. Defaults to 4.
        iters_per_epoch (int): Batches per epoch and rank. Defaults to 400.
        seed (int, optional): Base seed; None draws one synchronised across ranks.
            Defaults to None.
    """

    def __init__(self, dataset: Dataset, batch_size: int = 32, num_instances: int = 4,
                 iters_per_epoch: int = 400, seed: Optional[int] = None) -> None:
        if num_instances < 1 or batch_size % num_instances:
            raise ValueError(
                f'batch_size ({batch_size}) must be a positive multiple of num_instances '
                f'({num_instances}) (config keys train_dataloader.sampler.batch_size / '
                'num_instances).')
        self.cams = np.asarray(dataset.camids)
        self.batch_size = batch_size
        self.num_instances = num_instances
        self.iters_per_epoch = iters_per_epoch
        self.seed = sync_random_seed() if seed is None else seed
        self.rank, self.world_size = get_dist_info()
        self.epoch = 0
        self.labels: Optional[np.ndarray] = None

    def set_labels(self, labels: np.ndarray) -> None:
        """Set the pseudo labels of the epoch.

        Args:
            labels (np.ndarray): ``(N,)`` pseudo label of every train image, -1 for outliers.
        """
        labels = np.asarray(labels)
        if labels.shape != self.cams.shape:
            raise ValueError(f'{len(labels)} pseudo labels for a train set of {len(self.cams)}')
        if not (labels >= 0).any():
            raise ValueError('No pseudo identity to sample: every image is an outlier.')
        self.labels = labels

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch (int) that, with the seed, decides the order."""
        self.epoch = epoch

    def __len__(self) -> int:
        return self.iters_per_epoch * self.batch_size

    def __iter__(self) -> Iterator[int]:
        if self.labels is None:
            raise RuntimeError('PseudoIdentitySampler has no pseudo labels: add ClusteringHook '
                               'to custom_hooks (it sets them before every epoch).')
        rng = np.random.default_rng(self.seed + self.epoch)
        kept = np.flatnonzero(self.labels >= 0)
        ids, inverse, sizes = np.unique(self.labels[kept], return_inverse=True,
                                        return_counts=True)
        members = np.full((len(ids), sizes.max()), -1, dtype=np.int64)
        order = np.argsort(inverse, kind='stable')
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        rows = inverse[order]
        members[rows, np.arange(len(order)) - starts[rows]] = kept[order]
        cams = np.where(members >= 0, self.cams[np.maximum(members, 0)], -1)

        per_batch = self.batch_size // self.num_instances
        needed = per_batch * self.iters_per_epoch * self.world_size
        passes = -(-needed // len(ids))
        slots = np.concatenate([rng.permutation(len(ids)) for _ in range(passes)])[:needed]
        picked = camera_aware_instances(members[slots], cams[slots], sizes[slots],
                                        self.num_instances, rng)
        batches = picked.reshape(self.world_size * self.iters_per_epoch, -1)
        return iter(batches[self.rank::self.world_size].reshape(-1).tolist())
