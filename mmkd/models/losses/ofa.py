"""OFA-KD loss: distillation in the logits space with adaptive target enhancement.

Hao et al., "One-for-All: Bridge the Gap Between Heterogeneous Architectures
in Knowledge Distillation", NeurIPS 2023 (reference: ``distillers/ofa.py``).

With student probabilities ``p_s``, teacher probabilities ``p_t`` and the
one-hot ground truth ``y``::

    L = mean_batch( - sum_c ((p_t + y)^eps - y)_c * log p_s,c )

For eps = 1 the weights are ``p_t``: cross-entropy with the teacher's
probabilities (KD at temperature 1 plus the teacher's entropy). For eps > 1
the target class weight ``(1 + p_t^y)^eps - 1`` grows with the teacher's
confidence in the true class, and non-target weights ``p_t,c^eps`` shrink:
the student is pushed towards the target more where the teacher is sure,
and learns less of the teacher's noise on the other classes.
"""
from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

from mmkd.registry import MODELS
from .utils import check_pair


def ofa_loss(preds_S: Tensor, preds_T: Tensor, gt_labels: Tensor, eps: float = 1.0,
             temperature: float = 1.0) -> Tensor:
    """The OFA loss on ``(B, C)`` logits with ``(B,)`` class indices, in float32.

    No ``temperature^2`` factor, as in the reference code.
    """
    check_pair('OFA', preds_S, preds_T, ndim=2)
    if gt_labels.shape != preds_S.shape[:1]:
        raise ValueError(f'OFA expects gt_labels of shape ({preds_S.shape[0]},), got {tuple(gt_labels.shape)}')
    log_p_s = F.log_softmax(preds_S.float() / temperature, dim=1)
    p_t = F.softmax(preds_T.float() / temperature, dim=1)
    target = F.one_hot(gt_labels.long(), preds_S.shape[1]).float()
    weights = (p_t + target).pow(eps) - target
    return -(weights * log_p_s).sum(dim=1).mean()


@MODELS.register_module()
class OFALoss(nn.Module):
    """``loss_weight * ofa_loss(preds_S, preds_T, labels; eps, temperature)``.

    One instance per distilled output: the student's final logits and each
    exit branch (``mmkd.OFABranch``) get their own entry, so each can carry
    its own ``eps`` as in the reference (``--ofa-eps`` per stage). Labels are
    read from the data samples' ``gt_label`` (:class:`~mmkd.structures.ClsDataSample`).

    Args:
        eps: target-enhancement exponent (the paper's gamma); 1 = plain KD.
        temperature: softmax temperature of both distributions.
        loss_weight: scale of this entry.
    """

    def __init__(self, eps: float = 1.0, temperature: float = 1.0, loss_weight: float = 1.0) -> None:
        super().__init__()
        if eps <= 0:
            raise ValueError(f'OFALoss: eps must be positive, got {eps}')
        self.eps = eps
        self.temperature = temperature
        self.loss_weight = loss_weight

    def forward(self, preds_S: Tensor, preds_T: Tensor, gt_labels: Tensor) -> Tensor:
        return self.loss_weight * ofa_loss(preds_S, preds_T, gt_labels.to(preds_S.device), self.eps,
                                           self.temperature)
