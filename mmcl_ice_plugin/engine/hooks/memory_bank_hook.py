"""``MemoryBankHook``: size the instance memory before training and commit each step's
features after the optimiser step (MMCL)."""
from typing import Optional

from mmengine.hooks import Hook
from mmengine.runner import Runner

from ...registry import HOOKS
from ..dist_utils import unwrap_model


@HOOKS.register_module()
class MemoryBankHook(Hook):
    """Keeps the model's MMCL memory bank (:class:`InstanceMemory`) in step with training.

    Reference:
        D. Wang, S. Zhang. Unsupervised Person Re-identification via Multi-label
        Classification. CVPR 2020. https://arxiv.org/abs/2004.09228

    * ``before_train``: sizes the bank to the train set (unless a resumed checkpoint already
      did) and hands the model the ground-truth identities for monitoring only.
    * ``after_train_iter``: after the optimiser step, the model commits the features it
      computed in that step (gathered from every rank and applied in rank order, so that every
      rank holds the same bank).

    The model must implement ``prepare_memory(dataset)`` and ``commit_memory(epoch)``.
    """

    priority = 'NORMAL'

    def before_train(self, runner: Runner) -> None:
        """Size the bank to the train set.

        Args:
            runner (Runner): The runner of the training process.
        """
        unwrap_model(runner.model).prepare_memory(runner.train_dataloader.dataset)

    def after_train_iter(self, runner: Runner, batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        """Commit the features of the step into the bank.

        Args:
            runner (Runner): The runner of the training process.
            batch_idx (int): The index of the current batch in the train loop.
            data_batch (dict, optional): Data from the dataloader. Defaults to None.
            outputs (dict, optional): Outputs of ``train_step``. Defaults to None.
        """
        unwrap_model(runner.model).commit_memory(runner.epoch)
