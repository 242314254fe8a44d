"""Train a model (plain or distillation) from a config: ``python tools/train.py CONFIG``."""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # run from a checkout

import torch  # noqa: E402
from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

import mmkd  # noqa: E402,F401  (registers modules, allow-lists checkpoint globals)
from mmkd.datasets import set_data_root  # noqa: E402
from mmkd.utils.distributed import prepare_cpu_distributed, release_distributed  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='where to save logs and checkpoints '
                        '(default: work_dirs/<config name>)')
    parser.add_argument('--amp', action='store_true',
                        help='mixed precision: fp16 AMP on GPU, bf16 autocast on CPU')
    parser.add_argument('--amp-dtype', choices=['float16', 'bfloat16'], default=None,
                        help='the autocast dtype of --amp (default: float16 on GPU, with dynamic loss '
                        'scaling; bfloat16 on CPU)')
    parser.add_argument('--resume', nargs='?', type=str, const='auto',
                        help='resume from a checkpoint; without a path, from the latest in work-dir')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, e.g. train_cfg.max_epochs=2; '
                        'data_root=PATH moves every dataset to PATH')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def build_cfg(args) -> Config:
    if not osp.isfile(args.config):
        raise FileNotFoundError(f'config file not found: {args.config}')
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        options = dict(args.cfg_options)
        if 'data_root' in options:  # move every dataset and annotation file, not just the variable
            set_data_root(cfg, options.pop('data_root'))
        cfg.merge_from_dict(options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('work_dirs', osp.splitext(osp.basename(args.config))[0])
    if args.amp_dtype and not args.amp:
        raise ValueError('--amp-dtype needs --amp')
    if args.amp:
        wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if wrapper not in ('OptimWrapper', 'mmengine.OptimWrapper'):
            raise ValueError(f'--amp replaces OptimWrapper, but the config uses {wrapper}')
        if torch.cuda.is_available():  # mmengine's wrapper; bf16 needs no loss scaling
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.dtype = args.amp_dtype or 'float16'
            if cfg.optim_wrapper.dtype == 'float16':
                cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
        else:
            cfg.optim_wrapper.type = 'mmkd.CPUAutocastOptimWrapper'
            cfg.optim_wrapper.dtype = args.amp_dtype or 'bfloat16'
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        cfg.resume, cfg.load_from = True, args.resume
    return cfg


def main(argv=None):
    args = parse_args(argv)
    cfg = build_cfg(args)
    prepare_cpu_distributed(cfg)  # gloo DDP when launched with torchrun on a CPU-only machine
    runner = Runner.from_cfg(cfg)
    runner.train()
    release_distributed()


if __name__ == '__main__':
    main()
