"""A hook for the distributed tests: every rank saves its model state after training."""
import os.path as osp

import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook

from mmcl_ice_plugin.engine.dist_utils import unwrap_model
from mmcl_ice_plugin.registry import HOOKS


@HOOKS.register_module()
class RankStateDumpHook(Hook):

    def after_train(self, runner) -> None:
        state = {k: v.detach().cpu() for k, v in unwrap_model(runner.model).state_dict().items()}
        torch.save(state, osp.join(runner.work_dir, f'rank{get_rank()}_state.pth'))
