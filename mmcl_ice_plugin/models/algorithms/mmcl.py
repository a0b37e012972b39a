"""``MMCL``: memory-based multi-label classification with MPLP labels (Wang & Zhang, CVPR 2020)."""
from typing import Dict, Optional

import torch
import torch.nn.functional as F
from mmengine.logging import MessageHub
from torch.utils.data import Dataset

from ...engine.dist_utils import all_gather_variable
from ...pseudo_labels.gram import GramCache
from ...pseudo_labels.mplp import check_mplp_params, mplp_labels
from ...registry import MODELS
from .base_reid import BaseReID


def label_quality(positives: torch.Tensor, indices: torch.Tensor,
                  gt_pids: torch.Tensor) -> Dict[str, torch.Tensor]:
    """Precision and recall of predicted positives against ground-truth identities.

    The sample itself is left out; for monitoring only.

    Args:
        positives (torch.Tensor): ``(B, N)`` bool predicted positives.
        indices (torch.Tensor): ``(B,)`` bank rows of the batch.
        gt_pids (torch.Tensor): ``(N,)`` ground-truth identity of every bank row.

    Returns:
        dict[str, torch.Tensor]: ``mplp_precision`` and ``mplp_recall`` in percent.
    """
    same = gt_pids[indices][:, None] == gt_pids[None, :]
    rows = torch.arange(len(indices), device=indices.device)
    predicted, same = positives.clone(), same.clone()
    predicted[rows, indices] = False
    same[rows, indices] = False
    hits = (predicted & same).sum()
    return dict(mplp_precision=hits / predicted.sum().clamp(min=1) * 100,
                mplp_recall=hits / same.sum().clamp(min=1) * 100)


