"""A hook for the non-finite loss test: sets the model's weights to NaN before a chosen
iteration, so that iteration's loss is NaN."""
import torch
from mmengine.hooks import Hook

from mmcl_ice_plugin.engine.dist_utils import unwrap_model
from mmcl_ice_plugin.registry import HOOKS


@HOOKS.register_module()
class PoisonWeightsHook(Hook):
    """Before global iteration ``at_iter`` (0-based), fills every parameter with NaN."""

    def __init__(self, at_iter: int) -> None:
        self.at_iter = at_iter

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        if runner.iter == self.at_iter:
            with torch.no_grad():
                for param in unwrap_model(runner.model).parameters():
                    param.fill_(float('nan'))
