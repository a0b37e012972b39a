"""Time and peak memory of ICE's clustering step: kNN, k-reciprocal Jaccard distance, DBSCAN.

Features: ``N // per_id`` identities in D = 2048 dimensions, each sample a uniformly drawn identity
centre plus Gaussian noise in a 32-dimensional subspace shared by all identities, L2-normalised
(``make_features``, seeded). The defaults make identities overlap as on real data: the exact
labels' pairwise F-score against the identities is 0.86 at N = 12,936 and falls with N (``--noise
0.7 --noise-rank 0 --shared 0``: separable identities, F = 1). The report also gives the stored
pairs per row and the pseudo labels' quality against the identities. Each N runs in a fresh
subprocess so that its peak resident memory (``ru_maxrss``) is its own: the report gives the
features' own size, the peak growth above the resident size measured once the features exist
(imports and features excluded) and the process's whole peak. Times are wall-clock seconds; CPU
seconds (user + system, all threads) are given for the total, since a shared machine makes
wall-clock times noisy (the 1-minute load average before and after is printed too). kNN runs on the
GPU when faiss and torch see one; Jaccard and DBSCAN always run on the CPU.

``--features F.npy --ids I.npy`` uses the first N rows of given features instead, such as the
network features ``benchmarks/cnn_features.py`` extracts, on which neighbour searches are judged.

The table is printed and written to ``--out-dir`` (default ``work_dirs/benchmarks/``) as
``jaccard.json`` and ``jaccard.md``, with a plot of time and memory against N,
``jaccard.png`` (or ``--plot PATH``).

    python benchmarks/benchmark_jaccard.py                  # N = 2,000 ... 100,000 (minutes)
    python benchmarks/benchmark_jaccard.py --n 2000 12936 [--plot out.png]
    python benchmarks/benchmark_jaccard.py --n 32621 100000 --extrapolate 1000000
    python benchmarks/benchmark_jaccard.py --n 100000 --features F.npy --ids I.npy \\
        --knn approximate --compare-exact
    python benchmarks/benchmark_jaccard.py --quick          # N = 500, 1,000 at D = 64 (seconds)
"""
import argparse
import json
import math
import os
import os.path as osp
import resource
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # the repository root

from benchmarks.utils.machine import cpu_model, describe_machine, machine_info  # noqa: E402


def rss_mib() -> float:
    """Current resident set size of this process in MiB (Linux)."""
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far in MiB (Linux ``ru_maxrss``)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """User + system CPU seconds of this process so far (all threads)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def make_features(num: int, dim: int, per_id: int, noise: float, noise_rank: int,
                  shared: float, seed: int) -> tuple:
    """``(features (N, D) float32, identities (N,))``, built in chunks (no large temporaries).

    Identity centres are random unit vectors, pulled towards one shared direction ``mu`` by
    ``shared`` (``normalize(c_k + shared * mu)``; centre cosine about ``shared^2 / (1 +
    shared^2)``). A sample is its identity's centre plus Gaussian noise of norm about ``noise``,
    isotropic when ``noise_rank`` is 0, otherwise inside a random ``noise_rank``-dimensional
    subspace (real features vary along few directions), then L2-normalised. Isotropic noise
    without a shared direction gives well-separated identities; the command-line defaults
    (``shared`` 1, ``noise`` 0.95 in 32 dimensions) give overlapping ones.
    """
    rng = np.random.default_rng(seed)
    num_ids = max(1, num // per_id)
    centres = rng.standard_normal((num_ids, dim), dtype=np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    if shared:
        mean_dir = rng.standard_normal(dim, dtype=np.float32)
        centres += np.float32(shared) * mean_dir / np.linalg.norm(mean_dir)
        centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    basis = None
    if noise_rank:
        basis = np.linalg.qr(rng.standard_normal((dim, noise_rank)))[0].T.astype(np.float32)
        basis *= np.float32(noise / np.sqrt(noise_rank))
    ids = rng.integers(0, num_ids, num)
    feats = np.empty((num, dim), dtype=np.float32)
    for start in range(0, num, 4096):
        block = feats[start:start + 4096]
        if basis is None:
            rng.standard_normal(block.shape, dtype=np.float32, out=block)
            block *= np.float32(noise / np.sqrt(dim))
        else:
            np.matmul(rng.standard_normal((len(block), noise_rank), dtype=np.float32), basis,
                      out=block)
        block += centres[ids[start:start + 4096]]
        block /= np.linalg.norm(block, axis=1, keepdims=True)
    return feats, ids


def singletons(labels: np.ndarray) -> np.ndarray:
    """``labels`` with every outlier (-1) its own identity (a reference for
    ``pseudo_label_quality``)."""
    out = labels.copy()
    outliers = out < 0
    out[outliers] = out.max(initial=0) + 1 + np.arange(outliers.sum())
    return out


def compare_with_exact(feats: np.ndarray, indices: np.ndarray, labels: np.ndarray,
                       args: argparse.Namespace) -> dict:
    """The exact search's time, the approximate one's recall of its neighbours, and the
    agreement (pairwise F, ARI) of the labels with the exact search's labels."""
    from mmcl_ice_plugin.pseudo_labels import dbscan_labels, knn_search, pseudo_label_quality
    from mmcl_ice_plugin.pseudo_labels.jaccard import jaccard_distance_from_knn
    start = time.perf_counter()
    exact_dist, exact_idx = knn_search(feats, args.k1, knn='exact')
    exact_knn_s = time.perf_counter() - start
    rows = np.arange(len(feats), dtype=np.int64)[:, None] * len(feats)
    recall = np.isin(exact_idx + rows, indices + rows).mean()
    exact_labels = dbscan_labels(
        jaccard_distance_from_knn(feats, exact_dist, exact_idx, k2=args.k2,
                                  max_distance=args.max_distance),
        eps=args.eps, min_samples=args.min_samples)
    agreement = pseudo_label_quality(labels, singletons(exact_labels))
    return dict(exact_knn_s=exact_knn_s, knn_recall=float(recall),
                fscore_vs_exact=agreement['fscore'], ari_vs_exact=agreement['ari'])


