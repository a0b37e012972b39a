"""ICE losses against straightforward loop implementations of ALGORITHMS.md (section ICE).

The ``ref_*`` functions follow the written definitions sample by sample, in float64, so that
values and autograd gradients can be compared within 1e-5.
"""
import math
from typing import Callable, List, Tuple

import pytest
import torch
import torch.nn.functional as F
from torch import Tensor

from mmcl_ice_plugin.models.losses import (CameraProxyLoss, CentroidLoss, HardInstanceLoss,
                                           SoftInstanceLoss)
from mmcl_ice_plugin.registry import MODELS

SEEDS = [0, 1, 2, 3, 4]
TOL = dict(atol=1e-5, rtol=1e-5)


def cos(a: Tensor, b: Tensor) -> Tensor:
    return (a * b).sum() / (a.norm() * b.norm())


def log_softmax_list(values: List[Tensor]) -> Tensor:
    v = torch.stack(values)
    return v - torch.logsumexp(v, dim=0)


def ref_centroid(feats: Tensor, centroids: Tensor, labels: Tensor, temperature: float = 0.5,
                 eps: float = 0.1) -> Tensor:
    num_clusters = centroids.shape[0]
    total = 0
    for i in range(feats.shape[0]):
        logits = [feats[i] @ centroids[k] / temperature for k in range(num_clusters)]
        log_p = log_softmax_list(logits)
        for k in range(num_clusters):
            target = (1 - eps) * (k == int(labels[i])) + eps / num_clusters
            total = total - target * log_p[k]
    return total / feats.shape[0]


def ref_camera(feats: Tensor, labels: Tensor, cams: Tensor, proxies: Tensor, proxy_labels: Tensor,
               temperature: float = 0.07, num_neg: int = 50, weight: float = 0.5) -> Tensor:
    total = 0
    for cam in sorted(set(cams.tolist())):
        members = [k for k in range(feats.shape[0]) if int(cams[k]) == cam]
        cam_sum = 0
        for k in members:
            z = [cos(feats[k], proxies[p]) / temperature for p in range(proxies.shape[0])]
            pos = [p for p in range(len(z)) if int(proxy_labels[p]) == int(labels[k])]
            neg = [p for p in range(len(z)) if int(proxy_labels[p]) != int(labels[k])]
            neg = sorted(neg, key=lambda p: -z[p].item())[:num_neg]
            log_p = log_softmax_list([z[p] for p in pos] + [z[p] for p in neg])
            cam_sum = cam_sum - sum(log_p[j] for j in range(len(pos))) / len(pos)
        total = total + weight * cam_sum / len(members)
    return total


def ref_hard(student: Tensor, teacher: Tensor, labels: Tensor, temperature: float = 0.1) -> Tensor:
    batch = student.shape[0]
    total = 0
    for i in range(batch):
        sims = [cos(student[i], teacher[j]) for j in range(batch)]
        positives = [sims[j] for j in range(batch) if labels[j] == labels[i]]
        hardest = min(positives, key=lambda s: s.item())
        negatives = [sims[j] for j in range(batch) if labels[j] != labels[i]]
        total = total - log_softmax_list([s / temperature for s in [hardest] + negatives])[0]
    return total / batch


def ref_soft(student: Tensor, teacher_strong: Tensor, teacher_weak: Tensor,
             temperature: float = 0.4, weight: float = 10.0) -> Tensor:
    batch = student.shape[0]
    total = 0
    for i in range(batch):
        log_p = log_softmax_list([cos(teacher_weak[i], teacher_weak[j]) / temperature
                                  for j in range(batch)])
        log_q = log_softmax_list([cos(student[i], teacher_strong[j]) / temperature
                                  for j in range(batch)])
        total = total + sum(log_p[j].exp() * (log_p[j] - log_q[j]) for j in range(batch))
    return weight * total / batch


def check_against(loss_fn: Callable, ref_fn: Callable, student: Tensor,
                  *rest) -> Tuple[Tensor, Tensor]:
    """Value and gradient w.r.t. ``student`` of the module and the loop reference agree."""
    values, grads = [], []
    for fn in (loss_fn, ref_fn):
        x = student.detach().clone().requires_grad_(True)
        value = fn(x, *rest)
        value.backward()
        values.append(value.detach())
        grads.append(x.grad)
    torch.testing.assert_close(values[0], values[1].reshape(()), **TOL)
    torch.testing.assert_close(grads[0], grads[1], **TOL)
    assert torch.isfinite(values[0])
    return values[0], grads[0]


