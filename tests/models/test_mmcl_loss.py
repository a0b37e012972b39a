"""MMCLLoss against a per-sample loop of its definition: values and gradients."""
import math

import pytest
import torch

from mmcl_ice_plugin.models.losses import MMCLLoss
from mmcl_ice_plugin.registry import MODELS


def mmcl_loop(logits, positives, delta=5.0, r=0.01):
    """``mean_i [delta * mean_P (1 - s)^2 + mean_HN (1 + s)^2]``, HN_i = top floor(r |Neg_i|)."""
    losses = []
    for logit, pos in zip(logits, positives):
        neg = logit[~pos]
        order = torch.argsort(neg.detach(), descending=True, stable=True)
        num = int(r * neg.numel())
        loss = delta * ((1 - logit[pos]) ** 2).mean()
        if num > 0:
            loss = loss + ((1 + neg[order[:num]]) ** 2).mean()
        losses.append(loss)
    return torch.stack(losses).mean()


def problem(batch, num, max_pos, seed):
    gen = torch.Generator().manual_seed(seed)
    logits = (torch.rand(batch, num, generator=gen, dtype=torch.float64) * 2 - 1).float()
    positives = torch.zeros(batch, num, dtype=torch.bool)
    for i in range(batch):
        count = int(torch.randint(1, max_pos + 1, (1,), generator=gen))
        positives[i, torch.randperm(num, generator=gen)[:count]] = True
    return logits, positives


def compare(logits, positives, **kwargs):
    a = logits.clone().requires_grad_(True)
    b = logits.clone().requires_grad_(True)
    got = MMCLLoss(**kwargs)(a, positives)
    expected = mmcl_loop(b, positives, **kwargs)
    got.backward()
    expected.backward()
    assert torch.isfinite(got)
    torch.testing.assert_close(got, expected, rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(a.grad, b.grad, rtol=1e-5, atol=1e-7)
    return got


@pytest.mark.parametrize('delta,r', [(5.0, 0.01), (1.0, 0.05), (2.0, 0.5), (5.0, 1.0)])
def test_matches_loop(delta, r):
    logits, positives = problem(16, 1000, 30, seed=int(r * 100))
    compare(logits, positives, delta=delta, r=r)


def test_varying_hard_negative_counts():
    # floor(0.01 * |Neg_i|) is 2 or 1 depending on the number of positives.
    logits, positives = problem(12, 300, 150, seed=3)
    counts = torch.floor(0.01 * (~positives).sum(1).double())
    assert counts.unique().numel() > 1
    compare(logits, positives)


def test_empty_hard_negatives():
    # r * |Neg_i| < 1: no hard negatives, the second term is 0 (the reference gives NaN).
    logits, positives = problem(8, 60, 5, seed=1)
    loss = compare(logits, positives)
    assert loss.item() == pytest.approx(
        5.0 * torch.stack([((1 - l[p]) ** 2).mean() for l, p in zip(logits, positives)])
        .mean().item(), rel=1e-6)
    # Mixed: rows with 5 positives have one hard negative (115 negatives), rows with 30 none.
    logits, _ = problem(8, 120, 1, seed=2)
    positives = torch.zeros(8, 120, dtype=torch.bool)
    positives[:4, :5] = True
    positives[4:, 50:80] = True
    compare(logits, positives)
    compare(logits, positives, r=0.0)


def test_all_positives_and_index_targets():
    logits, _ = problem(4, 50, 1, seed=4)
    compare(logits, torch.ones(4, 50, dtype=torch.bool))
    targets = torch.tensor([3, 0, 49, 7])
    one_hot = torch.zeros(4, 50, dtype=torch.bool)
    one_hot[torch.arange(4), targets] = True
    loss = MMCLLoss(r=0.1)
    assert torch.equal(loss(logits, targets), loss(logits, one_hot))


def test_market_sized_batch():
    logits, positives = problem(128, 12936, 20, seed=5)
    compare(logits, positives)


def test_registry_and_validation():
    loss = MODELS.build(dict(type='MMCLLoss', delta=3.0, r=0.02))
    assert isinstance(loss, MMCLLoss) and loss.delta == 3.0 and loss.r == 0.02
    with pytest.raises(ValueError):
        MMCLLoss(r=1.5)
    with pytest.raises(ValueError):
        MMCLLoss()(torch.zeros(2, 3), torch.zeros(2, 4, dtype=torch.bool))
    assert math.isclose(MMCLLoss()(torch.zeros(1, 3), torch.tensor([1])).item(), 5.0)


def test_tied_logits():
    # Identical memory rows give identical logits: the value does not depend on which tied
    # negatives are selected, nor does the gradient with respect to the features.
    gen = torch.Generator().manual_seed(6)
    memory = torch.nn.functional.normalize(torch.randn(40, 16, generator=gen), dim=1)
    memory = torch.cat([memory, memory[:10], torch.zeros(250, 16)])
    feats = torch.nn.functional.normalize(torch.randn(6, 16, generator=gen), dim=1)
    positives = torch.zeros(6, 300, dtype=torch.bool)
    positives[torch.arange(6), torch.arange(6)] = True
    grads = []
    for fn in (MMCLLoss(r=0.02), lambda s, p: mmcl_loop(s, p, r=0.02)):
        leaf = feats.clone().requires_grad_(True)
        loss = fn(leaf @ memory.T, positives)
        loss.backward()
        grads.append((loss.detach(), leaf.grad))
    torch.testing.assert_close(grads[0][0], grads[1][0], rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(grads[0][1], grads[1][1], rtol=1e-5, atol=1e-6)
