"""Distributed helpers: gathering batches of different sizes across ranks (mmengine's
``all_gather`` needs equal shapes; a no-op in one process) and unwrapping models."""
from typing import List

import torch
from mmengine.dist import all_gather, get_world_size
from mmengine.model import is_model_wrapper
from torch import nn


def unwrap_model(model: nn.Module) -> nn.Module:
    """The model inside a DDP (or other mmengine) wrapper.

    Args:
        model (nn.Module): A model, wrapped or not.

    Returns:
        nn.Module: The unwrapped model.
    """
    return model.module if is_model_wrapper(model) else model


def all_gather_variable(tensor: torch.Tensor) -> List[torch.Tensor]:
    """Gather a tensor whose first dimension may differ between ranks, in rank order.

    Args:
        tensor (torch.Tensor): This rank's tensor.

    Returns:
        list[torch.Tensor]: One tensor per rank; ``[tensor]`` in a single process.
    """
    if get_world_size() == 1:
        return [tensor]
    size = torch.tensor([tensor.shape[0]], device=tensor.device)
    sizes = [int(s) for s in all_gather(size)]
    padded = tensor.new_zeros((max(sizes), *tensor.shape[1:]))
    padded[:tensor.shape[0]] = tensor
    return [part[:n] for part, n in zip(all_gather(padded), sizes)]
