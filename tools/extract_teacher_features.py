"""Write the teacher features of a distillation config's training set to a cache.

    python tools/extract_teacher_features.py CONFIG [--cache-dir DIR] [--passes N]
        [--dtype float32|float16|int8] [--ignore-budget] [--cfg-options KEY=VALUE ...]
    tools/dist_extract_teacher_features.sh CONFIG NUM_PROCS [same options]

Runs the config's teacher(s) with its teacher recorders over the train
dataloader (same dataset and pipeline, sequential order) and writes what the
recorders capture. Train afterwards with ``model.teacher_cache.cache_dir`` set
to the same folder (the ``*-cached_*.py`` configs do), and the teachers do not
run. Run it again after an interruption: it resumes, re-extracting damaged or
unfinished shards only. ``model.teacher_cache.levels`` of the config stores
only some tensors (FPN levels) of a recorder.

Before the first shard it prints what the cache will take (bytes per sample
of each recorded tensor, the total for the dataset and passes, the free disk
space) and refuses to start when it does not fit (``--ignore-budget``).
Distributed (``--launcher pytorch``, as the shell script starts it): each
rank writes its part of the dataset into ``<cache-dir>/parts/``, and rank 0
merges the index when all are done; rerun the same command after a failure.
"""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # run from a checkout

import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402
from mmengine.config import Config  # noqa: E402

import mmkd  # noqa: E402,F401  (registers modules)
from mmkd.cache import extract_teacher_features  # noqa: E402
from mmkd.datasets import set_data_root  # noqa: E402
from mmkd.utils.cfg_options import CfgOptionsAction  # noqa: E402
from mmkd.utils.distributed import release_distributed  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='distillation config (live teacher or a *-cached_* variant)')
    parser.add_argument('--cache-dir', help='cache folder (default: model.teacher_cache.cache_dir of the '
                        'config, else work_dirs/teacher_cache/<config name>)')
    parser.add_argument('--passes', type=int, default=1,
                        help='run the pipeline N times to store N draws of random augmentations')
    parser.add_argument('--dtype', choices=['float32', 'float16', 'int8'], default='float32',
                        help='storage of the features: float16 halves the size, int8 (per-channel scales '
                        'per sample, read back in the teacher dtype) quarters it')
    parser.add_argument('--shard-size', type=int, default=256, help='samples per shard')
    parser.add_argument('--batch-size', type=int, help='extraction batch size (default: the config\'s)')
    parser.add_argument('--no-verify-hashes', action='store_true',
                        help='when resuming, check existing shards by size only')
    parser.add_argument('--allow-unrecorded-augmentation', action='store_true',
                        help='accept random transforms the cache key cannot see (approximate features)')
    parser.add_argument('--ignore-budget', action='store_true',
                        help='start even when the estimated cache size exceeds the free disk space')
    parser.add_argument('--launcher', choices=['none', 'pytorch'], default='none',
                        help='pytorch: one of several torchrun processes (dist_extract_teacher_features.sh)')
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction,
                        help='override config entries; data_root=PATH moves every dataset to PATH')
    return parser.parse_args(argv)


def main(argv=None) -> str:
    args = parse_args(argv)
    if not osp.isfile(args.config):
        raise FileNotFoundError(f'config file not found: {args.config}')
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        options = dict(args.cfg_options)
        if 'data_root' in options:
            set_data_root(cfg, options.pop('data_root'))
        cfg.merge_from_dict(options)
    cache_dir = args.cache_dir or (cfg.model.get('teacher_cache') or {}).get('cache_dir') or \
        osp.join('work_dirs', 'teacher_cache', osp.splitext(osp.basename(args.config))[0])
    if args.launcher == 'pytorch' and not dist.is_initialized():
        if torch.cuda.is_available():  # one GPU per process, nccl
            torch.cuda.set_device(int(os.environ.get('LOCAL_RANK', 0)))
        dist.init_process_group(backend='nccl' if torch.cuda.is_available() else 'gloo')
    try:
        result = extract_teacher_features(
            cfg, cache_dir, passes=args.passes, dtype=args.dtype, shard_size=args.shard_size,
            batch_size=args.batch_size, verify_hashes=not args.no_verify_hashes,
            allow_unrecorded_random=args.allow_unrecorded_augmentation, allow_over_budget=args.ignore_budget)
    except BaseException:
        release_distributed(wait=False)  # the other ranks may never reach a barrier
        raise
    release_distributed()  # a live gloo group at exit can abort the process (SIGABRT)
    return result


if __name__ == '__main__':
    main()
