"""OFA-KD's wiring as one distiller: an exit branch per student stage, the OFA loss on each and on the logits.

Every OFA-KD config is the same graph (Hao et al., NeurIPS 2023): stage ``k``
of the student -> :class:`~mmkd.OFABranch` ``branch<k>`` -> logits, and
``loss_ofa_stage<k> = OFALoss(branch logits, teacher logits, label)``, plus
``loss_ofa_logits`` on the student's own logits. Written out for
:class:`ConfigurableDistiller` that is ~20 lines of connectors, losses and
loss inputs per pair; this class builds them from the list of stage
features, so a pair's config names only what differs: its recorders, its
stages, the teacher's width, the number of classes and ``eps``.

The result *is* a :class:`ConfigurableDistiller` (same recorders, checks,
loss names and state-dict keys), so everything that works on one works here.
"""
from __future__ import annotations

from typing import Dict, Mapping, Optional, Sequence, Union

from mmkd.registry import MODELS
from ..connectors.feature_layout import FeatureSpec
from .configurable_distiller import ConfigurableDistiller


@MODELS.register_module()
class OFADistiller(ConfigurableDistiller):
    """Args:
        student_recorders: must record the student's ``logits`` and each stage as ``stage1`` .. ``stageK``.
        teacher_recorders: must record the teacher's ``logits``.
        stage_features: the :class:`FeatureSpec` of each student stage, in order (K entries).
        teacher_dim: width of the teacher's last stage (CNN branches use ``max(D_s, D_t)``).
        num_classes: logits size.
        eps: target-enhancement exponent, one for all losses (the reference's single ``--ofa-eps``),
            or ``{output: eps}`` per output (``'logits'``, ``'stage1'``, ...; the others get 1.5).
        logits_loss_weight / branch_loss_weight: weights of the OFA loss on the student's logits and on
            each branch (the reference: 1 and 1).
        student_dim: D_s; default the last stage's channels.
        branch: extra :class:`OFABranch` arguments (``target_grid``, ``num_heads``).
    """

    def __init__(self, student_recorders: Dict[str, dict], teacher_recorders: Dict[str, dict],
                 stage_features: Sequence[Union[FeatureSpec, Mapping]], teacher_dim: int, num_classes: int,
                 eps: Union[float, Mapping[str, float]] = 1.5, logits_loss_weight: float = 1.0,
                 branch_loss_weight: float = 1.0, student_dim: Optional[int] = None,
                 branch: Optional[dict] = None, init_cfg: Optional[dict] = None) -> None:
        if not stage_features:
            raise ValueError('OFADistiller needs the feature spec of at least one student stage (stage_features)')
        specs = [FeatureSpec.parse(f, f'OFADistiller stage_features[{i}]') for i, f in enumerate(stage_features)]
        num_stages = len(specs)
        stages = [f'stage{k}' for k in range(1, num_stages + 1)]
        missing = [name for name in ['logits'] + stages if name not in student_recorders]
        if missing or 'logits' not in teacher_recorders:
            raise KeyError(f'OFADistiller: the student must record logits and {stages} (missing {missing}), the '
                           f'teacher logits (teacher records {sorted(teacher_recorders)})')
        outputs = ['logits'] + stages
        eps_of = dict(eps) if isinstance(eps, Mapping) else {name: eps for name in outputs}
        unknown = set(eps_of) - set(outputs)
        if unknown:
            raise KeyError(f'OFADistiller: eps given for {sorted(unknown)}; the losses are {outputs}')
        student_dim = specs[-1].channels if student_dim is None else student_dim
        connectors = {
            f'branch{k}': dict(type='OFABranch', feature=feature, stage=k, num_stages=num_stages,
                               student_dim=student_dim, teacher_dim=teacher_dim, num_classes=num_classes,
                               **(branch or {}))
            for k, feature in enumerate(stage_features, 1)}
        losses = {f'loss_ofa_{name}': dict(type='OFALoss', eps=eps_of.get(name, 1.5),
                                           loss_weight=logits_loss_weight if name == 'logits' else branch_loss_weight)
                  for name in outputs}
        loss_inputs = {
            f'loss_ofa_{name}': dict(
                preds_S=('student', name) if name == 'logits' else dict(
                    model='student', recorder=name, connector=name.replace('stage', 'branch')),
                preds_T=('teacher', 'logits'), gt_labels=('data_samples', 'gt_label'))
            for name in outputs}
        super().__init__(student_recorders=student_recorders, teacher_recorders=teacher_recorders,
                         connectors=connectors, losses=losses, loss_inputs=loss_inputs, init_cfg=init_cfg)
