"""MGD-SSSS's wiring as one distiller: pixel-, image- and region-level losses from complementary teachers.

Qin et al., "Multi-Granularity Distillation Scheme Towards Lightweight
Semi-Supervised Semantic Segmentation", ECCV 2022. With CutMix
semi-supervision the student sees ``[x_l; u_mix]`` and every teacher
``[x_l; u_mix; u0; u1]`` (the teacher's ``inputs=dict(type='CutMixSourcesInput')``).
The method's losses are then plain :class:`ConfigurableDistiller` wiring,
generated here so a config names only the teachers and what differs:

* pixel level (per teacher, weight 1): ``PseudoLabelCELoss`` of the student's
  logits to the teacher's argmax on the labeled images (views 0 / 0) and on
  the mixed image, whose teacher logits are the CutMix of the teacher's
  logits on ``u0`` and ``u1`` (``CutMixConnector``, views 2 and 3);
* image level (``image_teacher``, lambda_1 = 1e-3): ``PooledLogitsL1Loss``
  between the spatially averaged logits on ``u_mix`` (views 1 / 1);
* region level (``region_teacher``, lambda_2 = 100): ``RegionSimilarityLoss``
  between the 49x49 cosine-similarity matrices of the 7x7 pooled decoder
  features on ``u_mix`` (views 1 / 1).

In the paper's code the image-level teacher is the ResNet-101 one and the
region-level teacher the Wide-ResNet-34 one. ``granularities`` drops levels
for ablations. The result *is* a :class:`ConfigurableDistiller`.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

from torch import Tensor

from mmkd.registry import MODELS
from .configurable_distiller import ConfigurableDistiller

GRANULARITIES = ('pixel', 'image', 'region')
#: the student's batch is [x_l; u_mix], a teacher's [x_l; u_mix; u0; u1]
STUDENT_VIEWS, TEACHER_VIEWS = 2, 4
LABELED, MIXED = 0, 1


@MODELS.register_module()
class MultiGranularityDistiller(ConfigurableDistiller):
    """Args:
        teachers: names of the teachers (the algorithm's ``teachers`` keys).
        image_teacher / region_teacher: the teacher of the image- / region-level
            loss (default: the last / the first of ``teachers``).
        granularities: which of ``('pixel', 'image', 'region')`` to use.
        pixel_weight, image_weight, region_weight: loss weights (1, 1e-3, 100).
        pool_size: region grid side (7: 49 regions).
        logits_source / feature_source: module paths of the logits and of the
            decoder feature, the same in every model (mmseg's DeepLabV3+ head:
            ``decode_head.conv_seg`` and ``decode_head.sep_bottleneck``).
    """

    def __init__(self, teachers: Sequence[str], image_teacher: Optional[str] = None,
                 region_teacher: Optional[str] = None, granularities: Sequence[str] = GRANULARITIES,
                 pixel_weight: float = 1.0, image_weight: float = 1e-3, region_weight: float = 100.0,
                 pool_size: int = 7, logits_source: str = 'decode_head.conv_seg',
                 feature_source: str = 'decode_head.sep_bottleneck', init_cfg: Optional[dict] = None) -> None:
        teachers = list(teachers)
        if not teachers:
            raise ValueError('MultiGranularityDistiller needs at least one teacher name')
        unknown = set(granularities) - set(GRANULARITIES)
        if unknown or not granularities:
            raise ValueError(f'MultiGranularityDistiller: granularities must be a non-empty subset of '
                             f'{GRANULARITIES}, got {tuple(granularities)}')
        image_teacher = image_teacher or teachers[-1]
        region_teacher = region_teacher or teachers[0]
        for role, name in (('image_teacher', image_teacher), ('region_teacher', region_teacher)):
            if name not in teachers:
                raise KeyError(f'MultiGranularityDistiller: {role} {name!r} is not among the teachers {teachers}')
        self.teacher_names = teachers

        def record(source: str) -> dict:
            return dict(type='ModuleOutputs', source=source)

        recorders: Dict[str, Dict[str, dict]] = {name: dict(logits=record(logits_source))
                                                 for name in ['student'] + teachers}
        if 'region' in granularities:
            for name in ('student', region_teacher):
                recorders[name]['feature'] = record(feature_source)
        connectors = dict(
            student_labeled=dict(type='BatchChunkConnector', num_chunks=STUDENT_VIEWS, index=LABELED),
            student_mixed=dict(type='BatchChunkConnector', num_chunks=STUDENT_VIEWS, index=MIXED),
            teacher_labeled=dict(type='BatchChunkConnector', num_chunks=TEACHER_VIEWS, index=LABELED),
            teacher_mixed=dict(type='BatchChunkConnector', num_chunks=TEACHER_VIEWS, index=MIXED),
            teacher_cutmix=dict(type='CutMixConnector', num_chunks=TEACHER_VIEWS, sources=(2, 3)))

        def view(model: str, recorder: str, connector: str) -> dict:
            spec = dict(model=model, recorder=recorder, connector=connector)
            if connector == 'teacher_cutmix':  # mixes with the batch's CutMix masks
                spec['connector_inputs'] = dict(data_samples='data_samples')
            return spec

        losses: Dict[str, dict] = {}
        loss_inputs: Dict[str, Dict[str, Any]] = {}
        if 'pixel' in granularities:
            for name in teachers:
                losses[f'loss_pixel_labeled_{name}'] = dict(type='PseudoLabelCELoss', loss_weight=pixel_weight)
                loss_inputs[f'loss_pixel_labeled_{name}'] = dict(
                    preds_S=view('student', 'logits', 'student_labeled'),
                    preds_T=view(name, 'logits', 'teacher_labeled'))
                losses[f'loss_pixel_unlabeled_{name}'] = dict(type='PseudoLabelCELoss', loss_weight=pixel_weight)
                loss_inputs[f'loss_pixel_unlabeled_{name}'] = dict(
                    preds_S=view('student', 'logits', 'student_mixed'),
                    preds_T=view(name, 'logits', 'teacher_cutmix'))
        if 'image' in granularities:
            losses['loss_image'] = dict(type='PooledLogitsL1Loss', loss_weight=image_weight)
            loss_inputs['loss_image'] = dict(preds_S=view('student', 'logits', 'student_mixed'),
                                             preds_T=view(image_teacher, 'logits', 'teacher_mixed'))
        if 'region' in granularities:
            losses['loss_region'] = dict(type='RegionSimilarityLoss', pool_size=pool_size, loss_weight=region_weight)
            loss_inputs['loss_region'] = dict(preds_S=view('student', 'feature', 'student_mixed'),
                                              preds_T=view(region_teacher, 'feature', 'teacher_mixed'))
        super().__init__(recorders=recorders, connectors=connectors, losses=losses, loss_inputs=loss_inputs,
                         init_cfg=init_cfg)

    def compute_losses(self, data_samples: Optional[List[Any]] = None) -> Dict[str, Tensor]:
        """Check the batch layout (a teacher fed the student's batch would split silently wrong), then wire."""
        student_batch = self.recorder_managers['student'].get('logits').shape[0]
        for name in self.teacher_names:
            got = self.recorder_managers[name].get('logits').shape[0]
            if got * STUDENT_VIEWS != student_batch * TEACHER_VIEWS:
                raise ValueError(
                    f'MultiGranularityDistiller: teacher {name!r} saw a batch of {got}, the student {student_batch}; '
                    f'the teacher must see [x_l; u_mix; u0; u1] (teacher spec inputs=dict(type='
                    "'CutMixSourcesInput')) and the student [x_l; u_mix] (SemiSupervisedSegDataPreProcessor)")
        return super().compute_losses(data_samples)
