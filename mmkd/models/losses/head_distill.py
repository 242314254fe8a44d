"""Detection-head distillation for dense (anchor / centre-heatmap) 3D heads.

The student's classification maps follow the teacher's per-anchor class
probabilities, and its box regression follows the teacher's where there is
an object. LiDAR heads score every class with its own sigmoid (focal loss),
so the classification term compares Bernoulli distributions:
``KL(Bern(sigma(t / T)) || Bern(sigma(s / T))) * T^2`` averaged over maps
(or MSE of the probabilities). Regression: ``sum_fg |r_S - r_T| / (C * |fg|)``
on the BEV cells covered by ground-truth boxes; background anchors regress
nothing meaningful, so matching them only adds noise.
"""
from __future__ import annotations

from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from mmkd.registry import MODELS
from .bev_distill import as_levels, foreground_weights
from .utils import check_pair


def sigmoid_kl_loss(logits_S: Tensor, logits_T: Tensor, temperature: float = 1.0) -> Tensor:
    """Mean over elements of KL(Bern(p_T) || Bern(p_S)) with p = sigmoid(logit / T), times T^2."""
    check_pair('sigmoid KL', logits_S, logits_T)
    if temperature <= 0:
        raise ValueError(f'temperature must be > 0, got {temperature}')
    s, t = logits_S / temperature, logits_T / temperature
    p_t = torch.sigmoid(t)
    kl = (p_t * (F.logsigmoid(t) - F.logsigmoid(s))
          + (1 - p_t) * (F.logsigmoid(-t) - F.logsigmoid(-s)))
    return kl.mean() * temperature ** 2


def sigmoid_mse_loss(logits_S: Tensor, logits_T: Tensor) -> Tensor:
    """Mean squared difference of the per-class sigmoid probabilities."""
    check_pair('sigmoid MSE', logits_S, logits_T)
    return (torch.sigmoid(logits_S) - torch.sigmoid(logits_T)).pow(2).mean()


def masked_l1_loss(preds_S: Tensor, preds_T: Tensor, weight: Tensor) -> Tensor:
    """``sum w |S - T| / (C * sum w)`` over (B, C, H, W) maps with weight (B, H, W); 0 without foreground."""
    check_pair('masked L1', preds_S, preds_T, ndim=4)
    if weight.shape != (preds_S.shape[0], *preds_S.shape[2:]):
        raise ValueError(f'masked L1: weight of shape {tuple(weight.shape)} does not match the maps '
                         f'{tuple(preds_S.shape)} (expected (B, H, W))')
    diff = (preds_S - preds_T).abs() * weight[:, None].to(preds_S.dtype)
    total = weight.sum() * preds_S.shape[1]
    return diff.sum() / total if total > 0 else diff.sum() * 0


@MODELS.register_module()
class HeadDistillLoss(nn.Module):
    """Args:
        loss_weight: scales the whole loss.
        cls_weight, reg_weight: weights of the classification and regression terms.
        cls_mode: ``'kl'`` (Bernoulli KL with ``temperature``) or ``'mse'`` on probabilities.
        point_cloud_range: the detector's range, to place GT boxes on the head's BEV grid.

    Inputs: classification logits ``cls_S``/``cls_T`` and (optional) box
    regression maps ``reg_S``/``reg_T`` (one map or a list of levels), and
    ``data_samples`` for the foreground of the regression term.
    """

    def __init__(self, loss_weight: float = 1.0, cls_weight: float = 1.0, reg_weight: float = 1.0,
                 cls_mode: str = 'kl', temperature: float = 1.0,
                 point_cloud_range: Optional[Sequence[float]] = None) -> None:
        super().__init__()
        if cls_mode not in ('kl', 'mse'):
            raise ValueError(f"HeadDistillLoss: cls_mode must be 'kl' or 'mse', got {cls_mode!r}")
        if reg_weight and point_cloud_range is None:
            raise ValueError('HeadDistillLoss: the regression term needs point_cloud_range (or reg_weight=0)')
        self.loss_weight, self.cls_weight, self.reg_weight = loss_weight, cls_weight, reg_weight
        self.cls_mode, self.temperature = cls_mode, temperature
        self.point_cloud_range = point_cloud_range

    def forward(self, cls_S, cls_T, reg_S=None, reg_T=None, data_samples=None) -> Tensor:
        cls_S, cls_T = as_levels(cls_S), as_levels(cls_T)
        if len(cls_S) != len(cls_T):
            raise ValueError(f'HeadDistillLoss: {len(cls_S)} student and {len(cls_T)} teacher class maps')
        loss = 0.0
        for s, t in zip(cls_S, cls_T):
            term = sigmoid_kl_loss(s, t, self.temperature) if self.cls_mode == 'kl' else sigmoid_mse_loss(s, t)
            loss = loss + self.cls_weight * term / len(cls_S)
        if self.reg_weight:
            if reg_S is None or reg_T is None or data_samples is None:
                raise ValueError("HeadDistillLoss: the regression term needs reg_S, reg_T and 'data_samples'")
            reg_S, reg_T = as_levels(reg_S), as_levels(reg_T)
            for s, t in zip(reg_S, reg_T):
                weight = foreground_weights(data_samples, self.point_cloud_range, s.shape[-2:], 1.0, 0.0, s.device)
                loss = loss + self.reg_weight * masked_l1_loss(s, t, weight) / len(reg_S)
        return self.loss_weight * loss
