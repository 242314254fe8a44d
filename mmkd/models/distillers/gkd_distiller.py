"""GKD's stage-1 wiring (query-based soft distillation, masked and plain views) as one distiller.

Lv et al., "Generalizable Knowledge Distillation from Vision Foundation Models
for Semantic Segmentation", CVPR 2026. With the teacher's tokens
``[t_cls; t_p]`` (class token, ``N`` patch tokens, after the final norm) and
the student's tokens of the plain view ``[s_cls; s_p]`` and of the masked
view ``s_p^m`` (see :class:`~mmkd.models.foundation.MaskedTokenStudent`),
and three :class:`~mmkd.models.connectors.QSDHead` heads:

    L_token = MSE(token_head(s_cls), t_cls)
    L_fea   = MSE([token_head(s_cls); fea_head(s_p)], [t_cls; t_p])
    L_patch = MSE(patch_head(s_p^m), t_p)
    L = w_token L_token + w_fea L_fea + w_patch L_patch     (reference: 1, 1, 1)

MSE is the mean over all elements. ``L_fea`` over the concatenation equals
``(MSE_cls + N * MSE_patches) / (1 + N)``, so it is written as two terms,
``loss_fea_cls`` with weight ``w_fea / (1 + N)`` and ``loss_fea_patches``
with ``w_fea * N / (1 + N)``; their sum is exactly the reference's ``L_fea``.

Everything is :class:`ConfigurableDistiller` wiring (recorders -> connectors
that also read the teacher's tokens -> :class:`~mmkd.models.losses.FitNetLoss`
MSEs); this class only generates it from the widths and the patch count.
"""
from __future__ import annotations

from typing import Dict, Optional

from torch import nn

from mmkd.registry import MODELS
from .configurable_distiller import ConfigurableDistiller


@MODELS.register_module()
class GKDDistiller(ConfigurableDistiller):
    """Args:
        student_channels / teacher_channels: token widths ``C_s``, ``C_t``.
        num_patches: ``N``, the patch tokens of both (same grid).
        token_weight / fea_weight / patch_weight: the three loss weights; a
            zero weight leaves the term (and, for ``patch_weight``, the masked
            view's recorder) out.
        student_source / teacher_source: module paths of the token outputs.
        qsd: extra :class:`QSDHead` arguments (``scale``).
    """

    def __init__(self, student_channels: int, teacher_channels: int, num_patches: int,
                 token_weight: float = 1.0, fea_weight: float = 1.0, patch_weight: float = 1.0,
                 student_source: str = 'tokens', teacher_source: str = 'tokens', qsd: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if num_patches < 1:
            raise ValueError(f'GKDDistiller: num_patches must be >= 1, got {num_patches}')
        student_recorders = dict(tokens=dict(type='ModuleOutputs', source=student_source, record_idx=0))
        if patch_weight:
            student_recorders['tokens_masked'] = dict(type='ModuleOutputs', source=student_source, record_idx=1)
        teacher_recorders = dict(tokens=dict(type='ModuleOutputs', source=teacher_source))

        def head(part: str) -> dict:
            return dict(type='QSDHead', in_channels=student_channels, out_channels=teacher_channels, part=part,
                        **(qsd or {}))

        def query(recorder: str, connector: str) -> dict:
            return dict(model='student', recorder=recorder, connector=connector,
                        connector_inputs=dict(keys=('teacher', 'tokens')))

        def target(part: str) -> dict:
            return dict(model='teacher', recorder='tokens', connector=f'teacher_{part}')

        terms = {  # loss name: (weight, head, part, student recorder)
            'loss_token': (token_weight, 'token_head', 'cls', 'tokens'),
            'loss_fea_cls': (fea_weight / (1 + num_patches), 'token_head', 'cls', 'tokens'),
            'loss_fea_patches': (fea_weight * num_patches / (1 + num_patches), 'fea_head', 'patches', 'tokens'),
            'loss_patch': (patch_weight, 'patch_head', 'patches', 'tokens_masked'),
        }
        terms = {name: term for name, term in terms.items() if term[0]}
        connectors: Dict[str, dict] = {}
        for _, head_name, part, _ in terms.values():
            connectors[head_name] = head(part)
            connectors[f'teacher_{part}'] = dict(type='TokenSelect', part=part)
        losses = {name: dict(type='FitNetLoss', loss_weight=weight) for name, (weight, _, _, _) in terms.items()}
        loss_inputs = {name: dict(preds_S=query(recorder, head_name), preds_T=target(part))
                       for name, (_, head_name, part, recorder) in terms.items()}
        super().__init__(student_recorders=student_recorders, teacher_recorders=teacher_recorders,
                         connectors=connectors, losses=losses, loss_inputs=loss_inputs, init_cfg=init_cfg)

    def prepare(self, models: Dict[str, nn.Module]) -> None:
        """Refuse a student without the masked view that ``L_patch`` reads (its second call per step)."""
        student = models.get('student')
        if 'tokens_masked' in self.recorder_cfgs.get('student', {}) and student is not None:
            off = [f'{key}={getattr(student, key)}' for key in ('mask_sample_ratio', 'mask_patch_ratio')
                   if getattr(student, key, None) == 0]
            if off:
                raise ValueError(f'GKDDistiller: L_patch (patch_weight > 0) reads the student\'s masked view, but '
                                 f'the student has {" and ".join(off)} (model.student.*), so it runs one view only; '
                                 'set both ratios > 0, or model.distiller.patch_weight=0 to leave L_patch out')
        super().prepare(models)
