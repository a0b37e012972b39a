"""Time MMCL's label prediction (MPLP), bank update and loss on a Market-1501-sized bank.

The problem: N = 12,936 bank rows (Market-1501's training set), D = 2,048, batches of 128.
The bank is clustered like a trained one: 751 identities of about 17 images each, every row
``normalize(center + sigma * noise)`` with a per-identity ``sigma`` and a component shared by
all identities (cross-identity similarity about 0.25, within-identity about 0.5-0.8). Timed,
as the median over ``--iters`` batches after ``--warmup`` batches:

* MPLP, direct path: ``mplp_labels(memory, idx)`` (similarity rows computed per batch).
* MPLP, Gram path: ``mplp_labels(memory, idx, gram=gram)`` with a :class:`GramCache`, plus the
  iteration's memory update (momentum ``M[y] = a M[y] + (1 - a) x``, renormalised, inline
  here) and ``gram.refresh(memory, idx)``. The target is MPLP + update <= 0.15 s.
* MMCL loss forward + backward on ``128 x 12,936`` logits (target <= 0.02 s).
* With ``--reference``: the authors' per-sample loops (MPLP with ``argsort`` of every
  candidate row; the loss with a sort per sample), and a check that the labels agree.

    python benchmarks/benchmark_mplp.py [--reference] [--threads N] [--iters 10]
"""
import argparse
import os
import os.path as osp
import statistics
import sys
import time
from typing import Callable, List, Tuple

import torch
import torch.nn.functional as F

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # the repository root

from benchmarks.utils.machine import cpu_model  # noqa: E402
from mmcl_ice_plugin.models.losses import MMCLLoss  # noqa: E402
from mmcl_ice_plugin.pseudo_labels import GramCache, mplp_labels  # noqa: E402


def make_bank(num: int, dim: int, num_ids: int, seed: int) -> torch.Tensor:
    """A clustered, L2-normalised bank (see the module docstring)."""
    gen = torch.Generator().manual_seed(seed)
    ids = torch.randint(0, num_ids, (num,), generator=gen)
    shared = torch.randn(dim, generator=gen)
    centers = F.normalize(torch.randn(num_ids, dim, generator=gen) + 0.6 * shared, dim=1)
    sigma = torch.empty(num_ids).uniform_(0.45, 1.1, generator=gen)
    noise = torch.randn(num, dim, generator=gen) / dim ** 0.5
    return F.normalize(centers[ids] + sigma[ids, None] * noise, dim=1)


def mplp_reference(memory: torch.Tensor, targets: torch.Tensor, t: float = 0.6) -> torch.Tensor:
    """The authors' loop, as released (unstable sorts: tie order unspecified; no ties here)."""
    sims = memory[targets].mm(memory.t())
    sims_sorted, index_sorted = torch.sort(sims, dim=1, descending=True)
    labels = torch.zeros(sims.shape, dtype=torch.bool)
    counts = torch.sum(sims_sorted > t, dim=1)
    for i in range(sims.shape[0]):
        k = max(int(counts[i]), 10)
        cand_sims = memory[index_sorted[i, :k]].mm(memory.t())
        _, cand_sorted = torch.sort(cand_sims, dim=1, descending=True)
        step = 1
        for j in range(min(k, memory.shape[0])):
            pos = torch.nonzero(cand_sorted[j] == index_sorted[i, 0]).item()
            if pos > k:
                break
            step = max(step, j)
        step = min(step + 1, int(counts[i]))
        if step > 0:
            labels[i, index_sorted[i, 0:step]] = True
    labels[torch.arange(sims.shape[0]), targets] = True
    return labels


def mmcl_loss_reference(logits: torch.Tensor, positives: torch.Tensor, delta: float = 5.0,
                        r: float = 0.01) -> torch.Tensor:
    """The authors' loop (one sort of the negatives per sample)."""
    losses = []
    for logit, pos in zip(logits, positives):
        pos_logit = logit[pos]
        neg_logit = logit[~pos]
        _, idx = torch.sort(neg_logit.detach(), descending=True)
        hard = neg_logit[idx[:int(r * neg_logit.numel())]]
        losses.append(delta * ((1 - pos_logit) ** 2).mean() + ((1 + hard) ** 2).mean())
    return torch.stack(losses).mean()


