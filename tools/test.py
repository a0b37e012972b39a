"""Evaluate a checkpoint (or, with ``--untrained``, the initial weights) on the config's test set.

    python tools/test.py configs/supervised_r50_market.py CKPT [--work-dir D] [--out F] [--rerank]
"""
import argparse
import json
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.dist import is_main_process
from mmengine.runner import Runner

from mmcl_ice_plugin.compat import init_cpu_distributed, use_plugin_ddp


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Evaluate a re-ID model')
    parser.add_argument('config', help='config file path')
    parser.add_argument('checkpoint', nargs='?', help='checkpoint file')
    parser.add_argument('--untrained', action='store_true',
                        help='evaluate the model as built, without loading a checkpoint')
    parser.add_argument('--work-dir', help='the dir to save logs')
    parser.add_argument('--out', help='write the metrics to this JSON file')
    parser.add_argument('--rerank', action='store_true',
                        help='k-reciprocal re-ranking of the test distances (k1 20, k2 6, '
                             'lambda 0.3; test_evaluator.rerank_* to change them)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if (args.checkpoint is None) == (not args.untrained):
        parser.error('give a checkpoint, or --untrained (not both)')
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def skip_imagenet_weights(cfg: Config) -> None:
    """The checkpoint holds every weight: build the backbone without its ImageNet weights
    (``model.backbone.pretrained``), which would be downloaded only to be overwritten (and
    cannot be offline)."""
    backbone = cfg.model.get('backbone')
    if isinstance(backbone, dict) and backbone.get('pretrained'):
        backbone.pretrained = False


def enable_rerank(cfg: Config, config_file: str) -> None:
    """Set ``rerank=True`` on every ``ReIDMetric`` of ``test_evaluator``."""
    evaluators = cfg.get('test_evaluator')
    evaluators = evaluators if isinstance(evaluators, (list, tuple)) else [evaluators]
    metrics = [e for e in evaluators if isinstance(e, dict) and e.get('type') == 'ReIDMetric']
    if not metrics:
        raise SystemExit(f'--rerank: the test_evaluator of {config_file} has no ReIDMetric; '
                         "set test_evaluator = dict(type='ReIDMetric', rerank=True) instead.")
    for metric in metrics:
        metric['rerank'] = True


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.rerank:
        enable_rerank(cfg, args.config)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    if args.checkpoint is not None and not osp.isfile(args.checkpoint):
        raise SystemExit(f'checkpoint {args.checkpoint!r} not found.')
    cfg.load_from = args.checkpoint
    cfg.resume = False
    if args.checkpoint is not None:
        skip_imagenet_weights(cfg)
    use_plugin_ddp(cfg, args.launcher)
    init_cpu_distributed(args.launcher)
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    if args.out and is_main_process():
        with open(args.out, 'w') as f:
            json.dump({k: float(v) for k, v in metrics.items()}, f, indent=2)


if __name__ == '__main__':
    main()
