"""``FiniteLossHook``: stop training in the iteration whose loss is NaN or infinite."""
from typing import Dict, Optional

import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner

from ...registry import HOOKS


@HOOKS.register_module()
class FiniteLossHook(Hook):
    """Raises ``FloatingPointError`` after any iteration whose losses are not all finite.

    Checks, every iteration, each logged value whose key contains ``'loss'`` (every loss term
    and their sum ``loss``; mmengine's ``CheckInvalidLossHook`` checks only the sum, only
    every ``interval`` iterations, with an ``assert``). The error names the non-finite keys,
    the epoch and iteration, the last checkpoint and what to try.

    mmengine's optimiser wrapper steps inside ``train_step``, so the step of the bad iteration
    has already been applied when this hook runs; it runs first among the ``after_train_iter``
    hooks (priority ``HIGHEST``) and the error ends training in that same iteration, before any
    checkpoint hook, so those weights are never saved: the last checkpoint stays the last good
    one, and ``--resume`` restarts from it.
    """

    priority = 'HIGHEST'

    def after_train_iter(self, runner: Runner, batch_idx: int, data_batch: Optional[dict] = None,
                         outputs: Optional[Dict[str, torch.Tensor]] = None) -> None:
        """Raise if a logged loss of this iteration is not finite.

        Args:
            runner (Runner): The runner of the training process.
            batch_idx (int): The index of the current batch in the train loop.
            data_batch (dict, optional): Data from the dataloader. Defaults to None.
            outputs (dict, optional): Outputs of ``train_step``. Defaults to None.
        """
        losses = {k: v for k, v in (outputs or {}).items() if 'loss' in k}
        if not losses:
            return
        values = torch.stack([torch.as_tensor(v).detach().float().reshape(()).cpu()
                              for v in losses.values()])
        finite = torch.isfinite(values)
        if bool(finite.all()):
            return
        bad = ', '.join(f'{key} = {value:.4g}' for key, value, ok in
                        zip(losses, values.tolist(), finite.tolist()) if not ok)
        last = runner.message_hub.get_info('last_ckpt')
        saved = (f'The last checkpoint, {last}, was saved before this iteration; resume from it '
                 'with --resume after the fix.' if last else 'No checkpoint was saved yet.')
        raise FloatingPointError(
            f'Non-finite loss at Epoch(train) [{runner.epoch + 1}][{batch_idx + 1}] (iteration '
            f'{runner.iter + 1}): {bad}. Training stopped; the weights of this step are not '
            f'saved. {saved} Try a lower learning rate (config key '
            'optim_wrapper.optimizer.lr), gradient clipping (optim_wrapper.clip_grad='
            'dict(max_norm=...)), or check the input data and the loss hyperparameters.')
