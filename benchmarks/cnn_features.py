"""Network features of a generated training set, saved for ``benchmark_jaccard.py --features``.

Draws a Market-1501-like generated set of ``--num-ids`` training identities (the ``market``
preset's images per identity and camera, 256x128; the test split kept tiny; parts of 1,000
identities, each with its own seed) into ``--data-root``, unless it is there, and extracts the
features ICE's first clustering sees: the teacher of ``--config`` before any training (ImageNet
EfficientNet-Lite0 for the default config, the config's extraction transform), or of a trained
checkpoint (``--checkpoint``). Saves ``features.npy`` (float32, ``(N, D)``, L2-normalised) and
``ids.npy`` (the generating identities) to ``--out-dir``. Real network features are what the
neighbour searches are judged on: their variance sits in few directions, which the Gaussian
features of ``benchmark_jaccard.py`` do not reproduce.

    python benchmarks/cnn_features.py --num-ids 5810 --out-dir work_dirs/cnn_features_100k
    python benchmarks/benchmark_jaccard.py --features work_dirs/cnn_features_100k/features.npy \\
        --ids work_dirs/cnn_features_100k/ids.npy --knn approximate --compare-exact
"""
import argparse
import os
import os.path as osp
import sys
import time

import numpy as np
import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # the repository root

from mmcl_ice_plugin.datasets.synthetic import (PRESETS, SUMMARY_FILE,  # noqa: E402
                                                make_synthetic_reid)

#: Identities drawn per part (a Market-1501 layout holds at most 1,501 people).
PART_IDS = 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--num-ids', type=int, default=751,
                        help='training identities (751: about 12,900 images; 5,810: 100,000)')
    parser.add_argument('--config', default='configs/ice_lite0_synthetic.py')
    parser.add_argument('--checkpoint', default=None,
                        help='weights of a trained run of --config (default: before training)')
    parser.add_argument('--data-root', default=None,
                        help='generated set (default: <out-dir>/images; drawn if missing)')
    parser.add_argument('--out-dir', default=osp.join('work_dirs', 'cnn_features'))
    parser.add_argument('--workers', type=int, default=min(8, os.cpu_count() or 1))
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()

    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.runner import load_checkpoint
    from mmengine.runner import Runner

    from mmcl_ice_plugin.engine.feature_extraction import extract_features
    from mmcl_ice_plugin.registry import MODELS

    root = args.data_root or osp.join(args.out_dir, 'images')
    # A Market-1501 layout holds at most 1,501 people: larger sets are drawn in parts, each
    # with its own seed (other people) and identities offset by 10,000 per part.
    sizes = [min(PART_IDS, args.num_ids - start) for start in range(0, args.num_ids, PART_IDS)]
    cfg = Config.fromfile(args.config)
    init_default_scope('mmcl_ice_plugin')
    device = 'cuda' if torch.cuda.is_available() else 'cpu'
    model = MODELS.build(cfg.model)
    if args.checkpoint:
        load_checkpoint(model, args.checkpoint, map_location='cpu')
    model = model.to(device).eval()
    hook = next(h for h in cfg.custom_hooks if h.type == 'ClusteringHook')
    parts, ids = [], []
    for part, num_ids in enumerate(sizes):
        part_root = root if len(sizes) == 1 else osp.join(root, f'part{part}')
        if not osp.isfile(osp.join(part_root, SUMMARY_FILE)):
            start = time.perf_counter()
            make_synthetic_reid(part_root, num_workers=args.workers, progress=True,
                                seed=args.seed + part,
                                **dict(PRESETS['market'], num_ids_train=num_ids,
                                       num_ids_test=10, num_distractors=0, num_junk=0))
            print(f'drew {part_root} in {time.perf_counter() - start:.0f} s', flush=True)
        loader = Runner.build_dataloader(dict(
            batch_size=hook.batch_size, num_workers=args.workers,
            sampler=dict(type='DefaultSampler', shuffle=False),
            collate_fn=dict(type='default_collate'),
            dataset=dict(cfg.train_dataloader.dataset, data_root=part_root, source='folder',
                         pipeline=hook.extract_pipeline, camstyle=False)))
        start = time.perf_counter()
        feats, _ = extract_features(model.teacher_features, loader, device=device)
        print(f'extracted {tuple(feats.shape)} in {time.perf_counter() - start:.0f} s',
              flush=True)
        parts.append(torch.nn.functional.normalize(feats, dim=1).numpy())
        ids.append(np.asarray(loader.dataset.pids) + 10_000 * part)
    feats, ids = np.concatenate(parts), np.concatenate(ids)
    os.makedirs(args.out_dir, exist_ok=True)
    np.save(osp.join(args.out_dir, 'features.npy'), feats)
    np.save(osp.join(args.out_dir, 'ids.npy'), ids)
    print(f'written: {args.out_dir}/features.npy, {args.out_dir}/ids.npy ({len(ids)} images)')


if __name__ == '__main__':
    main()
