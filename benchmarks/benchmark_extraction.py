"""Feature-extraction throughput (images/s): the plugin's path against torchreid's FeatureExtractor.

Both read the same generated images from disk (``make_synthetic_reid``: the train split of a
Market-1501-layout folder, drawn once at the model's input size and reused by later runs) with
the same backbone weights and the same batch size, and return the features in dataset order:

* plugin: the model built from ``--config`` through the registry (backbone overridden by
  ``--backbone``), in eval mode; a dataloader built as ``ClusteringHook`` builds it (the
  config's test pipeline resized to ``--height`` x ``--width``, ``DefaultSampler`` without
  shuffling, ``--num-workers`` worker processes); ``extract_features`` with the model's test
  feature (``model.test_features``: MMCL's normalised pre-BN feature, ICE's teacher BN feature).
* torchreid: ``torchreid.reid.utils.FeatureExtractor`` given the plugin backbone's weights as
  its ``model_path``, its last stride set like the plugin's (torchreid's ResNets hard-code 2,
  the configs use 1), called on lists of ``--batch-size`` image paths; it decodes and
  transforms the images in the calling thread, then runs the model.

Times are wall-clock seconds for the whole pass (worker start-up, decoding, transforms, forward,
copies to the host), after one untimed pass of each; the two paths alternate ``--repeats``
times, so load from other processes on a shared machine spreads over both; images/s is given
for the median and the best pass. Agreement: the images are drawn at the model's input size, so
both resizes leave them unchanged, and torchreid's output (pooled pre-BN feature, unnormalised)
is L2-normalised and compared with the plugin's test feature. A freshly built BN neck (running
mean 0, variance 1, weight 1, bias 0) only divides by ``sqrt(1 + eps)`` in eval mode, so the
normalised post-BN feature of ICE's config equals the pre-BN one too. The figures are also
written to ``--out-dir`` as ``extraction.json`` and ``extraction.md``.

    python benchmarks/benchmark_extraction.py                    # ResNet-50, 256x128, batch 128
    python benchmarks/benchmark_extraction.py --backbone resnet18 --height 128 --width 64
    python benchmarks/benchmark_extraction.py --quick            # smoke test (seconds)
"""
import argparse
import contextlib
import copy
import io
import json
import os
import os.path as osp
import statistics
import sys
import tempfile
import time
from typing import Callable, List, Tuple

import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from torch.utils.data import DataLoader

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # the repository root

from benchmarks.utils.machine import describe_machine, machine_info  # noqa: E402
from mmcl_ice_plugin.datasets.synthetic import make_synthetic_reid, read_summary  # noqa: E402
from mmcl_ice_plugin.engine.feature_extraction import extract_features  # noqa: E402
from mmcl_ice_plugin.models.backbones.torchreid_backbone import set_last_stride  # noqa: E402
from mmcl_ice_plugin.registry import MODELS  # noqa: E402

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def prepare_images(root: str, num_ids: int, height: int, width: int, seed: int) -> dict:
    """The synthetic set under ``root`` (drawn unless a complete one with these parameters is
    there); returns its summary. Only the train split is read; the test split is minimal. Only
    a generated set is ever replaced: other images in ``root`` make ``make_synthetic_reid``
    raise ``FileExistsError``."""
    params = dict(num_ids_train=num_ids, num_ids_test=1, num_distractors=0, num_junk=0,
                  height=height, width=width, seed=seed)
    summary = read_summary(root)
    if summary is not None and all(summary.get(k) == v for k, v in params.items()):
        return summary
    return make_synthetic_reid(root, num_workers=os.cpu_count() or 1,
                               overwrite=summary is not None, **params)


def test_pipeline(cfg: Config, height: int, width: int) -> list:
    """The config's test pipeline with its ``Resize`` set to ``(height, width)``."""
    pipeline = copy.deepcopy(cfg.test_dataloader.dataset.pipeline)
    for step in pipeline:
        if step['type'] == 'Resize':
            step['size'] = (height, width)
    return pipeline


def build_loader(root: str, pipeline: list, batch_size: int, num_workers: int) -> DataLoader:
    """The train split in dataset order, as ``ClusteringHook`` builds its extraction loader."""
    return Runner.build_dataloader(
        dict(batch_size=batch_size, num_workers=num_workers,
             sampler=dict(type='DefaultSampler', shuffle=False),
             collate_fn=dict(type='default_collate'),
             dataset=dict(type='ReIDDataset', data_root=root, source='folder', split='train',
                          pipeline=pipeline)),
        seed=0)


