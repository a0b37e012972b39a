"""Peak memory and rate of gathering a million features in one process (``extract_features``).

The model is a stand-in (each batch's features are drawn at random, ``--dim`` wide), so that
the figures are those of the gathering itself, not of a backbone: the dataloader yields
``--n`` items in batches of ``--batch-size``, and ``extract_features`` writes them into one
``(N, D)`` tensor of the requested dtype. Each dtype runs in a fresh subprocess, so that its
peak resident memory (``ru_maxrss``) is its own; the report gives the features' size, the
peak growth above the resident size before the extraction and their ratio (1.0: the features
are held once), and the rate in features per second. Also written to ``--out-dir`` as
``extraction_memory.json`` and ``extraction_memory.md``.

    python benchmarks/benchmark_extraction_memory.py                 # N = 1,000,000, D = 2,048
    python benchmarks/benchmark_extraction_memory.py --quick         # N = 20,000 (seconds)
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time

import torch
from torch.utils.data import DataLoader, Dataset

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # the repository root

from benchmarks.benchmark_jaccard import peak_rss_mib, rss_mib  # noqa: E402
from benchmarks.utils.machine import describe_machine, machine_info  # noqa: E402
from mmcl_ice_plugin.engine.feature_extraction import extract_features  # noqa: E402


class IndexItems(Dataset):
    """``num`` items, each its own index (the stand-in model ignores the image)."""

    def __init__(self, num: int):
        self.num = num

    def __len__(self) -> int:
        return self.num

    def __getitem__(self, index: int) -> dict:
        return dict(img=torch.zeros(1), index=index)


def run_one(args: argparse.Namespace) -> dict:
    """Gather ``args.n`` features of ``args.dtype`` in this process; the figures."""
    dtype = getattr(torch, args.dtype)
    loader = DataLoader(IndexItems(args.n), batch_size=args.batch_size, num_workers=0)
    baseline = rss_mib()
    start = time.perf_counter()
    feats, _ = extract_features(lambda img: torch.randn(len(img), args.dim), loader,
                                progress=False, dtype=dtype)
    seconds = time.perf_counter() - start
    features_mib = feats.numel() * feats.element_size() / 2**20
    growth = peak_rss_mib() - baseline
    return dict(dtype=args.dtype, n=args.n, dim=args.dim, seconds=seconds,
                features_per_s=args.n / seconds, features_mib=features_mib,
                peak_growth_mib=growth, growth_over_features=growth / features_mib)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--n', type=int, default=1_000_000, help='features gathered')
    parser.add_argument('--dim', type=int, default=2048)
    parser.add_argument('--batch-size', type=int, default=512)
    parser.add_argument('--dtypes', nargs='+', default=['float32', 'float16'],
                        choices=['float32', 'float16', 'bfloat16'])
    parser.add_argument('--quick', action='store_true', help='N = 20,000 (a few seconds)')
    parser.add_argument('--out-dir', default=osp.join('work_dirs', 'benchmarks'))
    parser.add_argument('--dtype', default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.dtype is not None:
        print(json.dumps(run_one(args)))
        return
    if args.quick:
        args.n = 20_000
    machine = machine_info()
    print(f'machine: {describe_machine(machine)}')
    results = []
    for dtype in args.dtypes:
        cmd = [sys.executable, osp.abspath(__file__), '--dtype', dtype, '--n', str(args.n),
               '--dim', str(args.dim), '--batch-size', str(args.batch_size)]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        results.append(r)
        print(f'{dtype:>8}: {r["n"]:,} x {r["dim"]} in {r["seconds"]:.1f} s '
              f'({r["features_per_s"]:,.0f} features/s); features {r["features_mib"]:,.0f} MiB, '
              f'peak growth {r["peak_growth_mib"]:,.0f} MiB '
              f'({r["growth_over_features"]:.2f} x the features)', flush=True)
    os.makedirs(args.out_dir, exist_ok=True)
    with open(osp.join(args.out_dir, 'extraction_memory.json'), 'w') as f:
        json.dump(dict(machine=machine, options=vars(args), results=results), f, indent=2)
    lines = [f'Gathering features, {describe_machine(machine)}', '',
             '| dtype | N | D | s | features/s | features MiB | peak growth MiB | x features |',
             '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |']
    lines += [f'| {r["dtype"]} | {r["n"]} | {r["dim"]} | {r["seconds"]:.1f} | '
              f'{r["features_per_s"]:.0f} | {r["features_mib"]:.0f} | '
              f'{r["peak_growth_mib"]:.0f} | {r["growth_over_features"]:.2f} |' for r in results]
    with open(osp.join(args.out_dir, 'extraction_memory.md'), 'w') as f:
        f.write('\n'.join(lines) + '\n')


if __name__ == '__main__':
    main()
