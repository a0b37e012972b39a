"""A hook for the tool tests: every rank saves its model state when training starts (after
``load_from`` / ``--resume``) and when it ends."""
import os.path as osp

import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook

from mmcl_ice_plugin.engine.dist_utils import unwrap_model
from mmcl_ice_plugin.registry import HOOKS


def _dump(runner, name: str) -> None:
    state = {k: v.detach().cpu().clone()
             for k, v in unwrap_model(runner.model).state_dict().items()}
    torch.save(state, osp.join(runner.work_dir, f'rank{get_rank()}_{name}.pth'))


@HOOKS.register_module()
class RankStateDumpHook(Hook):

    priority = 'LOWEST'

    def before_train(self, runner) -> None:
        _dump(runner, 'start')

    def after_train(self, runner) -> None:
        _dump(runner, 'state')
