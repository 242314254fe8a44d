"""Teacher-student training as one mmengine model.

The algorithm owns a trainable student, frozen teachers and a distiller. In
``loss`` mode it runs the teachers (eval mode, no grad), then the student
(train mode, recording features), and returns the student's own task losses
plus the distiller's losses. ``predict``/``tensor`` modes use the student, so
mmengine's validation and testing evaluate the student unchanged; the
validation loop can switch ``predict_with`` to evaluate a teacher too.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Union

import torch
from mmengine.model import BaseModel
from torch import nn

from mmkd.registry import MODELS
from mmkd.utils.checkpoint import load_into
from .model_builder import build_model


@MODELS.register_module()
class MultiTeacherDistill(BaseModel):
    """Args:
        student: model spec of the student (see ``load_model_cfg``); may carry
            ``ckpt`` to initialise it.
        teachers: ``{name: model spec}``; each spec may carry ``ckpt`` (loaded
            with ``weights_only`` unless ``ckpt_weights_only=False``).
        distiller: distiller config (``ConfigurableDistiller`` or a method's).
        teacher_trainable: train the teachers too (online distillation).
        teacher_forward_mode: mode passed to the teachers, ``'tensor'`` (raw
            head outputs, cheapest), ``'loss'`` or ``'predict'``.
        data_preprocessor: defaults to the student's own, so inputs are
            normalised the way the student (and a same-task teacher) expects.
    """

    def __init__(self, student: dict, teachers: Dict[str, dict], distiller: dict,
                 teacher_trainable: bool = False, teacher_forward_mode: str = 'tensor',
                 data_preprocessor: Optional[Union[dict, nn.Module]] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if 'student' in teachers:
            raise ValueError("a teacher cannot be named 'student'")
        student_model = build_model(student, 'student')
        if data_preprocessor is None:
            data_preprocessor = getattr(student_model, 'data_preprocessor', None)
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.student = student_model
        self.teachers = nn.ModuleDict({name: build_model(spec, f'teacher {name!r}')
                                       for name, spec in teachers.items()})
        self.teacher_specs = teachers
        self.teacher_trainable = teacher_trainable
        self.teacher_forward_mode = teacher_forward_mode
        self.predict_with = 'student'

        if student.get('ckpt'):
            load_into(self.student, student['ckpt'], student.get('ckpt_weights_only', True),
                      prefix=student.get('ckpt_prefix'), what='student checkpoint')
        for name, spec in teachers.items():
            if spec.get('ckpt'):
                load_into(self.teachers[name], spec['ckpt'], spec.get('ckpt_weights_only', True),
                          prefix=spec.get('ckpt_prefix'), what=f'teacher {name!r} checkpoint')
            if not teacher_trainable:
                self.teachers[name].requires_grad_(False)
                self.teachers[name].eval()

        distiller = dict(distiller)
        if '.' not in distiller['type']:
            distiller['type'] = 'mmkd.' + distiller['type']
        self.distiller = MODELS.build(distiller)
        self.distiller.prepare(dict(student=self.student, **self.teachers))

    def init_weights(self) -> None:
        """Initialise student and distiller; never re-initialise loaded teachers."""
        for name, module in self.named_children():
            if name == 'teachers':
                continue
            if hasattr(module, 'init_weights'):
                module.init_weights()
        for name, teacher in self.teachers.items():
            if not self.teacher_specs[name].get('ckpt') and hasattr(teacher, 'init_weights'):
                teacher.init_weights()

    def train(self, mode: bool = True) -> 'MultiTeacherDistill':
        """Frozen teachers stay in eval mode (BN/dropout) whatever the runner asks."""
        super().train(mode)
        if not self.teacher_trainable:
            for teacher in self.teachers.values():
                teacher.eval()
        return self

    # ---------------------------------------------------------------- modes
    def forward(self, inputs: torch.Tensor, data_samples: Optional[List[Any]] = None,
                mode: str = 'tensor') -> Any:
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        model = self.student if self.predict_with == 'student' else self.teachers[self.predict_with]
        return model(inputs, data_samples, mode=mode)

    def loss(self, inputs: torch.Tensor, data_samples: Optional[List[Any]] = None) -> Dict[str, torch.Tensor]:
        losses: Dict[str, torch.Tensor] = {}
        with self.distiller.recording(list(self.teachers)):
            for name, teacher in self.teachers.items():
                if self.teacher_trainable:  # online distillation: teachers learn their task too
                    losses.update({f'{name}.{k}': v
                                   for k, v in teacher(inputs, data_samples, mode='loss').items()})
                else:
                    with torch.no_grad():
                        teacher(inputs, data_samples, mode=self.teacher_forward_mode)
        with self.distiller.recording(['student']):
            losses.update(self.student(inputs, data_samples, mode='loss'))
        losses.update(self.distiller.compute_losses(data_samples))
        return losses

    def student_state_dict(self) -> Dict[str, torch.Tensor]:
        """The student's weights alone, keyed as the plain student model expects."""
        return self.student.state_dict()


@MODELS.register_module()
class SingleTeacherDistill(MultiTeacherDistill):
    """The common case: one teacher, named ``'teacher'`` in recorders and loss inputs."""

    def __init__(self, student: dict, teacher: dict, distiller: dict, **kwargs) -> None:
        super().__init__(student=student, teachers=dict(teacher=teacher), distiller=distiller, **kwargs)

    @property
    def teacher(self) -> nn.Module:
        return self.teachers['teacher']
