"""The common case of distillation: one teacher."""
from __future__ import annotations

from torch import nn

from mmkd.registry import MODELS
from .multi_teacher_distill import MultiTeacherDistill


@MODELS.register_module()
class SingleTeacherDistill(MultiTeacherDistill):
    """The common case: one teacher, named ``'teacher'`` in recorders and loss inputs."""

    def __init__(self, student: dict, teacher: dict, distiller: dict, **kwargs) -> None:
        super().__init__(student=student, teachers=dict(teacher=teacher), distiller=distiller, **kwargs)

    @property
    def teacher(self) -> nn.Module:
        return self.teachers['teacher']
