"""Train a model (plain or distillation) from a config: ``python tools/train.py CONFIG``.

Mistakes in what the user gives (a missing or damaged checkpoint, nothing to
resume, an empty training set, a malformed --cfg-options item) are reported
before training starts, naming the file or key (docs/reliability.md).
"""
import argparse
import gc
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # run from a checkout

import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.runner import Runner, find_latest_checkpoint  # noqa: E402

import mmkd  # noqa: E402,F401  (registers modules, allow-lists checkpoint globals)
from mmkd.datasets import set_data_root  # noqa: E402
from mmkd.utils.cfg_options import CfgOptionsAction  # noqa: E402
from mmkd.utils.checkpoint import config_checkpoints, read_checkpoint  # noqa: E402
from mmkd.utils.data_files import check_data_files  # noqa: E402
from mmkd.utils.distributed import prepare_cpu_distributed, release_distributed  # noqa: E402

RESUME_LATEST, RESUME_STRICT = 'auto', 'strict'


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
    parser.add_argument('--resume', nargs='?', type=str, const=RESUME_LATEST, metavar='PATH|strict',
                        help='resume training. Without a value: from the latest checkpoint in work-dir, or, '
                        'when there is none, start fresh (a line says so). `--resume strict`: the same, '
                        'but an error when there is nothing to resume. `--resume PATH`: from that checkpoint')
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction,
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
    if args.resume in (RESUME_LATEST, RESUME_STRICT):
        cfg.resume, cfg.load_from = True, latest_checkpoint(cfg.work_dir, strict=args.resume == RESUME_STRICT)
        if cfg.load_from is None:
            cfg.resume = False
    elif args.resume is not None:
        cfg.resume, cfg.load_from = True, args.resume
    return cfg


def latest_checkpoint(work_dir: str, strict: bool):
    """The checkpoint ``--resume`` continues from: the one ``last_checkpoint`` names in ``work_dir``.

    mmengine starts from scratch without a word when there is none; here a
    line says so, and ``--resume strict`` refuses."""
    latest = find_latest_checkpoint(work_dir) if osp.isdir(work_dir) else None
    if latest is None:
        if strict:
            raise FileNotFoundError(f'--resume strict: nothing to resume in work dir {work_dir!r} '
                                    '(no last_checkpoint file written by a previous run)')
        print(f'--resume: no checkpoint in work dir {work_dir!r} (no last_checkpoint file): starting fresh')
    elif not osp.isfile(latest):
        raise FileNotFoundError(f'--resume: {osp.join(work_dir, "last_checkpoint")} names {latest!r}, '
                                'which does not exist (deleted or moved?); give the checkpoint with --resume PATH')
    return latest


def check_checkpoints(cfg: Config) -> None:
    """Read every checkpoint the run will load (the one to resume, load_from, teacher/student
    ``ckpt``, ``Pretrained`` init_cfg) before anything is built: a missing, truncated or
    non-checkpoint file is named with the config key that points to it."""
    for key, path in config_checkpoints(cfg.to_dict()):
        what = '--resume checkpoint' if key == 'load_from' and cfg.get('resume') else key
        read_checkpoint(path, what=what, mmap=True)


def check_train_data(runner: Runner, cfg: Config) -> None:
    """An empty data set trains nothing and 'finishes' at once, or fails inside mmengine with
    'need at least one array to concatenate': refuse it, naming where it was read.

    Builds the train (and val) loop here, before ``runner.train()`` would."""
    for split, loop in (('train', 'train_loop'), ('val', 'val_loop')):
        if split == 'val' and not cfg.get('val_cfg'):
            continue
        spec = cfg[f'{split}_dataloader'].dataset
        where = {k: v for k, v in spec.items() if k in ('data_root', 'ann_file', 'data_prefix')}
        empty = ValueError(f'the {"training" if split == "train" else "validation"} set is empty: '
                           f'{split}_dataloader.dataset ({spec.get("type")}) has no samples from {where}')
        try:
            dataset = getattr(runner, loop).dataloader.dataset
        except ValueError as err:  # mmengine serialises the data list with np.concatenate
            if 'need at least one array to concatenate' in str(err):
                raise empty from None
            raise
        if len(dataset) == 0:
            raise empty


def main(argv=None):
    args = parse_args(argv)
    cfg = build_cfg(args)
    check_checkpoints(cfg)  # the files the run reads, before anything is built
    check_data_files(cfg, ['train', 'val'] if cfg.get('val_cfg') else ['train'])
    prepare_cpu_distributed(cfg)  # gloo DDP when launched with torchrun on a CPU-only machine
    runner = Runner.from_cfg(cfg)
    check_train_data(runner, cfg)
    runner.train()
    del runner  # its DDP wrapper holds the gloo group: freed before the group is torn down, not at exit
    gc.collect()
    release_distributed()


if __name__ == '__main__':
    main()
