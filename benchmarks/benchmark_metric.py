"""Time ``evaluate_rank`` on a Market-1501-sized random problem (optionally against torchreid).

The problem: 3,368 queries x 15,913 gallery images (Market-1501's test split), 751 identities,
6 cameras, uniformly random float32 distances, all seeded. ``evaluate_rank`` is timed as the best
of ``--repeats`` runs after one warm-up run. With ``--compare-torchreid`` torchreid's Python
``evaluate_rank`` (``use_cython=False``; about a minute) is run once on the same problem and the
two results are compared.

    python benchmarks/benchmark_metric.py [--compare-torchreid] [--threads N]
"""
import argparse
import os
import os.path as osp
import sys
import time
import warnings

import numpy as np
import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # the repository root

from benchmarks.utils.machine import cpu_model  # noqa: E402
from mmcl_ice_plugin.evaluation import evaluate_rank  # noqa: E402


def make_problem(num_query: int, num_gallery: int, num_ids: int, num_cams: int,
                 seed: int) -> tuple:
    """Random distances and labels: ``(distmat, q_pids, g_pids, q_camids, g_camids)``."""
    rng = np.random.default_rng(seed)
    distmat = rng.random((num_query, num_gallery), dtype=np.float32)
    q_pids = rng.integers(0, num_ids, num_query)
    g_pids = rng.integers(0, num_ids, num_gallery)
    q_camids = rng.integers(0, num_cams, num_query)
    g_camids = rng.integers(0, num_cams, num_gallery)
    return distmat, q_pids, g_pids, q_camids, g_camids


def timed(fn, *args, **kwargs) -> tuple:
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - start, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--num-query', type=int, default=3368)
    parser.add_argument('--num-gallery', type=int, default=15913)
    parser.add_argument('--num-ids', type=int, default=751)
    parser.add_argument('--num-cams', type=int, default=6)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--repeats', type=int, default=3, help='timed runs (best is reported)')
    parser.add_argument('--threads', type=int, default=None,
                        help='torch intra-op threads (default: torch default)')
    parser.add_argument('--compare-torchreid', action='store_true',
                        help="also run torchreid's Python evaluate_rank (about a minute)")
    args = parser.parse_args()
    if args.threads is not None:
        torch.set_num_threads(args.threads)

    problem = make_problem(args.num_query, args.num_gallery, args.num_ids, args.num_cams,
                           args.seed)
    print(f'machine   : {cpu_model()}, {os.cpu_count()} logical CPUs, '
          f'torch {torch.__version__} with {torch.get_num_threads()} threads')
    print(f'problem   : {args.num_query} queries x {args.num_gallery} gallery, '
          f'{args.num_ids} ids, {args.num_cams} cameras, random float32 distances '
          f'(seed {args.seed})')

    evaluate_rank(*problem)  # warm-up
    times = []
    for _ in range(args.repeats):
        seconds, (cmc, mean_ap) = timed(evaluate_rank, *problem)
        times.append(seconds)
    print(f'ours      : best {min(times):.3f} s of {args.repeats} '
          f'({", ".join(f"{t:.3f}" for t in times)}) '
          f'mAP {mean_ap:.6f} rank1 {cmc[0]:.6f} rank5 {cmc[4]:.6f} rank10 {cmc[9]:.6f}')

    if args.compare_torchreid:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')  # "Cython evaluation is unavailable"
            from torchreid.reid.metrics import evaluate_rank as torchreid_evaluate_rank
        seconds, (ref_cmc, ref_map) = timed(torchreid_evaluate_rank, *problem, max_rank=50,
                                            use_metric_cuhk03=False, use_cython=False)
        cmc_diff = float(np.abs(ref_cmc - cmc).max())
        map_diff = abs(float(ref_map) - mean_ap)
        agree = max(cmc_diff, map_diff) <= 1e-6
        print(f'torchreid : {seconds:.3f} s (Python, one run) mAP {ref_map:.6f} '
              f'rank1 {ref_cmc[0]:.6f}')
        print(f'speed-up  : {seconds / min(times):.1f}x')
        print(f'agreement : max |cmc diff| {cmc_diff:.2e}, |mAP diff| {map_diff:.2e} -> '
              f'{"OK" if agree else "MISMATCH"} (tolerance 1e-6)')
        if not agree:
            raise SystemExit(1)


if __name__ == '__main__':
    main()
