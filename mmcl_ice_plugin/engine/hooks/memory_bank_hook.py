"""``MemoryBankHook``: size the instance memory before training and commit each step's
features after the optimiser step (MMCL)."""
from typing import Optional

from mmengine.hooks import Hook

from ...registry import HOOKS
from ..dist_utils import unwrap_model


@HOOKS.register_module()
class MemoryBankHook(Hook):
    """Keeps the model's :class:`InstanceMemory` in step with training.

    * ``before_train``: sizes the bank to the train set (unless a resumed checkpoint already
      did) and hands the model the ground-truth identities for monitoring only.
    * ``after_train_iter``: after the optimiser step, the model commits the features it
      computed in that step (gathered from every rank and applied in rank order, so that every
      rank holds the same bank).

    The model must implement ``prepare_memory(dataset)`` and ``commit_memory(epoch)``.
    """

    priority = 'NORMAL'

    def before_train(self, runner) -> None:
        unwrap_model(runner.model).prepare_memory(runner.train_dataloader.dataset)

    def after_train_iter(self, runner, batch_idx: int, data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        unwrap_model(runner.model).commit_memory(runner.epoch)
