"""Validation/test loops that evaluate the student and, when asked, the teachers.

Teacher metrics are prefixed with the teacher's name (``teacher/coco/bbox_mAP``),
student metrics keep their usual keys, so ``save_best`` and log parsing work
as for a plain model. A frozen teacher does not change, so by default it is
evaluated once and its metrics are reused.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Union

import torch
from mmengine.model import is_model_wrapper
from mmengine.runner import TestLoop, ValLoop

from mmkd.registry import LOOPS


class _TeacherEvalMixin:
    """Shared by the val and test loops: evaluate teachers (cached) before the student."""

    def _setup_teachers(self, evaluate_teachers: Union[str, bool], teachers: Optional[List[str]]) -> None:
        if evaluate_teachers is True:
            evaluate_teachers = 'once'
        if evaluate_teachers is False:
            evaluate_teachers = 'never'
        if evaluate_teachers not in ('once', 'always', 'never'):
            raise ValueError(f"evaluate_teachers must be 'once', 'always' or 'never', got {evaluate_teachers!r}")
        self.evaluate_teachers = evaluate_teachers
        self.teacher_names = teachers
        self._teacher_metrics: Dict[str, float] = {}

    def _algorithm(self):
        model = self.runner.model
        return model.module if is_model_wrapper(model) else model

    @torch.no_grad()
    def _teacher_metrics_now(self) -> Dict[str, float]:
        algorithm = self._algorithm()
        if self.evaluate_teachers == 'never' or not hasattr(algorithm, 'teachers'):
            return {}
        if self.evaluate_teachers == 'once' and self._teacher_metrics:
            return self._teacher_metrics
        metrics: Dict[str, float] = {}
        names = self.teacher_names or list(algorithm.teachers)
        try:
            for name in names:
                algorithm.predict_with = name
                for data_batch in self.dataloader:
                    outputs = self.runner.model.val_step(data_batch) if isinstance(self, ValLoop) \
                        else self.runner.model.test_step(data_batch)
                    self.evaluator.process(data_samples=outputs, data_batch=data_batch)
                result = self.evaluator.evaluate(len(self.dataloader.dataset))
                metrics.update({f'{name}/{k}': v for k, v in result.items()})
        finally:
            algorithm.predict_with = 'student'
        self._teacher_metrics = metrics
        return metrics

    def _run(self, phase: str) -> dict:
        self.runner.call_hook(f'before_{phase}')
        self.runner.call_hook(f'before_{phase}_epoch')
        self.runner.model.eval()
        teacher_metrics = self._teacher_metrics_now()
        for idx, data_batch in enumerate(self.dataloader):
            self.run_iter(idx, data_batch)
        metrics = self.evaluator.evaluate(len(self.dataloader.dataset))
        metrics.update(teacher_metrics)
        self.runner.call_hook(f'after_{phase}_epoch', metrics=metrics)
        self.runner.call_hook(f'after_{phase}')
        return metrics


@LOOPS.register_module()
class DistillValLoop(_TeacherEvalMixin, ValLoop):
    """Args (besides ValLoop's):
        evaluate_teachers: 'once' (default), 'always' or 'never'.
        teachers: names of the teachers to evaluate (default all).
    """

    def __init__(self, runner, dataloader, evaluator, fp16: bool = False,
                 evaluate_teachers: Union[str, bool] = 'once', teachers: Optional[List[str]] = None) -> None:
        super().__init__(runner, dataloader, evaluator, fp16)
        self._setup_teachers(evaluate_teachers, teachers)

    def run(self) -> dict:
        return self._run('val')


@LOOPS.register_module()
class DistillTestLoop(_TeacherEvalMixin, TestLoop):
    """TestLoop that also reports teacher metrics (see DistillValLoop)."""

    def __init__(self, runner, dataloader, evaluator, fp16: bool = False,
                 evaluate_teachers: Union[str, bool] = 'once', teachers: Optional[List[str]] = None) -> None:
        super().__init__(runner, dataloader, evaluator, fp16)
        self._setup_teachers(evaluate_teachers, teachers)

    def run(self) -> dict:
        return self._run('test')
