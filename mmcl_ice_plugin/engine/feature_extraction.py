"""Feature extraction over a whole dataset, spread over ranks and gathered, with a progress bar."""
from typing import Callable, Optional, Tuple

import torch
from mmengine.dist import all_gather_object, get_rank
from mmengine.utils import ProgressBar
from torch.utils.data import DataLoader


@torch.no_grad()
def extract_features(forward: Callable[[torch.Tensor], torch.Tensor], dataloader: DataLoader,
                     device: Optional[torch.device] = None, progress: bool = True
                     ) -> Tuple[torch.Tensor, torch.Tensor]:
    """Features of a whole dataset, ordered by dataset index, on every rank.

    Each rank processes the part its sampler gives it (mmengine's ``DefaultSampler`` shards
    the dataset, padding it with repeats); the parts are gathered on every rank and the
    repeats dropped.

    Args:
        forward (Callable[[torch.Tensor], torch.Tensor]): Maps an image batch (moved to
            ``device``) to ``(B, D)`` features.
        dataloader (DataLoader): Yields dicts with ``img`` and ``index``.
        device (torch.device, optional): Where the images go. Defaults to None (left where
            they are).
        progress (bool): Whether rank 0 shows a progress bar. Defaults to True.

    Returns:
        tuple[torch.Tensor, torch.Tensor]: ``(features, indices)``: ``(N, D)`` float32 CPU
        features and the sorted dataset indices.
    """
    dataset_len = len(dataloader.dataset)
    bar = ProgressBar(len(dataloader)) if progress and get_rank() == 0 else None
    feats, indices = [], []
    for batch in dataloader:
        img = batch['img']
        if device is not None:
            img = img.to(device, non_blocking=True)
        feats.append(forward(img).float().cpu())
        indices.append(torch.as_tensor(batch['index']))
        if bar is not None:
            bar.update()
    if bar is not None:
        print(flush=True)
    local = (torch.cat(feats), torch.cat(indices))
    parts = all_gather_object(local)
    all_feats = torch.cat([f for f, _ in parts])
    all_indices = torch.cat([i for _, i in parts])
    order, first = unique_first(all_indices)
    if len(order) != dataset_len:
        raise RuntimeError(f'Feature extraction covered {len(order)} of {dataset_len} items: '
                           'the dataloader must visit every item (use DefaultSampler).')
    return all_feats[first], order


def unique_first(values: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """Sorted unique values and the position of the first occurrence of each.

    Args:
        values (torch.Tensor): ``(N,)`` values.

    Returns:
        tuple[torch.Tensor, torch.Tensor]: The unique values and their first positions.
    """
    uniq, inverse = torch.unique(values, return_inverse=True)
    positions = torch.arange(len(values))
    first = torch.full((len(uniq),), len(values), dtype=torch.long)
    first.scatter_reduce_(0, inverse, positions, reduce='amin')
    return uniq, first
