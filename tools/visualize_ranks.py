"""Draw a trained model's ranked retrieval results on the config's test set.

    python tools/visualize_ranks.py CONFIG CKPT [--out-dir DIR] [--num-queries 10] [--topk 10]

Each output PNG shows a query and its top-k gallery images; green borders mark correct matches.
"""
import argparse
import os.path as osp

import numpy as np
import torch
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.runner import Runner, load_checkpoint

from mmcl_ice_plugin.engine.feature_extraction import extract_features
from mmcl_ice_plugin.registry import MODELS
from mmcl_ice_plugin.visualization import draw_ranked_results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='config file path')
    parser.add_argument('checkpoint', nargs='?', help='checkpoint (omit with --untrained)')
    parser.add_argument('--untrained', action='store_true',
                        help='draw the results of the model as built, without a checkpoint')
    parser.add_argument('--out-dir', default='work_dirs/ranks', help='where the PNGs go')
    parser.add_argument('--num-queries', type=int, default=10, help='queries drawn at random')
    parser.add_argument('--topk', type=int, default=10, help='gallery images per query')
    parser.add_argument('--seed', type=int, default=0, help='which queries are drawn')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings')
    args = parser.parse_args()
    if (args.checkpoint is None) == (not args.untrained):
        parser.error('give a checkpoint, or --untrained (not both)')

    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmcl_ice_plugin'))
    model = MODELS.build(cfg.model)
    if args.checkpoint:
        if not osp.isfile(args.checkpoint):
            raise SystemExit(f'checkpoint {args.checkpoint!r} not found.')
        load_checkpoint(model, args.checkpoint, map_location='cpu')
    device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    model.to(device).eval()
    loader = Runner.build_dataloader(cfg.test_dataloader)
    dataset = loader.dataset
    feats, _ = extract_features(model.test_features, loader, device=device)
    feats = torch.nn.functional.normalize(feats, dim=1)
    q = np.flatnonzero(dataset.is_query)
    g = np.flatnonzero(~dataset.is_query)
    distmat = (1 - feats[q] @ feats[g].T).numpy()
    rng = np.random.default_rng(args.seed)
    chosen = rng.choice(len(q), size=min(args.num_queries, len(q)), replace=False)
    paths = [dataset.img_paths[i] for i in q], [dataset.img_paths[i] for i in g]
    written = draw_ranked_results(distmat, paths[0], paths[1], dataset.pids[q], dataset.pids[g],
                                  dataset.camids[q], dataset.camids[g], args.out_dir,
                                  topk=args.topk, query_indices=sorted(chosen.tolist()))
    print(f'{len(written)} ranked lists written to {args.out_dir}')


if __name__ == '__main__':
    main()
