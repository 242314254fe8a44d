"""Evaluate a checkpoint: ``python tools/test.py CONFIG CHECKPOINT``.

CONFIG may be a distillation config with a full checkpoint, or a plain
mmdet/mmseg student config with a student-only checkpoint. The checkpoint
must match the config's model exactly (a checkpoint of another architecture
is refused with the keys that differ; ``--no-strict`` loads what matches).
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmengine.config import Config  # noqa: E402
from mmengine.model import is_model_wrapper  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

import mmkd  # noqa: E402,F401
from mmkd.utils.cfg_options import CfgOptionsAction  # noqa: E402
from mmkd.utils.checkpoint import load_state_dict_file, state_dict_mismatch  # noqa: E402
from mmkd.utils.data_files import check_data_files  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--work-dir')
    parser.add_argument('--teacher', action='store_true',
                        help='also evaluate the teachers of a distillation config')
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction)
    parser.add_argument('--no-strict', action='store_true',
                        help='evaluate even when the checkpoint does not match the model (missing or extra keys)')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if not osp.isfile(args.config):
        raise FileNotFoundError(f'config file not found: {args.config}')
    state = load_state_dict_file(args.checkpoint, what='checkpoint', mmap=True)  # names a missing, damaged or text file
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg.work_dir = args.work_dir or cfg.get('work_dir') or osp.join(
        'work_dirs', osp.splitext(osp.basename(args.config))[0])
    cfg.load_from = args.checkpoint
    check_data_files(cfg, ['test'])
    if cfg.model.get('type', '').endswith('Distill'):
        cfg.test_cfg = dict(type='mmkd.DistillTestLoop',
                            evaluate_teachers='once' if args.teacher else 'never')
    runner = Runner.from_cfg(cfg)
    model = runner.model.module if is_model_wrapper(runner.model) else runner.model
    mismatch = state_dict_mismatch(model, {k[len('module.'):] if k.startswith('module.') else k: v
                                           for k, v in state.items()})
    if mismatch and not args.no_strict:
        raise KeyError(f'checkpoint {args.checkpoint!r} does not match the model of {args.config!r} '
                       f'({type(model).__name__}; a checkpoint of another model?): {mismatch}')
    metrics = runner.test()
    print(metrics)
    return metrics


if __name__ == '__main__':
    main()
