"""Pearson-correlation feature distillation for detectors.

Cao et al., "PKD: General Distillation Framework for Object Detectors via
Pearson Correlation Coefficient", NeurIPS 2022; same reduction as mmrazor's
``PKDLoss``.
"""
from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

from mmkd.registry import MODELS
from .utils import check_pair


def _normalize_channels(feat: Tensor, eps: float = 1e-6) -> Tensor:
    """Zero mean, unit (unbiased) std per channel over the ``(N, H, W)`` values."""
    mean = feat.mean(dim=(0, 2, 3), keepdim=True)
    std = feat.std(dim=(0, 2, 3), keepdim=True)
    return (feat - mean) / (std + eps)


def pkd_loss(preds_S: Tensor, preds_T: Tensor, resize_stu: bool = True) -> Tensor:
    """``MSE(norm(F_S), norm(F_T)) / 2`` in float32, with per-channel normalisation.

    With ``resize_stu`` a student of another spatial size is first resized
    (bilinear) to the teacher's ``H x W``; ``N`` and ``C`` must always match.
    """
    check_pair('PKD', preds_S, preds_T, ndim=4, same_shape=not resize_stu)
    if preds_S.shape[:2] != preds_T.shape[:2]:
        raise ValueError(f'PKD expects preds_S and preds_T with the same N and C, '
                         f'got {tuple(preds_S.shape)} and {tuple(preds_T.shape)}')
    preds_S, preds_T = preds_S.float(), preds_T.float()
    if preds_S.shape[2:] != preds_T.shape[2:]:
        preds_S = F.interpolate(preds_S, size=preds_T.shape[2:], mode='bilinear', align_corners=False)
    return F.mse_loss(_normalize_channels(preds_S), _normalize_channels(preds_T)) / 2


@MODELS.register_module()
class PKDLoss(nn.Module):
    """PKD: MSE between per-channel standardised features, i.e. ``1 - Pearson r``.

    Each channel is standardised over ``(N, H, W)``, so the loss ignores the
    per-channel scale and offset of the student and needs no connector when
    channels already match. Reduction (mmrazor's): mean over all elements,
    divided by 2. ``resize_stu=True`` resizes the student to the teacher's
    spatial size (bilinear); with ``False`` the shapes must be equal.
    """

    def __init__(self, resize_stu: bool = True, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.resize_stu = resize_stu
        self.loss_weight = loss_weight

    def forward(self, preds_S: Tensor, preds_T: Tensor) -> Tensor:
        return self.loss_weight * pkd_loss(preds_S, preds_T, self.resize_stu)
