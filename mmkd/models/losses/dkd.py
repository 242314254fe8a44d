"""Decoupled knowledge distillation, for classification and dense logits alike.

Zhao et al., "Decoupled Knowledge Distillation", CVPR 2022. DKD splits the
KD signal around the ground-truth class, so it needs labels; they arrive as
a tensor (the distiller extracts them from the data samples:
``gt_labels=('data_samples', 'gt_label')`` for classification,
``('data_samples', 'gt_sem_seg')`` for segmentation). For dense logits every
position is one sample: the label map is resized (nearest) to the logits'
size and ignored pixels are dropped.
"""
from __future__ import annotations

from typing import Tuple

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


def dense_rows(preds_S: Tensor, preds_T: Tensor, label_maps: Tensor,
               ignore_index: int = 255) -> Tuple[Tensor, Tensor, Tensor]:
    """``(N, C, H, W)`` logits and ``(N, H0, W0)`` labels -> rows ``(P, C)``, ``(P, C)``, ``(P,)``
    of the labelled positions (labels resized to ``H x W`` by nearest neighbour)."""
    check_pair('DKD', preds_S, preds_T, ndim=4)
    if label_maps.dim() != 3 or label_maps.shape[0] != preds_S.shape[0]:
        raise ValueError(f'DKD on dense logits {tuple(preds_S.shape)} expects label maps (N, H, W) with '
                         f'N={preds_S.shape[0]}, got {tuple(label_maps.shape)}')
    labels = F.interpolate(label_maps[:, None].float(), size=preds_S.shape[2:], mode='nearest')[:, 0]
    labels = labels.long().flatten().to(preds_S.device)
    num_classes = preds_S.shape[1]
    keep = (labels != ignore_index) & (labels >= 0) & (labels < num_classes)
    rows_S = preds_S.permute(0, 2, 3, 1).reshape(-1, num_classes)[keep]
    rows_T = preds_T.permute(0, 2, 3, 1).reshape(-1, num_classes)[keep]
    return rows_S, rows_T, labels[keep]


@MODELS.register_module()
class DKDLoss(nn.Module):
    """DKD: ``loss_weight * tau^2 * (alpha * TCKD + beta * NCKD)``.

    Reduction: each KL summed over its entries (2 for TCKD, C for NCKD) and
    averaged over the batch (``batchmean``), as in the reference code. The
    defaults ``alpha=1, beta=2, tau=1`` are OFAKD's; the paper uses
    ``alpha=1, beta=8, tau=4`` on CIFAR-100 and ``alpha=0.5, beta=0.5, tau=1``
    on ImageNet.

    ``forward(preds_S, preds_T, gt_labels)``: ``(B, C)`` logits with ``(B,)``
    class indices, or ``(N, C, H, W)`` logits with ``(N, H0, W0)`` label maps
    (averaged over the labelled positions; ``ignore_index`` positions are
    dropped; a batch with none gives a zero that keeps the graph).
    """

    def __init__(self, alpha: float = 1.0, beta: float = 2.0, tau: float = 1.0,
                 loss_weight: float = 1.0, ignore_index: int = 255) -> None:
        super().__init__()
        if tau <= 0:
            raise ValueError(f'DKDLoss: tau must be positive, got {tau}')
        self.alpha = alpha
        self.beta = beta
        self.tau = tau
        self.loss_weight = loss_weight
        self.ignore_index = ignore_index

    def forward(self, preds_S: Tensor, preds_T: Tensor, gt_labels: Tensor) -> Tensor:
        if preds_S.dim() == 4:
            preds_S, preds_T, gt_labels = dense_rows(preds_S, preds_T, gt_labels, self.ignore_index)
            if len(gt_labels) == 0:
                return preds_S.sum() * 0.0
        gt_labels = gt_labels.to(preds_S.device)
        return self.loss_weight * dkd_loss(preds_S, preds_T, gt_labels, self.alpha, self.beta, self.tau)
