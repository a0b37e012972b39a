"""Train a re-ID model from a config (mmpretrain's tools/train.py flags).

    python tools/train.py configs/supervised_r50_market.py [--work-dir D] [--resume [CKPT]]
        [--amp] [--cfg-options k=v ...] [--launcher none|pytorch|slurm]
"""
import argparse
import os
import os.path as osp

import torch
from mmengine.config import Config, DictAction
from mmengine.runner import Runner

from mmcl_ice_plugin.compat import init_cpu_distributed, use_plugin_ddp
from mmcl_ice_plugin.utils.work_dir import check_writable_dir


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a re-ID model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and checkpoints')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from this checkpoint; without a path, from the latest checkpoint '
        'in the work dir')
    parser.add_argument('--amp', action='store_true',
                        help='automatic mixed precision training (needs a GPU)')
    parser.add_argument('--no-validate', action='store_true',
                        help='skip evaluation during training')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config settings, e.g. train_cfg.max_epochs=2 model.backbone.name=osnet_x1_0')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Fold the command-line flags into the config."""
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    if args.amp:
        if not torch.cuda.is_available():
            raise SystemExit('--amp needs a CUDA GPU; none is available. Run without --amp.')
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        if not osp.isfile(args.resume):
            raise SystemExit(f'--resume {args.resume}: no such checkpoint file.')
        cfg.resume = True
        cfg.load_from = args.resume
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    use_plugin_ddp(cfg, args.launcher)
    return cfg


def main() -> None:
    args = parse_args()
    cfg = merge_args(Config.fromfile(args.config), args)
    try:
        check_writable_dir(cfg.work_dir)
    except OSError as err:
        raise SystemExit(str(err))
    init_cpu_distributed(args.launcher)
    runner = Runner.from_cfg(cfg)
    runner.train()


if __name__ == '__main__':
    main()
