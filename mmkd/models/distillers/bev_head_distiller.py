"""BEV-feature plus dense-head distillation of LiDAR detectors, as one distiller.

The X-Ray and plain-KD configs of every LiDAR pair share one graph: record
the BEV map the neck outputs and the head's class and box-regression maps in
both models, then ``loss_bev = BEVDistillLoss(neck_S, neck_T)`` (object cells
weighted up) and ``loss_head = HeadDistillLoss(cls_S, cls_T, reg_S, reg_T)``.
This class writes that wiring from the few numbers that differ between pairs
(the detector's range, the weights, the module paths), so the configs do not
repeat it. It *is* a :class:`ConfigurableDistiller`: same recorders, checks,
loss names (``distill.loss_bev``, ``distill.loss_head``).
"""
from __future__ import annotations

from typing import Optional, Sequence

from mmkd.registry import MODELS
from .configurable_distiller import ConfigurableDistiller


@MODELS.register_module()
class BEVHeadDistiller(ConfigurableDistiller):
    """Args:
        point_cloud_range: the detectors' range (places GT boxes on the BEV maps).
        bev_weight, foreground_weight: weight of the BEV term and of object cells in it
            (background cells weigh 1); ``bev_weight=0`` drops the term.
        head_weight, cls_weight, reg_weight, cls_mode, temperature: the head term
            (:class:`~mmkd.models.losses.HeadDistillLoss`); ``head_weight=0`` drops it.
        bev_source, bev_index: the module giving the BEV map and, if it returns a
            list, which entry (mmdet3d's SECONDFPN: ``'neck'``, 0).
        cls_source, reg_source: the head's class / box-regression convolutions.
    """

    def __init__(self, point_cloud_range: Sequence[float], bev_weight: float = 1.0,
                 foreground_weight: float = 2.0, head_weight: float = 1.0, cls_weight: float = 1.0,
                 reg_weight: float = 1.0, cls_mode: str = 'kl', temperature: float = 1.0,
                 bev_source: str = 'neck', bev_index: Optional[int] = 0,
                 cls_source: str = 'bbox_head.conv_cls', reg_source: str = 'bbox_head.conv_reg',
                 init_cfg: Optional[dict] = None) -> None:
        if not bev_weight and not head_weight:
            raise ValueError('BEVHeadDistiller: bev_weight and head_weight are both 0, nothing to distil')
        recorders, losses, loss_inputs = {}, {}, {}
        if bev_weight:
            recorders['bev'] = dict(type='ModuleOutputs', source=bev_source)
            losses['loss_bev'] = dict(type='BEVDistillLoss', point_cloud_range=list(point_cloud_range),
                                      foreground_weight=foreground_weight, background_weight=1.0,
                                      loss_weight=bev_weight)
            entry = () if bev_index is None else (bev_index,)
            loss_inputs['loss_bev'] = dict(preds_S=('student', 'bev', *entry), preds_T=('teacher', 'bev', *entry),
                                           data_samples='data_samples')
        if head_weight:
            recorders['cls'] = dict(type='ModuleOutputs', source=cls_source)
            recorders['reg'] = dict(type='ModuleOutputs', source=reg_source)
            losses['loss_head'] = dict(type='HeadDistillLoss', point_cloud_range=list(point_cloud_range),
                                       cls_mode=cls_mode, temperature=temperature, cls_weight=cls_weight,
                                       reg_weight=reg_weight, loss_weight=head_weight)
            loss_inputs['loss_head'] = dict(cls_S=('student', 'cls'), cls_T=('teacher', 'cls'),
                                            reg_S=('student', 'reg'), reg_T=('teacher', 'reg'),
                                            data_samples='data_samples')
        super().__init__(student_recorders=recorders, teacher_recorders=dict(recorders), losses=losses,
                         loss_inputs=loss_inputs, init_cfg=init_cfg)
