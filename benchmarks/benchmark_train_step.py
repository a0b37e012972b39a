"""Seconds per training iteration of MMCL and ICE against the supervised baseline.

Each method is built from its repository config as ``tools/train.py`` builds it: the model
(real classes, losses and memories) through the registry, the optimiser wrapper through
mmengine's ``build_optim_wrapper`` (MMCL's SGD with its learning-rate multipliers, Adam for ICE
and the baseline), and the config's ``custom_hooks`` (``MemoryBankHook`` for MMCL,
``TeacherUpdateHook`` for ICE) with their ``before_train``. Only the backbone name (and, with
``--num-ids``, the baseline's class count) is overridden; every method gets the same batch size.

One iteration is what the runner's train loop does for the method: ``model.train_step`` (the
data preprocessor's copy to the device, forward, losses, backward, optimiser step) plus the
method's ``after_train_iter`` hooks (MMCL: commit the batch to the memory bank and refresh the
Gram cache rows; ICE: the teacher's momentum update). Data loading and augmentation are not
timed (the batches are random tensors made before the clock starts), nor are the hooks every
method shares (logging, timer, checkpoints), nor ICE's once-per-epoch clustering
(``benchmark_jaccard.py`` times that).

The state is the steady state of a Market-1501-sized run (``--num-samples`` 12,936 images of
``--num-ids`` 751 identities, each seen by 2 to 6 cameras):

* supervised: PxK batches (``batch / 4`` identities x 4 images) with ground-truth labels;
* MMCL: the memory bank filled with random L2-normalised rows, the Gram cache built, the epoch
  set to the config's ``start_epoch`` so that MPLP labels are used (the expensive phase: 54 of
  the 60 epochs); shuffled batches;
* ICE (camera-aware and -agnostic): the cluster memory filled through
  ``ClusterMemory.update`` (as ``ClusteringHook`` does) from random L2-normalised features,
  pseudo labels = the identities with ``--outlier-fraction`` marked outliers, so centroids and
  camera proxies have realistic counts; PxK batches of pseudo identities, three views each.

Methods run interleaved (one iteration of each in turn), after ``--warmup`` untimed iterations
each, so load from other processes on a shared machine spreads over all of them; the median is
reported. MMCL's overhead is ``MMCL / supervised - 1`` (the target: at most 15 %); ICE
runs three backbone forward passes (one with backward), so only its ratio is reported. The
optimiser step inside ``train_step`` is also timed on its own: the configs use different
optimisers (MMCL SGD with Nesterov momentum, ICE and the baseline Adam), so the ratios are
given with and without it. The table is also written to ``--out-dir`` as
``train_step.json`` and ``train_step.md``.

    python benchmarks/benchmark_train_step.py                          # ResNet-50, 256x128, 32
    python benchmarks/benchmark_train_step.py --backbone resnet18 --height 128 --width 64
    python benchmarks/benchmark_train_step.py --quick                  # smoke test (seconds)
"""
import argparse
import json
import os
import os.path as osp
import statistics
import sys
import time
from types import SimpleNamespace
from typing import Callable, Dict, List

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.logging import MessageHub, MMLogger
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # the repository root

from benchmarks.utils.machine import describe_machine, machine_info  # noqa: E402
from mmcl_ice_plugin.registry import HOOKS, MODELS  # noqa: E402

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = {
    'supervised': 'configs/supervised_r50_market.py',
    'mmcl': 'configs/mmcl_r50_market.py',
    'ice': 'configs/ice_r50_market.py',
    'ice_agnostic': 'configs/ice_agnostic_r50_market.py',
}
#: Hooks whose work is not per iteration (ClusteringHook: once per epoch, needs a dataset).
SKIPPED_HOOKS = ('ClusteringHook',)


class TrainSet:
    """Stand-in for the train set the hooks read: ``len``, ``pids`` and ``camids``.

    Every image gets a uniformly drawn identity; every identity visits 2 to 6 of 6 cameras and
    each of its images a uniformly drawn one of those (Market-1501: about 17 images and 4.5
    cameras per identity)."""

    def __init__(self, num_samples: int, num_ids: int, rng: np.random.Generator) -> None:
        self.pids = rng.integers(0, num_ids, num_samples)
        self.pids[:num_ids] = np.arange(num_ids)  # every identity present
        cams_per_id = [rng.choice(6, rng.integers(2, 7), replace=False) for _ in range(num_ids)]
        self.camids = np.array([rng.choice(cams_per_id[p]) for p in self.pids])

    def __len__(self) -> int:
        return len(self.pids)


