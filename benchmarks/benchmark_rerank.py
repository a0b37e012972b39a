"""Time and peak memory of test-time k-reciprocal re-ranking: the plugin's sparse
``k_reciprocal_rerank`` against torchreid's dense ``re_ranking``.

Features: the clustered identities of ``benchmark_jaccard.make_features`` (D = 2048 by default,
identities that overlap: ``--shared 1 --noise 1 --noise-rank 32``), split at random into
queries and gallery, each image in one of 6 cameras. Each size runs in a fresh subprocess, so
that its peak resident memory (``ru_maxrss``) is its own; the report gives the peak growth above
the resident size once the features exist. torchreid's ``re_ranking`` (on ``ReIDMetric``'s
cosine distance matrices) runs too where ``Q + G <= --dense-max``: then the largest difference
of the re-ranked distances and of the mAP is reported. mAP before and after re-ranking comes
from ``evaluate_rank``.

The table is printed and written to ``--out-dir`` (default ``work_dirs/benchmarks/``) as
``rerank.json`` and ``rerank.md``.

    python benchmarks/benchmark_rerank.py                   # 1,000 x 4,000; Market; MSMT17
    python benchmarks/benchmark_rerank.py --sizes 11659x82161
    python benchmarks/benchmark_rerank.py --quick           # 200 x 800 at D = 64 (seconds)
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # the repository root

from benchmarks.benchmark_jaccard import make_features, peak_rss_mib, rss_mib  # noqa: E402
from benchmarks.utils.machine import describe_machine, machine_info  # noqa: E402

#: Query x gallery sizes of the default run: a small one torchreid can re-rank too,
#: Market-1501's test set and MSMT17's.
DEFAULT_SIZES = ('1000x4000', '3368x15913', '11659x82161')


def parse_size(text: str) -> tuple:
    """``'QxG'`` as ``(Q, G)``."""
    try:
        num_q, num_g = (int(v) for v in text.lower().split('x'))
    except ValueError:
        raise argparse.ArgumentTypeError(f'a size is QUERIESxGALLERY, e.g. 3368x15913; '
                                         f'got {text!r}') from None
    return num_q, num_g


def run_one(args: argparse.Namespace) -> dict:
    """Benchmark one size (``args.worker``) in this process; the result as a dict."""
    import torch

    from mmcl_ice_plugin.evaluation import evaluate_rank, k_reciprocal_rerank
    from mmcl_ice_plugin.evaluation.metrics.reid_metric import pairwise_distance

    num_q, num_g = parse_size(args.worker)
    feats, ids = make_features(num_q + num_g, args.dim, args.per_id, args.noise,
                               args.noise_rank, args.shared, args.seed)
    rng = np.random.default_rng(args.seed + 1)
    order = rng.permutation(num_q + num_g)
    feats, ids = feats[order], ids[order]
    cams = rng.integers(0, 6, num_q + num_g)
    q, g = torch.from_numpy(feats[:num_q]), torch.from_numpy(feats[num_q:])
    labels = (ids[:num_q], ids[num_q:], cams[:num_q], cams[num_q:])

    def map_of(distmat) -> float:
        return 100 * float(evaluate_rank(torch.as_tensor(distmat), *labels)[1])

    baseline = rss_mib()
    start = time.perf_counter()
    ours = k_reciprocal_rerank(q, g, 'cosine', args.k1, args.k2, args.lambda_value)
    seconds = time.perf_counter() - start
    peak = peak_rss_mib()
    result = dict(size=args.worker, queries=num_q, gallery=num_g, seconds=seconds,
                  peak_growth_mib=peak - baseline, features_mib=feats.nbytes / 2**20,
                  result_mib=ours.nbytes / 2**20, map_original=None, map_reranked=map_of(ours),
                  torchreid_seconds=None, max_abs_diff=None, map_diff=None)
    if num_q + num_g <= args.dense_max:
        from torchreid.reid.utils import re_ranking
        start = time.perf_counter()
        ref = re_ranking(pairwise_distance(q, g, 'cosine').numpy(),
                         pairwise_distance(q, q, 'cosine').numpy(),
                         pairwise_distance(g, g, 'cosine').numpy(),
                         k1=args.k1, k2=args.k2, lambda_value=args.lambda_value)
        result.update(torchreid_seconds=time.perf_counter() - start,
                      max_abs_diff=float(np.abs(ours - ref).max()),
                      map_diff=abs(map_of(ref) - result['map_reranked']))
        del ref
    del ours
    result['map_original'] = map_of(pairwise_distance(q, g, 'cosine'))
    return result


COLUMNS = (  # (result key, header, format)
    ('queries', 'queries', 'd'), ('gallery', 'gallery', 'd'), ('seconds', 'sparse s', '.1f'),
    ('peak_growth_mib', 'peak MiB', '.0f'), ('result_mib', 'Q x G MiB', '.0f'),
    ('torchreid_seconds', 'torchreid s', '.1f'), ('max_abs_diff', 'max |diff|', '.1e'),
    ('map_diff', 'mAP diff', '.1e'), ('map_original', 'mAP', '.1f'),
    ('map_reranked', 're-ranked mAP', '.1f'))


def row(result: dict) -> str:
    return '| ' + ' | '.join('-' if result[key] is None else format(result[key], fmt)
                             for key, _, fmt in COLUMNS) + ' |'


def main() -> None:
    """Parse the options; run every size in its own subprocess, or one as that subprocess."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--sizes', nargs='+', default=list(DEFAULT_SIZES),
                        help='QUERIESxGALLERY sizes (default: %(default)s)')
    parser.add_argument('--dim', type=int, default=2048)
    parser.add_argument('--quick', action='store_true',
                        help='smoke-test size: --sizes 200x800 --dim 64 (seconds)')
    parser.add_argument('--dense-max', type=int, default=5000,
                        help='run torchreid\'s dense re_ranking too up to this Q + G '
                             '(default: %(default)s)')
    parser.add_argument('--per-id', type=int, default=17, help='mean images per identity')
    parser.add_argument('--noise', type=float, default=1.0)
    parser.add_argument('--noise-rank', type=int, default=32)
    parser.add_argument('--shared', type=float, default=1.0)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--k1', type=int, default=20)
    parser.add_argument('--k2', type=int, default=6)
    parser.add_argument('--lambda-value', type=float, default=0.3)
    parser.add_argument('--out-dir', default=os.path.join('work_dirs', 'benchmarks'),
                        help='folder for rerank.json / .md (default: %(default)s)')
    parser.add_argument('--worker', default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker is not None:
        print(json.dumps(run_one(args)))
        return
    if args.quick:
        args.sizes, args.dim = ['200x800'], 64
    for size in args.sizes:
        parse_size(size)

    machine = machine_info()
    setting = (f'D = {args.dim}, k1 = {args.k1}, k2 = {args.k2}, lambda = {args.lambda_value}, '
               f'cosine distance')
    header = ['| ' + ' | '.join(h for _, h, _ in COLUMNS) + ' |', '|' + '---:|' * len(COLUMNS)]
    print(f'machine: {describe_machine(machine)}\nsetting: {setting}\n' + '\n'.join(header))
    options = ['--dim', args.dim, '--per-id', args.per_id, '--noise', args.noise,
               '--noise-rank', args.noise_rank, '--shared', args.shared, '--seed', args.seed,
               '--k1', args.k1, '--k2', args.k2, '--lambda-value', args.lambda_value,
               '--dense-max', args.dense_max]
    results = []
    for size in args.sizes:
        cmd = [sys.executable, osp.abspath(__file__), '--worker', size] + [str(o) for o in options]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
        except subprocess.CalledProcessError as err:
            print(f'{size} failed:\n{err.stderr}')
            continue
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        print(row(results[-1]), flush=True)
    if not results:
        raise SystemExit('no size finished; nothing written')
    load_after = machine_info()['load_average']
    print(f'load average after: {load_after}')
    os.makedirs(args.out_dir, exist_ok=True)
    with open(osp.join(args.out_dir, 'rerank.json'), 'w') as f:
        json.dump(dict(machine=machine, load_average_after=load_after, setting=setting,
                       options=vars(args), results=results), f, indent=2)
    lines = [f'k-reciprocal re-ranking, {setting}', '',
             f'Machine: {describe_machine(machine)} (before the runs); load average after: '
             f'{load_after}', ''] + header + [row(r) for r in results]
    lines += ['', 'peak MiB: peak resident memory above the resident size once the features '
              'exist (the sparse re-ranking, its Q x G result included).']
    with open(osp.join(args.out_dir, 'rerank.md'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print(f'written: {osp.join(args.out_dir, "rerank.json")}, '
          f'{osp.join(args.out_dir, "rerank.md")}')


if __name__ == '__main__':
    main()