def random_proxies(gen: torch.Generator, num_clusters: int, num_cams: int,
                   dim: int) -> Tuple[Tensor, Tensor, Tensor]:
    """Proxies of each cluster for a random non-empty subset of cameras."""
    feats, labels, proxy_cams = [], [], []
    for k in range(num_clusters):
        cams = torch.randperm(num_cams, generator=gen)[:int(torch.randint(
            1, num_cams + 1, (1,), generator=gen))]
        for cam in cams.tolist():
            feats.append(torch.randn(dim, generator=gen, dtype=torch.float64))
            labels.append(k)
            proxy_cams.append(cam)
    return torch.stack(feats), torch.tensor(labels), torch.tensor(proxy_cams)


# ---------------------------------------------------------------- CentroidLoss


@pytest.mark.parametrize('seed', SEEDS)
def test_centroid_loss_matches_loop(seed):
    gen = torch.Generator().manual_seed(seed)
    num_clusters, batch = int(torch.randint(2, 20, (1,), generator=gen)), 12
    feats = torch.randn(batch, 8, generator=gen, dtype=torch.float64)
    centroids = F.normalize(torch.randn(num_clusters, 8, generator=gen, dtype=torch.float64))
    labels = torch.randint(0, num_clusters, (batch,), generator=gen)
    check_against(CentroidLoss(), ref_centroid, feats, centroids, labels)
    check_against(CentroidLoss(temperature=0.2, label_smooth=0.0),
                  lambda *a: ref_centroid(*a, temperature=0.2, eps=0.0),
                  feats, centroids, labels)


def test_centroid_loss_single_sample_and_single_cluster():
    feats = torch.randn(1, 4, dtype=torch.float64)
    centroids = torch.randn(3, 4, dtype=torch.float64)
    check_against(CentroidLoss(), ref_centroid, feats, centroids, torch.tensor([2]))
    loss = CentroidLoss()(feats, centroids[:1], torch.tensor([0]))
    assert loss.item() == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize('bad', [-1, 3])
def test_centroid_loss_rejects_labels_out_of_range(bad):
    with pytest.raises(ValueError, match=r'\[0, 3\)'):
        CentroidLoss()(torch.randn(2, 4), torch.randn(3, 4), torch.tensor([0, bad]))


# ------------------------------------------------------------- CameraProxyLoss


@pytest.mark.parametrize('seed', SEEDS)
def test_camera_proxy_loss_matches_loop(seed):
    gen = torch.Generator().manual_seed(seed)
    num_clusters = int(torch.randint(2, 40, (1,), generator=gen))
    proxies, proxy_labels, _ = random_proxies(gen, num_clusters, num_cams=4, dim=8)
    batch = 16
    feats = torch.randn(batch, 8, generator=gen, dtype=torch.float64)
    labels = torch.randint(0, num_clusters, (batch,), generator=gen)
    cams = torch.randint(0, 6, (batch,), generator=gen) * 3
    check_against(CameraProxyLoss(), ref_camera, feats, labels, cams, proxies, proxy_labels)
    check_against(CameraProxyLoss(temperature=0.1, num_hard_negatives=3, weight=1.0),
                  lambda *a: ref_camera(*a, temperature=0.1, num_neg=3, weight=1.0),
                  feats, labels, cams, proxies, proxy_labels)


def test_camera_proxy_loss_uses_top50_when_more_negatives_exist():
    gen = torch.Generator().manual_seed(7)
    proxies, proxy_labels, _ = random_proxies(gen, 60, num_cams=3, dim=8)
    assert proxies.shape[0] > 100
    feats = torch.randn(8, 8, generator=gen, dtype=torch.float64)
    labels = torch.randint(0, 60, (8,), generator=gen)
    cams = torch.randint(0, 3, (8,), generator=gen)
    check_against(CameraProxyLoss(), ref_camera, feats, labels, cams, proxies, proxy_labels)
    every_negative = CameraProxyLoss(num_hard_negatives=1000)(
        feats, labels, cams, proxies, proxy_labels)
    assert every_negative > CameraProxyLoss()(feats, labels, cams, proxies, proxy_labels)


