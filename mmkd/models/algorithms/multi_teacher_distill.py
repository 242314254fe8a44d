"""Teacher-student training as one mmengine model.

The algorithm owns a trainable student, frozen teachers and a distiller. In
``loss`` mode it runs the teachers (eval mode, no grad), then the student
(train mode, recording features), and returns the student's own task losses
plus the distiller's losses. ``predict``/``tensor`` modes use the student, so
mmengine's validation and testing evaluate the student unchanged; the
validation loop can switch ``predict_with`` to evaluate a teacher too.

Options make a frozen teacher cheaper (see README "Teacher cost"):
``teacher_cache`` reads the teachers' recorded features from a cache written
once by ``tools/extract_teacher_features.py`` instead of running them;
``teacher_partial_forward`` (on by default where it is exact) stops a
teacher's forward once its recorders have everything they need;
``teacher_precision`` runs a teacher's forward in bf16/fp16 autocast,
whatever the student's precision; ``teacher_compile`` compiles it.
"""
from __future__ import annotations

import copy
import functools
from typing import Any, Dict, List, Optional, Union

import torch
from mmengine.model import BaseModel
from torch import nn

from mmkd.cache import CachedTeacher
from mmkd.registry import MODELS, TASK_UTILS, scoped
from mmkd.utils.checkpoint import load_into
from ..builder import build_model, load_model_cfg
from ..distillers.base_distiller import LOSS_PREFIX, BaseDistiller
from .partial_forward import PARTIAL_FORWARD_MODES, TeacherPartialForward
from .teacher_compile import compile_teacher
from .teacher_inputs import TeacherInput
from .teacher_precision import TeacherPrecision, cast_floating


