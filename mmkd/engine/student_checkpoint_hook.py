"""Write a student-only checkpoint next to every full checkpoint.

The student file holds ``state_dict`` keyed exactly as the plain student model
(no ``student.`` prefix, no teacher, no connectors) and ``meta.dataset_meta``,
so ``mmdet.apis.init_detector`` / ``mmseg.apis.init_model`` load it directly.
"""
from __future__ import annotations

import os.path as osp
from collections import OrderedDict

from mmengine.hooks import Hook
from mmengine.runner import EpochBasedTrainLoop

from mmkd.registry import HOOKS
from mmkd.utils.checkpoint import atomic_save

STUDENT_PREFIX = 'student.'


def student_checkpoint(checkpoint: dict) -> dict:
    """Extract the student from a full algorithm checkpoint dict."""
    state = checkpoint['state_dict']
    student = OrderedDict((k[len(STUDENT_PREFIX):], v) for k, v in state.items()
                          if k.startswith(STUDENT_PREFIX))
    if not student:
        raise KeyError('checkpoint has no "student." weights: is it a distillation checkpoint?')
    meta = {k: v for k, v in checkpoint.get('meta', {}).items()
            if k in ('dataset_meta', 'epoch', 'iter', 'seed', 'experiment_name', 'mmengine_version')}
    return {'meta': meta, 'state_dict': student}


@HOOKS.register_module()
class StudentCheckpointHook(Hook):
    """Args:
        filename_tmpl: like CheckpointHook's; default ``student_epoch_{}.pth`` or
            ``student_iter_{}.pth`` following the train loop.
        link_latest: also write ``student_latest.pth``.
    """
    priority = 'VERY_LOW'

    def __init__(self, filename_tmpl: str | None = None, link_latest: bool = True) -> None:
        self.filename_tmpl = filename_tmpl
        self.link_latest = link_latest

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        by_epoch = isinstance(runner.train_loop, EpochBasedTrainLoop)
        step = checkpoint['meta']['epoch'] if by_epoch else checkpoint['meta']['iter']
        tmpl = self.filename_tmpl or ('student_epoch_{}.pth' if by_epoch else 'student_iter_{}.pth')
        payload = student_checkpoint(checkpoint)
        path = osp.join(runner.work_dir, tmpl.format(step))
        atomic_save(payload, path)
        if self.link_latest:
            atomic_save(payload, osp.join(runner.work_dir, 'student_latest.pth'))
        runner.logger.info(f'student-only checkpoint saved to {path}')
