"""Run GKD's two stages, each through mmengine's Runner (``tools/train.py``), resumably.

    python tools/train_stages.py STAGE1_CONFIG STAGE2_CONFIG --work-dir work_dirs/gkd/f2f_seed0 --seed 0
        [--stage all|1|2] [--stage1-student PATH|none] [--cache-passes 4]
        [--stage1-options K=V ...] [--stage2-options K=V ...]

Stage 1 (task-agnostic feature distillation on unlabeled source images)
trains in ``<work-dir>/stage1`` and leaves the student-only checkpoint
``student_latest.pth``. Stage 2 (task learning) trains the decode head of a
segmentor whose frozen backbone reads that file by path
(``model.backbone.ckpt``) in ``<work-dir>/stage2``, evaluates on the target
domains, and its last metrics are copied to ``<work-dir>/stage2_metrics.json``.

Resumable: a stage whose final checkpoint (``iter_<max_iters>.pth``) exists
is skipped; an interrupted one continues from its ``last_checkpoint``
(``--resume``). Each stage is also runnable alone: ``--stage 1``, or
``--stage 2`` with the stage-1 student found in ``<work-dir>/stage1`` or given
by ``--stage1-student`` (``none``: the backbone keeps its random
initialisation, the "student alone" control). When the stage-1 config reads
the teacher from a cache (``model.teacher_cache``), the cache is extracted
first (``tools/extract_teacher_features.py``, itself resumable).
"""
from __future__ import annotations

import argparse
import json
import os
import os.path as osp
import subprocess
import sys
from typing import List, Optional

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

from mmengine.config import Config, DictAction  # noqa: E402

STUDENT_FILE = 'student_latest.pth'


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('stage1_config')
    parser.add_argument('stage2_config')
    parser.add_argument('--work-dir', required=True, help='stage1/ and stage2/ are made inside')
    parser.add_argument('--seed', type=int, default=0, help='randomness.seed of both stages')
    parser.add_argument('--stage', choices=['all', '1', '2'], default='all')
    parser.add_argument('--stage1-student', help='stage-1 student checkpoint for stage 2 (default: '
                        f'<work-dir>/stage1/{STUDENT_FILE}); "none" keeps the random initialisation')
    parser.add_argument('--cache-passes', type=int, default=4,
                        help='augmentation draws per image when extracting a teacher cache (default 4)')
    parser.add_argument('--skip-extract', action='store_true',
                        help='use the teacher cache as it is (extracted once for several runs; runs that '
                        'share a cache must not extract into it at the same time)')
    parser.add_argument('--stage1-options', nargs='+', default=[], help='--cfg-options of stage 1')
    parser.add_argument('--stage2-options', nargs='+', default=[], help='--cfg-options of stage 2')
    return parser.parse_args(argv)


def final_checkpoint(cfg: Config, work_dir: str) -> str:
    """The checkpoint an iteration-based run writes at its last iteration."""
    max_iters = cfg.train_cfg.get('max_iters')
    if max_iters is None:
        raise ValueError('train_stages.py needs iteration-based configs (train_cfg.max_iters)')
    return osp.join(work_dir, f'iter_{max_iters}.pth')


def run(cmd: List[str]) -> None:
    print('+', ' '.join(cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=ROOT)


def load_cfg(config: str, options: List[str]) -> Config:
    """``config`` with ``--cfg-options``-style ``KEY=VALUE`` overrides applied (as tools/train.py does)."""
    cfg = Config.fromfile(config)
    if options:
        parser = argparse.ArgumentParser()
        parser.add_argument('--options', nargs='+', action=DictAction)
        cfg.merge_from_dict(parser.parse_args(['--options', *options]).options)
    return cfg


def train_stage(config: str, work_dir: str, options: List[str]) -> bool:
    """Train ``config`` in ``work_dir`` unless it has finished; resume if interrupted. True if it ran."""
    cfg = load_cfg(config, options)
    if osp.isfile(final_checkpoint(cfg, work_dir)):
        print(f'{work_dir}: finished already ({osp.basename(final_checkpoint(cfg, work_dir))}), skipped')
        return False
    cmd = [sys.executable, osp.join(ROOT, 'tools', 'train.py'), config, '--work-dir', work_dir]
    if osp.isfile(osp.join(work_dir, 'last_checkpoint')):
        cmd.append('--resume')
    if options:
        cmd += ['--cfg-options', *options]
    run(cmd)
    return True


def last_metrics(work_dir: str, key: str = 'target_mIoU') -> Optional[dict]:
    """The last logged evaluation (the line of ``vis_data/scalars.json`` holding ``key``)."""
    found = None
    for run_dir in sorted(d for d in os.listdir(work_dir) if osp.isdir(osp.join(work_dir, d))):
        path = osp.join(work_dir, run_dir, 'vis_data', 'scalars.json')
        if not osp.isfile(path):
            continue
        with open(path, encoding='utf-8') as f:
            for line in f:
                record = json.loads(line)
                if key in record:
                    found = record
    return found


def main(argv=None) -> Optional[dict]:
    args = parse_args(argv)
    seed = [f'randomness.seed={args.seed}']
    stage1_dir, stage2_dir = osp.join(args.work_dir, 'stage1'), osp.join(args.work_dir, 'stage2')
    if args.stage in ('all', '1'):
        cfg1 = load_cfg(args.stage1_config, args.stage1_options)
        cache = cfg1.model.get('teacher_cache')
        if cache and not args.skip_extract and not osp.isfile(final_checkpoint(cfg1, stage1_dir)):
            run([sys.executable, osp.join(ROOT, 'tools', 'extract_teacher_features.py'), args.stage1_config,
                 '--passes', str(args.cache_passes), '--cfg-options', *seed, *args.stage1_options])
        train_stage(args.stage1_config, stage1_dir, seed + args.stage1_options)
    if args.stage == '1':
        return None
    student = args.stage1_student or osp.join(stage1_dir, STUDENT_FILE)
    if student.lower() == 'none':
        ckpt = 'model.backbone.ckpt=None'
    elif not osp.isfile(student):
        raise FileNotFoundError(f'stage-1 student {student!r} not found: run stage 1 first (--stage 1) or give '
                                '--stage1-student PATH')
    else:
        ckpt = f'model.backbone.ckpt={osp.abspath(student)}'
    train_stage(args.stage2_config, stage2_dir, seed + [ckpt] + args.stage2_options)
    metrics = last_metrics(stage2_dir)
    if metrics is not None:
        out = osp.join(args.work_dir, 'stage2_metrics.json')
        with open(out + '.tmp', 'w', encoding='utf-8') as f:
            json.dump(dict(metrics, seed=args.seed, stage1_student=student), f, indent=1)
        os.replace(out + '.tmp', out)
        print(f'stage 2 metrics ({out}): {metrics}')
    return metrics


if __name__ == '__main__':
    main()
