"""OADP training: an open-vocabulary Faster R-CNN student distilled from cached CLIP embeddings.

Why a :class:`MultiTeacherDistill` with no live teacher: OADP's teacher is
CLIP, and CLIP never runs while the detector trains; what it knows is the
OAKE cache (object, block and global embeddings per image), read by the
:class:`~mmkd.models.distillers.oadp_distiller.OADPDistiller`. Building a
CLIP here would only cost memory (ViT-B/32: 150 M parameters), and a CLIP
cannot be evaluated as a detector by ``DistillValLoop`` either. Everything
else the base class does applies unchanged: building and loading the student
(``ckpt``), recording its FPN during its own loss forward, adding the
distiller's weighted losses (``DistillLossWeightScheduleHook`` warm-ups),
``predict`` / ``tensor`` modes on the student (whose RoI head does the ViLD
ensemble), and the student-only checkpoint for plain mmdet.

Config::

    model = dict(type='mmkd.OADPDistill', student=dict(cfg_path=...),
                 distiller=dict(type='mmkd.OADPDistiller', cache_dir=..., levels=(...), losses=...))

Import it with ``custom_imports`` (it and the distiller import mmdet).
"""
from __future__ import annotations

from typing import Optional, Union

from torch import nn

from mmkd.models.distillers.oadp_distiller import OADPDistiller
from mmkd.models.oadp.ensemble_roi_head import ViLDEnsembleRoIHead  # noqa: F401  (registers the student's head)
from mmkd.registry import MODELS
from .multi_teacher_distill import MultiTeacherDistill


@MODELS.register_module()
class OADPDistill(MultiTeacherDistill):
    """Args:
        student: model spec of the student (a Faster R-CNN with
            ``mmkd.ViLDEnsembleRoIHead`` + ``mmkd.CLIPTextShared2FCBBoxHead``).
        distiller: an :class:`OADPDistiller` config (the OAKE cache and the pyramid levels).
        data_preprocessor, init_cfg: as in :class:`MultiTeacherDistill`.
    """

    def __init__(self, student: dict, distiller: dict, data_preprocessor: Optional[Union[dict, nn.Module]] = None,
                 init_cfg: Optional[dict] = None, **kwargs) -> None:
        teacher_keys = ('teachers', 'teacher', 'teacher_cache', 'teacher_partial_forward', 'teacher_trainable')
        unexpected = sorted(set(kwargs) - set(teacher_keys))
        if unexpected:
            raise TypeError(f'OADPDistill got unexpected arguments {unexpected}')
        refused = sorted(k for k in teacher_keys if kwargs.get(k))
        if refused:
            raise ValueError(f'OADPDistill: {refused} do not apply; the CLIP teacher is the OAKE cache of the '
                             'distiller (tools/extract_oake_features.py), it never runs in training')
        super().__init__(student=student, teachers={}, distiller=distiller, data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        if not isinstance(self.distiller, OADPDistiller):
            raise TypeError(f'OADPDistill needs an OADPDistiller, got {type(self.distiller).__name__}')
