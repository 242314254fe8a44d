"""The losses of OADP's distillation pyramid (object, block and global levels).

Wang et al., "Object-Aware Distillation Pyramid for Open-Vocabulary Object
Detection", CVPR 2023 (LutingWang/OADP). Student embeddings are compared with
the CLIP teacher's OAKE embeddings of the same regions:

* object level: L1 between the object head's embeddings of proposals and the
  teacher's object embeddings (OADP weight 256);
* block level: L1 (weight 128) plus a relation term, ``MSE(p p^T, t t^T)``
  over the inner products of all pairs of block embeddings (weight 8), plus a
  multi-label asymmetric loss on the block classifier (weight 16);
* global level: summed squared error of the whole-image embedding (weight
  0.5) plus the multi-label asymmetric loss (weight 4).

Weights are ``loss_weight`` config values; OADP's linear warm-ups are
``DistillLossWeightScheduleHook`` schedules. The multi-label targets (OADP
takes the top-k categories of the teacher's scores) are made by the heads,
not here.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from mmkd.registry import MODELS
from .utils import check_pair


def object_distill_loss(preds_S: Tensor, preds_T: Tensor) -> Tensor:
    """Mean absolute error between ``(N, D)`` student and teacher embeddings, float32."""
    check_pair('OADP object distillation', preds_S, preds_T, min_ndim=2)
    return F.l1_loss(preds_S.float(), preds_T.float())


def relation_matrix(embeddings: Tensor) -> Tensor:
    """``(n, n)`` inner products of every pair of the ``(..., c)`` embeddings (flattened to ``(n, c)``).

    Computed in float32 with autocast off: under bf16 autocast the matmul
    would round each inner product to 8 mantissa bits, an error larger than
    the student-teacher differences the loss is meant to measure.
    """
    flat = embeddings.float().reshape(-1, embeddings.shape[-1])
    with torch.autocast(device_type=flat.device.type, enabled=False):
        return flat @ flat.T


def relation_distill_loss(preds_S: Tensor, preds_T: Tensor) -> Tensor:
    """``mean((S S^T - T T^T)^2)``: the student keeps the teacher's pairwise inner products.

    Student and teacher may have different widths (``(..., c)`` and ``(..., d)``);
    the leading dimensions, the embeddings being related, must agree. The
    loss is unchanged by a rotation applied to both sets (``R R^T = I``).
    """
    check_pair('OADP relation distillation', preds_S, preds_T, min_ndim=2, same_shape=False)
    if preds_S.shape[:-1] != preds_T.shape[:-1]:
        raise ValueError('OADP relation distillation expects preds_S and preds_T with the same leading '
                         f'dimensions, got {tuple(preds_S.shape)} and {tuple(preds_T.shape)}')
    return F.mse_loss(relation_matrix(preds_S), relation_matrix(preds_T))


def global_distill_loss(preds_S: Tensor, preds_T: Tensor) -> Tensor:
    """Summed squared error between student and teacher whole-image embeddings, float32."""
    check_pair('OADP global distillation', preds_S, preds_T, min_ndim=1)
    return F.mse_loss(preds_S.float(), preds_T.float(), reduction='sum')


def asymmetric_loss(probs: Tensor, targets: Tensor, gamma_neg: float = 4.0, gamma_pos: float = 0.0,
                    clip: float = 0.05, eps: float = 1e-8, reduction: str = 'mean') -> Tensor:
    """Asymmetric multi-label loss (Ridnik et al., ICCV 2021) as OADP uses it.

    With ``x`` the predicted probability and ``x_neg = min(1 - x + clip, 1)``::

        L = -[ y log(x) (1 - x)^gamma_pos + (1 - y) log(x_neg) (1 - x_neg)^gamma_neg ]

    Negatives with ``x <= clip`` cost nothing (probability shifting), easy
    negatives are down-weighted by ``gamma_neg``. The focusing weights carry
    no gradient. ``reduction``: ``'mean'`` over all elements (OADP's), ``'sum'`` or ``'none'``.
    """
    if probs.shape != targets.shape:
        raise ValueError(f'asymmetric_loss expects probs and targets of the same shape, got '
                         f'{tuple(probs.shape)} and {tuple(targets.shape)}')
    if reduction not in ('mean', 'sum', 'none'):
        raise ValueError(f"asymmetric_loss: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    x = probs.float()
    y = targets.float()
    x_neg = 1 - x
    if clip > 0:
        x_neg = (x_neg + clip).clamp(max=1)
    loss = y * torch.log(x.clamp(min=eps)) + (1 - y) * torch.log(x_neg.clamp(min=eps))
    if gamma_neg > 0 or gamma_pos > 0:
        with torch.no_grad():
            pt = y * x + (1 - y) * x_neg
            weight = torch.pow(1 - pt, y * gamma_pos + (1 - y) * gamma_neg)
        loss = loss * weight
    loss = -loss
    if reduction == 'mean':
        return loss.mean()
    return loss.sum() if reduction == 'sum' else loss


@MODELS.register_module()
class ObjectDistillLoss(nn.Module):
    """OADP object level: ``loss_weight * mean|s_obj - t_obj|`` (OADP: loss_weight 256)."""

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, preds_S: Tensor, preds_T: Tensor) -> Tensor:
        return self.loss_weight * object_distill_loss(preds_S, preds_T)


@MODELS.register_module()
class RelationDistillLoss(nn.Module):
    """Inner-product relation (RKD-style) loss: ``loss_weight * mean((S S^T - T T^T)^2)``."""

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, preds_S: Tensor, preds_T: Tensor) -> Tensor:
        return self.loss_weight * relation_distill_loss(preds_S, preds_T)


@MODELS.register_module()
class BlockDistillLoss(nn.Module):
    """OADP block level: ``l1_weight * mean|s - t| + relation_weight * relation(s, t)``.

    OADP uses ``l1_weight=128, relation_weight=8`` with one warm-up for both;
    for separate schedules use ``ObjectDistillLoss`` and ``RelationDistillLoss``
    as two losses. ``loss_weight`` scales the sum (the schedule's target).
    """

    def __init__(self, l1_weight: float = 1.0, relation_weight: float = 1.0, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.l1_weight = l1_weight
        self.relation_weight = relation_weight
        self.loss_weight = loss_weight

    def forward(self, preds_S: Tensor, preds_T: Tensor) -> Tensor:
        loss = self.l1_weight * object_distill_loss(preds_S, preds_T)
        if self.relation_weight:
            loss = loss + self.relation_weight * relation_distill_loss(preds_S, preds_T)
        return self.loss_weight * loss


@MODELS.register_module()
class GlobalDistillLoss(nn.Module):
    """OADP global level: ``loss_weight * sum((s_glb - t_glb)^2)`` (OADP: loss_weight 0.5)."""

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, preds_S: Tensor, preds_T: Tensor) -> Tensor:
        return self.loss_weight * global_distill_loss(preds_S, preds_T)


@MODELS.register_module()
class AsymmetricLoss(nn.Module):
    """Multi-label asymmetric loss on logits (``use_sigmoid=True``) or probabilities.

    OADP: ``gamma_neg=4, gamma_pos=0, clip=0.05``, mean over elements; block
    weight 16, global weight 4. See :func:`asymmetric_loss`.
    """

    def __init__(self, gamma_neg: float = 4.0, gamma_pos: float = 0.0, clip: float = 0.05, eps: float = 1e-8,
                 reduction: str = 'mean', use_sigmoid: bool = True, loss_weight: float = 1.0) -> None:
        super().__init__()
        if reduction not in ('mean', 'sum'):
            raise ValueError(f"AsymmetricLoss: reduction must be 'mean' or 'sum', got {reduction!r}")
        self.gamma_neg, self.gamma_pos, self.clip, self.eps = gamma_neg, gamma_pos, clip, eps
        self.reduction = reduction
        self.use_sigmoid = use_sigmoid
        self.loss_weight = loss_weight

    def forward(self, preds: Tensor, targets: Tensor) -> Tensor:
        probs = preds.float().sigmoid() if self.use_sigmoid else preds
        return self.loss_weight * asymmetric_loss(probs, targets, self.gamma_neg, self.gamma_pos, self.clip,
                                                  self.eps, self.reduction)
