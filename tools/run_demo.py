"""``make demo``: generate the synthetic set when absent, train and evaluate each method on it,
print the result table (also written to work_dirs/demo/results.md).

    python tools/run_demo.py [--data data/synthetic] [--work-dir work_dirs/demo] [--rows a,b]
"""
import argparse
import json
import os.path as osp
import subprocess
import sys
import time
from typing import Dict, List, Optional

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))

# (row name, config, trained?) in table order; the untrained row evaluates the initial weights.
ROWS = [
    ('untrained backbone (random init)', 'configs/supervised_r18_synthetic.py', False),
    ('MMCL + MPLP (unsupervised)', 'configs/mmcl_r18_synthetic.py', True),
    ('ICE camera-aware (unsupervised)', 'configs/ice_r18_synthetic.py', True),
    ('supervised (ground truth, upper bound)', 'configs/supervised_r18_synthetic.py', True),
]


def run(cmd: List[str]) -> None:
    print('$', ' '.join(cmd), flush=True)
    subprocess.run(cmd, cwd=ROOT, check=True)


def evaluate(config: str, work_dir: str, checkpoint: Optional[str], data: str) -> Dict[str, float]:
    out = osp.join(work_dir, 'metrics.json')
    cmd = [sys.executable, 'tools/test.py', config,
           checkpoint if checkpoint else '--untrained', '--work-dir', work_dir, '--out', out,
           '--cfg-options', f'test_dataloader.dataset.data_root={data}']
    run(cmd)
    with open(osp.join(ROOT, out)) as f:
        return json.load(f)


def train(config: str, work_dir: str, data: str) -> str:
    run([sys.executable, 'tools/train.py', config, '--work-dir', work_dir, '--no-validate',
         '--cfg-options', f'train_dataloader.dataset.data_root={data}'])
    with open(osp.join(ROOT, work_dir, 'last_checkpoint')) as f:
        return f.read().strip()


def format_table(results: List[dict]) -> str:
    lines = ['| method | mAP | rank-1 | rank-5 | rank-10 | train time |',
             '| --- | ---: | ---: | ---: | ---: | ---: |']
    for r in results:
        m = r['metrics']
        lines.append(f"| {r['name']} | {m['mAP']:.1f} | {m['rank1']:.1f} | {m['rank5']:.1f} | "
                     f"{m['rank10']:.1f} | {r['train_s'] / 60:.1f} min |")
    return '\n'.join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--data', default='data/synthetic')
    parser.add_argument('--preset', default='small', help='synthetic preset when generating')
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--rows', help='comma-separated row numbers to run (default: all)')
    args = parser.parse_args()

    from mmcl_ice_plugin.datasets.synthetic import PRESETS, make_synthetic_reid, read_summary
    if read_summary(osp.join(ROOT, args.data)) is None:
        print(f'Generating the synthetic dataset ({args.preset}) in {args.data} ...', flush=True)
        make_synthetic_reid(osp.join(ROOT, args.data), progress=True, overwrite=True,
                            **PRESETS[args.preset])

    rows = list(enumerate(ROWS))
    if args.rows:
        keep = {int(i) for i in args.rows.split(',')}
        rows = [(i, r) for i, r in rows if i in keep]
    results = []
    for i, (name, config, trained) in rows:
        work_dir = osp.join(args.work_dir, f'row{i}')
        start = time.time()
        checkpoint = train(config, work_dir, args.data) if trained else None
        train_s = time.time() - start
        metrics = evaluate(config, work_dir, checkpoint, args.data)
        results.append(dict(name=name, metrics=metrics, train_s=train_s))
    table = format_table(results)
    with open(osp.join(ROOT, args.work_dir, 'results.md'), 'w') as f:
        f.write(table + '\n')
    print('\nResults on the synthetic set (query+gallery, Market-1501 protocol):\n')
    print(table)


if __name__ == '__main__':
    main()
