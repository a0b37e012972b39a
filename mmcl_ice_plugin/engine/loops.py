"""A train loop with a fixed number of iterations per epoch (ICE: 400, whatever the
clustering leaves to sample)."""
from typing import Dict, List, Optional, Tuple, Union

from mmengine.runner import EpochBasedTrainLoop
from torch.utils.data import DataLoader

from ..registry import LOOPS


@LOOPS.register_module()
class FixedItersEpochLoop(EpochBasedTrainLoop):
    """``EpochBasedTrainLoop`` whose epochs last ``iters_per_epoch`` iterations.

    mmengine's loop fixes ``max_iters`` from ``len(dataloader)`` once; here an epoch draws
    ``iters_per_epoch`` batches, restarting the dataloader iterator if it runs out early, so
    the schedule does not depend on how many images the clustering kept.
    """

    def __init__(self, runner, dataloader: Union[DataLoader, Dict], max_epochs: int,
                 iters_per_epoch: int, val_begin: int = 1, val_interval: int = 1,
                 dynamic_intervals: Optional[List[Tuple[int, int]]] = None) -> None:
        super().__init__(runner, dataloader, max_epochs, val_begin, val_interval,
                         dynamic_intervals)
        if iters_per_epoch < 1:
            raise ValueError(f'iters_per_epoch must be >= 1 (config key '
                             f'train_cfg.iters_per_epoch), got {iters_per_epoch}.')
        self.iters_per_epoch = iters_per_epoch
        self._max_iters = max_epochs * iters_per_epoch

    def run_epoch(self) -> None:
        self.runner.call_hook('before_train_epoch')
        self.runner.model.train()
        iterator = iter(self.dataloader)
        for idx in range(self.iters_per_epoch):
            try:
                data_batch = next(iterator)
            except StopIteration:
                iterator = iter(self.dataloader)
                data_batch = next(iterator)
            self.run_iter(idx, data_batch)
        self.runner.call_hook('after_train_epoch')
        self._epoch += 1
