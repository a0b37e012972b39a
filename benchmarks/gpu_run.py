"""One prepared GPU run: training speed of the three ResNet-50 Market-1501 configs, one full ICE
clustering, and the GPU neighbour search against the CPU one.

On a CUDA machine, in about 8 minutes with its set-up:

1. draws a Market-1501-sized generated set at 256x128 (``--data-root``; reused when present):
   751 training identities, 12,936 training images (the test split is kept small: nothing is
   evaluated);
2. runs ``configs/ice_r50_market.py``, ``mmcl_r50_market.py`` and ``supervised_r50_market.py``
   through ``tools/train.py`` for ``--iters`` iterations each, in fp32 and with ``--amp``,
   with the data root overridden, without ImageNet weights (the machine may be offline) and
   without validation; MMCL from its MPLP phase (``model.start_epoch=0``). Seconds per
   iteration are the median of the logged iteration times after ``--warmup`` iterations;
   images per second are the batch size over that (ICE's three views of an image count once);
   the peak GPU memory is mmengine's logged ``memory``. ICE's run includes its first
   clustering, as every epoch does;
3. one full ICE clustering of the training images as ``ClusteringHook`` makes it, each step
   timed: teacher-feature extraction, kNN (on the GPU), Jaccard distance and DBSCAN (CPU);
4. torch's GPU kNN of those features (used where faiss has no GPU support) against faiss' CPU
   search: the share of identical neighbour lists among rows without a tie (two of the
   ``k1 + 1`` nearest distances within 1e-5), and the largest distance difference.

It prints the figures and writes ``gpu_run.json`` and ``gpu_run.md`` to ``--out-dir``.

What it needs beyond a CUDA build of torch and torchvision, and the scientific stack (numpy,
scipy, scikit-learn, matplotlib, opencv, pillow, pyyaml, rich, requests, tqdm, tensorboard):
the repository itself (run from its root; it is put on ``sys.path``), mmengine 0.10.x with
addict, termcolor, yapf and platformdirs, torchreid 0.2.5 with gdown, beautifulsoup4 and
soupsieve, and faiss-cpu (or faiss-gpu; without GPU support in faiss the GPU kNN is
torch's). For a machine without a network, ``make gpu-wheels`` (on a machine with one) writes
them to ``.whl/``; there, ``pip install --no-index --no-deps --target DIR .whl/*.whl`` and
``PYTHONPATH=DIR`` make them importable.

    python benchmarks/gpu_run.py                         # CUDA, 50 iterations per run
    python benchmarks/gpu_run.py --iters 100 --out-dir $OUT
    python benchmarks/gpu_run.py --tiny                  # CPU smoke test (the tests run it)
"""
import argparse
import glob
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
import time

import numpy as np
import torch

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

CONFIGS = ('ice_r50_market', 'mmcl_r50_market', 'supervised_r50_market')


def draw_dataset(root: str, tiny: bool, workers: int) -> float:
    """Draw the generated set into ``root`` unless it is there; the seconds it took."""
    from mmcl_ice_plugin.datasets.synthetic import PRESETS, SUMMARY_FILE, make_synthetic_reid
    if osp.isfile(osp.join(root, SUMMARY_FILE)):
        return 0.0
    if tiny:
        kwargs = dict(PRESETS['tiny'])
    else:
        kwargs = dict(PRESETS['market'], num_ids_test=50, num_distractors=0, num_junk=0)
    start = time.perf_counter()
    make_synthetic_reid(root, num_workers=workers, progress=True, **kwargs)
    return time.perf_counter() - start


def train_options(name: str, data_root: str, args: argparse.Namespace) -> list:
    """``--cfg-options`` of one training run."""
    options = [f'train_dataloader.dataset.data_root={data_root}',
               'train_dataloader.dataset.source=folder', 'train_cfg.max_epochs=1',
               f'train_cfg.iters_per_epoch={args.iters}', 'default_hooks.logger.interval=1',
               'model.backbone.pretrained=False', f'train_dataloader.num_workers={args.workers}',
               'randomness.seed=0']
    if name.startswith('mmcl'):
        options.append('model.start_epoch=0')
    if args.tiny:
        options += ['model.backbone.name=resnet18', 'train_dataloader.batch_size=8',
                    'train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False']
        if name.startswith('ice'):
            options += ['train_dataloader.sampler.batch_size=8',
                        'custom_hooks.0.num_workers=0', 'custom_hooks.0.k1=10',
                        'custom_hooks.0.k2=3']
    return options