def median_time(fn: Callable[[], object], iters: int, warmup: int) -> Tuple[float, List[float]]:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(iters):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--num', type=int, default=12936)
    parser.add_argument('--dim', type=int, default=2048)
    parser.add_argument('--num-ids', type=int, default=751)
    parser.add_argument('--batch', type=int, default=128)
    parser.add_argument('--iters', type=int, default=10, help='timed batches (median reported)')
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--direct-iters', type=int, default=3,
                        help='timed batches of the (slow) direct path')
    parser.add_argument('--momentum', type=float, default=0.25)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--threads', type=int, default=None,
                        help='torch intra-op threads (default: torch default)')
    parser.add_argument('--reference', action='store_true',
                        help="also time the authors' per-sample loops (several seconds per batch)")
    args = parser.parse_args()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    print(f'machine    : {cpu_model()}, {os.cpu_count()} logical CPUs, '
          f'torch {torch.__version__} with {torch.get_num_threads()} threads, '
          f'load average {os.getloadavg()[0]:.2f}')
    memory = make_bank(args.num, args.dim, args.num_ids, args.seed)
    gen = torch.Generator().manual_seed(args.seed + 1)
    batches = [torch.randperm(args.num, generator=gen)[:args.batch]
               for _ in range(args.warmup + args.iters)]
    counts = (memory[batches[0]] @ memory.T > 0.6).sum(1).float()
    print(f'problem    : N {args.num}, D {args.dim}, batch {args.batch}, {args.num_ids} ids; '
          f'c = #(sim > 0.6) per sample: mean {counts.mean():.1f}, '
          f'min {counts.min():.0f}, max {counts.max():.0f}')

    start = time.perf_counter()
    gram = GramCache()
    gram.rebuild(memory)
    print(f'gram build : {time.perf_counter() - start:.2f} s '
          f'({args.num}^2 float32 = {args.num ** 2 * 4 / 2**20:.0f} MiB), once')

    direct_batches = iter(batches[args.warmup:] * 2)
    direct_s, _ = median_time(lambda: mplp_labels(memory, next(direct_batches)),
                              args.direct_iters, 1)
    print(f'MPLP direct: {direct_s:.3f} s per batch (median of {args.direct_iters})')

    step = {'mplp': [], 'update': [], 'refresh': []}
    agree = True
    for n, idx in enumerate(batches):
        t0 = time.perf_counter()
        labels = mplp_labels(memory, idx, gram=gram)
        t1 = time.perf_counter()
        feats = F.normalize(memory[idx] + 0.5 * torch.randn(len(idx), args.dim) / args.dim ** 0.5,
                            dim=1)
        t2 = time.perf_counter()
        memory[idx] = args.momentum * memory[idx] + (1 - args.momentum) * feats
        memory[idx] /= memory[idx].norm(dim=1, keepdim=True)
        t3 = time.perf_counter()
        gram.refresh(memory, idx)
        t4 = time.perf_counter()
        if n >= args.warmup:
            step['mplp'].append(t1 - t0)
            step['update'].append(t3 - t2)
            step['refresh'].append(t4 - t3)
        if n == args.warmup + args.iters - 1:
            agree = torch.equal(mplp_labels(memory, idx, gram=gram), mplp_labels(memory, idx))
    med = {k: statistics.median(v) for k, v in step.items()}
    total = statistics.median([a + b + c for a, b, c in
                               zip(step['mplp'], step['update'], step['refresh'])])
    print(f'MPLP gram  : {med["mplp"]:.3f} s + memory update {med["update"]:.3f} s + gram '
          f'refresh {med["refresh"]:.3f} s = {total:.3f} s per iteration (median of '
          f'{args.iters}; target 0.15 s) -> {"met" if total <= 0.15 else "NOT met"}')
    print(f'paths agree: {"yes" if agree else "NO"} (gram vs direct labels, last batch)')
    print(f'labels     : {labels.sum(1).float().mean():.1f} positives per sample on average')

    loss_fn = MMCLLoss()
    logits = (feats @ memory.T).detach()
    positives = mplp_labels(memory, idx, gram=gram)

    def loss_step(fn: Callable) -> None:
        leaf = logits.clone().requires_grad_(True)
        fn(leaf, positives).backward()

    loss_s, _ = median_time(lambda: loss_step(loss_fn), 20, 3)
    print(f'MMCL loss  : {loss_s * 1e3:.1f} ms forward + backward, {args.batch} x {args.num} '
          f'(median of 20; target 20 ms) -> {"met" if loss_s <= 0.02 else "NOT met"}')

    if args.reference:
        idx = batches[-1]
        start = time.perf_counter()
        ref_labels = mplp_reference(memory, idx)
        ref_s = time.perf_counter() - start
        same = torch.equal(ref_labels, mplp_labels(memory, idx, gram=gram))
        print(f'MPLP ref   : {ref_s:.3f} s per batch (authors\' loop, one batch); labels '
              f'{"identical" if same else "DIFFERENT"}; speed-up {ref_s / total:.0f}x '
              f'(gram path incl. update)')
        ref_loss_s, _ = median_time(lambda: loss_step(mmcl_loss_reference), 3, 1)
        print(f'MMCL ref   : {ref_loss_s * 1e3:.1f} ms forward + backward (authors\' loop); '
              f'speed-up {ref_loss_s / loss_s:.0f}x')


if __name__ == '__main__':
    main()