def run_one(args: argparse.Namespace) -> dict:
    """Benchmark one N (``args.worker``) in this process; the result as a dict."""
    import torch

    from mmcl_ice_plugin.pseudo_labels import dbscan_labels, knn_search, pseudo_label_quality
    from mmcl_ice_plugin.pseudo_labels.jaccard import jaccard_distance_from_knn
    from mmcl_ice_plugin.pseudo_labels.knn import APPROXIMATE_MIN_N

    if args.features:
        feats = np.ascontiguousarray(np.load(args.features, mmap_mode='r')[:args.worker],
                                     dtype=np.float32)
        ids = np.load(args.ids)[:args.worker]
    else:
        feats, ids = make_features(args.worker, args.dim, args.per_id, args.noise,
                                   args.noise_rank, args.shared, args.seed)
    baseline = rss_mib()
    cpu0, start = cpu_seconds(), time.perf_counter()
    distances, indices = knn_search(feats, args.k1, knn=args.knn)
    t_knn = time.perf_counter()
    dist = jaccard_distance_from_knn(feats, distances, indices, k2=args.k2,
                                     max_distance=args.max_distance)
    t_jaccard = time.perf_counter()
    labels = dbscan_labels(dist, eps=args.eps, min_samples=args.min_samples)
    t_dbscan = time.perf_counter()
    cpu = cpu_seconds() - cpu0
    quality = pseudo_label_quality(labels, ids)
    peak = peak_rss_mib()
    gpu = torch.cuda.is_available()
    approximate = args.knn == 'approximate' or (
        args.knn == 'auto' and not gpu and args.worker >= APPROXIMATE_MIN_N)
    comparison = dict(exact_knn_s=None, knn_recall=None, fscore_vs_exact=None,
                      ari_vs_exact=None)
    if approximate and args.compare_exact:
        comparison = compare_with_exact(feats, indices, labels, args)
    return dict(
        comparison, knn='approximate' if approximate else 'exact',
        n=args.worker, knn_device='gpu' if gpu and not approximate else 'cpu',
        knn_s=t_knn - start, jaccard_s=t_jaccard - t_knn,
        dbscan_s=t_dbscan - t_jaccard, total_s=t_dbscan - start, total_cpu_s=cpu,
        peak_growth_mib=peak - baseline, peak_rss_mib=peak, features_mib=feats.nbytes / 2**20,
        baseline_rss_mib=baseline, stored_per_row=dist.nnz / args.worker,
        clusters=quality['num_clusters'], outliers=quality['num_outliers'],
        true_ids=int(np.unique(ids).size), fscore=quality['fscore'], nmi=quality['nmi'])