def read_iterations(work_dir: str) -> list:
    """The per-iteration records (``time``, ``memory`` ...) mmengine logged in ``work_dir``."""
    paths = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    if not paths:
        raise RuntimeError(f'no scalars.json under {work_dir}: the run logged nothing')
    with open(paths[-1]) as f:
        records = [json.loads(line) for line in f if line.strip()]
    return [r for r in records if 'time' in r]


def train_speed(name: str, amp: bool, data_root: str, args: argparse.Namespace) -> dict:
    """Run one config through ``tools/train.py``; its speed figures (the batch size is read
    from the config the run dumped in its work dir)."""
    from mmengine.config import Config
    work_dir = osp.join(args.work_dir, f'{name}_{"amp" if amp else "fp32"}')
    cmd = [sys.executable, osp.join(ROOT, 'tools', 'train.py'),
           osp.join(ROOT, 'configs', f'{name}.py'), '--work-dir', work_dir, '--no-validate']
    cmd += ['--amp'] if amp else []
    cmd += ['--cfg-options'] + train_options(name, data_root, args)
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT,
                          env=dict(os.environ, PYTHONPATH=os.pathsep.join(
                              [ROOT, os.environ.get('PYTHONPATH', '')])))
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f'{name} ({"amp" if amp else "fp32"}) failed:\n{proc.stderr[-3000:]}')
    records = read_iterations(work_dir)
    times = [r['time'] for r in records[args.warmup:]] or [r['time'] for r in records]
    batch = Config.fromfile(osp.join(work_dir, f'{name}.py')).train_dataloader.batch_size
    s_iter = statistics.median(times)
    memory = max((r.get('memory', 0) for r in records), default=0)
    return dict(config=name, precision='amp' if amp else 'fp32', iterations=len(records),
                s_per_iter=s_iter, images_per_s=batch / s_iter,
                peak_gpu_mib=memory or None, wall_s=wall)


def clustering_split(data_root: str, args: argparse.Namespace) -> dict:
    """One full ICE clustering of the training images, each step timed, and the GPU kNN
    against the CPU one."""
    import faiss
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.runner import Runner

    from mmcl_ice_plugin.engine.feature_extraction import extract_features
    from mmcl_ice_plugin.pseudo_labels import dbscan_labels, knn_search
    from mmcl_ice_plugin.pseudo_labels.jaccard import (jaccard_distance_from_knn,
                                                       max_distance_for)
    from mmcl_ice_plugin.pseudo_labels.knn import as_float32_matrix, torch_knn
    from mmcl_ice_plugin.registry import MODELS

    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'ice_r50_market.py'))
    init_default_scope('mmcl_ice_plugin')
    cfg.model.backbone.pretrained = False
    if args.tiny:
        cfg.model.backbone.name = 'resnet18'
    hook = cfg.custom_hooks[0]
    k1, k2 = (10, 3) if args.tiny else (hook.k1, hook.k2)
    device = 'cuda' if torch.cuda.is_available() else 'cpu'
    torch.manual_seed(0)  # the same untrained weights every run
    model = MODELS.build(cfg.model).to(device).eval()
    loader = Runner.build_dataloader(dict(
        batch_size=hook.batch_size, num_workers=0 if args.tiny else args.workers,
        sampler=dict(type='DefaultSampler', shuffle=False),
        collate_fn=dict(type='default_collate'),
        dataset=dict(cfg.train_dataloader.dataset, data_root=data_root, source='folder',
                     pipeline=hook.extract_pipeline)))
    timings = {}
    start = time.perf_counter()
    feats, _ = extract_features(model.teacher_features, loader, device=device)
    timings['extract_s'] = time.perf_counter() - start
    if device == 'cuda':
        torch.cuda.synchronize()
    start = time.perf_counter()
    distances, indices = knn_search(feats, k1, use_gpu=device == 'cuda')
    timings['knn_s'] = time.perf_counter() - start
    start = time.perf_counter()
    dist = jaccard_distance_from_knn(feats, distances, indices, k2=k2,
                                     max_distance=max_distance_for(hook.eps))
    timings['jaccard_s'] = time.perf_counter() - start
    start = time.perf_counter()
    labels = dbscan_labels(dist, eps=hook.eps, min_samples=hook.min_samples)
    timings['dbscan_s'] = time.perf_counter() - start
    # torch's search on the device (the GPU path without faiss GPU support) against faiss'.
    # One neighbour more than compared, so that a tie at the k1-th place is seen too.
    x = as_float32_matrix(feats)
    cpu_dist, cpu_idx = faiss.knn(x, x, k1 + 1)
    dev_dist, dev_idx = torch_knn(x, x, k1 + 1, device=device)
    untied = (np.diff(cpu_dist, axis=1) > 1e-5).all(1)
    cpu_dist, cpu_idx, dev_dist, dev_idx = (a[:, :k1] for a in (cpu_dist, cpu_idx, dev_dist,
                                                                dev_idx))
    return dict(timings, images=len(feats), clusters=int(labels.max() + 1),
                outliers=int((labels < 0).sum()), knn_device=device,
                knn_rows_identical=float((dev_idx[untied] == cpu_idx[untied]).all(1).mean()),
                knn_rows_compared=int(untied.sum()),
                knn_max_abs_distance_diff=float(np.abs(dev_dist - cpu_dist).max()))


