"""``ICE``: inter-instance contrastive encoding with a momentum teacher (Chen et al., ICCV 2021)."""
import copy
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from ...registry import MODELS
from .base_reid import BaseReID, backbone_output

DEFAULT_LOSSES = dict(
    centroid=dict(type='CentroidLoss', temperature=0.5, label_smooth=0.1),
    camera=dict(type='CameraProxyLoss', temperature=0.07, num_hard_negatives=50, weight=0.5),
    hard_instance=dict(type='HardInstanceLoss', temperature=0.1),
    soft_instance=dict(type='SoftInstanceLoss', temperature=0.4, weight=10.0),
)


def _merge_loss(default: dict, given: dict) -> dict:
    """``given`` over the authors' loss config; another loss ``type`` replaces it whole."""
    if given.get('type', default['type']) != default['type']:
        return dict(given)
    return dict(default, **given)


@MODELS.register_module()
class ICE(BaseReID):
    """ICE: inter-instance contrastive encoding with a momentum teacher.

    Reference:
        H. Chen, B. Lagadec, F. Bremond. ICE: Inter-instance Contrastive Encoding for
        Unsupervised Person Re-identification. ICCV 2021. https://arxiv.org/abs/2103.16364

    Every epoch ``ClusteringHook`` fills ``cluster_memory`` (pseudo labels, centroids, camera
    proxies) from the teacher's features. Every iteration, with three views of each image
    ``[x1 = strong, xw = weak, x2 = strong]``:

    * student ``f1 = student(x1)``: BN-neck feature, train mode, not normalised;
    * teacher, no gradient, train-mode BN with shuffle-BN (batch permuted before the forward,
      restored after): ``e2 = teacher(x2)``, ``ew = teacher(xw)``;
    * ``L = L_ccl(f1, C, y) + L_cam(f1, y, cams, P) + L_hins(f1, e2, y) + L_sins(f1, e2, ew)``
      (``L_cam`` only when ``camera_aware``; ICE "camera-agnostic" drops it).

    After the optimiser step ``TeacherUpdateHook`` moves the teacher's parameters:
    ``t = m t + (1 - m) s`` (``m = teacher_momentum``); its BN statistics come from its own
    train-mode forwards. Retrieval and clustering use the teacher in eval mode with the
    normalised post-BN feature. The reference also computes ``student(x2)`` and
    ``teacher(x1)`` and discards them; this implementation does not.

    Args:
        camera_aware (bool): Whether to use the camera-proxy loss (ICE camera-aware, the
            paper's main result). Defaults to True.
        teacher_momentum (float): The teacher momentum ``m``, in ``[0, 1)``. Defaults to 0.999.
        shuffle_bn (bool): Whether to permute the batch around the teacher's forwards.
            Defaults to True.
        losses (dict, optional): Loss configs keyed ``centroid``, ``camera``,
            ``hard_instance``, ``soft_instance``, merged over the authors' (``DEFAULT_LOSSES``);
            a config of another ``type`` replaces the authors' whole. Defaults to None.
        **kwargs: :class:`BaseReID` arguments; ``test_feature`` defaults to ``'post_bn'``.
    """

    def __init__(self, camera_aware: bool = True, teacher_momentum: float = 0.999,
                 shuffle_bn: bool = True, losses: Optional[Dict[str, dict]] = None,
                 **kwargs) -> None:
        unknown = sorted(set(losses or {}) - set(DEFAULT_LOSSES))
        if unknown:
            raise KeyError(f'Unknown ICE losses {unknown} in model.losses: its keys are '
                           f'{sorted(DEFAULT_LOSSES)}.')
        kwargs.setdefault('test_feature', 'post_bn')
        super().__init__(**kwargs)
        if not 0 <= teacher_momentum < 1:
            raise ValueError(f'teacher_momentum must be in [0, 1) (config key '
                             f'model.teacher_momentum), got {teacher_momentum}.')
        self.camera_aware = camera_aware
        self.teacher_momentum = teacher_momentum
        self.shuffle_bn = shuffle_bn
        self.teacher = nn.ModuleDict(dict(backbone=copy.deepcopy(self.backbone),
                                          neck=copy.deepcopy(self.neck)))
        self.teacher.requires_grad_(False)
        # False until the teacher is a copy of the student; a checkpoint without a teacher
        # (e.g. a supervised model given as load_from) leaves it False, so the copy is redone
        self.register_buffer('teacher_ready', torch.tensor(False))
        cfgs = {k: _merge_loss(v, (losses or {}).get(k, {})) for k, v in DEFAULT_LOSSES.items()}
        self.loss_centroid = MODELS.build(cfgs['centroid'])
        self.loss_camera = MODELS.build(cfgs['camera']) if camera_aware else None
        self.loss_hard_instance = MODELS.build(cfgs['hard_instance'])
        self.loss_soft_instance = MODELS.build(cfgs['soft_instance'])
        self.cluster_memory = MODELS.build(dict(type='ClusterMemory', feat_dim=self.feat_dim))

    @torch.no_grad()
    def init_teacher(self) -> None:
        """Make the teacher a copy of the student unless it already is one (fresh model, or
        weights loaded without a teacher); a resumed ICE checkpoint keeps its teacher."""
        if bool(self.teacher_ready):
            return
        self.teacher['backbone'].load_state_dict(self.backbone.state_dict())
        self.teacher['neck'].load_state_dict(self.neck.state_dict())
        self.teacher_ready.fill_(True)

    def _teacher_pairs(self) -> Tuple[List[nn.Parameter], List[nn.Parameter]]:
        student = list(self.backbone.parameters()) + list(self.neck.parameters())
        teacher = (list(self.teacher['backbone'].parameters()) +
                   list(self.teacher['neck'].parameters()))
        return teacher, student

    @torch.no_grad()
    def update_teacher(self) -> None:
        """``t = m t + (1 - m) s`` over the parameters (not the BN buffers)."""
        teacher, student = self._teacher_pairs()
        torch._foreach_mul_(teacher, self.teacher_momentum)
        torch._foreach_add_(teacher, [s.detach() for s in student],
                            alpha=1 - self.teacher_momentum)

    def _teacher_extract(self, img: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        return self.teacher['neck'](backbone_output(self.teacher['backbone'], img))

    @torch.no_grad()
    def teacher_train_forward(self, img: torch.Tensor) -> torch.Tensor:
        """Teacher BN-neck features in the teacher's current (train) mode, with shuffle-BN.

        Args:
            img (torch.Tensor): ``(B, 3, H, W)`` images of one view.

        Returns:
            torch.Tensor: ``(B, D)`` features, not normalised, in the order of ``img``.
        """
        if not self.shuffle_bn:
            return self._teacher_extract(img)[1]
        perm = torch.randperm(img.shape[0], device=img.device)
        return self._teacher_extract(img[perm])[1][torch.argsort(perm)]

    @torch.no_grad()
    def teacher_features(self, img: torch.Tensor) -> torch.Tensor:
        """Normalised ``(B, D)`` teacher BN-neck features for clustering (call in eval mode)."""
        return F.normalize(self._teacher_extract(img)[1], dim=1)

    def test_features(self, img: torch.Tensor) -> torch.Tensor:
        """The teacher's ``(B, D)`` retrieval features."""
        return self.select_test_feature(*self._teacher_extract(img))

    def loss(self, img: Sequence[torch.Tensor], index: torch.Tensor,
             pid: Optional[torch.Tensor] = None,
             camid: Optional[torch.Tensor] = None) -> Dict[str, torch.Tensor]:
        """The ICE losses of a batch.

        Args:
            img (Sequence[torch.Tensor]): The three views ``[x1, xw, x2]``, ``(B, 3, H, W)``
                each.
            index (torch.Tensor): ``(B,)`` dataset indices (they select the pseudo labels).
            pid (torch.Tensor, optional): Ground-truth identities, unused. Defaults to None.
            camid (torch.Tensor, optional): ``(B,)`` camera ids, for ``L_cam``.
                Defaults to None.

        Returns:
            dict[str, torch.Tensor]: ``loss_ccl``, ``loss_hins``, ``loss_sins`` and, when
            camera-aware, ``loss_cam``.
        """
        if not isinstance(img, (list, tuple)) or len(img) != 3:
            raise ValueError('ICE needs three views per image [strong, weak, strong]: use a '
                             "MultiView train pipeline (config key train_dataloader.dataset."
                             'pipeline).')
        memory = self.cluster_memory
        if memory.num_clusters == 0:
            raise RuntimeError('ICE has no pseudo labels: add ClusteringHook to custom_hooks.')
        if not bool(self.teacher_ready):
            raise RuntimeError('ICE has no teacher: add TeacherUpdateHook to custom_hooks.')
        x1, xw, x2 = img
        labels = memory.labels[index]
        if (labels < 0).any():
            raise ValueError('An outlier (pseudo label -1) reached the loss: train ICE with '
                             'PseudoIdentitySampler, which skips outliers.')
        _, f1 = self.extract_feat(x1)
        e2 = self.teacher_train_forward(x2)
        ew = self.teacher_train_forward(xw)
        losses = dict(
            loss_ccl=self.loss_centroid(f1, memory.centroids, labels),
            loss_hins=self.loss_hard_instance(f1, e2, labels),
            loss_sins=self.loss_soft_instance(f1, e2, ew))
        if self.loss_camera is not None:
            losses['loss_cam'] = self.loss_camera(f1, labels, camid, memory.proxies,
                                                  memory.proxy_labels)
        return losses
