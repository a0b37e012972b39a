"""PxK identity sampler for supervised training with ground-truth identities."""
from typing import Iterator, Optional

import numpy as np
from mmengine.dist import get_dist_info, sync_random_seed
from torch.utils.data import Dataset, Sampler

from ...registry import DATA_SAMPLERS


def sample_instances(groups: np.ndarray, starts: np.ndarray, counts: np.ndarray,
                     num_instances: int, rng: np.random.Generator) -> np.ndarray:
    """Pick ``num_instances`` members of every group.

    Distinct members when the group has enough (its first ``num_instances`` in ``groups``,
    which the caller shuffled), drawn with replacement otherwise.

    Args:
        groups (np.ndarray): Members, grouped (each group contiguous).
        starts (np.ndarray): ``(G,)`` start of each group in ``groups``.
        counts (np.ndarray): ``(G,)`` size of each group.
        num_instances (int): Members picked per group.
        rng (np.random.Generator): The random generator.

    Returns:
        np.ndarray: ``(G, num_instances)`` members.
    """
    counts = counts[:, None]
    slots = np.arange(num_instances)[None, :]
    random_slots = rng.integers(0, counts, size=(len(starts), num_instances))
    offsets = np.where(counts >= num_instances, slots, random_slots)
    return groups[starts[:, None] + offsets]


@DATA_SAMPLERS.register_module()
class IdentitySampler(Sampler):
    """PxK sampler: ``num_instances`` images of each ground-truth identity in turn.

    torchreid's ``RandomIdentitySampler`` rule, so a batch of ``P * num_instances`` holds P
    identities.

    An epoch is ``rounds`` passes over all identities (``rounds`` = mean images per identity /
    ``num_instances``, at least 1), identities shuffled in each pass, instances drawn without
    replacement when an identity has enough images. Deterministic for ``seed + epoch``; with
    several ranks each rank takes its share of the identity groups (equal length on all ranks).

    Args:
        dataset (Dataset): A dataset with a ``pids`` array (ground-truth identity per item).
        num_instances (int): K, images per identity in a batch (the batch size must be a
            multiple). Defaults to 4.
        seed (int, optional): Base seed; None draws one synchronised across ranks.
            Defaults to None.
    """

    def __init__(self, dataset: Dataset, num_instances: int = 4,
                 seed: Optional[int] = None) -> None:
        if num_instances < 1:
            raise ValueError(f'num_instances must be >= 1 (config key '
                             f'train_dataloader.sampler.num_instances), got {num_instances}.')
        self.pids = np.asarray(dataset.pids)
        self.num_instances = num_instances
        self.seed = sync_random_seed() if seed is None else seed
        self.rank, self.world_size = get_dist_info()
        self.epoch = 0
        unique, counts = np.unique(self.pids, return_counts=True)
        self.num_ids = len(unique)
        self.rounds = max(1, int(round(len(self.pids) / (self.num_ids * num_instances))))
        self.groups_per_rank = self.rounds * self.num_ids // self.world_size

    def __iter__(self) -> Iterator[int]:
        rng = np.random.default_rng(self.seed + self.epoch)
        rows = []
        for _ in range(self.rounds):
            perm = rng.permutation(len(self.pids))
            grouped = perm[np.argsort(self.pids[perm], kind='stable')]
            _, starts, counts = np.unique(self.pids[grouped], return_index=True,
                                          return_counts=True)
            picked = sample_instances(grouped, starts, counts, self.num_instances, rng)
            rows.append(picked[rng.permutation(len(picked))])
        groups = np.concatenate(rows)
        mine = groups[self.rank::self.world_size][:self.groups_per_rank]
        return iter(mine.reshape(-1).tolist())

    def __len__(self) -> int:
        return self.groups_per_rank * self.num_instances

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch (int) that, with the seed, decides the order."""
        self.epoch = epoch