def torchreid_extractor(model: torch.nn.Module, backbone: str, last_stride: int,
                        height: int, width: int, device: torch.device):
    """torchreid's ``FeatureExtractor`` with the plugin backbone's weights (handed over as
    the weight file it expects) and last stride."""
    from torchreid.reid.utils import FeatureExtractor
    with tempfile.TemporaryDirectory() as tmp:
        weights_path = osp.join(tmp, 'backbone.pth')
        torch.save(model.backbone.model.state_dict(), weights_path)
        with contextlib.redirect_stdout(io.StringIO()):  # its per-layer loading report
            extractor = FeatureExtractor(model_name=backbone, model_path=weights_path,
                                         image_size=(height, width), device=str(device),
                                         verbose=False)
    set_last_stride(extractor.model, last_stride)
    return extractor


def timed(fn: Callable[[], torch.Tensor], sync: Callable[[], None]) -> Tuple[float, torch.Tensor]:
    """``(seconds, result)`` of one call."""
    sync()
    start = time.perf_counter()
    out = fn()
    sync()
    return time.perf_counter() - start, out


def rates(num_images: int, times: List[float]) -> dict:
    """Seconds (median, best, all) and images/s for the median and the best pass."""
    median = statistics.median(times)
    return dict(median_s=median, best_s=min(times), times_s=times,
                images_per_s=num_images / median, best_images_per_s=num_images / min(times))


def write_report(out_dir: str, report: dict) -> None:
    """``extraction.json`` (everything) and ``extraction.md`` (the table) in ``out_dir``."""
    with open(osp.join(out_dir, 'extraction.json'), 'w') as f:
        json.dump(report, f, indent=2)
    check = report['agreement']
    lines = [f'Feature extraction, {report["setting"]}', '',
             f'Machine: {describe_machine(report["machine"])} (before the runs); '
             f'load average after: {report["load_average_after"]}', '',
             '| path | images/s (median) | images/s (best) | s per pass (median) |',
             '|---|---:|---:|---:|']
    for name in ('plugin', 'torchreid'):
        r = report[name]
        lines.append(f'| {r["label"]} | {r["images_per_s"]:.1f} | '
                     f'{r["best_images_per_s"]:.1f} | {r["median_s"]:.2f} |')
    lines += ['', f'plugin / torchreid: {report["speedup"]:.2f}x (median passes)',
              f'features: {check["compared"]}; max |difference| {check["max_abs_diff"]:.2e}, '
              f'min cosine {check["min_cosine"]:.6f} -> '
              f'{"agree" if check["agree"] else "DIFFER"} (tolerance {check["tolerance"]})']
    with open(osp.join(out_dir, 'extraction.md'), 'w') as f:
        f.write('\n'.join(lines) + '\n')