@MODELS.register_module()
class MultiTeacherDistill(BaseModel):
    """Args:
        student: model spec of the student (see ``load_model_cfg``); may carry
            ``ckpt`` to initialise it.
        teachers: ``{name: model spec}`` (may be empty when the distiller's
            teacher is a cache, as OADP's CLIP embeddings); each spec may carry ``ckpt`` (loaded
            with ``weights_only`` unless ``ckpt_weights_only=False``) and
            ``inputs``: a :class:`~mmkd.models.algorithms.teacher_inputs.TeacherInput`
            config (``TASK_UTILS``) giving the teacher its own view of the batch
            (default: the student's inputs and data samples).
        distiller: distiller config (``ConfigurableDistiller`` or a method's).
        teacher_trainable: train the teachers too (online distillation).
        teacher_forward_mode: mode passed to the teachers, ``'tensor'`` (raw
            head outputs, cheapest), ``'loss'`` or ``'predict'``.
        data_preprocessor: defaults to the student's own, so inputs are
            normalised the way the student (and a same-task teacher) expects.
        teacher_cache: ``dict(cache_dir=..., on_miss='error'|'teacher',
            verify_hashes=False)``: read the teachers' recorded features from a
            cache (``mmkd.cache``) instead of running them in training. The
            ``mmkd.TeacherCacheHook`` opens it before training. Teachers are
            still built (extraction, ``predict_with``, teacher evaluation).
        teacher_partial_forward: stop each frozen teacher's forward as soon as
            all its recorders have their values (e.g. after the neck when only
            FPN features are distilled). ``'auto'`` (default): only where that
            skips the teacher's last top-level module (never when a recorder
            sits on it, as in logits KD) and the first step shows the recorded
            values equal the full forward's; one log line says what is skipped.
            ``True``: always (an inexact first step is an error); ``False``: never.
        teacher_precision: the autocast of every frozen teacher's forward,
            independent of the student's: ``None`` (default: the student's
            autocast, if any), ``'fp32'``, ``'bf16'`` (a CPU without native
            bf16 keeps fp32, with a warning) or ``'fp16'`` (GPU). Parameters
            stay fp32; recorded features are cast back to the parameters'
            dtype before the losses. A teacher spec's ``precision`` (and
            ``force_precision=True`` to run bf16 on any CPU) overrides it.
        teacher_compile: ``torch.compile`` every frozen teacher's top-level
            modules (those the partial forward does not skip), from the second
            step; ``True`` or a dict of ``torch.compile`` arguments. A teacher
            spec's ``compile`` overrides it. Off by default (see
            docs/benchmarks.md for when it pays).
    """

    def __init__(self, student: dict, teachers: Dict[str, dict], distiller: dict,
                 teacher_trainable: bool = False, teacher_forward_mode: str = 'tensor',
                 data_preprocessor: Optional[Union[dict, nn.Module]] = None,
                 init_cfg: Optional[dict] = None, teacher_cache: Optional[dict] = None,
                 teacher_partial_forward: Union[str, bool] = 'auto', teacher_precision: Optional[str] = None,
                 teacher_compile: Union[bool, dict] = False) -> None:
        if 'student' in teachers:
            raise ValueError("a teacher cannot be named 'student'")
        if teacher_partial_forward not in PARTIAL_FORWARD_MODES:
            raise ValueError(f"teacher_partial_forward must be 'auto', True or False, got {teacher_partial_forward!r}")
        if teacher_trainable:
            asked = [name for name, value in (('teacher_cache', teacher_cache),
                                              ('teacher_partial_forward', teacher_partial_forward is True),
                                              ('teacher_precision', teacher_precision),
                                              ('teacher_compile', teacher_compile)) if value]
            asked += [f'{key} of teacher {name!r}' for name, spec in teachers.items()
                      for key in ('precision', 'compile') if spec.get(key)]
            if asked:
                raise ValueError(f'{", ".join(asked)} need frozen teachers, but teacher_trainable=True')
        student_model = build_model(student, 'student')
        if data_preprocessor is None:
            data_preprocessor = getattr(student_model, 'data_preprocessor', None)
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.student = student_model
        # the configs the teachers are built from, kept for the teacher cache's fingerprints
        self.teacher_model_cfgs = {name: load_model_cfg(spec, f'teacher {name!r}')
                                   for name, spec in teachers.items()}
        self.teachers = nn.ModuleDict({name: MODELS.build(copy.deepcopy(cfg))
                                       for name, cfg in self.teacher_model_cfgs.items()})
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

        self.teacher_inputs: Dict[str, TeacherInput] = {
            name: TASK_UTILS.build(scoped(spec['inputs'])) if spec.get('inputs') else TeacherInput()
            for name, spec in teachers.items()}
        self.distiller = MODELS.build(scoped(distiller))
        if not isinstance(self.distiller, BaseDistiller):
            raise TypeError(f'distiller {distiller.get("type")!r} builds a {type(self.distiller).__name__}, which '
                            'does not implement mmkd.models.distillers.BaseDistiller')
        self.distiller.prepare(dict(student=self.student, **self.teachers))
        self.partial_forwards = {
            name: TeacherPartialForward(self.distiller.recorder_managers[name], f'teacher {name!r}',
                                        self.teachers[name], teacher_partial_forward)
            for name in self.teachers
            if teacher_partial_forward and not teacher_trainable and name in self.distiller.recorder_managers}
        self.teacher_precisions = {
            name: TeacherPrecision(spec.get('precision', teacher_precision), f'teacher {name!r}',
                                   spec.get('force_precision', False))
            for name, spec in teachers.items()}
        # teacher name -> torch.compile arguments, until the teacher is compiled (after its first forward)
        self.pending_compiles = {name: {} if options is True else dict(options)
                                for name, options in ((name, spec.get('compile', teacher_compile))
                                                      for name, spec in teachers.items()) if options}
        self.cached_teacher = None
        if teacher_cache:
            self.cached_teacher = CachedTeacher(**teacher_cache)

    def open_teacher_cache(self, pipeline_cfg) -> None:
        """Open ``teacher_cache`` for training with ``pipeline_cfg`` (the train
        dataset's pipeline config); called by ``mmkd.TeacherCacheHook``."""
        if self.cached_teacher is None:
            raise RuntimeError('open_teacher_cache: this algorithm has no teacher_cache configured')
        self.cached_teacher.open(self, pipeline_cfg)

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

    def run_teachers(self, inputs: torch.Tensor, data_samples: Optional[List[Any]] = None,
                     losses: Optional[Dict[str, torch.Tensor]] = None) -> None:
        """Run the teachers on the batch (inside the distiller's recording context);
        trainable teachers add their task losses to ``losses``. A frozen teacher the
        distiller records nothing from is not run: its forward could change nothing."""
        for name, teacher in self.teachers.items():
            if self.teacher_trainable:  # online distillation: teachers learn their task too
                losses.update({f'{name}.{k}': v
                               for k, v in teacher(inputs, data_samples, mode='loss').items()})
                continue
            if name not in self.distiller.recorder_managers:
                continue
            device_type = next(teacher.parameters(), torch.empty(0)).device.type
            forward = functools.partial(self.teacher_forward, name, inputs, data_samples, device_type)
            with torch.no_grad():
                if name in self.partial_forwards:
                    self.partial_forwards[name].run(forward)
                else:
                    forward()
            if self.teacher_precisions[name].casts:  # bf16/fp16 features -> the parameters' dtype
                dtype = next(teacher.parameters(), torch.empty(0)).dtype
                for recorder in self.distiller.recorder_managers[name].recorders.values():
                    recorder.data_buffer = [cast_floating(value, dtype) for value in recorder.data_buffer]
            if name in self.pending_compiles:
                partial = self.partial_forwards.get(name)
                compile_teacher(teacher, f'teacher {name!r}', device_type, self.pending_compiles.pop(name),
                                skip=partial.skipped if partial is not None and partial.enabled else ())

    def teacher_forward(self, name: str, inputs: Any, data_samples: Optional[List[Any]], device_type: str) -> Any:
        """Frozen teacher ``name`` on its view of the batch, in its precision (call under no_grad)."""
        teacher = self.teachers[name]
        inputs_T, samples_T = self.teacher_inputs[name](inputs, data_samples, teacher)
        with self.teacher_precisions[name].autocast(device_type):
            return teacher(inputs_T, samples_T, mode=self.teacher_forward_mode)

    def loss(self, inputs: torch.Tensor, data_samples: Optional[List[Any]] = None) -> Dict[str, torch.Tensor]:
        losses: Dict[str, torch.Tensor] = {}
        cached = self.cached_teacher is not None and self.cached_teacher.inject(
            data_samples, self.distiller.recorder_managers, inputs.device)
        if not cached:
            with self.distiller.recording(list(self.teachers)):
                self.run_teachers(inputs, data_samples, losses)
        with self.distiller.recording(['student']):
            losses.update(self.student(inputs, data_samples, mode='loss'))
        losses.update(self.distiller.compute_losses(data_samples))
        return losses

    def parse_losses(self, losses: Dict[str, torch.Tensor]):
        """mmengine sums the keys that contain 'loss'; every ``distill.<name>``
        key is a loss too, whatever its name."""
        total, log_vars = super().parse_losses(losses)
        extra = [value for key, value in log_vars.items() if key.startswith(LOSS_PREFIX) and 'loss' not in key]
        if extra:
            total = total + sum(extra)
            log_vars['loss'] = total
        return total, log_vars
