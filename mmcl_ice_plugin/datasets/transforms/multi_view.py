"""Several independently augmented views of one image (ICE: strong, weak, strong)."""
from typing import Callable, List, Mapping, Optional, Sequence

import torch

from mmcl_ice_plugin.registry import TRANSFORMS

from .builder import PipelineConfig, build_pipeline


@TRANSFORMS.register_module()
class MultiView:
    """Run each view's pipeline on the same input and return the list of results.

    Every view draws its own random parameters, so two views built from the same config
    (ICE's first and third, both "strong") are independent draws. The views receive the
    original image, untouched by the other views.

    Args:
        views (Sequence): One pipeline config per view, in any form :func:`build_pipeline`
            accepts.
        height (int): Output height of views written as torchreid names. Defaults to 256.
        width (int): Output width of views written as torchreid names. Defaults to 128.
        norm_mean (Sequence[float], optional): Normalisation mean of such views; None for
            ImageNet's. Defaults to None.
        norm_std (Sequence[float], optional): Normalisation std of such views; None for
            ImageNet's. Defaults to None.
    """

    def __init__(self,
                 views: Sequence[PipelineConfig],
                 height: int = 256,
                 width: int = 128,
                 norm_mean: Optional[Sequence[float]] = None,
                 norm_std: Optional[Sequence[float]] = None) -> None:
        if isinstance(views, (str, Mapping)) or len(views) == 0:
            raise ValueError(f'MultiView needs a non-empty list of view pipelines, got {views!r}')
        self.views: List[Callable] = [
            build_pipeline(view, height, width, norm_mean, norm_std) for view in views]

    def __call__(self, img) -> List[torch.Tensor]:
        return [view(img) for view in self.views]

    def __repr__(self) -> str:
        lines = [f'  view {i}: ' + repr(view).replace('\n', '\n  ')
                 for i, view in enumerate(self.views)]
        return f'{type(self).__name__}(\n' + '\n'.join(lines) + '\n)'
