"""``BaseReID``: backbone + BN neck, feature extraction and evaluation for every algorithm."""
from typing import Dict, List, Optional, Tuple, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel

from ...registry import MODELS
from ..utils.split_batchnorm import check_bn_groups, convert_split_batchnorm

TEST_FEATURES = ('pre_bn', 'post_bn')


def backbone_output(backbone: torch.nn.Module, img: torch.Tensor) -> torch.Tensor:
    """A backbone's feature map (the last element when it returns one per stage).

    Args:
        backbone (torch.nn.Module): The backbone.
        img (torch.Tensor): ``(B, 3, H, W)`` images.

    Returns:
        torch.Tensor: The feature map (or vectors) of the last stage.
    """
    out = backbone(img)
    return out[-1] if isinstance(out, (tuple, list)) else out


@MODELS.register_module()
class BaseReID(BaseModel):
    """A re-ID model: backbone and BN neck, feature extraction and prediction.

    ``backbone`` (any registered backbone; a tuple output uses its last element) is followed by
    ``neck`` (pooling + BN), giving ``(pre_bn, post_bn)`` features.

    ``forward(mode='predict')`` returns, per image, a dict with the test feature (``pre_bn`` or
    ``post_bn``, L2-normalised when ``normalize_test``) and the identity, camera, query flag and
    index of the item, which :class:`ReIDMetric` consumes. ``mode='tensor'`` returns the test
    features as one tensor. Subclasses implement ``loss``.

    Args:
        backbone (dict): Backbone config, e.g.
            ``dict(type='TorchreidBackbone', name='resnet50')``.
        neck (dict, optional): :class:`BNNeck` config; ``in_channels`` is filled from
            ``backbone.out_channels`` (or probed). Defaults to None (``BNNeck`` defaults).
        test_feature (str): ``'pre_bn'`` (MMCL) or ``'post_bn'`` (ICE, supervised BNNeck).
            Defaults to ``'post_bn'``.
        normalize_test (bool): Whether to L2-normalise the test feature. Defaults to True.
        bn_groups (int): N > 1 turns every BatchNorm of the backbone and neck (and so of
            ICE's teacher, a copy of them) into :class:`SplitBatchNorm1d`/``2d``, which
            normalises each training batch in N consecutive groups with their own statistics,
            as N DataParallel GPUs did (the ICE authors: 4 GPUs, 8 of 32 images each). Eval
            mode and state dicts are unaffected. Defaults to 1 (plain BatchNorm).
        data_preprocessor (dict, optional): mmengine data preprocessor config.
            Defaults to None.
        init_cfg (dict, optional): mmengine initialisation config. Defaults to None.
    """

    def __init__(self, backbone: dict, neck: Optional[dict] = None,
                 test_feature: str = 'post_bn', normalize_test: bool = True,
                 bn_groups: int = 1, data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if test_feature not in TEST_FEATURES:
            raise ValueError(f'test_feature must be one of {TEST_FEATURES} (config key '
                             f'model.test_feature), got {test_feature!r}.')
        check_bn_groups(bn_groups)
        self.backbone = MODELS.build(backbone)
        neck = dict(type='BNNeck', **(neck or {}))
        if neck.get('in_channels') is None:
            neck['in_channels'] = self._backbone_channels()
        self.neck = MODELS.build(neck)
        if bn_groups > 1:
            self.backbone = convert_split_batchnorm(self.backbone, bn_groups, 'backbone.')
            self.neck = convert_split_batchnorm(self.neck, bn_groups, 'neck.')
        self.bn_groups = bn_groups
        self.feat_dim = self.neck.out_channels
        self.test_feature = test_feature
        self.normalize_test = normalize_test

    @torch.no_grad()
    def _backbone_channels(self) -> int:
        channels = getattr(self.backbone, 'out_channels', None)
        if isinstance(channels, int):
            return channels
        was_training = self.backbone.training
        self.backbone.eval()
        channels = int(backbone_output(self.backbone, torch.zeros(1, 3, 256, 128)).shape[1])
        self.backbone.train(was_training)
        return channels

    def extract_feat(self, img: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """``(pre_bn, post_bn)`` features of a batch, not normalised.

        Args:
            img (torch.Tensor): ``(B, 3, H, W)`` images.

        Returns:
            tuple[torch.Tensor, torch.Tensor]: ``(pre_bn, post_bn)``, ``(B, D)`` each.
        """
        return self.neck(backbone_output(self.backbone, img))

    def select_test_feature(self, pre: torch.Tensor, post: torch.Tensor) -> torch.Tensor:
        """``test_feature`` out of ``(pre, post)``, normalised if ``normalize_test``.

        Args:
            pre (torch.Tensor): ``(B, D)`` pre-BN features.
            post (torch.Tensor): ``(B, D)`` post-BN features.

        Returns:
            torch.Tensor: ``(B, D)`` test features.
        """
        feat = pre if self.test_feature == 'pre_bn' else post
        return F.normalize(feat, dim=1) if self.normalize_test else feat

    def test_features(self, img: torch.Tensor) -> torch.Tensor:
        """The ``(B, D)`` features used for retrieval of a batch of images."""
        return self.select_test_feature(*self.extract_feat(img))

    def forward(self, img: Union[torch.Tensor, List[torch.Tensor]],
                index: Optional[torch.Tensor] = None, pid: Optional[torch.Tensor] = None,
                camid: Optional[torch.Tensor] = None, is_query: Optional[torch.Tensor] = None,
                mode: str = 'tensor') -> Union[torch.Tensor, Dict[str, torch.Tensor], List[dict]]:
        """Dispatch to :meth:`loss`, :meth:`predict` or :meth:`test_features`.

        Args:
            img (torch.Tensor | list[torch.Tensor]): ``(B, 3, H, W)`` images, or one such
                batch per view (ICE).
            index (torch.Tensor, optional): ``(B,)`` dataset indices. Defaults to None.
            pid (torch.Tensor, optional): ``(B,)`` ground-truth identities. Defaults to None.
            camid (torch.Tensor, optional): ``(B,)`` camera ids. Defaults to None.
            is_query (torch.Tensor, optional): ``(B,)`` query flags. Defaults to None.
            mode (str): ``'loss'``, ``'predict'`` or ``'tensor'``. Defaults to ``'tensor'``.

        Returns:
            dict | list[dict] | torch.Tensor: The losses (``'loss'``), one dict per image
            (``'predict'``) or the test features (``'tensor'``).
        """
        if mode == 'loss':
            return self.loss(img, index=index, pid=pid, camid=camid)
        if mode == 'predict':
            return self.predict(img, index=index, pid=pid, camid=camid, is_query=is_query)
        if mode == 'tensor':
            return self.test_features(img)
        raise ValueError(f"Invalid mode {mode!r}: 'loss', 'predict' or 'tensor'.")

    def loss(self, img: Union[torch.Tensor, List[torch.Tensor]], index: torch.Tensor,
             pid: Optional[torch.Tensor], camid: Optional[torch.Tensor]
             ) -> Dict[str, torch.Tensor]:
        """The training losses of a batch; implemented by each algorithm.

        Args:
            img (torch.Tensor | list[torch.Tensor]): Images, or one batch per view.
            index (torch.Tensor): ``(B,)`` dataset indices.
            pid (torch.Tensor, optional): ``(B,)`` ground-truth identities.
            camid (torch.Tensor, optional): ``(B,)`` camera ids.

        Returns:
            dict[str, torch.Tensor]: Losses (keys with ``loss``) and logged values.
        """
        raise NotImplementedError(f'{type(self).__name__} is not trainable; use an algorithm '
                                  '(Supervised, MMCL, ICE) as model.type.')

    def predict(self, img: torch.Tensor, index: torch.Tensor, pid: torch.Tensor,
                camid: torch.Tensor, is_query: Optional[torch.Tensor] = None) -> List[dict]:
        """Test features and labels of a batch, one dict per image, for :class:`ReIDMetric`.

        Args:
            img (torch.Tensor): ``(B, 3, H, W)`` images.
            index (torch.Tensor): ``(B,)`` dataset indices.
            pid (torch.Tensor): ``(B,)`` ground-truth identities.
            camid (torch.Tensor): ``(B,)`` camera ids.
            is_query (torch.Tensor, optional): ``(B,)`` query flags; None marks every image as
                gallery. Defaults to None.

        Returns:
            list[dict]: ``dict(feat, index, pid, camid, is_query)`` per image, ``feat`` on CPU.
        """
        feats = self.test_features(img).float().cpu()
        flags = is_query.tolist() if is_query is not None else [False] * len(feats)
        return [dict(feat=f, index=int(i), pid=int(p), camid=int(c), is_query=bool(q))
                for f, i, p, c, q in zip(feats, index.tolist(), pid.tolist(), camid.tolist(),
                                         flags)]
