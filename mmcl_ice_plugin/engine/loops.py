"""``ResumableEpochLoop``: the train loop of every config. Epochs of a fixed number of
iterations (ICE: 400, whatever the clustering leaves to sample), every random draw derived
from ``(seed, epoch, position)``, and a resume from a mid-epoch checkpoint that continues
exactly where the run stopped."""
from typing import Dict, Iterator, List, Optional, Sequence, Tuple, Union

from mmengine.dist import get_rank
from mmengine.runner import EpochBasedTrainLoop, Runner
from torch.utils.data import BatchSampler, DataLoader, Sampler

from ..registry import LOOPS
from ..utils.seeding import derive_seed, seed_global_rngs


class PositionedSampler(Sampler):
    """One epoch of a sampler, from a given position, with per-item seeds.

    Skips the first ``start`` items (without loading them; the length stays the wrapped
    sampler's, so that logs count the epoch's batches as usual) and, with ``item_seed_base``,
    yields ``(index, item_seed_base + position)`` pairs so that a dataset with
    ``accepts_item_seeds`` seeds each item's augmentation from its position in the epoch,
    whatever worker loads it.

    Args:
        sampler (Sampler): The wrapped sampler.
        start (int): Items to skip.
        item_seed_base (int, optional): Seed of the epoch's first item; None yields plain
            indices.
    """

    def __init__(self, sampler: Sampler, start: int, item_seed_base: Optional[int]) -> None:
        self.sampler = sampler
        self.start = start
        self.item_seed_base = item_seed_base

    def __len__(self) -> int:
        return len(self.sampler)

    def __iter__(self) -> Iterator[Union[int, Tuple[int, int]]]:
        items = iter(self.sampler)
        for _ in range(self.start):
            next(items)
        if self.item_seed_base is None:
            yield from items
            return
        for position, index in enumerate(items, start=self.start):
            yield index, self.item_seed_base + position


def check_pk_batches(batch_size: int, sampler: Sampler) -> None:
    """Raise unless a PxK sampler (one with ``num_instances``) gets whole identities.

    Args:
        batch_size (int): The train batch size.
        sampler (Sampler): The train sampler.
    """
    num_instances = getattr(sampler, 'num_instances', None)
    if num_instances and batch_size % num_instances:
        raise ValueError(
            f'train_dataloader.batch_size ({batch_size}) must be a multiple of '
            f'train_dataloader.sampler.num_instances ({num_instances}): every batch holds '
            f'P identities x {num_instances} images. Change one of the two.')


