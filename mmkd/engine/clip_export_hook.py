"""Export a contrastively trained CLIP in the form its users load, at the end of training.

The Runner's checkpoints hold the training wrapper (``clip.`` keys, optimizer
state) and resume a run; what the OADP teacher and the open-vocabulary
student need are three plain files, written atomically by rank 0:

* ``out``: the bare open_clip state dict (official key layout), loaded
  strictly by ``CLIPTeacher(ckpt=out)`` / ``load_clip_checkpoint``;
* ``out + '.text.pth'``: ``{'classes', 'embeddings', 'templates'}``, the
  prompt-ensembled text embeddings of the classes, the classifier of the
  open-vocabulary student (``CLIPTextShared2FCBBoxHead(text_embeddings=...)``);
* ``out + '.json'``: the model, the data sizes and every validation result
  along the way (``history``; ``zero_shot`` is the last).

The model is duck-typed (``open_clip_state_dict()``, ``class_text_embeddings()``,
``classes``, ``templates``: :class:`~mmkd.models.clip.ContrastiveCLIP`).
"""
from __future__ import annotations

import json
import math
import os.path as osp
import time
from typing import Dict, List, Optional

from mmengine.dist import master_only
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmkd.registry import HOOKS
from mmkd.utils.checkpoint import atomic_save, atomic_write_bytes


def _json_number(value: float) -> Optional[float]:
    return None if isinstance(value, float) and math.isnan(value) else value


@HOOKS.register_module()
class ExportCLIPHook(Hook):
    """Args:
        out: path of the exported open_clip state dict (default:
            ``<work_dir>/clip.pth``).
    """
    priority = 'LOW'

    def __init__(self, out: Optional[str] = None) -> None:
        self.out = out
        self.history: List[Dict[str, object]] = []
        self._start = time.time()
        self._training = False

    @staticmethod
    def _model(runner):
        return runner.model.module if is_model_wrapper(runner.model) else runner.model

    def before_train(self, runner) -> None:
        self._start, self._training = time.time(), True
        model = self._model(runner)
        for name in ('open_clip_state_dict', 'class_text_embeddings'):
            if not hasattr(model, name):
                raise TypeError(f'ExportCLIPHook: the model {type(model).__name__} has no {name}() '
                                '(use mmkd.ContrastiveCLIP)')
        if getattr(model, 'classes', None) is None:
            dataset = runner.val_dataloader.dataset if runner.val_loop is not None else runner.train_dataloader.dataset
            model.classes = list(dataset.metainfo['classes'])

    def after_val_epoch(self, runner, metrics: Optional[Dict[str, float]] = None) -> None:
        if not self._training:
            return  # a test or validation run: nothing to export
        entry = dict(step=runner.iter, seconds=round(time.time() - self._start, 1))
        loss = runner.message_hub.get_scalar('train/loss') if 'train/loss' in runner.message_hub.log_scalars \
            else None
        if loss is not None:
            entry['loss'] = float(loss.current())
        entry.update({key.split('/')[-1]: _json_number(float(value)) for key, value in (metrics or {}).items()})
        self.history.append(entry)

    def after_train(self, runner) -> None:
        self._training = False
        self._export(runner)

    @master_only
    def _export(self, runner) -> None:
        model = self._model(runner)
        out = self.out or osp.join(runner.work_dir, 'clip.pth')
        atomic_save(model.open_clip_state_dict(), out)
        atomic_save(dict(classes=list(model.classes), embeddings=model.class_text_embeddings().cpu(),
                         templates=list(model.templates)), out + '.text.pth')
        summary = dict(model=getattr(model, 'model_name', None), checkpoint=out, classes=list(model.classes),
                       train_pairs=len(runner.train_dataloader.dataset),
                       val_crops=len(runner.val_dataloader.dataset) if runner.val_loop is not None else None,
                       iters=runner.iter, seconds=round(time.time() - self._start, 1), history=self.history,
                       zero_shot=self.history[-1] if self.history else None)
        atomic_write_bytes(json.dumps(summary, indent=1).encode(), out + '.json')
        runner.logger.info(f'ExportCLIPHook: wrote {out} (load with CLIPTeacher(model_name='
                           f'{summary["model"]!r}, ckpt=...)), its .text.pth class embeddings and .json summary')
