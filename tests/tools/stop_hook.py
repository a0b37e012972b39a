"""A hook for the resume tests: the process dies right after iteration ``stop_iter`` (and the
checkpoint hook's save for it), as a killed job would."""
import os

from mmengine.hooks import Hook

from mmcl_ice_plugin.registry import HOOKS


@HOOKS.register_module()
class StopAtIterHook(Hook):

    priority = 'LOWEST'

    def __init__(self, stop_iter: int) -> None:
        self.stop_iter = stop_iter

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        if runner.iter + 1 == self.stop_iter:
            os._exit(0)