@MODELS.register_module()
class MMCL(BaseReID):
    """MMCL: memory-based multi-label classification with MPLP labels.

    Reference:
        D. Wang, S. Zhang. Unsupervised Person Re-identification via Multi-label
        Classification. CVPR 2020. https://arxiv.org/abs/2004.09228

    Each training image is a class. For a batch with L2-normalised BN-neck features ``f`` and
    bank rows ``y``: logits ``s = f @ M.T`` (no temperature, no gradient into ``M``); positives
    are ``{y_i}`` before ``start_epoch`` and MPLP's label set on the bank as it was before
    this iteration's update from then on; the loss is :class:`MMCLLoss`. After the optimiser
    step :class:`MemoryBankHook` writes ``f`` into the bank (:class:`InstanceMemory`).
    Retrieval uses the L2-normalised pre-BN feature (``test_feature='pre_bn'``), the BN bias is
    trainable, as in the authors' code.

    Args:
        memory (dict, optional): :class:`InstanceMemory` arguments (``base_momentum``,
            ``max_epochs``). Defaults to None (the authors' 0.5 and 60).
        loss (dict, optional): The loss config. Defaults to None
            (``dict(type='MMCLLoss')``: delta 5, r 0.01).
        start_epoch (int): First epoch (from 0) that uses MPLP labels. Defaults to 6.
        mplp (dict, optional): :func:`mplp_labels` arguments ``t``, ``min_k``, ``strict``.
            Defaults to None (0.6, 10, False).
        gram_max_elements (int, optional): MPLP reads the candidates' similarity rows from a
            cached Gram matrix ``M M^T`` (refreshed for the changed rows after each update)
            while ``N^2`` stays under this limit, and computes them directly beyond it; the
            labels are identical either way. Defaults to None (2^30 on CPU, a quarter of the
            GPU's memory).
        **kwargs: :class:`BaseReID` arguments; ``test_feature`` defaults to ``'pre_bn'``.
    """

    def __init__(self, memory: Optional[dict] = None, loss: Optional[dict] = None,
                 start_epoch: int = 6, mplp: Optional[dict] = None,
                 gram_max_elements: Optional[int] = None, **kwargs) -> None:
        mplp_cfg = {**dict(t=0.6, min_k=10, strict=False), **(mplp or {})}
        unknown = sorted(set(mplp_cfg) - {'t', 'min_k', 'strict'})
        if unknown:
            raise KeyError(f'Unknown keys {unknown} in model.mplp: its keys are t, min_k and '
                           'strict.')
        check_mplp_params(mplp_cfg['t'], mplp_cfg['min_k'], key='model.mplp')
        kwargs.setdefault('test_feature', 'pre_bn')
        super().__init__(**kwargs)
        self.memory = MODELS.build(dict(type='InstanceMemory', feat_dim=self.feat_dim,
                                        **(memory or {})))
        self.criterion = MODELS.build(loss or dict(type='MMCLLoss'))
        self.start_epoch = start_epoch
        self.mplp_cfg = mplp_cfg
        self.gram = GramCache(max_elements=gram_max_elements)
        self.register_buffer('gt_pids', torch.zeros(0, dtype=torch.long), persistent=False)
        self._pending = None

    def prepare_memory(self, dataset: Dataset) -> None:
        """Size the bank to ``dataset`` and keep its ground-truth identities for monitoring.

        A bank restored from a checkpoint of the right size is kept.

        Args:
            dataset (Dataset): The train set (its ``pids``, when present, are kept).
        """
        if self.memory.num_samples != len(dataset):
            self.memory.resize(len(dataset))
        pids = getattr(dataset, 'pids', None)
        if pids is not None:
            self.gt_pids = torch.as_tensor(pids, device=self.memory.bank.device)

    def loss(self, img: torch.Tensor, index: torch.Tensor, pid: Optional[torch.Tensor] = None,
             camid: Optional[torch.Tensor] = None) -> Dict[str, torch.Tensor]:
        """The MMCL loss of a batch; the features are kept for :meth:`commit_memory`.

        Args:
            img (torch.Tensor): ``(B, 3, H, W)`` images.
            index (torch.Tensor): ``(B,)`` dataset indices, the bank rows.
            pid (torch.Tensor, optional): Ground-truth identities, unused. Defaults to None.
            camid (torch.Tensor, optional): Camera ids, unused. Defaults to None.

        Returns:
            dict[str, torch.Tensor]: ``loss_mmcl``, ``num_positives`` and, where the ground
            truth is known, ``mplp_precision`` and ``mplp_recall``.
        """
        bank = self.memory.bank
        if bank.shape[0] == 0:
            raise RuntimeError('The MMCL memory bank is empty: add MemoryBankHook to '
                               'custom_hooks (it sizes the bank to the train set).')
        epoch = MessageHub.get_current_instance().get_info('epoch', 0)
        _, post = self.extract_feat(img)
        feats = F.normalize(post, dim=1)
        logits = feats @ bank.t()
        if epoch < self.start_epoch:
            positives = torch.zeros_like(logits, dtype=torch.bool)
            positives[torch.arange(len(index)), index] = True
        else:
            positives = mplp_labels(bank, index, gram=self.gram, **self.mplp_cfg)
        self._pending = (index.detach(), feats.detach())
        losses = dict(loss_mmcl=self.criterion(logits, positives),
                      num_positives=positives.sum(1).float().mean())
        if len(self.gt_pids) == bank.shape[0]:
            losses.update(label_quality(positives, index, self.gt_pids))
        return losses

    def commit_memory(self, epoch: int) -> None:
        """Write the last step's features into the bank (all ranks, in rank order).

        Once MPLP is near, the Gram cache is kept current too.

        Args:
            epoch (int): Current epoch, from 0 (sets the momentum).
        """
        if self._pending is None:
            return
        index, feats = self._pending
        self._pending = None
        changed = self.memory.update(torch.cat(all_gather_variable(index)),
                                     torch.cat(all_gather_variable(feats)), epoch)
        if epoch + 1 >= self.start_epoch:
            self.gram.refresh(self.memory.bank, changed)