def main() -> None:
    """Draw (or reuse) the images, build both paths, time them alternately, compare, report."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default='configs/mmcl_r50_market.py',
                        help='model and test pipeline (default: %(default)s)')
    parser.add_argument('--backbone', default='resnet50', help='torchreid model name')
    parser.add_argument('--height', type=int, default=256)
    parser.add_argument('--width', type=int, default=128)
    parser.add_argument('--batch-size', type=int, default=128,
                        help="default: ClusteringHook's batch size")
    parser.add_argument('--num-workers', type=int, default=min(4, os.cpu_count() or 1),
                        help="plugin dataloader workers (default: min(4, cores), ICE's config "
                             'uses 4)')
    parser.add_argument('--num-ids', type=int, default=40,
                        help='identities of the generated train split (about 15 images each)')
    parser.add_argument('--repeats', type=int, default=3, help='timed passes of each path')
    parser.add_argument('--tolerance', type=float, default=1e-4,
                        help='largest |difference| of the normalised features that agrees')
    parser.add_argument('--data-root', default=None,
                        help='where the images are drawn (default: <out-dir>/extraction_data_'
                             '<H>x<W>_<num-ids>ids)')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu',
                        help='default: cuda when torch sees a GPU, else cpu')
    parser.add_argument('--threads', type=int, default=None, help='torch intra-op threads')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--quick', action='store_true',
                        help='smoke-test size: resnet18 at 64x32, 3 identities, batch 16, '
                             'no workers, 1 timed pass')
    parser.add_argument('--out-dir', default=osp.join('work_dirs', 'benchmarks'),
                        help='folder for extraction.json / .md (default: %(default)s)')
    args = parser.parse_args()
    if args.quick:
        args.backbone, args.height, args.width, args.batch_size = 'resnet18', 64, 32, 16
        args.num_ids, args.num_workers, args.repeats = 3, 0, 1
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    init_default_scope('mmcl_ice_plugin')
    device = torch.device(args.device)

    def sync() -> None:
        if device.type == 'cuda':
            torch.cuda.synchronize(device)

    os.makedirs(args.out_dir, exist_ok=True)
    root = args.data_root or osp.join(
        args.out_dir, f'extraction_data_{args.height}x{args.width}_{args.num_ids}ids')
    start = time.perf_counter()
    summary = prepare_images(root, args.num_ids, args.height, args.width, args.seed)
    prep_s = time.perf_counter() - start

    cfg = Config.fromfile(args.config if osp.isabs(args.config)
                          else osp.join(REPO, args.config))
    cfg.model.backbone.name = args.backbone
    cfg.model.backbone.pretrained = False  # timing only: no ImageNet download
    model = MODELS.build(cfg.model).to(device).eval()
    loader = build_loader(root, test_pipeline(cfg, args.height, args.width), args.batch_size,
                          args.num_workers)
    dataset = loader.dataset
    last_stride = cfg.model.backbone.get('last_stride', 1)
    extractor = torchreid_extractor(model, args.backbone, last_stride, args.height, args.width,
                                    device)

    def plugin_pass() -> torch.Tensor:
        return extract_features(model.test_features, loader, device=device, progress=False)[0]

    def torchreid_pass() -> torch.Tensor:
        paths = dataset.img_paths
        return torch.cat([extractor(paths[i:i + args.batch_size]).cpu()
                          for i in range(0, len(paths), args.batch_size)])

    machine = machine_info()
    test_feature = f'{"normalised " if model.normalize_test else ""}{model.test_feature}'
    setting = (f'{args.backbone} (last stride {last_stride}) at {args.height}x{args.width}, '
               f'batch {args.batch_size}, {len(dataset)} images, {args.num_workers} loader '
               f'workers, device {device}, model {cfg.model.type} from {args.config} '
               f'(test feature: {test_feature})')
    print(f'machine: {describe_machine(machine)}')
    print(f'setting: {setting}')
    print(f'images : {root} ({summary["train"]} train images, ready in {prep_s:.1f} s)')
    plugin_feats, reid_feats = plugin_pass(), torchreid_pass()  # warm-up, and the comparison
    times = {'plugin': [], 'torchreid': []}
    for _ in range(args.repeats):
        times['plugin'].append(timed(plugin_pass, sync)[0])
        times['torchreid'].append(timed(torchreid_pass, sync)[0])
    plugin = dict(rates(len(dataset), times['plugin']),
                  label='plugin extract_features + model.test_features')
    reid = dict(rates(len(dataset), times['torchreid']),
                label='torchreid FeatureExtractor')
    reid_norm = F.normalize(reid_feats.float(), dim=1)
    diff = float((plugin_feats - reid_norm).abs().max())
    cosine = float((F.normalize(plugin_feats, dim=1) * reid_norm).sum(1).min())
    agreement = dict(compared=f'plugin {test_feature} vs L2-normalised torchreid output',
                     max_abs_diff=diff, min_cosine=cosine, tolerance=args.tolerance,
                     agree=diff <= args.tolerance,
                     shapes=[list(plugin_feats.shape), list(reid_feats.shape)])
    for r in (plugin, reid):
        print(f'{r["label"]:<46}: {r["images_per_s"]:8.1f} images/s (median of {args.repeats} '
              f'passes, {r["median_s"]:.2f} s), best {r["best_images_per_s"]:.1f} images/s')
    speedup = plugin['images_per_s'] / reid['images_per_s']
    print(f'plugin / torchreid: {speedup:.2f}x')
    print(f'features: {agreement["compared"]}, {len(dataset)} x {plugin_feats.shape[1]}: max '
          f'|difference| {diff:.2e}, min cosine {cosine:.6f} -> '
          f'{"agree" if agreement["agree"] else "DIFFER"} (tolerance {args.tolerance})')
    load_after = machine_info()['load_average']
    print(f'load average after: {load_after}')
    write_report(args.out_dir, dict(machine=machine, load_average_after=load_after,
                                    setting=setting, options=vars(args), data=summary,
                                    plugin=plugin, torchreid=reid, speedup=speedup,
                                    agreement=agreement))
    print(f'written: {osp.join(args.out_dir, "extraction.json")}, '
          f'{osp.join(args.out_dir, "extraction.md")}')
    if not agreement['agree']:
        raise SystemExit(1)


if __name__ == '__main__':
    main()
