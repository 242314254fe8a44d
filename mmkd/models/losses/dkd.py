"""Decoupled knowledge distillation.

Zhao et al., "Decoupled Knowledge Distillation", CVPR 2022.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from mmkd.registry import MODELS
from .utils import check_pair


def _binary_log_probs(log_p: Tensor, gt_mask: Tensor) -> Tensor:
    """``log [p_gt, 1 - p_gt]`` per row; ``log(1 - p_gt)`` is a log-sum-exp over the
    other classes, exact even where ``p_gt`` rounds to 1."""
    log_gt = log_p[gt_mask]
    log_other = log_p.masked_fill(gt_mask, float('-inf')).logsumexp(dim=1)
    return torch.stack([log_gt, log_other], dim=1)


def dkd_loss(preds_S: Tensor, preds_T: Tensor, gt_labels: Tensor, alpha: float = 1.0,
             beta: float = 2.0, tau: float = 1.0) -> Tensor:
    """``alpha * TCKD + beta * NCKD`` on ``(B, C)`` logits, in float32.

    TCKD is the KL between the binary (target, non-target) distributions, NCKD
    the KL between the distributions over the non-target classes; both are
    summed over their entries, averaged over the batch and scaled by ``tau^2``.
    """
    check_pair('DKD', preds_S, preds_T, ndim=2)
    if preds_S.shape[1] < 2:
        raise ValueError(f'DKD needs at least 2 classes, got logits of shape {tuple(preds_S.shape)}')
    if gt_labels.shape != preds_S.shape[:1]:
        raise ValueError(f'DKD expects gt_labels of shape ({preds_S.shape[0]},), '
                         f'got {tuple(gt_labels.shape)}')
    z_s, z_t = preds_S.float() / tau, preds_T.float() / tau
    gt_mask = F.one_hot(gt_labels.long(), z_s.shape[1]).bool()
    batch = z_s.shape[0]

    log_b_s = _binary_log_probs(F.log_softmax(z_s, dim=1), gt_mask)
    log_b_t = _binary_log_probs(F.log_softmax(z_t, dim=1), gt_mask)
    tckd = F.kl_div(log_b_s, log_b_t, reduction='sum', log_target=True) / batch

    # The reference code masks the target with -1000 after the temperature
    # scaling: its probability underflows to 0 in float32, without the NaN an
    # exact -inf would give in the KL.
    log_q_s = F.log_softmax(z_s - 1000.0 * gt_mask, dim=1)
    q_t = F.softmax(z_t - 1000.0 * gt_mask, dim=1)
    nckd = F.kl_div(log_q_s, q_t, reduction='sum') / batch
    return (alpha * tckd + beta * nckd) * tau**2


@MODELS.register_module()
class DKDLoss(nn.Module):
    """DKD: ``loss_weight * tau^2 * (alpha * TCKD + beta * NCKD)``.

    Reduction: each KL summed over its entries (2 for TCKD, C for NCKD) and
    averaged over the batch (``batchmean``), as in the reference code. The
    defaults ``alpha=1, beta=2, tau=1`` are OFAKD's; the paper uses
    ``alpha=1, beta=8, tau=4`` on CIFAR-100 and ``alpha=0.5, beta=0.5, tau=1``
    on ImageNet. ``gt_labels`` are the class indices, shape ``(B,)``.
    """

    def __init__(self, alpha: float = 1.0, beta: float = 2.0, tau: float = 1.0,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        self.alpha = alpha
        self.beta = beta
        self.tau = tau
        self.loss_weight = loss_weight

    def forward(self, preds_S: Tensor, preds_T: Tensor, gt_labels: Tensor) -> Tensor:
        return self.loss_weight * dkd_loss(preds_S, preds_T, gt_labels, self.alpha, self.beta, self.tau)
