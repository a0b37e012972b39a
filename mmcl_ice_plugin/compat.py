"""Fixes for the pinned stack (mmengine 0.10.7, torch >= 2.6), imported by the package.

1. ``--resume``: mmengine 0.10.7 loads local checkpoints with ``torch.load`` defaults, and torch
   >= 2.6 defaults to ``weights_only=True``, which refuses the ``HistoryBuffer`` and numpy objects
   that mmengine itself stores in checkpoints. The local loader is re-registered with
   ``weights_only=False`` (mmengine fixed this upstream after 0.10.7). Checkpoints are the
   user's own files, written by this code. A truncated or otherwise unreadable checkpoint
   gives an error that names the file and what to do instead of torch's zip-reader message.
2. Distributed training on CPU (gloo): mmengine's ``init_dist`` always calls
   ``torch.cuda.set_device`` and its DDP wrapper always passes ``device_ids``.
   :func:`init_cpu_distributed` starts the process group itself (mmengine then skips its own
   ``init_dist``) and :class:`CPUCompatibleDDP` drops ``device_ids`` when the model is on CPU.
"""
import os
import os.path as osp
import pickle
import warnings
import zipfile
from typing import Any, Optional, Sequence

import torch
import torch.distributed as torch_dist
from mmengine.config import Config
from mmengine.model import MMDistributedDataParallel
from mmengine.runner.checkpoint import CheckpointLoader

from .registry import MODEL_WRAPPERS

warnings.filterwarnings('ignore', message='Cython evaluation', category=UserWarning)


def _load_from_local(filename: str, map_location: Any = None) -> Any:
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    try:
        return torch.load(filename, map_location=map_location, weights_only=False)
    except (RuntimeError, EOFError, pickle.UnpicklingError) as err:
        if zipfile.is_zipfile(filename):
            raise
        raise RuntimeError(
            f'Checkpoint {filename} is incomplete or corrupt ({type(err).__name__}: {err}); '
            'a save was probably interrupted (killed process, full disk). Resume from an '
            'earlier checkpoint (--resume <work_dir>/epoch_<N>.pth, or point '
            '<work_dir>/last_checkpoint at it) or train again.') from err


CheckpointLoader.register_scheme(prefixes='', loader=_load_from_local, force=True)


@MODEL_WRAPPERS.register_module(force=True)
class CPUCompatibleDDP(MMDistributedDataParallel):
    """``MMDistributedDataParallel`` that also runs on CPU processes (gloo backend).

    mmengine passes ``device_ids=[LOCAL_RANK]`` unconditionally; DDP rejects ``device_ids`` for
    CPU modules, so they are dropped when the module's parameters live on the CPU.

    Args:
        module (torch.nn.Module): The model to wrap.
        device_ids (Sequence[int], optional): As ``DistributedDataParallel``; ignored for a
            CPU model. Defaults to None.
        **kwargs: The other ``MMDistributedDataParallel`` arguments.
    """

    def __init__(self, module: torch.nn.Module, device_ids: Optional[Sequence[int]] = None,
                 **kwargs: Any) -> None:
        first = next(module.parameters(), None)
        if first is not None and first.device.type == 'cpu':
            device_ids = None
        super().__init__(module=module, device_ids=device_ids, **kwargs)


def use_plugin_ddp(cfg: Config, launcher: str) -> None:
    """With a launcher, wrap the model in ``CPUCompatibleDDP`` unless the config names a wrapper.

    The wrapper runs gloo on CPU and DDP on GPU, and does not broadcast BatchNorm buffers.

    Args:
        cfg (Config): The config, changed in place.
        launcher (str): ``'none'``, ``'pytorch'``, ``'slurm'`` or ``'mpi'``.
    """
    if launcher != 'none':
        cfg.setdefault('model_wrapper_cfg', dict(
            type='mmcl_ice_plugin.CPUCompatibleDDP', broadcast_buffers=False,
            find_unused_parameters=cfg.get('find_unused_parameters', False)))


def init_cpu_distributed(launcher: str) -> bool:
    """Start a gloo process group for a CPU-only distributed run.

    Does nothing (returns False) when no launcher is used, when CUDA is available (mmengine's
    own ``init_dist`` handles that case) or when a process group already exists.

    Args:
        launcher (str): The ``--launcher`` of the tool; only ``'pytorch'`` is supported on CPU.

    Returns:
        bool: True when it started the group.
    """
    if launcher == 'none' or torch.cuda.is_available() or torch_dist.is_initialized():
        return False
    if launcher != 'pytorch':
        raise ValueError(
            f"CPU distributed training supports launcher 'pytorch' (torchrun, as in "
            f"tools/dist_train.sh), got --launcher {launcher}.")
    torch_dist.init_process_group(backend='gloo', rank=int(os.environ['RANK']),
                                  world_size=int(os.environ['WORLD_SIZE']))
    return True