@LOOPS.register_module()
class ResumableEpochLoop(EpochBasedTrainLoop):
    """``EpochBasedTrainLoop`` with fixed-length epochs, position-derived randomness and
    exact mid-epoch resume.

    - An epoch lasts ``iters_per_epoch`` iterations (default: one pass over the dataloader),
      restarting the dataloader if it runs out early, so the schedule does not depend on how
      many images the clustering kept.
    - Before iteration ``i`` the main process's ``random``/``numpy``/``torch`` generators are
      seeded from ``(seed, i, rank)`` (shuffle-BN permutations and the like), and each item
      of a dataset with ``accepts_item_seeds`` (``ReIDDataset``) is augmented from a seed of
      ``(seed, epoch, rank, position)``: the run is the same whatever ``num_workers`` is.
    - Resumed from a checkpoint taken after iteration ``k`` of an epoch (``CheckpointHook``
      with ``by_epoch=False``), the epoch restarts at position ``k``: the sampler skips the
      first ``k`` batches without loading them, and ``mid_epoch_start`` tells the
      ``before_train_epoch`` hooks (``ClusteringHook``) that the epoch's state came from the
      checkpoint. Samplers must be deterministic per ``(seed, epoch)``, as mmengine's
      ``DefaultSampler`` and this package's samplers are.

    Args:
        runner (Runner): The runner.
        dataloader (DataLoader | dict): The train dataloader or its config.
        max_epochs (int): Number of epochs.
        iters_per_epoch (int, optional): Iterations per epoch. Defaults to None (one pass
            over the dataloader).
        val_begin (int): First epoch that validates. Defaults to 1.
        val_interval (int): Epochs between validations. Defaults to 1.
        dynamic_intervals (list[tuple[int, int]], optional): ``(milestone, interval)`` pairs
            that change ``val_interval``. Defaults to None.
    """

    def __init__(self, runner: Runner, dataloader: Union[DataLoader, Dict], max_epochs: int,
                 iters_per_epoch: Optional[int] = None, val_begin: int = 1,
                 val_interval: int = 1,
                 dynamic_intervals: Optional[List[Tuple[int, int]]] = None) -> None:
        super().__init__(runner, dataloader, max_epochs, val_begin, val_interval,
                         dynamic_intervals)
        if iters_per_epoch is None:
            iters_per_epoch = len(self.dataloader)
        if iters_per_epoch < 1:
            raise ValueError(f'iters_per_epoch must be >= 1 (config key '
                             f'train_cfg.iters_per_epoch), got {iters_per_epoch}.')
        batch_sampler = getattr(self.dataloader, 'batch_sampler', None)
        if batch_sampler is None or not hasattr(batch_sampler, 'sampler'):
            raise TypeError('ResumableEpochLoop needs a dataloader built with batch_size and '
                            'a sampler (train_dataloader.batch_size / sampler), not a custom '
                            'batch_sampler.')
        check_pk_batches(batch_sampler.batch_size, batch_sampler.sampler)
        self.iters_per_epoch = iters_per_epoch
        self._max_iters = max_epochs * iters_per_epoch
        self.mid_epoch_start = 0

    def run_epoch(self) -> None:
        """Run one epoch of ``iters_per_epoch`` iterations, from a resumed position if any."""
        self.mid_epoch_start = self._iter - self._epoch * self.iters_per_epoch
        if not 0 <= self.mid_epoch_start <= self.iters_per_epoch:
            raise RuntimeError(
                f'The checkpoint says epoch {self._epoch}, iteration {self._iter}, which does '
                f'not fit epochs of {self.iters_per_epoch} iterations: resume with the '
                'train_dataloader / train_cfg.iters_per_epoch the run was started with.')
        self.runner.call_hook('before_train_epoch')
        self.runner.model.train()
        batch_sampler = self.dataloader.batch_sampler
        sampler = batch_sampler.sampler
        position = self.mid_epoch_start
        batches = self._batches(batch_sampler, sampler, position)
        restarted = False
        try:
            while position < self.iters_per_epoch:
                data_batch = next(batches, None)
                if data_batch is None:
                    if restarted:
                        raise RuntimeError(
                            f'train_dataloader.sampler ({type(sampler).__name__}) yielded no '
                            f'batch from position {position} of an epoch of '
                            f'{len(batch_sampler)} batches: it yields fewer items than its '
                            f'len() ({len(sampler)}). ResumableEpochLoop needs a sampler whose '
                            'len() is the number of items it yields: fix its __len__.')
                    batches = self._batches(batch_sampler, sampler, position)
                    restarted = True
                    continue
                restarted = False
                seed_global_rngs(derive_seed(self.runner.seed, self._iter, get_rank()))
                self.run_iter(position, data_batch)
                position += 1
        finally:
            batch_sampler.sampler = sampler
        self.mid_epoch_start = 0
        self.runner.call_hook('after_train_epoch')
        self._epoch += 1

    def _batches(self, batch_sampler: BatchSampler, sampler: Sampler,
                 position: int) -> Iterator[Sequence]:
        """The dataloader's batches from ``position`` of the epoch (modulo one pass)."""
        batch_sampler.sampler = sampler
        per_pass = len(batch_sampler)
        if per_pass == 0:
            raise RuntimeError('The train dataloader yields no batch: the train set is smaller '
                               'than train_dataloader.batch_size with drop_last=True.')
        skip_batches = position % per_pass
        item_seed_base = None
        if getattr(self.dataloader.dataset, 'accepts_item_seeds', False):
            item_seed_base = derive_seed(self.runner.seed, self._epoch, get_rank(),
                                         position - skip_batches)
        batch_size = getattr(batch_sampler, 'batch_size', 1) or 1
        batch_sampler.sampler = PositionedSampler(sampler, skip_batches * batch_size,
                                                  item_seed_base)
        return iter(self.dataloader)
