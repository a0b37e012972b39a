"""ICE hard instance contrastive loss ``L_hins`` (Chen, Lagadec, Bremond, ICE, ICCV 2021, Eq. 5)."""
import torch
import torch.nn.functional as F
from torch import nn

from ...registry import MODELS


@MODELS.register_module()
class HardInstanceLoss(nn.Module):
    """Hard instance contrastive loss ``L_hins`` of ICE (Eq. 5).

    Reference:
        H. Chen, B. Lagadec, F. Bremond. ICE: Inter-instance Contrastive Encoding for
        Unsupervised Person Re-identification. ICCV 2021. https://arxiv.org/abs/2103.16364

    Contrasts each student feature's hardest positive teacher feature with all negatives.
    With ``S = n(f) @ n(e).T`` (B x B, ``n`` = L2 normalisation, ``f`` student, ``e`` teacher
    on another strong view), for each row i:
    ``h_i = min_{j: y_j = y_i} S_ij`` (j = i included), negatives ``{S_ij : y_j != y_i}`` and
    ``l_i = -log( exp(h_i / tau) / (exp(h_i / tau) + sum_neg exp(S_ij / tau)) )``;
    ``L_hins = mean_i l_i``. Default ``tau = 0.1`` (paper and code).

    Code vs this implementation: the released code gathers the negatives with a reshape that
    needs the same number of negatives in every row (a P x K batch); here rows may have any
    number of negatives. A row without negatives (a single pseudo-identity in the batch) has
    ``l_i = -log softmax([h_i])[0] = 0``.

    The teacher features are detached: only the student receives gradients.

    Args:
        temperature (float): The temperature ``tau``. Defaults to 0.1.
    """

    def __init__(self, temperature: float = 0.1) -> None:
        super().__init__()
        if temperature <= 0:
            raise ValueError(f'HardInstanceLoss temperature must be > 0, got {temperature}.')
        self.temperature = temperature

    def forward(self, student: torch.Tensor, teacher: torch.Tensor,
                labels: torch.Tensor) -> torch.Tensor:
        """Compute ``L_hins``.

        Args:
            student (torch.Tensor): ``(B, D)`` student features, not necessarily normalised.
            teacher (torch.Tensor): ``(B, D)`` teacher features of the same images.
            labels (torch.Tensor): ``(B,)`` pseudo labels.

        Returns:
            torch.Tensor: The scalar loss.
        """
        if student.dim() != 2 or student.shape != teacher.shape:
            raise ValueError('HardInstanceLoss expects student and teacher of the same shape '
                             f'(B, D), got {tuple(student.shape)} and {tuple(teacher.shape)}.')
        if labels.shape != student.shape[:1]:
            raise ValueError(f'HardInstanceLoss expects labels of shape ({student.shape[0]},), '
                             f'got {tuple(labels.shape)}.')
        sim = F.normalize(student, dim=1) @ F.normalize(teacher.detach(), dim=1).t()
        same = labels[:, None] == labels[None, :]
        hardest_pos = sim.masked_fill(~same, float('inf')).amin(dim=1, keepdim=True)
        negatives = sim.masked_fill(same, float('-inf'))
        logits = torch.cat([hardest_pos, negatives], dim=1) / self.temperature
        return (torch.logsumexp(logits, dim=1) - logits[:, 0]).mean()
