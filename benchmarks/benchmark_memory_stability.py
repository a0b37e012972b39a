"""Resident memory of MMCL and ICE training, epoch after epoch: it must not grow.

Trains the demo configs (ResNet-18, 64x32) on a generated set (tiny preset) for ``--epochs``
short epochs (MMCL: one pass over the set; ICE: ``--iters`` iterations) in this process,
through mmengine's Runner exactly as ``tools/train.py`` does, and prints the resident set size
(RSS) of the process after every epoch (a checkpoint is saved every epoch, as in a real run).
Epoch 1 allocates the optimiser state, the memories and the caches, so the verdict compares the
last epoch with the second: growth above ``--tolerance-mib`` means a leak (features, logs or
graphs kept from epoch to epoch).

    python benchmarks/benchmark_memory_stability.py [--epochs 20] [--iters 10] \
        [--methods mmcl ice] [--data work_dirs/benchmarks/stability_data]
"""
import argparse
import os
import os.path as osp
import sys
import tempfile
from typing import Dict, List

from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # the repository root

from benchmarks.utils.machine import describe_machine  # noqa: E402
from mmcl_ice_plugin.datasets import PRESETS, make_synthetic_reid  # noqa: E402

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = {'mmcl': 'configs/mmcl_r18_synthetic.py', 'ice': 'configs/ice_r18_synthetic.py'}


def rss_mib() -> float:
    """This process's resident set size (Linux ``/proc``)."""
    with open('/proc/self/statm') as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf('SC_PAGE_SIZE') / 2 ** 20


class RSSRecorder(Hook):
    """Records the RSS after every training epoch."""

    priority = 'LOWEST'

    def __init__(self) -> None:
        self.rss: List[float] = []

    def after_train_epoch(self, runner) -> None:
        self.rss.append(rss_mib())
        runner.logger.info(f'epoch {runner.epoch + 1}: RSS {self.rss[-1]:.1f} MiB')


def train(method: str, data_root: str, epochs: int, iters: int, work_dir: str) -> List[float]:
    cfg = Config.fromfile(osp.join(REPO, CONFIGS[method]))
    cfg.work_dir = work_dir
    cfg.train_dataloader.dataset.data_root = data_root
    cfg.train_dataloader.num_workers = 0
    cfg.train_dataloader.persistent_workers = False
    cfg.train_cfg.max_epochs = epochs
    cfg.train_cfg.val_interval = epochs + 1
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.test_dataloader = cfg.test_cfg = cfg.test_evaluator = None
    cfg.default_hooks.checkpoint.update(interval=1, max_keep_ckpts=1)
    if method == 'mmcl':
        cfg.model.memory.max_epochs = epochs
        cfg.model.start_epoch = min(cfg.model.start_epoch, epochs // 4)
    else:
        for hook in cfg.custom_hooks:
            if hook['type'] == 'ClusteringHook':
                hook['num_workers'] = 0
        cfg.train_dataloader.sampler.iters_per_epoch = iters
        cfg.train_cfg.iters_per_epoch = iters
    runner = Runner.from_cfg(cfg)
    recorder = RSSRecorder()
    runner.register_hook(recorder)
    runner.train()
    return recorder.rss


def report(results: Dict[str, List[float]], tolerance: float) -> bool:
    epochs = max(len(r) for r in results.values())
    names = list(results)
    print('\n| epoch | ' + ' | '.join(f'{n} RSS (MiB)' for n in names) + ' |')
    print('| ---: | ' + ' | '.join('---:' for _ in names) + ' |')
    for e in range(epochs):
        print(f'| {e + 1} | ' + ' | '.join(f'{results[n][e]:.1f}' for n in names) + ' |')
    stable = True
    for name, rss in results.items():
        growth = rss[-1] - rss[1]
        ok = growth <= tolerance
        stable &= ok
        print(f'{name}: epoch 2 -> {len(rss)}: {growth:+.1f} MiB '
              f'({"stable" if ok else "GROWS"}; tolerance {tolerance} MiB)')
    return stable


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--epochs', type=int, default=20)
    parser.add_argument('--iters', type=int, default=10, help='ICE iterations per epoch')
    parser.add_argument('--methods', nargs='+', default=['mmcl', 'ice'], choices=list(CONFIGS))
    parser.add_argument('--data', default=osp.join('work_dirs', 'benchmarks', 'stability_data'),
                        help='generated set (tiny preset), made when missing')
    parser.add_argument('--tolerance-mib', type=float, default=32.0)
    args = parser.parse_args()
    if args.epochs < 3:
        parser.error('--epochs must be at least 3 (epoch 2 is the baseline).')
    print(describe_machine())
    if not osp.isdir(osp.join(args.data, 'bounding_box_train')):
        make_synthetic_reid(args.data, seed=0, **PRESETS['tiny'])
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for method in args.methods:
            results[method] = train(method, osp.abspath(args.data), args.epochs, args.iters,
                                    osp.join(tmp, method))
    raise SystemExit(0 if report(results, args.tolerance_mib) else 1)


if __name__ == '__main__':
    main()
