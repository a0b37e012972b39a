"""MPLP: the vectorised labels equal a literal loop over the specification, on every kind of bank."""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from mmcl_ice_plugin.pseudo_labels import (MPLP, GramCache, mplp_labels, mplp_labels_from_source,
                                           similarity_rows)
from mmcl_ice_plugin.pseudo_labels.mplp import stable_topk_indices
from mmcl_ice_plugin.registry import TASK_UTILS


@pytest.fixture(autouse=True)
def single_thread():
    """Tiny products: one thread avoids OpenMP wake-up latency (milliseconds on a busy host)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def argsort_desc(values: torch.Tensor) -> torch.Tensor:
    """Descending argsort, ties by index (the documented tie rule)."""
    return torch.argsort(values, descending=True, stable=True)


def mplp_loop(memory, indices, t=0.6, min_k=10, strict=False, sim_rows=None):
    """ALGORITHMS.md, MPLP steps 1-4, literally (the walk runs over min(K, N) entries)."""
    if sim_rows is None:
        def sim_rows(rows):
            return memory[rows] @ memory.T
    num = memory.shape[0]
    sims = sim_rows(indices)
    labels = torch.zeros(len(indices), num, dtype=torch.bool)
    for i in range(len(indices)):
        sim = sims[i]
        order = argsort_desc(sim)
        c = int((sim > t).sum())
        k = max(c, min_k)
        cand_sims = sim_rows(order[:k])
        step = 0 if strict else 1
        for j in range(min(k, num)):
            rank = int((argsort_desc(cand_sims[j]) == order[0]).nonzero())
            if rank > k:
                break
            step = max(step, j)
        step = min(step + 1, c)
        if step > 0:
            labels[i, order[0:step]] = True
        labels[i, indices[i]] = True
    return labels


def clustered_bank(num_ids, per_id, dim, noise, seed, shared=0.0, duplicates=0):
    """Identities with noisy copies (noise per identity drawn in ``noise``), normalised.

    ``duplicates`` exact copies of each identity's first row are appended (exact ties).
    """
    gen = torch.Generator().manual_seed(seed)
    common = torch.randn(dim, generator=gen)
    centers = F.normalize(torch.randn(num_ids, dim, generator=gen) + shared * common, dim=1)
    sigma = torch.empty(num_ids, 1, 1).uniform_(*noise, generator=gen)
    rows = centers.unsqueeze(1) + sigma * torch.randn(num_ids, per_id, dim, generator=gen) \
        / dim ** 0.5
    rows = F.normalize(rows, dim=2)
    if duplicates:
        rows = torch.cat([rows, rows[:, :1].expand(-1, duplicates, -1)], dim=1)
    bank = rows.reshape(-1, dim)
    return bank[torch.randperm(bank.shape[0], generator=gen)].contiguous()


def random_bank(num, dim, seed):
    gen = torch.Generator().manual_seed(seed)
    return F.normalize(torch.randn(num, dim, generator=gen), dim=1)


def check(memory, indices, **kwargs):
    expected = mplp_loop(memory, indices, **kwargs)
    got = mplp_labels(memory, indices, **kwargs)
    assert got.dtype == torch.bool and got.shape == expected.shape
    assert torch.equal(got, expected), (got ^ expected).nonzero()[:10]
    return got


def batch(num, size, seed):
    gen = torch.Generator().manual_seed(seed)
    return torch.randint(0, num, (size,), generator=gen)


@pytest.mark.parametrize('strict', [False, True])
@pytest.mark.parametrize('seed', [0, 1])
def test_clustered_banks(strict, seed):
    bank = clustered_bank(60, 8, 64, (0.4, 1.2), seed, shared=0.5)
    labels = check(bank, batch(bank.shape[0], 48, seed), strict=strict)
    # The banks exercise the walk: multi-label rows with various sizes.
    sizes = labels.sum(1)
    assert sizes.max() > 2 and (sizes == 1).any()


@pytest.mark.parametrize('t,min_k', [(0.6, 10), (0.3, 10), (0.5, 3), (0.2, 25)])
def test_parameters(t, min_k):
    bank = clustered_bank(40, 10, 48, (0.5, 1.5), 3, shared=0.8)
    for strict in (False, True):
        check(bank, batch(bank.shape[0], 40, 4), t=t, min_k=min_k, strict=strict)


def test_random_bank():
    bank = random_bank(400, 8, 0)  # low dimension: many neighbours above t
    check(bank, batch(400, 64, 0))
    check(bank, batch(400, 64, 1), strict=True, t=0.4)


def test_small_bank_fewer_entries_than_min_k():
    for num in (1, 2, 5, 9):
        bank = clustered_bank(1, num, 16, (0.5, 0.5), num)
        idx = torch.arange(num)
        for strict in (False, True):
            labels = check(bank, idx, strict=strict)
        assert labels.any(1).all()
    bank = clustered_bank(3, 3, 16, (0.8, 0.8), 7)
    check(bank, torch.arange(9))


def test_every_row_similar():
    bank = clustered_bank(1, 40, 32, (0.2, 0.2), 0)
    assert (bank @ bank.T > 0.6).all()
    labels = check(bank, torch.arange(40))
    check(bank, torch.arange(40), strict=True)
    assert labels.sum(1).min() > 1


def test_only_self_above_threshold():
    bank = random_bank(300, 256, 1)
    sims = bank @ bank.T
    assert ((sims > 0.6).sum(1) == 1).all()
    labels = check(bank, batch(300, 32, 2))
    assert torch.equal(labels.sum(1), torch.ones(32, dtype=torch.long))


def test_ties_duplicate_rows():
    # Exact duplicates: order[0] is the duplicate with the lowest index, not always y_i.
    bank = clustered_bank(20, 4, 32, (0.3, 0.9), 5, shared=0.5, duplicates=4)
    idx = torch.arange(bank.shape[0])
    for strict in (False, True):
        labels = check(bank, idx, strict=strict)
    assert labels.sum(1).max() > 4
    # Many copies of one row tie at every boundary of the ranking.
    bank = torch.cat([bank[:1].expand(30, -1), bank[1:40]]).contiguous()
    check(bank, torch.arange(0, 69, 3))
    check(bank, torch.arange(0, 69, 3), t=0.3, min_k=4)


def test_zero_rows():
    # The bank starts at zero: all similarities 0 (ties everywhere), only y_i is positive.
    zeros = torch.zeros(50, 16)
    labels = check(zeros, torch.arange(50))
    assert torch.equal(labels, torch.eye(50, dtype=torch.bool))
    # Partly filled bank; zero rows give +0.0 and -0.0 similarities, which tie.
    bank = clustered_bank(10, 6, 16, (0.4, 0.8), 2)
    bank[torch.arange(0, 60, 3)] = 0
    bank[1] = -bank[1].abs()
    idx = torch.arange(60)
    check(bank, idx)
    check(bank, idx, strict=True, t=0.0, min_k=5)
    check(bank, idx, t=-0.5)


def test_strict_differs_from_default():
    # order[1] passes in the default mode even when it fails the reciprocity check.
    gen = torch.Generator().manual_seed(0)
    found = False
    for seed in range(5):
        bank = clustered_bank(8, 12, 8, (1.0, 2.0), seed, shared=1.0)
        idx = torch.randint(0, bank.shape[0], (64,), generator=gen)
        default = check(bank, idx, t=0.5, min_k=2)
        strict = check(bank, idx, t=0.5, min_k=2, strict=True)
        assert (strict <= default).all()
        found |= not torch.equal(strict, default)
    assert found


def test_stable_topk_indices_ties():
    gen = torch.Generator().manual_seed(0)
    values = torch.randint(0, 4, (64, 200), generator=gen).float() / 4
    values[0] = 0.0
    values[1, ::2] = -0.0
    for k in (1, 5, 60, 200):
        expected = argsort_desc(values)[:, :k]
        assert torch.equal(stable_topk_indices(values, k), expected)


def test_same_values_same_labels():
    """With the similarities given as one matrix, the logic matches the loop exactly."""
    bank = clustered_bank(30, 8, 32, (0.4, 1.2), 11, shared=0.6, duplicates=1)
    gram = bank @ bank.T

    def rows(r):
        return gram[r]

    idx = torch.arange(bank.shape[0])
    for strict in (False, True):
        expected = mplp_loop(bank, idx, strict=strict, sim_rows=rows)
        assert torch.equal(mplp_labels_from_source(rows, idx, bank.shape[0], strict=strict),
                           expected)


def momentum_updates(memory, gram, steps, batch_size, seed):
    """Random momentum updates of random batches (duplicates inside a batch), in batch order."""
    gen = torch.Generator().manual_seed(seed)
    num, dim = memory.shape
    for step in range(steps):
        a = 0.5 * step / steps
        idx = torch.randint(0, num, (batch_size,), generator=gen)
        idx[-3:] = idx[:3]
        feats = F.normalize(memory[idx] + 0.4 * torch.randn(batch_size, dim, generator=gen),
                            dim=1)
        for y, x in zip(idx.tolist(), feats):
            memory[y] = a * memory[y] + (1 - a) * x
            memory[y] /= memory[y].norm()
        gram.refresh(memory, idx)
        yield idx


def test_gram_path_equals_direct_path():
    bank = clustered_bank(50, 8, 64, (0.4, 1.0), 1, shared=0.6)
    memory = torch.zeros_like(bank)
    memory[:200] = bank[:200]
    gram = GramCache()
    gram.refresh(memory, torch.arange(0))
    assert torch.equal(gram.gram, similarity_rows(memory, torch.arange(400)))
    for idx in momentum_updates(memory, gram, steps=12, batch_size=37, seed=0):
        assert gram.is_synced(memory)
        torch.testing.assert_close(gram.gram, memory @ memory.T, rtol=0, atol=1e-6)
        for strict in (False, True):
            direct = mplp_labels(memory, idx, strict=strict)
            assert torch.equal(mplp_labels(memory, idx, strict=strict, gram=gram), direct)
        assert torch.equal(direct, mplp_loop(memory, idx, strict=True))


def test_gram_cache_staleness_and_limits():
    bank = clustered_bank(20, 6, 16, (0.4, 1.0), 4)
    idx = torch.arange(0, 120, 5)
    expected = mplp_labels(bank, idx)

    holder = nn.Module()
    holder.register_buffer('memory', bank.clone())
    holder.gram = GramCache()
    holder.gram.refresh(holder.memory, idx)
    assert holder.gram.is_synced(holder.memory)
    # Loading a state dict invalidates the cache.
    holder.load_state_dict({'memory': torch.flip(bank, [0])})
    assert holder.gram.gram is None
    assert torch.equal(mplp_labels(holder.memory, idx, gram=holder.gram),
                       mplp_labels(holder.memory, idx))
    # An in-place change without refresh() is detected when rows are read.
    holder.memory.copy_(bank)
    assert not holder.gram.is_synced(holder.memory)
    assert torch.equal(mplp_labels(holder.memory, idx, gram=holder.gram), expected)
    # Beyond max_elements no Gram matrix is kept; rows are computed directly.
    small = GramCache(max_elements=100)
    small.refresh(bank, idx)
    assert small.gram is None
    assert torch.equal(mplp_labels(bank, idx, gram=small), expected)


def test_registered_class():
    bank = clustered_bank(10, 5, 16, (0.5, 1.0), 0)
    labeller = TASK_UTILS.build(dict(type='MPLP', t=0.5, strict=True))
    assert isinstance(labeller, MPLP)
    idx = torch.arange(50)
    assert torch.equal(labeller(bank, idx), mplp_loop(bank, idx, t=0.5, strict=True))