def test_camera_proxy_loss_camera_without_proxies():
    gen = torch.Generator().manual_seed(3)
    proxies = torch.randn(6, 8, generator=gen, dtype=torch.float64)
    proxy_labels = torch.tensor([0, 0, 1, 1, 2, 2])  # proxies of cameras 0 and 1 only
    feats = torch.randn(5, 8, generator=gen, dtype=torch.float64)
    labels = torch.tensor([0, 1, 2, 0, 1])
    cams = torch.tensor([0, 1, 7, 7, 7])
    check_against(CameraProxyLoss(), ref_camera, feats, labels, cams, proxies, proxy_labels)


def test_camera_proxy_loss_single_positive_proxy():
    gen = torch.Generator().manual_seed(4)
    proxies = torch.randn(5, 8, generator=gen, dtype=torch.float64)
    proxy_labels = torch.tensor([0, 1, 1, 2, 2])  # cluster 0 seen by one camera
    feats = torch.randn(3, 8, generator=gen, dtype=torch.float64)
    labels, cams = torch.tensor([0, 0, 1]), torch.tensor([0, 1, 1])
    check_against(CameraProxyLoss(), ref_camera, feats, labels, cams, proxies, proxy_labels)
    # Sample 0 alone in camera 0: plain cross-entropy of its single positive.
    z = F.normalize(feats[:1]) @ F.normalize(proxies).t() / 0.07
    loss = CameraProxyLoss()(feats[:1], labels[:1], cams[:1], proxies, proxy_labels)
    torch.testing.assert_close(loss, 0.5 * F.cross_entropy(z, torch.tensor([0])), **TOL)


def test_camera_proxy_loss_fewer_negatives_than_requested_uses_all():
    gen = torch.Generator().manual_seed(5)
    proxies = torch.randn(7, 8, generator=gen, dtype=torch.float64)
    proxy_labels = torch.tensor([0, 0, 0, 1, 1, 2, 3])
    feats = torch.randn(4, 8, generator=gen, dtype=torch.float64)
    labels, cams = torch.tensor([0, 1, 2, 3]), torch.tensor([1, 1, 2, 2])
    value, _ = check_against(CameraProxyLoss(), ref_camera, feats, labels, cams, proxies,
                             proxy_labels)
    all_negatives = ref_camera(feats, labels, cams, proxies, proxy_labels, num_neg=7)
    torch.testing.assert_close(value, all_negatives, **TOL)


def test_camera_proxy_loss_single_cluster_has_no_negatives():
    gen = torch.Generator().manual_seed(6)
    proxies = torch.randn(3, 8, generator=gen, dtype=torch.float64)
    proxy_labels = torch.zeros(3, dtype=torch.long)
    feats = torch.randn(4, 8, generator=gen, dtype=torch.float64)
    labels, cams = torch.zeros(4, dtype=torch.long), torch.tensor([0, 0, 1, 2])
    value, _ = check_against(CameraProxyLoss(), ref_camera, feats, labels, cams, proxies,
                             proxy_labels)
    z = F.normalize(feats) @ F.normalize(proxies).t() / 0.07
    per_sample = torch.logsumexp(z, dim=1) - z.mean(dim=1)
    expected = 0.5 * (per_sample[:2].mean() + per_sample[2] + per_sample[3])
    torch.testing.assert_close(value, expected, **TOL)
    one_proxy = CameraProxyLoss()(feats, labels, cams, proxies[:1], proxy_labels[:1])
    assert one_proxy.item() == pytest.approx(0.0, abs=1e-12)


def test_camera_proxy_loss_single_sample():
    gen = torch.Generator().manual_seed(8)
    proxies, proxy_labels, _ = random_proxies(gen, 5, num_cams=3, dim=8)
    feats = torch.randn(1, 8, generator=gen, dtype=torch.float64)
    check_against(CameraProxyLoss(), ref_camera, feats, torch.tensor([3]), torch.tensor([1]),
                  proxies, proxy_labels)


def test_camera_proxy_loss_rejects_label_without_proxy():
    with pytest.raises(ValueError, match=r'\[-1\]'):
        CameraProxyLoss()(torch.randn(2, 4), torch.tensor([0, -1]), torch.tensor([0, 0]),
                          torch.randn(3, 4), torch.tensor([0, 1, 1]))


def test_camera_proxy_loss_float32_is_finite_with_gradients():
    gen = torch.Generator().manual_seed(9)
    proxies, proxy_labels, _ = random_proxies(gen, 30, num_cams=6, dim=32)
    feats = torch.randn(32, 32, generator=gen).requires_grad_(True)
    loss = CameraProxyLoss()(feats, torch.randint(0, 30, (32,), generator=gen),
                             torch.randint(0, 6, (32,), generator=gen), proxies.float(),
                             proxy_labels)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(feats.grad).all()


