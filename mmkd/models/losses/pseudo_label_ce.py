"""Pixel-level consistency: cross-entropy of the student to a teacher's hard pseudo-labels.

Qin et al., "Multi-Granularity Distillation Scheme Towards Lightweight
Semi-Supervised Semantic Segmentation", ECCV 2022 (labeled-unlabeled
cooperative, pixel-level consistency loss), the cross pseudo supervision of
Chen et al., CVPR 2021, applied from frozen teachers to a student.
"""
from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

from mmkd.registry import MODELS
from .utils import check_pair


def pseudo_label_ce_loss(preds_S: Tensor, preds_T: Tensor) -> Tensor:
    """``mean_pixels CE(preds_S, argmax_k preds_T)`` for logits ``(N, K, H, W)`` of equal shape.

    The pseudo-label is a hard argmax, so no gradient reaches the teacher
    and the teacher's confidence does not matter, only its decision. Computed
    in fp32 (softmax under autocast).
    """
    check_pair('PseudoLabelCE', preds_S, preds_T, min_ndim=2)
    target = preds_T.detach().argmax(dim=1)
    return F.cross_entropy(preds_S.float(), target)


@MODELS.register_module()
class PseudoLabelCELoss(nn.Module):
    """``loss_weight * CE(S, argmax T)``, averaged over pixels.

    In MGD-SSSS this term (weight 1) is applied per teacher on the labeled
    images and on the CutMix image, whose teacher logits are the mix of the
    teacher's logits on the two unmixed images
    (:class:`~mmkd.models.connectors.CutMixConnector`).
    """

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, preds_S: Tensor, preds_T: Tensor) -> Tensor:
        return self.loss_weight * pseudo_label_ce_loss(preds_S, preds_T)
