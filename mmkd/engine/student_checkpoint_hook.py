"""Write a student-only checkpoint next to every full checkpoint, and the student's own config once.

Student files follow the full checkpoints' retention: with ``max_keep_ckpts``
of mmengine's ``CheckpointHook``, only the student files of the steps it
keeps remain, plus ``student_latest.pth`` and, with ``save_best``, the
student of the best checkpoint (``student_best_<metric>_<step>.pth``).

The student file holds ``state_dict`` keyed exactly as the plain student model
(no ``student.`` prefix, no teacher, no connectors) and ``meta.dataset_meta``,
so ``mmdet.apis.init_detector`` / ``mmseg.apis.init_model`` load it directly.
``student_config.py`` (:func:`mmkd.models.student_config.student_config`) makes
the work dir a self-contained student folder for the libraries' inferencers
and test scripts.
"""
from __future__ import annotations

import glob
import os
import os.path as osp
import re
from collections import OrderedDict

from mmengine.hooks import Hook
from mmengine.runner import EpochBasedTrainLoop

from mmkd.models.student_config import student_config
from mmkd.registry import HOOKS
from mmkd.utils.checkpoint import atomic_save, atomic_write_bytes

STUDENT_CONFIG = 'student_config.py'

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
        write_config: write ``student_config.py`` when training starts (skipped,
            with a log line, for students that are mmkd models).
    """
    priority = 'VERY_LOW'

    def __init__(self, filename_tmpl: str | None = None, link_latest: bool = True,
                 write_config: bool = True) -> None:
        self.filename_tmpl = filename_tmpl
        self.link_latest = link_latest
        self.write_config = write_config
        self._seen: dict = {}  # the message hub's save markers at the last save

    def before_train(self, runner) -> None:
        self._seen = self._save_markers(runner)
        if not self.write_config or runner.rank != 0:
            return
        try:
            config = student_config(runner.cfg)
        except (KeyError, ValueError) as err:
            runner.logger.info(f'no {STUDENT_CONFIG} written: {err}')
            return
        path = osp.join(runner.work_dir, STUDENT_CONFIG)
        atomic_write_bytes(config.pretty_text.encode(), path)
        runner.logger.info(f'student config for plain {config.default_scope} tools written to {path}')

    @staticmethod
    def _save_markers(runner) -> dict:
        """mmengine's CheckpointHook records the file it is about to write (``last_ckpt``, or
        ``best_ckpt*`` for a best one) in the message hub just before each save."""
        info = runner.message_hub.runtime_info
        return {k: info[k] for k in info if k == 'last_ckpt' or k.startswith('best_ckpt')}

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        by_epoch = isinstance(runner.train_loop, EpochBasedTrainLoop)
        step = checkpoint['meta']['epoch'] if by_epoch else checkpoint['meta']['iter']
        tmpl = self.filename_tmpl or ('student_epoch_{}.pth' if by_epoch else 'student_iter_{}.pth')
        markers = self._save_markers(runner)
        changed = [k for k, v in markers.items() if self._seen.get(k) != v]
        self._seen = markers
        best = [k for k in changed if k.startswith('best_ckpt')]
        if runner.rank != 0:
            return
        payload = student_checkpoint(checkpoint)
        if best and 'last_ckpt' not in changed:  # the save of a new best checkpoint
            self._save_best(runner, payload, best)
            return
        path = osp.join(runner.work_dir, tmpl.format(step))
        atomic_save(payload, path)
        if self.link_latest:
            atomic_save(payload, osp.join(runner.work_dir, 'student_latest.pth'))
        runner.logger.info(f'student-only checkpoint saved to {path}')
        self._remove_outdated(runner, tmpl)

    @staticmethod
    def _save_best(runner, payload: dict, keys) -> None:
        """``student_<best file name>``, replacing the student of the previous best (also from before a resume)."""
        for key in keys:
            name = 'student_' + osp.basename(runner.message_hub.get_info(key))
            for previous in glob.glob(osp.join(runner.work_dir, re.sub(r'\d+\.pth$', '*.pth', name))):
                if osp.basename(previous) != name:
                    os.remove(previous)
            atomic_save(payload, osp.join(runner.work_dir, name))
            runner.logger.info(f'best student-only checkpoint saved to {osp.join(runner.work_dir, name)}')

    @staticmethod
    def _remove_outdated(runner, tmpl: str) -> None:
        """Delete the student files of steps whose full checkpoint CheckpointHook no longer keeps
        (it lists the kept steps as ``keep_ckpt_ids`` when ``max_keep_ckpts`` > 0)."""
        if 'keep_ckpt_ids' not in runner.message_hub.runtime_info:
            return
        keep = {int(s) for s in runner.message_hub.get_info('keep_ckpt_ids')}
        pattern = re.compile(re.escape(tmpl).replace(re.escape('{}'), r'(\d+)') + '$')
        for path in glob.glob(osp.join(runner.work_dir, tmpl.replace('{}', '*'))):
            match = pattern.match(osp.basename(path))
            if match and int(match.group(1)) not in keep:
                os.remove(path)