# ------------------------------------------------------------ HardInstanceLoss


@pytest.mark.parametrize('seed', SEEDS)
def test_hard_instance_loss_matches_loop(seed):
    gen = torch.Generator().manual_seed(seed)
    batch = 16
    student = torch.randn(batch, 8, generator=gen, dtype=torch.float64)
    teacher = torch.randn(batch, 8, generator=gen, dtype=torch.float64)
    labels = torch.randint(0, 5, (batch,), generator=gen)  # unequal group sizes
    check_against(HardInstanceLoss(), ref_hard, student, teacher, labels)
    pk_labels = torch.arange(4).repeat_interleave(4)
    check_against(HardInstanceLoss(temperature=0.3), lambda *a: ref_hard(*a, temperature=0.3),
                  student, teacher, pk_labels)


def test_hard_instance_loss_without_negatives_is_zero():
    student = torch.randn(4, 8, dtype=torch.float64, requires_grad=True)
    loss = HardInstanceLoss()(student, torch.randn(4, 8, dtype=torch.float64),
                              torch.full((4,), 3))
    loss.backward()
    assert loss.item() == 0.0
    assert torch.count_nonzero(student.grad) == 0
    single = HardInstanceLoss()(torch.randn(1, 8), torch.randn(1, 8), torch.tensor([0]))
    assert single.item() == 0.0


# ------------------------------------------------------------ SoftInstanceLoss


@pytest.mark.parametrize('seed', SEEDS)
def test_soft_instance_loss_matches_loop(seed):
    gen = torch.Generator().manual_seed(seed)
    student, strong, weak = (torch.randn(12, 8, generator=gen, dtype=torch.float64)
                             for _ in range(3))
    check_against(SoftInstanceLoss(), ref_soft, student, strong, weak)
    check_against(SoftInstanceLoss(temperature=0.1, weight=1.0),
                  lambda *a: ref_soft(*a, temperature=0.1, weight=1.0), student, strong, weak)


def test_soft_instance_loss_single_sample_and_self_consistency():
    one = torch.randn(1, 8)
    assert SoftInstanceLoss()(one, torch.randn(1, 8), torch.randn(1, 8)).item() == 0.0
    feats = torch.randn(6, 8, dtype=torch.float64)
    assert SoftInstanceLoss()(feats, feats, feats).item() == pytest.approx(0.0, abs=1e-12)


# ------------------------------------------------------------------- common


def test_teachers_get_no_gradient():
    gen = torch.Generator().manual_seed(0)
    student = torch.randn(8, 8, generator=gen, requires_grad=True)
    strong = torch.randn(8, 8, generator=gen, requires_grad=True)
    weak = torch.randn(8, 8, generator=gen, requires_grad=True)
    labels = torch.tensor([0, 0, 1, 1, 2, 2, 3, 3])
    loss = HardInstanceLoss()(student, strong, labels) + SoftInstanceLoss()(student, strong, weak)
    loss.backward()
    assert strong.grad is None and weak.grad is None
    assert student.grad is not None and torch.count_nonzero(student.grad) > 0


def test_label_smoothing_is_uniform_over_all_clusters():
    logits = torch.randn(5, 7, dtype=torch.float64)
    labels = torch.randint(0, 7, (5,))
    target = 0.9 * F.one_hot(labels, 7) + 0.1 / 7
    manual = -(target * logits.log_softmax(dim=1)).sum(dim=1).mean()
    torch.testing.assert_close(F.cross_entropy(logits, labels, label_smoothing=0.1), manual)


@pytest.mark.parametrize('cfg,defaults', [
    (dict(type='CentroidLoss'), dict(temperature=0.5, label_smooth=0.1)),
    (dict(type='CameraProxyLoss'), dict(temperature=0.07, num_hard_negatives=50, weight=0.5)),
    (dict(type='HardInstanceLoss'), dict(temperature=0.1)),
    (dict(type='SoftInstanceLoss'), dict(temperature=0.4, weight=10.0)),
])
def test_losses_build_from_registry_with_ice_defaults(cfg, defaults):
    loss = MODELS.build(cfg)
    for name, value in defaults.items():
        assert math.isclose(getattr(loss, name), value)
