"""Stage-wise FitNet hints as one distiller: a hint per (student stage, teacher stage) pair.

FitNet (Romero et al., ICLR 2015) regresses a student feature onto a teacher
feature and penalises the difference. Hinting every stage of a heterogeneous
pair (as OFA-KD's FitNet baseline does) is the same graph for every pair:
stage ``k`` of each model is recorded, the student stage goes through a
:class:`~mmkd.HeteroHintConnector` ``hint<k>`` (tokens to a map, grid resized,
1x1 regressor to the teacher's width), the teacher stage through the
parameter-free :class:`~mmkd.TokensToMap` ``teacher_map<k>``, and
``loss_hint<k>`` compares the two. Written out for
:class:`ConfigurableDistiller` that is ~15 lines of recorders, connectors,
losses and loss inputs per pair; this class builds them from the two lists of
stage taps, so a pair's config names only its taps and the loss.

The result *is* a :class:`ConfigurableDistiller` (same recorders, checks, loss
names and state-dict keys as the written-out wiring).
"""
from __future__ import annotations

from typing import Dict, Mapping, Optional, Sequence

from mmkd.registry import MODELS
from .configurable_distiller import ConfigurableDistiller


def _stage_taps(taps: Sequence[Mapping], who: str) -> list:
    """Checks ``[dict(source=<module path>, feature=<FeatureSpec dict>), ...]``."""
    if not taps:
        raise ValueError(f'StageHintDistiller: {who} needs at least one stage tap '
                         '(dict(source=<module path>, feature=<feature spec>))')
    for k, tap in enumerate(taps, 1):
        if not isinstance(tap, Mapping) or not {'source', 'feature'} <= set(tap):
            raise KeyError(f'StageHintDistiller: {who}[{k - 1}] must be dict(source=..., feature=...), got {tap!r}')
    return list(taps)


@MODELS.register_module()
class StageHintDistiller(ConfigurableDistiller):
    """Args:
        student_stages / teacher_stages: the stage taps of each model, in order and of equal length:
            ``dict(source=<module path recorded with ModuleOutputs>, feature=<FeatureSpec>)``
            (the ``stage_taps`` entries of ``configs/_base_/models/timm_stage_taps_*.py``).
        loss: the hint loss applied to every stage pair (default ``FitNetLoss``, weight 1);
            one ``loss_hint<k>`` each.
        connector: extra :class:`HeteroHintConnector` arguments (e.g. ``bias``).

    Names it creates: recorders ``stage<k>`` (both models), connectors ``hint<k>``
    and ``teacher_map<k>``, losses ``loss_hint<k>``, ``k`` counted from 1.
    """

    def __init__(self, student_stages: Sequence[Mapping], teacher_stages: Sequence[Mapping],
                 loss: Optional[dict] = None, connector: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        student = _stage_taps(student_stages, 'student_stages')
        teacher = _stage_taps(teacher_stages, 'teacher_stages')
        if len(student) != len(teacher):
            raise ValueError(f'StageHintDistiller: {len(student)} student stages but {len(teacher)} teacher '
                             'stages; a hint pairs stage k of the student with stage k of the teacher')
        stages = range(1, len(student) + 1)
        loss = dict(type='FitNetLoss', loss_weight=1.0) if loss is None else dict(loss)

        def recorders(taps) -> Dict[str, dict]:
            return {f'stage{k}': dict(type='ModuleOutputs', source=tap['source']) for k, tap in zip(stages, taps)}

        # hints first, then the teacher maps: the regressors are initialised in stage order
        connectors = {f'hint{k}': dict(type='HeteroHintConnector', student=s['feature'], teacher=t['feature'],
                                       **(connector or {}))
                      for k, s, t in zip(stages, student, teacher)}
        connectors.update({f'teacher_map{k}': dict(type='TokensToMap', feature=t['feature'])
                           for k, t in zip(stages, teacher)})
        loss_inputs = {
            f'loss_hint{k}': dict(preds_S=dict(model='student', recorder=f'stage{k}', connector=f'hint{k}'),
                                  preds_T=dict(model='teacher', recorder=f'stage{k}', connector=f'teacher_map{k}'))
            for k in stages}
        super().__init__(student_recorders=recorders(student), teacher_recorders=recorders(teacher),
                         connectors=connectors, losses={f'loss_hint{k}': dict(loss) for k in stages},
                         loss_inputs=loss_inputs, init_cfg=init_cfg)