def plot(results: list, path: str, title: str) -> None:
    """Time per stage and memory against N (log-log), saved to ``path``."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter
    ns = [r['n'] for r in results]
    fig, (ax_t, ax_m) = plt.subplots(1, 2, figsize=(10, 4))
    for key, label in (('knn_s', 'kNN'), ('jaccard_s', 'Jaccard'), ('dbscan_s', 'DBSCAN'),
                       ('total_s', 'total')):
        ax_t.plot(ns, [r[key] for r in results], 'o-', label=label)
    ax_t.set(yscale='log', ylabel='seconds', title='time')
    ax_t.legend()
    ax_m.plot(ns, [r['peak_growth_mib'] for r in results], 'o-', label='peak growth')
    ax_m.plot(ns, [r['peak_rss_mib'] for r in results], '^-', label='peak RSS (process)')
    ax_m.plot(ns, [r['features_mib'] for r in results], 's--', label='features')
    ax_m.set(yscale='log', ylabel='MiB', title='memory')
    ax_m.legend()
    for ax in (ax_t, ax_m):
        ax.set(xscale='log', xlabel='N')
        ax.set_xticks(ns, [str(n) for n in ns])
        ax.xaxis.set_minor_formatter(NullFormatter())
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


COLUMNS = (  # (result key, header, width, format)
    ('n', 'N', 7, 'd'), ('knn_s', 'kNN s', 7, '.2f'), ('jaccard_s', 'Jacc s', 7, '.2f'),
    ('dbscan_s', 'DBSCAN s', 8, '.2f'), ('total_s', 'total s', 8, '.2f'),
    ('total_cpu_s', 'CPU s', 7, '.2f'), ('peak_growth_mib', 'peak MiB', 9, '.0f'),
    ('peak_rss_mib', 'RSS MiB', 8, '.0f'), ('features_mib', 'feat MiB', 9, '.0f'),
    ('stored_per_row', 'nnz/row', 8, '.0f'), ('clusters', 'clusters', 8, 'd'),
    ('true_ids', '(true)', 7, 'd'), ('outliers', 'outliers', 8, 'd'), ('fscore', 'F', 5, '.2f'),
    ('nmi', 'NMI', 5, '.2f'), ('knn', 'kNN', 11, 's'), ('knn_recall', 'recall', 6, '.4f'),
    ('fscore_vs_exact', 'F/exact', 7, '.4f'), ('ari_vs_exact', 'ARI/exact', 9, '.4f'),
    ('exact_knn_s', 'exact kNN s', 11, '.1f'))


def cell(result: dict, key: str, width: int, fmt: str) -> str:
    """One formatted table cell, '-' for a figure not measured."""
    value = result.get(key)
    return f'{"-":>{width}}' if value is None else f'{value:>{width}{fmt}}'


EXTRAPOLATED = ('knn_s', 'jaccard_s', 'dbscan_s', 'peak_growth_mib')


def extrapolate(results: list, num: int) -> dict:
    """Figures for ``num`` images from the two largest measured N: each follows the power law
    through them, ``y = y1 * (num / n1) ** p`` with ``p = log(y1 / y0) / log(n1 / n0)`` (the
    exponents are kept: about 2 for the exact kNN, a brute force in ``N^2 D``)."""
    first, last = sorted(results, key=lambda r: r['n'])[-2:]
    row = dict(n=num, features_mib=last['features_mib'] * num / last['n'], exponents={},
               from_n=[first['n'], last['n']])
    for key in EXTRAPOLATED:
        if first[key] > 0 and last[key] > 0:  # else no power law (a figure measured as 0)
            power = math.log(last[key] / first[key]) / math.log(last['n'] / first['n'])
            row[key], row['exponents'][key] = last[key] * (num / last['n']) ** power, power
        else:
            row[key] = row['exponents'][key] = None
    times = [row[key] for key in ('knn_s', 'jaccard_s', 'dbscan_s')]
    row['total_s'] = None if None in times else sum(times)
    return row


def describe_extrapolation(row: dict) -> str:
    """One line for an :func:`extrapolate` row ('-' where no power law was found)."""
    def fmt(value, spec):
        return '-' if value is None else format(value, spec)
    exps = ', '.join(f'{key[:-2] if key.endswith("_s") else "memory"} N^{fmt(p, ".2f")}'
                     for key, p in row['exponents'].items())
    hours = None if row['total_s'] is None else row['total_s'] / 3600
    return (f'extrapolated to N = {row["n"]:,} from N = {row["from_n"][0]:,} and '
            f'{row["from_n"][1]:,} ({exps}): kNN {fmt(row["knn_s"], ",.0f")} s, Jaccard '
            f'{fmt(row["jaccard_s"], ",.0f")} s, DBSCAN {fmt(row["dbscan_s"], ",.1f")} s, '
            f'total {fmt(row["total_s"], ",.0f")} s ({fmt(hours, ".1f")} h); peak memory '
            f'{fmt(row["peak_growth_mib"], ",.0f")} MiB above {row["features_mib"]:,.0f} MiB '
            'of features')


def write_report(out_dir: str, report: dict) -> None:
    """``jaccard.json`` (everything) and ``jaccard.md`` (the table) in ``out_dir``."""
    with open(os.path.join(out_dir, 'jaccard.json'), 'w') as f:
        json.dump(report, f, indent=2)
    lines = [f'ICE clustering step (kNN + Jaccard + DBSCAN), {report["setting"]}', '',
             f'Machine: {describe_machine(report["machine"])} (before the runs); '
             f'load average after: {report["load_average_after"]}', '',
             '| ' + ' | '.join(header for _, header, _, _ in COLUMNS) + ' |',
             '|' + '---:|' * len(COLUMNS)]
    for r in report['results']:
        lines.append('| ' + ' | '.join(cell(r, key, 0, fmt) for key, _, _, fmt in COLUMNS) +
                     ' |')
    lines += ['', 'peak MiB: peak resident memory above the resident size once the features '
              'exist; RSS MiB: peak of the whole process (imports and features included).']
    lines += [''] + [describe_extrapolation(r) for r in report['extrapolated']]
    with open(os.path.join(out_dir, 'jaccard.md'), 'w') as f:
        f.write('\n'.join(lines) + '\n')


def main() -> None:
    """Parse the options; run every N in its own subprocess, or one N as that subprocess."""
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        epilog='Writes jaccard.json, jaccard.md and jaccard.png to --out-dir.')
    parser.add_argument('--n', type=int, nargs='+', default=[2000, 12936, 32621, 100000],
                        help='problem sizes, each in a fresh subprocess (default: %(default)s)')
    parser.add_argument('--dim', type=int, default=2048)
    parser.add_argument('--quick', action='store_true',
                        help='smoke-test size: --n 500 1000 --dim 64 (a few seconds)')
    parser.add_argument('--per-id', type=int, default=17, help='mean images per identity')
    parser.add_argument('--noise', type=float, default=0.95,
                        help='norm of the noise per sample')
    parser.add_argument('--noise-rank', type=int, default=32,
                        help='dimension of the noise subspace (0: isotropic)')
    parser.add_argument('--shared', type=float, default=1.0,
                        help='weight of the direction all identity centres share')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--k1', type=int, default=30)
    parser.add_argument('--k2', type=int, default=6)
    parser.add_argument('--eps', type=float, default=0.55)
    parser.add_argument('--min-samples', type=int, default=4)
    parser.add_argument('--max-distance', type=float, default=None,
                        help='store only pairs closer than this (default: eps + 0.05, as '
                             'ClusteringHook; 1.0 stores every pair that shares support)')
    parser.add_argument('--knn', choices=('auto', 'exact', 'approximate'), default='auto',
                        help='neighbour search (auto: approximate on the CPU from 50,000)')
    parser.add_argument('--compare-exact', action='store_true',
                        help='where the search is approximate, run the exact one too: its '
                             'time, the recall of its neighbours, F and ARI against its labels')
    parser.add_argument('--extrapolate', type=int, nargs='+', default=[],
                        help='also extrapolate the figures to these N from the two largest '
                             'measured N (power laws through them)')
    parser.add_argument('--features', default=None,
                        help='.npy of (N, D) features to use instead of generated ones (the '
                             'first N rows for each --n; benchmarks/cnn_features.py makes one)')
    parser.add_argument('--ids', default=None, help='.npy of the identities of --features')
    parser.add_argument('--timeout', type=float, default=None, help='seconds per N')
    parser.add_argument('--out-dir', default=os.path.join('work_dirs', 'benchmarks'),
                        help='folder for jaccard.json / .md / .png (default: %(default)s)')
    parser.add_argument('--plot', default=None,
                        help='save the time/memory plot here instead of <out-dir>/jaccard.png')
    parser.add_argument('--worker', type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker is not None:
        print(json.dumps(run_one(args)))
        return
    if args.quick:
        args.n, args.dim = [500, 1000], 64
    if args.max_distance is None:
        from mmcl_ice_plugin.pseudo_labels.jaccard import max_distance_for
        args.max_distance = max_distance_for(args.eps)

    machine = machine_info()
    if args.features:
        if not args.ids:
            parser.error('--features needs --ids (the identities of its rows)')
        shape = np.load(args.features, mmap_mode='r').shape
        if max(args.n) > shape[0]:
            parser.error(f'--n {max(args.n)} exceeds the {shape[0]} rows of {args.features}')
        args.dim = shape[1]
    source = f'features of {args.features}' if args.features else 'generated features'
    setting = (f'{source}, D = {args.dim}, k1 = {args.k1}, k2 = {args.k2}, eps = {args.eps}, '
               f'min_samples = {args.min_samples}, max_distance = {args.max_distance:g}')
    print(f'machine: {describe_machine(machine)}')
    print(f'setting: {setting}')
    print(' '.join(f'{header:>{width}}' for _, header, width, _ in COLUMNS))
    results = []
    options = ['--dim', args.dim, '--per-id', args.per_id, '--noise', args.noise,
               '--noise-rank', args.noise_rank, '--shared', args.shared, '--seed',
               args.seed, '--k1', args.k1, '--k2', args.k2, '--eps', args.eps, '--min-samples',
               args.min_samples, '--max-distance', args.max_distance, '--knn', args.knn] + \
        (['--compare-exact'] if args.compare_exact else []) + \
        (['--features', args.features, '--ids', args.ids] if args.features else [])
    for num in args.n:
        cmd = [sys.executable, os.path.abspath(__file__), '--worker', str(num)] + \
            [str(o) for o in options]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout,
                                  check=True)
        except subprocess.TimeoutExpired:
            print(f'{num:>7} timed out after {args.timeout} s')
            continue
        except subprocess.CalledProcessError as err:
            print(f'{num:>7} failed:\n{err.stderr}')
            continue
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        results.append(r)
        print(' '.join(cell(r, key, width, fmt) for key, _, width, fmt in COLUMNS), flush=True)
    if not results:
        raise SystemExit('no N finished; nothing written')
    print(f'kNN on the {results[0]["knn_device"].upper()}; peak MiB = peak growth above the '
          'resident size once the features exist, RSS MiB = whole process')
    extrapolated = []
    if args.extrapolate and len(results) < 2:
        print('--extrapolate needs two measured N; none extrapolated')
    elif args.extrapolate:
        extrapolated = [extrapolate(results, num) for num in args.extrapolate]
        for row in extrapolated:
            print(describe_extrapolation(row))
    load_after = machine_info()['load_average']
    print(f'load average after: {load_after}')
    os.makedirs(args.out_dir, exist_ok=True)
    write_report(args.out_dir, dict(machine=machine, load_average_after=load_after,
                                    setting=setting, options=vars(args), results=results,
                                    extrapolated=extrapolated))
    plot_path = args.plot or os.path.join(args.out_dir, 'jaccard.png')
    gpu = f', kNN on {machine["gpu"]}' if results[0]['knn_device'] == 'gpu' else ''
    plot(results, plot_path, f'ICE clustering step, D = {args.dim}, {cpu_model()}, '
         f'{machine["cores"]} cores{gpu}')
    print(f'written: {os.path.join(args.out_dir, "jaccard.json")}, '
          f'{os.path.join(args.out_dir, "jaccard.md")}, {plot_path}')


if __name__ == '__main__':
    main()
