"""``make demo``: generate the synthetic sets when absent, train and evaluate each method on
the demo set, print the result table (also written to work_dirs/demo/results.md).

The unsupervised methods start, as in their papers, from a pretrained backbone. ImageNet
weights need a download, so the demo pretrains with labels on a second generated set (other
people, same cameras), then trains MMCL and ICE on the unlabelled demo set.

    python tools/run_demo.py [--work-dir work_dirs/demo] [--rows 0,1,...]
"""
import argparse
import os
import os.path as osp
import time

from mmcl_ice_plugin.utils.experiments import evaluate, format_table, train

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DATA = 'data/synthetic'
SOURCE_DATA = 'data/synthetic_source'
SOURCE_ROW = 'source'

# name, config, trained?, initialised from the source model?  (table order)
ROWS = [
    ('untrained backbone (random init)', 'configs/supervised_r18_synthetic.py', False, False),
    ('direct transfer (supervised on other people)',
     'configs/supervised_r18_synthetic_source.py', True, False),
    ('MMCL + MPLP (unsupervised, from the transfer model)',
     'configs/mmcl_r18_synthetic.py', True, True),
    ('ICE camera-aware (unsupervised, from the transfer model)',
     'configs/ice_r18_synthetic.py', True, True),
    ('supervised on the demo set (upper bound)', 'configs/supervised_r18_synthetic.py',
     True, False),
]


def ensure_data() -> None:
    from mmcl_ice_plugin.datasets.synthetic import PRESETS, make_synthetic_reid, read_summary
    for folder, seed in ((DATA, 0), (SOURCE_DATA, 1)):
        summary = read_summary(osp.join(ROOT, folder))
        if summary is None or summary['seed'] != seed or summary['style_seed'] != 0:
            print(f'Generating {folder} ...', flush=True)
            make_synthetic_reid(osp.join(ROOT, folder), seed=seed, style_seed=0,
                                overwrite=True, progress=True, **PRESETS['small'])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--rows', help='comma-separated row numbers to run (default: all)')
    args = parser.parse_args()
    ensure_data()
    os.makedirs(osp.join(ROOT, args.work_dir), exist_ok=True)
    keep = {int(i) for i in args.rows.split(',')} if args.rows else set(range(len(ROWS)))
    source_ckpt_file = osp.join(ROOT, args.work_dir, 'row1', 'last_checkpoint')
    results = []
    start_all = time.time()
    for i, (name, config, trained, from_source) in enumerate(ROWS):
        if i not in keep:
            continue
        work_dir = osp.join(args.work_dir, f'row{i}')
        load_from = None
        if from_source:
            if not osp.exists(source_ckpt_file):
                raise SystemExit(f'row {i} starts from the transfer model: run row 1 first.')
            load_from = open(source_ckpt_file).read().strip()
        start = time.time()
        checkpoint = (train(ROOT, config, work_dir, load_from, validate=False)
                      if trained else None)
        train_s = time.time() - start if trained else None
        metrics = evaluate(ROOT, config, work_dir, checkpoint,
                           {'test_dataloader.dataset.data_root': DATA})
        results.append(dict(name=name, metrics=metrics, train_s=train_s))
    table = format_table(results)
    with open(osp.join(ROOT, args.work_dir, 'results.md'), 'w') as f:
        f.write(table + '\n')
    print(f'\nResults on the synthetic demo set (query+gallery, Market-1501 protocol), '
          f'{(time.time() - start_all) / 60:.1f} min in all:\n')
    print(table)


if __name__ == '__main__':
    main()