def pk_indices(labels: np.ndarray, batch_size: int, rng: np.random.Generator,
               num_instances: int = 4) -> np.ndarray:
    """A PxK batch: ``batch_size // num_instances`` distinct labels (>= 0) with
    ``num_instances`` images each (drawn with replacement only when a label has fewer)."""
    valid = np.unique(labels[labels >= 0])
    chosen = rng.choice(valid, batch_size // num_instances, replace=False)
    parts = []
    for label in chosen:
        members = np.flatnonzero(labels == label)
        parts.append(rng.choice(members, num_instances, replace=len(members) < num_instances))
    return np.concatenate(parts)


class MethodBench:
    """One method: its model, optimiser wrapper and per-iteration hooks, built from its config,
    in the steady state described in the module docstring."""

    def __init__(self, name: str, args: argparse.Namespace, train_set: TrainSet,
                 device: torch.device, sync: Callable[[], None]) -> None:
        self.name = name
        self.args = args
        self.train_set = train_set
        self.sync = sync
        cfg = Config.fromfile(osp.join(REPO, CONFIGS[name]))
        cfg.model.backbone.name = args.backbone
        cfg.model.backbone.pretrained = False  # timing only: no ImageNet download
        if cfg.model.type == 'Supervised':
            cfg.model.num_classes = args.num_ids
        self.model = MODELS.build(cfg.model).to(device)
        self.model.train()
        self.optim_wrapper = build_optim_wrapper(self.model, cfg.optim_wrapper)
        self.optimizer_s = 0.0
        self._wrap_optimizer_step()
        self.hooks = [HOOKS.build(h) for h in cfg.get('custom_hooks', [])
                      if h['type'] not in SKIPPED_HOOKS]
        self.epoch = getattr(self.model, 'start_epoch', 0)
        self.runner = SimpleNamespace(model=self.model, epoch=self.epoch,
                                      train_dataloader=SimpleNamespace(dataset=train_set))
        for hook in self.hooks:
            hook.before_train(self.runner)
        self.rng = np.random.default_rng(args.seed)
        self.labels = train_set.pids
        feats = F.normalize(torch.randn(len(train_set), self.model.feat_dim), dim=1).to(device)
        if cfg.model.type == 'MMCL':
            self.model.memory.bank.copy_(feats)
            self.model.gram.rebuild(self.model.memory.bank)
        elif cfg.model.type == 'ICE':
            labels = train_set.pids.copy()
            labels[self.rng.random(len(labels)) < args.outlier_fraction] = -1
            kept = labels >= 0  # clusters numbered 0..K-1, as DBSCAN gives them
            labels[kept] = np.unique(labels[kept], return_inverse=True)[1]
            self.model.cluster_memory.update(feats, torch.as_tensor(labels),
                                             torch.as_tensor(train_set.camids))
            self.labels = labels
        self.num_views = 3 if cfg.model.type == 'ICE' else 1
        self.shuffled = cfg.train_dataloader.sampler.type == 'DefaultSampler'

    def _wrap_optimizer_step(self) -> None:
        """Time the optimiser step inside ``train_step`` (added up in ``optimizer_s``): the
        methods use different optimisers (MMCL SGD, the others Adam), which the report shows."""
        step = self.optim_wrapper.step

        def timed_step(**kwargs) -> None:
            self.sync()
            start = time.perf_counter()
            step(**kwargs)
            self.sync()
            self.optimizer_s += time.perf_counter() - start

        self.optim_wrapper.step = timed_step

    def memory_sizes(self) -> str:
        """The sizes of the method's memory, for the report."""
        if hasattr(self.model, 'memory'):
            gram = self.model.gram.gram
            return (f'bank {tuple(self.model.memory.bank.shape)}, Gram cache '
                    f'{"none" if gram is None else tuple(gram.shape)}')
        if hasattr(self.model, 'cluster_memory'):
            mem = self.model.cluster_memory
            return (f'{mem.num_clusters} clusters, {len(mem.proxies)} camera proxies, '
                    f'{int((mem.labels < 0).sum())} outliers')
        return f'{self.model.num_classes} classes'

    def make_batch(self) -> dict:
        """A collated batch as the method's dataloader gives it (CPU tensors)."""
        args = self.args
        if self.shuffled:
            index = self.rng.choice(len(self.train_set), args.batch_size, replace=False)
        else:
            index = pk_indices(self.labels, args.batch_size, self.rng)
        views = [torch.randn(len(index), 3, args.height, args.width)
                 for _ in range(self.num_views)]
        return dict(img=views if self.num_views > 1 else views[0],
                    index=torch.as_tensor(index), pid=torch.as_tensor(self.train_set.pids[index]),
                    camid=torch.as_tensor(self.train_set.camids[index]),
                    is_query=torch.zeros(len(index), dtype=torch.bool))

    def iteration(self, batch_idx: int) -> Dict[str, float]:
        """One timed iteration: seconds of ``train_step`` (``step``), of the optimiser step
        inside it (``optimizer``) and of the ``after_train_iter`` hooks (``hooks``)."""
        data = self.make_batch()
        MessageHub.get_current_instance().update_info('epoch', self.epoch)
        self.optimizer_s = 0.0
        self.sync()
        start = time.perf_counter()
        self.model.train_step(data, self.optim_wrapper)
        self.sync()
        middle = time.perf_counter()
        for hook in self.hooks:
            hook.after_train_iter(self.runner, batch_idx, data, None)
        self.sync()
        return dict(step=middle - start, optimizer=self.optimizer_s,
                    hooks=time.perf_counter() - middle)


def summarise(times: List[Dict[str, float]]) -> Dict[str, float]:
    """Medians of the step, optimiser, hook and total seconds per iteration, the total's min and
    max, and the median of the total without the optimiser step."""
    totals = [t['step'] + t['hooks'] for t in times]
    return dict(step_s=statistics.median(t['step'] for t in times),
                optimizer_s=statistics.median(t['optimizer'] for t in times),
                hooks_s=statistics.median(t['hooks'] for t in times),
                total_s=statistics.median(totals), min_s=min(totals), max_s=max(totals),
                no_optimizer_s=statistics.median(t - o['optimizer']
                                                 for t, o in zip(totals, times)))


COLUMNS = (  # (result key, header, width, format)
    ('total_s', 's/iter', 8, '.3f'), ('min_s', 'min', 7, '.3f'), ('max_s', 'max', 7, '.3f'),
    ('optimizer_s', 'optim s', 8, '.3f'), ('hooks_s', 'hooks s', 8, '.4f'),
    ('ratio', 'x sup.', 7, '.2f'), ('ratio_no_optimizer', 'x sup. w/o optim', 16, '.2f'))


def overhead_lines(report: dict) -> List[str]:
    """MMCL's overhead over the baseline, with and without the optimiser steps."""
    if report['mmcl_overhead_pct'] is None:
        return []
    pct, pct_no_opt = report['mmcl_overhead_pct'], report['mmcl_overhead_no_optimizer_pct']
    return [f'MMCL overhead over the supervised baseline: {pct:+.1f} % (target: at most 15 %) '
            f'-> {"met" if pct <= 15 else "NOT met"}; {pct_no_opt:+.1f} % without the '
            'optimiser steps (MMCL: SGD, baseline: Adam)']


def write_report(out_dir: str, report: dict) -> None:
    """``train_step.json`` (everything) and ``train_step.md`` (the table) in ``out_dir``."""
    os.makedirs(out_dir, exist_ok=True)
    with open(osp.join(out_dir, 'train_step.json'), 'w') as f:
        json.dump(report, f, indent=2)
    lines = [f'Training iteration, {report["setting"]}', '',
             f'Machine: {describe_machine(report["machine"])} (before the runs); '
             f'load average after: {report["load_average_after"]}', '',
             '| method | ' + ' | '.join(header for _, header, _, _ in COLUMNS) + ' | memory |',
             '|---|' + '---:|' * len(COLUMNS) + '---|']
    for r in report['results']:
        lines.append(f'| {r["method"]} | ' +
                     ' | '.join(format(r[key], fmt) for key, _, _, fmt in COLUMNS) +
                     f' | {r["memory"]} |')
    lines += [''] + overhead_lines(report)
    with open(osp.join(out_dir, 'train_step.md'), 'w') as f:
        f.write('\n'.join(lines) + '\n')


def main() -> None:
    """Build every method, warm each up, time them interleaved, print and write the table."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--methods', nargs='+', choices=list(CONFIGS), default=list(CONFIGS),
                        help='default: all (supervised is always run: the ratios need it)')
    parser.add_argument('--backbone', default='resnet50', help='torchreid model name')
    parser.add_argument('--height', type=int, default=256)
    parser.add_argument('--width', type=int, default=128)
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--iters', type=int, default=10,
                        help='timed iterations per method (median reported)')
    parser.add_argument('--warmup', type=int, default=2, help='untimed iterations per method')
    parser.add_argument('--num-samples', type=int, default=12936,
                        help='train set size N: MMCL bank rows, ICE clustered images')
    parser.add_argument('--num-ids', type=int, default=751,
                        help='identities (supervised classes, ICE clusters before outliers)')
    parser.add_argument('--outlier-fraction', type=float, default=0.1,
                        help='ICE: share of images DBSCAN left out')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu',
                        help='default: cuda when torch sees a GPU, else cpu')
    parser.add_argument('--threads', type=int, default=None, help='torch intra-op threads')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--quick', action='store_true',
                        help='smoke-test size: resnet18 at 32x16, batch 8, N 600, 40 ids, '
                             '1 warm-up + 2 timed iterations')
    parser.add_argument('--out-dir', default=osp.join('work_dirs', 'benchmarks'),
                        help='folder for train_step.json / .md (default: %(default)s)')
    args = parser.parse_args()
    if args.quick:
        args.backbone, args.height, args.width, args.batch_size = 'resnet18', 32, 16, 8
        args.num_samples, args.num_ids, args.warmup, args.iters = 600, 40, 1, 2
    args.methods = ['supervised'] + [m for m in args.methods if m != 'supervised']
    if args.batch_size % 4 or args.batch_size // 4 > args.num_ids:
        parser.error('--batch-size must be a multiple of 4 (PxK batches of 4 instances) '
                     'and at most 4 x --num-ids')
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    init_default_scope('mmcl_ice_plugin')
    # the current logger; WARNING keeps the optimiser constructor's per-parameter lines out
    MMLogger.get_instance('benchmark_train_step', log_level='WARNING')
    device = torch.device(args.device)

    def sync() -> None:
        if device.type == 'cuda':
            torch.cuda.synchronize(device)

    machine = machine_info()
    setting = (f'{args.backbone} at {args.height}x{args.width}, batch {args.batch_size}, '
               f'N {args.num_samples}, {args.num_ids} ids, device {device}')
    print(f'machine: {describe_machine(machine)}')
    print(f'setting: {setting}; {args.warmup} warm-up + {args.iters} timed iterations per '
          'method, interleaved')
    train_set = TrainSet(args.num_samples, args.num_ids, np.random.default_rng(args.seed))
    benches = []
    for name in args.methods:
        start = time.perf_counter()
        bench = MethodBench(name, args, train_set, device, sync)
        for i in range(args.warmup):
            bench.iteration(i)
        print(f'{name:<13}: built and warmed up in {time.perf_counter() - start:.1f} s; '
              f'{bench.memory_sizes()}', flush=True)
        benches.append(bench)
    times = {b.name: [] for b in benches}
    for i in range(args.iters):
        for bench in benches:
            times[bench.name].append(bench.iteration(args.warmup + i))
    results = [dict(method=b.name, config=CONFIGS[b.name], memory=b.memory_sizes(),
                    **summarise(times[b.name])) for b in benches]
    base = results[0]  # supervised
    for r in results:
        r['ratio'] = r['total_s'] / base['total_s']
        r['ratio_no_optimizer'] = r['no_optimizer_s'] / base['no_optimizer_s']
    print(f'{"method":<13} ' + ' '.join(f'{header:>{width}}' for _, header, width, _ in COLUMNS))
    for r in results:
        print(f'{r["method"]:<13} ' +
              ' '.join(f'{r[key]:>{width}{fmt}}' for key, _, width, fmt in COLUMNS))
    mmcl = next((r for r in results if r['method'] == 'mmcl'), None)
    load_after = machine_info()['load_average']
    report = dict(machine=machine, load_average_after=load_after, setting=setting,
                  options=vars(args), results=results,
                  mmcl_overhead_pct=(mmcl['ratio'] - 1) * 100 if mmcl else None,
                  mmcl_overhead_no_optimizer_pct=(mmcl['ratio_no_optimizer'] - 1) * 100
                  if mmcl else None)
    for line in overhead_lines(report):
        print(line)
    if any(r['method'].startswith('ice') for r in results):
        print('ICE: one student forward + backward and two teacher forwards per iteration')
    print(f'load average after: {load_after}')
    write_report(args.out_dir, report)
    print(f'written: {osp.join(args.out_dir, "train_step.json")}, '
          f'{osp.join(args.out_dir, "train_step.md")}')


if __name__ == '__main__':
    main()