def write_report(out_dir: str, report: dict) -> None:
    """``gpu_run.json`` and ``gpu_run.md`` in ``out_dir``."""
    os.makedirs(out_dir, exist_ok=True)
    with open(osp.join(out_dir, 'gpu_run.json'), 'w') as f:
        json.dump(report, f, indent=2)
    lines = [f'Device: {report["device"]}; torch {report["torch"]}', '',
             '| config | precision | s/iter | images/s | peak GPU MiB | run s |',
             '| --- | --- | ---: | ---: | ---: | ---: |']
    for r in report['training']:
        memory = '-' if r['peak_gpu_mib'] is None else f'{r["peak_gpu_mib"]:.0f}'
        lines.append(f'| {r["config"]} | {r["precision"]} | {r["s_per_iter"]:.3f} | '
                     f'{r["images_per_s"]:.1f} | {memory} | {r["wall_s"]:.0f} |')
    c = report['clustering']
    lines += ['', f'ICE clustering of {c["images"]} images: extract {c["extract_s"]:.1f} s, '
              f'kNN ({c["knn_device"]}) {c["knn_s"]:.2f} s, Jaccard {c["jaccard_s"]:.2f} s, '
              f'DBSCAN {c["dbscan_s"]:.2f} s; {c["clusters"]} clusters, {c["outliers"]} '
              'outliers', '',
              f'kNN against faiss on the CPU: {100 * c["knn_rows_identical"]:.2f} % of '
              f'{c["knn_rows_compared"]} untied rows identical, distances within '
              f'{c["knn_max_abs_distance_diff"]:.1e}',
              '', f'Data set drawn in {report["draw_s"]:.0f} s (0: reused); whole run '
              f'{report["total_s"]:.0f} s']
    with open(osp.join(out_dir, 'gpu_run.md'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print('\n'.join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data-root', default=osp.join('work_dirs', 'gpu_run', 'market_sized'),
                        help='generated set (drawn here if missing)')
    parser.add_argument('--work-dir', default=osp.join('work_dirs', 'gpu_run'),
                        help='work dirs of the training runs')
    parser.add_argument('--out-dir', default=osp.join('work_dirs', 'benchmarks'))
    parser.add_argument('--iters', type=int, default=50, help='iterations per training run')
    parser.add_argument('--warmup', type=int, default=10,
                        help='iterations left out of the median')
    parser.add_argument('--workers', type=int, default=min(8, os.cpu_count() or 1),
                        help='dataloader and drawing processes')
    parser.add_argument('--configs', nargs='+', default=list(CONFIGS), choices=CONFIGS)
    parser.add_argument('--tiny', action='store_true',
                        help='CPU smoke test: tiny set, ResNet-18, batch 8, fp32 only')
    args = parser.parse_args()
    if args.tiny:
        args.iters, args.warmup = min(args.iters, 2), 0
    elif not torch.cuda.is_available():
        raise SystemExit('No CUDA device: run on a GPU machine, or use --tiny on a CPU.')
    start = time.perf_counter()
    draw_s = draw_dataset(args.data_root, args.tiny, args.workers)
    print(f'data set: {args.data_root} ({draw_s:.0f} s to draw; 0: reused)', flush=True)
    training = []
    for name in args.configs:
        for amp in ((False,) if args.tiny else (False, True)):
            training.append(train_speed(name, amp, args.data_root, args))
            r = training[-1]
            print(f'{name} {r["precision"]}: {r["s_per_iter"]:.3f} s/iter, '
                  f'{r["images_per_s"]:.1f} images/s, peak {r["peak_gpu_mib"]} MiB', flush=True)
    clustering = clustering_split(args.data_root, args)
    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'CPU'
    write_report(args.out_dir, dict(device=device, torch=torch.__version__, draw_s=draw_s,
                                    training=training, clustering=clustering,
                                    total_s=time.perf_counter() - start, options=vars(args)))


if __name__ == '__main__':
    main()
