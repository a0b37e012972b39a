"""ICE soft instance consistency loss ``L_sins`` (Chen, Lagadec, Bremond, ICE, ICCV 2021, Eq. 7)."""
import torch
import torch.nn.functional as F
from torch import nn

from ...registry import MODELS


@MODELS.register_module()
class SoftInstanceLoss(nn.Module):
    """Soft instance consistency loss ``L_sins`` of ICE (Eq. 7).

    Reference:
        H. Chen, B. Lagadec, F. Bremond. ICE: Inter-instance Contrastive Encoding for
        Unsupervised Person Re-identification. ICCV 2021. https://arxiv.org/abs/2103.16364

    KL divergence from the teacher's weak-view affinities to the student's strong-view ones.
    Target ``P = softmax_row(n(e_w) @ n(e_w).T / tau)`` (teacher, weakly augmented view),
    input ``Q = softmax_row(n(f) @ n(e_s).T / tau)`` (student against the teacher's other
    strong view), ``L_sins = weight * (1/B) * sum_i KL(P_i || Q_i)``, i.e.
    ``weight * F.kl_div(log Q, P, reduction='batchmean')``. ``n`` = L2 normalisation.
    The defaults (``tau = 0.4``, ``weight = 10``) are the authors' code's.

    Code vs paper: the loss weight 10 is in the code only. ``log Q`` is computed with
    ``log_softmax`` (the code takes ``log(softmax)``; the same value, stabler).

    Both teacher inputs are detached: only the student receives gradients. With B = 1 both
    distributions are ``[1]`` and the loss is 0.

    Args:
        temperature (float): The temperature ``tau``, shared by target and input.
            Defaults to 0.4.
        weight (float): Multiplier of the KL divergence. Defaults to 10.0.
    """

    def __init__(self, temperature: float = 0.4, weight: float = 10.0) -> None:
        super().__init__()
        if temperature <= 0:
            raise ValueError(f'SoftInstanceLoss temperature must be > 0, got {temperature}.')
        self.temperature = temperature
        self.weight = weight

    def forward(self, student: torch.Tensor, teacher_strong: torch.Tensor,
                teacher_weak: torch.Tensor) -> torch.Tensor:
        """Compute ``L_sins``.

        Args:
            student (torch.Tensor): ``(B, D)`` student features of the strong view ``x1``.
            teacher_strong (torch.Tensor): ``(B, D)`` teacher features of the other strong
                view ``x2``.
            teacher_weak (torch.Tensor): ``(B, D)`` teacher features of the weak view ``xw``.

        Returns:
            torch.Tensor: The scalar loss.
        """
        if student.dim() != 2 or not student.shape == teacher_strong.shape == teacher_weak.shape:
            raise ValueError('SoftInstanceLoss expects three (B, D) tensors of one shape, got '
                             f'{tuple(student.shape)}, {tuple(teacher_strong.shape)} and '
                             f'{tuple(teacher_weak.shape)}.')
        weak = F.normalize(teacher_weak.detach(), dim=1)
        target = F.softmax(weak @ weak.t() / self.temperature, dim=1)
        sim = F.normalize(student, dim=1) @ F.normalize(teacher_strong.detach(), dim=1).t()
        log_input = F.log_softmax(sim / self.temperature, dim=1)
        return self.weight * F.kl_div(log_input, target, reduction='batchmean')
